// A property test over every reader (issue 13, item 14): files of valid, mutated and random lines, made from a
// fixed seed so a failure repeats, never crash a reader, and every non-blank line comes out exactly once: as a
// value, a dead letter, a duplicate or a skipped header. Replay keeps the same account: lines_read = sent + rejected.
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { isUtf8 } from 'node:buffer';
import { EmbeddedEventLog } from '../../src/lib/adapters/embedded/log.js';
import { readRecords, type FormatKind, type RecordBatch } from '../../src/lib/formats/read.js';
import { formatTrackLine } from '../../src/lib/formats/tracks.js';
import { seededRandom } from '../../src/lib/model/split.js';
import { replayFile } from '../../src/lib/app/replay.js';
import { tempDir } from '../support/fixtures.js';

type Rand = () => number;
const pick = <T>(rand: Rand, items: readonly T[]): T => items[Math.floor(rand() * items.length)];
const int = (rand: Rand, below: number): number => Math.floor(rand() * below);

/** A header (or none) and a maker of valid lines, ids from a small range so duplicates occur. */
const KINDS: Record<FormatKind, { header: string | null; line: (rand: Rand) => string }> = {
  tracks: {
    header: null,
    line: (r) => formatTrackLine({ eventId: int(r, 50), customerId: int(r, 20), trackId: int(r, 30), time: Date.UTC(2014, 9, 1) + int(r, 1e9), mobile: r() < 0.5, zip: String(10000 + int(r, 89999)) }),
  },
  customers: {
    header: 'CustID,Name,Gender,Address,zip,SignDate,Status,Level,Campaign,LinkedWithApps',
    line: (r) => `${int(r, 40)},"Name ${int(r, 99)}",${int(r, 2)},"${int(r, 999)} Main St","${String(10000 + int(r, 89999))}","06/0${1 + int(r, 9)}/2013",${int(r, 2)},${int(r, 3)},${int(r, 5)},${int(r, 2)}`,
  },
  music: {
    header: 'TrackId,Title,Artist,Length',
    line: (r) => `${int(r, 40)},Title ${int(r, 99)},${pick(r, ['Artist', '"Crosby, Stills"', 'The Band'])},${1 + int(r, 400)}`,
  },
  clicks: {
    header: 'EventID,CustID,AdClicked,Localtime',
    line: (r) => `${int(r, 40)},${int(r, 20)},"ADV_${pick(r, ['REDUCED_1DAY', 'FREE_WEEK'])}","2014-10-0${1 + int(r, 9)} 1${int(r, 10)}:12:44"`,
  },
  libsvm: {
    header: null,
    line: (r) => `${int(r, 2)} ${[1, 2, 3, 4, 5, 6].filter(() => r() < 0.8).map((i) => `${i}:${r().toFixed(2)}`).join(' ')}`,
  },
};

/** Bytes a mutation puts in: the ones readers must think about (quotes, commas, CR, controls, NUL, invalid UTF-8). */
const NASTY = [0x22, 0x2c, 0x0d, 0x09, 0x20, 0x00, 0x1b, 0xff, 0xc3, 0xa9, 0x30, 0x39, 0x61, 0x3a, 0x2d, 0x0a];

function mutate(rand: Rand, line: Buffer): Buffer {
  const bytes = [...line];
  for (let n = 1 + int(rand, 3); n > 0; n--) {
    const at = int(rand, bytes.length + 1);
    switch (int(rand, 4)) {
      case 0: bytes.splice(at, 0, pick(rand, NASTY)); break;
      case 1: bytes.splice(at, 1); break;
      case 2: bytes[Math.min(at, bytes.length - 1)] = pick(rand, NASTY); break;
      default: bytes.length = at; // cut short
    }
  }
  return Buffer.from(bytes);
}

function randomLine(rand: Rand): Buffer {
  return Buffer.from(Array.from({ length: int(rand, 80) }, () => (rand() < 0.5 ? pick(rand, NASTY) : 0x20 + int(rand, 0xe0))).filter((b) => b !== 0x0a));
}

