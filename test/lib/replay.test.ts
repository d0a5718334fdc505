import assert from 'node:assert/strict';
import { appendFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { EmbeddedEventLog } from '../../src/lib/adapters/embedded/log.js';
import { formatTrackLine, parseTrackLine } from '../../src/lib/formats/tracks.js';
import type { LogRecord } from '../../src/lib/ports.js';
import { replayFile } from '../../src/lib/app/replay.js';
import { tailLines } from '../../src/lib/formats/tail.js';
import { tempDir } from '../support/fixtures.js';

const line = (id: number, minutes = id) => formatTrackLine({ eventId: id, customerId: id % 3, trackId: 1, time: Date.UTC(2014, 9, 1) + minutes * 60_000, mobile: false, zip: '10001' });

/** An event log that only remembers what was appended (the embedded one, read back). */
async function readAll(log: EmbeddedEventLog): Promise<LogRecord[]> {
  const out: LogRecord[] = [];
  await log.consume({ group: 'reader', fromBeginning: true, untilIdle: true, maxBatch: 1000, signal: new AbortController().signal, onBatch: async (b) => { out.push(...b.records); } });
  return out;
}

describe('tailLines', () => {
  it('numbers lines, skips blanks, strips BOM and CR, reads a last line without newline', async () => {
    const file = join(tempDir(), 't.csv');
    writeFileSync(file, `\uFEFFa\r\n\nb\r\n   \nc`);
    const lines = [];
    for await (const batch of tailLines(file, { byte: 0, line: 0 }, { follow: false, signal: new AbortController().signal })) lines.push(...batch.lines);
    assert.deepEqual(lines, [
      { lineNo: 1, text: 'a', end: { byte: 6, line: 1 } }, { lineNo: 3, text: 'b', end: { byte: 10, line: 3 } }, { lineNo: 5, text: 'c', end: { byte: 15, line: 5 } },
    ]);
  });
});

describe('replay', () => {
  it('sends good lines keyed by customer and dead-letters bad ones with their line', async () => {
    const dir = tempDir();
    const file = join(dir, 'tracks.csv');
    writeFileSync(file, [line(0), 'garbage', line(1), line(2)].join('\n'));
    const log = new EmbeddedEventLog(dir);
    const report = await replayFile(log, { file, retime: false, follow: false, loop: false, signal: new AbortController().signal });
    assert.equal(report.events_sent, 3);
    assert.equal(report.rejected, 1);
    assert.equal(report.lines_read, 4);
    const records = await readAll(log);
    assert.deepEqual(records.map((r) => r.key), ['0', '1', '2']);
    assert.deepEqual((await log.readDeadLetters(5)).map((d) => [d.line, d.stage]), [[2, 'replay']]);
    await log.close();
  });

  it('--retime shifts times so the first event is now, keeping the gaps', async () => {
    const dir = tempDir();
    const file = join(dir, 'tracks.csv');
    writeFileSync(file, [line(0, 0), line(1, 90)].join('\n'));
    const log = new EmbeddedEventLog(dir);
    const before = Date.now();
    await replayFile(log, { file, retime: true, follow: false, loop: false, signal: new AbortController().signal });
    const times = (await readAll(log)).map((r) => { const p = parseTrackLine(r.value); assert.ok(p.ok); return p.value.time; });
    assert.ok(Math.abs(times[0] - before) < 60_000, 'first event is now (to the second the format keeps)');
    assert.equal(times[1] - times[0], 90 * 60_000);
    await log.close();
  });

  it('--loop with --limit stops after the limit, across passes', async () => {
    const dir = tempDir();
    const file = join(dir, 'tracks.csv');
    writeFileSync(file, [line(0), line(1), line(2)].join('\n') + '\n');
    const log = new EmbeddedEventLog(dir);
    const report = await replayFile(log, { file, retime: false, follow: false, loop: true, limit: 7, signal: new AbortController().signal });
    assert.equal(report.events_sent, 7);
    assert.equal(report.passes, 3);
    await log.close();
  });

  it('--follow picks up appended lines and resumes after a restart without repeating any', async () => {
    const dir = tempDir();
    const file = join(dir, 'growing.csv');
    writeFileSync(file, `${line(0)}\n${line(1)}\n`);
    const log = new EmbeddedEventLog(dir);
    const follow = async (until: number) => {
      const stop = new AbortController();
      const run = replayFile(log, {
        file, retime: false, follow: true, loop: false, signal: stop.signal,
        onProgress: (r) => { if (r.events_sent >= until) stop.abort(); },
      });
      return run;
    };
    const first = follow(3);
    await new Promise((r) => setTimeout(r, 300));
    appendFileSync(file, `${line(2)}\n${line(3).slice(0, 10)}`); // a half-written line is not read yet
    assert.equal((await first).events_sent, 3);
    appendFileSync(file, `${line(3).slice(10)}\n${line(4)}\n`);
    const second = await follow(2);
    assert.equal(second.events_sent, 2);
    const ids = (await readAll(log)).map((r) => { const p = parseTrackLine(r.value); assert.ok(p.ok); return p.value.eventId; });
    assert.deepEqual(ids, [0, 1, 2, 3, 4]);
    await log.close();
  });
});

describe('replay --skip', () => {
  it('passes over the first lines and sends the rest', async () => {
    const dir = tempDir();
    const file = join(dir, 'tracks.csv');
    writeFileSync(file, [line(0), 'bad line', line(2), line(3)].join('\n'));
    const log = new EmbeddedEventLog(dir);
    const report = await replayFile(log, { file, retime: false, follow: false, loop: false, skip: 2, signal: new AbortController().signal });
    assert.deepEqual([report.events_sent, report.rejected, report.lines_read], [2, 0, 2]);
    await log.close();
  });
});

describe('replay --retime with --rate', () => {
  it('stamps each event with the moment it is sent, so paced traffic is live', async () => {
    const dir = tempDir();
    const file = join(dir, 'tracks.csv');
    writeFileSync(file, [line(0, 0), line(1, 600), line(2, 6000)].join('\n'));
    const log = new EmbeddedEventLog(dir);
    const before = Math.floor(Date.now() / 1000) * 1000;
    await replayFile(log, { file, rate: 20, retime: true, follow: false, loop: false, signal: new AbortController().signal });
    const after = Date.now();
    const times = (await readAll(log)).map((r) => { const p = parseTrackLine(r.value); assert.ok(p.ok); return p.value.time; });
    assert.equal(times.length, 3);
    for (const t of times) assert.ok(t >= before && t <= after, `${new Date(t).toISOString()} is within the replay`);
    await log.close();
  });
});
