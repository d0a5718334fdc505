// The embedded index's facets (aggregates split by device and level), which answer the dashboard's device
// and level filters: they must count what the plays count, also when rebuilt for an index that predates them.
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import Database from 'better-sqlite3';
import { EmbeddedIndex } from '../../src/lib/adapters/embedded/index.js';
import { enrich } from '../../src/lib/pipeline/enrich.js';
import type { Customer, PlayEvent, Track } from '../../src/lib/records.js';
import { T0, tempDir } from '../support/fixtures.js';

const customer = (id: number, level: 0 | 1 | 2, zip: string): Customer => ({
  id, name: `C${id}`, gender: id % 2 ? 'female' : 'male', address: '', zip, signDate: '2013-01-01', active: true, level,
  campaign: 0, linkedWithApps: false, age: 20 + id, ageSource: 'file',
});
const CUSTOMERS = new Map([[1, customer(1, 0, '10001')], [2, customer(2, 1, '94103')], [3, customer(3, 2, '60601')]]);
const TRACKS = new Map<number, Track>([[7, { id: 7, title: 'Seven', artist: 'A', lengthSec: 100 }], [8, { id: 8, title: 'Eight', artist: 'B', lengthSec: 100 }]]);

function plays(): PlayEvent[] {
  return Array.from({ length: 60 }, (_, i) => ({
    eventId: i, customerId: 1 + (i % 4), trackId: 7 + (i % 2), time: T0 + i * 7 * 60_000, mobile: i % 3 !== 0, zip: ['10001', '94103', '60601', '99999'][i % 4],
  }));
}

/** What the plays themselves say for a device/level filter, by dimension value. */
function expected(events: PlayEvent[], mobile: boolean | undefined, level: number | undefined, valueOf: (e: PlayEvent) => string): Map<string, number> {
  const out = new Map<string, number>();
  for (const e of events) {
    const c = CUSTOMERS.get(e.customerId);
    if (mobile !== undefined && e.mobile !== mobile) continue;
    if (level !== undefined && c?.level !== level) continue;
    out.set(valueOf(e), (out.get(valueOf(e)) ?? 0) + 1);
  }
  return out;
}

async function check(index: EmbeddedIndex, events: PlayEvent[]): Promise<void> {
  for (const mobile of [undefined, true, false]) {
    for (const level of [undefined, 0, 1, 2]) {
      const f = { mobile, level };
      if (mobile === undefined && level === undefined) continue; // the aggregates answer that one
      const totals = await index.totals(f);
      const want = [...expected(events, mobile, level, () => '').values()][0] ?? 0;
      assert.equal(totals.plays, want, `totals ${JSON.stringify(f)}`);
      const tracks = new Map((await index.breakdown(f, 'track', 10)).map((r) => [r.value, r.plays]));
      assert.deepEqual(tracks, expected(events, mobile, level, (e) => String(e.trackId)), `tracks ${JSON.stringify(f)}`);
      const series = await index.series(f, 'hour');
      assert.equal(series.reduce((s, p) => s + p.plays, 0), want, `series ${JSON.stringify(f)}`);
      assert.equal(series.reduce((s, p) => s + p.mobilePlays, 0), mobile === false ? 0 : [...expected(events, true, level, () => '').values()][0] ?? 0);
    }
  }
}

describe('embedded index facets', () => {
  it('answer device and level filters as the plays do, and are rebuilt for an index written without them', async () => {
    const dir = tempDir('musicflow-facets-');
    const events = plays();
    const enriched = events.map((e) => enrich(e, CUSTOMERS.get(e.customerId), TRACKS.get(e.trackId)));
    const index = new EmbeddedIndex(dir);
    await index.applyEffects({ position: { log: 't', partition: 0, expected: -1, next: 59 }, plays: enriched, offsets: enriched.map((_p, i) => i) });
    await check(index, events);
    await index.close();

    const db = new Database(join(dir, 'index.db'));
    db.exec('DELETE FROM facets');
    db.close();
    const reopened = new EmbeddedIndex(dir);
    try {
      await check(reopened, events);
    } finally {
      await reopened.close();
    }
  });
});
