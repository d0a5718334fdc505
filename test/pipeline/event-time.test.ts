// Plays dated too far past the wall clock, or before any streaming log, are dead letters with the accepted
// range, at replay and in the stream (issue 13, item 2): one play dated 2999 must not poison interests.
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { openBackends } from '../../src/lib/wiring/backends.js';
import { resolveConfig } from '../../src/lib/config.js';
import { DAY_MS } from '../../src/lib/formats/datetime.js';
import { formatTrackLine, parseTrackLine } from '../../src/lib/formats/tracks.js';
import type { PlayEvent } from '../../src/lib/records.js';
import { replayFile } from '../../src/lib/app/replay.js';
import { streamLog } from '../../src/lib/app/stream.js';
import { tempDir } from '../support/fixtures.js';

const never = new AbortController().signal;
const NOW = Date.UTC(2026, 2, 10, 12, 0, 0);
const FAR_FUTURE = Date.UTC(2999, 0, 1, 0, 0, 0);
const play = (eventId: number, time: number): PlayEvent => ({ eventId, customerId: 7, trackId: 70, time, mobile: true, zip: '94103' });

describe('play times', () => {
  it('accepts plays up to the margin past now and refuses later or pre-2000 ones, naming the accepted range', () => {
    assert.ok(parseTrackLine(formatTrackLine(play(1, NOW + DAY_MS)), NOW).ok);
    assert.ok(parseTrackLine(formatTrackLine(play(1, Date.UTC(2014, 9, 1))), NOW).ok);
    for (const time of [FAR_FUTURE, NOW + DAY_MS + 1000, Date.UTC(1999, 11, 31, 23, 59, 59)]) {
      const parsed = parseTrackLine(formatTrackLine(play(1, time)), NOW);
      assert.ok(!parsed.ok, new Date(time).toISOString());
      assert.match(parsed.reason, /is outside the accepted range 2000-01-01 00:00:00 to 2026-03-11 12:00:00 \(the wall clock plus 24 h\)/);
    }
    // The irregular path (spaces, unquoted fields) keeps the same rule.
    assert.ok(!parseTrackLine(' 1, 7, 70, 2999-01-01 00:00:00, 1, 94103', NOW).ok);
    // A configured margin widens it.
    assert.ok(parseTrackLine(formatTrackLine(play(1, NOW + 3 * DAY_MS)), NOW, 7 * DAY_MS).ok);
  });

  it('the stream dead-letters a play dated 2999 and still finds the interest of the plays around it', async () => {
    const backends = await openBackends(resolveConfig({ dataDir: tempDir('musicflow-event-time-') }, {}));
    try {
      const now = Date.now();
      const minute = 60_000;
      // Sent straight to the log, as a producer other than `musicflow replay` could.
      const plays = [play(1, FAR_FUTURE), play(2, now - 20 * minute), play(3, now - 10 * minute), play(4, now - 5 * minute)];
      await backends.log.append(plays.map((p) => ({ key: String(p.customerId), value: formatTrackLine(p) })));
      const report = await streamLog(backends, { group: 'g', fromBeginning: false, untilIdle: true, maxBatch: 100, signal: never });
      assert.equal(report.events_processed, 3);
      assert.equal(report.dead_letters, 1);
      const [letter] = await backends.log.readDeadLetters(5);
      assert.equal(letter.stage, 'stream');
      assert.match(letter.reason, /time "2999-01-01 00:00:00" is outside the accepted range 2000-01-01 00:00:00 to /);
      assert.deepEqual((await backends.store.interestsOf(7)).map((i) => i.trackId), [70]);
      const totals = await backends.index.totals({});
      assert.equal(totals.plays, 3);
      assert.ok(totals.last !== null && totals.last <= now, 'the newest indexed play is not from 2999');
    } finally {
      await backends.close();
    }
  });

  it('replay rejects the far-future line before it reaches the log', async () => {
    const dir = tempDir('musicflow-event-time-replay-');
    const backends = await openBackends(resolveConfig({ dataDir: join(dir, 'data') }, {}));
    try {
      const file = join(dir, 'tracks.csv');
      writeFileSync(file, `${formatTrackLine(play(1, Date.now() - 60_000))}\n${formatTrackLine(play(2, FAR_FUTURE))}\n`);
      const report = await replayFile(backends.log, { file, retime: false, follow: false, loop: false, signal: never });
      assert.deepEqual([report.events_sent, report.rejected], [1, 1]);
      const [letter] = await backends.log.readDeadLetters(5);
      assert.deepEqual([letter.line, letter.stage], [2, 'replay']);
      assert.match(letter.reason, /outside the accepted range/);
    } finally {
      await backends.close();
    }
  });
});