/** A file whose first line (and header) is valid, then valid, mutated, random and blank lines. */
function fileOf(kind: FormatKind, seed: number, lines: number): Buffer {
  const rand = seededRandom(seed);
  const { header, line } = KINDS[kind];
  const out: Buffer[] = [];
  if (header !== null && rand() < 0.8) out.push(Buffer.from(header));
  out.push(Buffer.from(line(rand)));
  while (out.length < lines) {
    const roll = rand();
    if (roll < 0.4) out.push(Buffer.from(line(rand)));
    else if (roll < 0.75) out.push(mutate(rand, Buffer.from(line(rand))));
    else if (roll < 0.9) out.push(randomLine(rand));
    else out.push(Buffer.from(pick(rand, ['', ' ', '\t', '\r', '  \r'])));
  }
  return Buffer.from(Buffer.concat(out.flatMap((b) => [b, Buffer.from(rand() < 0.2 ? '\r\n' : '\n')])));
}

/** The file's physical lines as text, decoded as the docs say (UTF-8, else Latin-1), line numbers from 1. */
function physicalLines(content: Buffer): string[] {
  const lines: string[] = [];
  let start = 0;
  for (let nl = content.indexOf(0x0a); nl !== -1; nl = content.indexOf(0x0a, start)) {
    const bytes = content.subarray(start, nl);
    lines.push(isUtf8(bytes) ? bytes.toString('utf8') : new TextDecoder('windows-1252').decode(bytes));
    start = nl + 1;
  }
  return lines;
}

async function readAll(file: string, kind: FormatKind): Promise<Array<RecordBatch<unknown>>> {
  const batches: Array<RecordBatch<unknown>> = [];
  // The overloads name one kind each; the property holds for any.
  for await (const batch of readRecords(file, kind as 'tracks', 'seed', 64)) batches.push(batch as RecordBatch<unknown>);
  return batches;
}

const SEEDS = [1, 2, 3, 4, 5, 6, 7, 8];

for (const kind of Object.keys(KINDS) as FormatKind[]) {
  test(`${kind}: every non-blank line is read once, as a value, a dead letter, a duplicate or a header; nothing crashes`, async () => {
    for (const seed of SEEDS) {
      const content = fileOf(kind, seed * 7919 + kind.length, 300);
      const file = join(tempDir('musicflow-property-'), `${kind}.csv`);
      writeFileSync(file, content);
      const batches = await readAll(file, kind);
      const seen = new Map<number, string>();
      const note = (lineNo: number, as: string) => {
        assert.ok(!seen.has(lineNo), `${kind} seed ${seed}: line ${lineNo} came out twice (${seen.get(lineNo)}, ${as})`);
        seen.set(lineNo, as);
      };
      let headers = 0;
      for (const batch of batches) {
        for (const v of batch.values) note(v.lineNo, 'value');
        for (const r of batch.rejects) note(r.line!, 'reject');
        for (const d of batch.duplicates) note(d.line!, 'duplicate');
        headers += batch.headers;
      }
      const lines = physicalLines(content);
      const accounted = [...seen.keys()].length + headers;
      lines.forEach((text, i) => {
        const lineNo = i + 1;
        // Nothing lost: a line with anything visible in it is accounted for.
        if (/[!-~]/.test(text)) assert.ok(seen.has(lineNo) || (headers === 1 && lineNo === 1), `${kind} seed ${seed}: line ${lineNo} lost: ${JSON.stringify(text)}`);
        // Only blank lines pass unaccounted.
        if (!seen.has(lineNo) && !(headers === 1 && lineNo === 1)) assert.equal(text.trim(), '', `${kind} seed ${seed}: line ${lineNo} skipped`);
      });
      assert.ok(accounted <= lines.length);
      assert.ok(headers <= 1);
    }
  });
}

test('replay: lines_read = events_sent + rejected, and with the header and blank lines that is every line', async () => {
  for (const seed of SEEDS) {
    const dir = tempDir('musicflow-property-');
    const file = join(dir, 'tracks.csv');
    const content = fileOf('tracks', seed, 300);
    writeFileSync(file, content);
    const log = new EmbeddedEventLog(dir);
    try {
      const report = await replayFile(log, { file, retime: false, follow: false, loop: false, signal: new AbortController().signal });
      assert.equal(report.events_sent + report.rejected, report.lines_read, `seed ${seed}`);
      const nonBlank = physicalLines(content).filter((text) => /[!-~]/.test(text)).length;
      assert.ok(report.lines_read >= nonBlank && report.lines_read <= physicalLines(content).length, `seed ${seed}: ${report.lines_read} of ${nonBlank}`);
      assert.equal((await log.deadLetterCounts()).byStage.replay, report.rejected, `seed ${seed}: each rejected line is one dead letter`);
    } finally {
      await log.close();
    }
  }
});
