// The Redis scripts' documented KEYS and ARGV (the header of each lua/*.lua) against the layouts the adapter
// calls them with (scripts.ts): a key or argument added, dropped or moved on one side only fails here.
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { describe, it } from 'node:test';
import { APPLY_INDEX_EFFECTS, APPLY_STORE_BATCH, RECORD_OFFER, REQUEUE_SMS, SETTLE_SMS, UPSERT_CUSTOMERS, luaSource, type ScriptLayout } from '../../src/lib/adapters/redis/scripts.js';
import { RedisStore } from '../../src/lib/adapters/redis/store.js';
import { storeBatch } from '../support/store-batch.js';

const LUA_DIR = new URL('../../../src/lib/adapters/redis/lua/', import.meta.url);
const LAYOUTS: Array<ScriptLayout<string, string>> = [APPLY_STORE_BATCH, UPSERT_CUSTOMERS, RECORD_OFFER, APPLY_INDEX_EFFECTS, SETTLE_SMS, REQUEUE_SMS];

interface Header { keys: string[]; moreKeys: string | null; argv: string[] }

/** `-- KEYS[n] name: ...`, `-- KEYS[n..] name: ...` and `-- ARGV[n] name: ...` lines, in order and numbered from 1. */
function header(text: string, file: string): Header {
  const out: Header = { keys: [], moreKeys: null, argv: [] };
  for (const m of text.matchAll(/^-- (KEYS|ARGV)\[(\d+)(\.\.)?\] ([^:\n]+)/gm)) {
    const [, kind, n, more, name] = m;
    const list = kind === 'KEYS' ? out.keys : out.argv;
    if (more) {
      assert.equal(kind, 'KEYS', `${file}: only KEYS may run on ("[n..]")`);
      assert.equal(Number(n), out.keys.length + 1, `${file}: KEYS[${n}..] follows the fixed keys`);
      out.moreKeys = name.trim();
      continue;
    }
    assert.equal(Number(n), list.length + 1, `${file}: ${kind}[${n}] is out of order`);
    list.push(name.trim());
  }
  return out;
}

describe('Redis scripts', () => {
  const files = readdirSync(LUA_DIR).filter((f) => f.endsWith('.lua'));

  it('every script has a layout in scripts.ts, and every layout a script', () => {
    assert.deepEqual(files.sort(), LAYOUTS.map((l) => l.file).sort());
  });

  for (const layout of LAYOUTS) {
    it(`${layout.file}: the documented KEYS and ARGV are the layout's`, () => {
      const documented = header(readFileSync(new URL(layout.file, LUA_DIR), 'utf8'), layout.file);
      assert.deepEqual(documented.keys, [...layout.keys], 'KEYS');
      assert.equal(documented.moreKeys, layout.moreKeys, 'the keys after the fixed ones');
      assert.deepEqual(documented.argv, [...layout.argv], 'ARGV');
      assert.equal(Number(/-(\d+)\.lua$/.exec(layout.file)?.[1]), layout.keys.length, 'the number in the name is the fixed KEYS');
    });

    it(`${layout.file}: reads no ARGV and no fixed KEYS past its layout`, () => {
      const source = luaSource(layout.file);
      for (const m of source.matchAll(/ARGV\[(\d+)\]/g)) assert.ok(Number(m[1]) <= layout.argv.length, `ARGV[${m[1]}]`);
      for (const m of source.matchAll(/KEYS\[(\d+)\]/g)) assert.ok(Number(m[1]) <= layout.keys.length, `KEYS[${m[1]}]`);
      assert.doesNotMatch(source, /^--- @include/m, 'every include is expanded');
    });
  }

  it('a store batch names only keys under its partition\'s hash tag (one Redis Cluster slot)', async () => {
    const calls: Array<Array<string | number>> = [];
    const fake = {
      applyStoreBatch: async (...args: Array<string | number>) => { calls.push(args); return ['ok', '9']; },
      sadd: async () => 1,
      hset: async () => 1,
    };
    const store = new RedisStore('redis://127.0.0.1:1', 'mf-test:');
    (store as unknown as { run: (work: (redis: unknown) => Promise<unknown>) => Promise<unknown> }).run = (work) => work(fake);
    const play = { eventId: 9, customerId: 42, trackId: 7, time: 5, mobile: true, zip: '10001' };
    await store.applyBatch(storeBatch({
      position: { log: 'plays', partition: 3, expected: 8, next: 9 },
      profiles: [{ customerId: 42, plays: 3, mobilePlays: 3, morning: 3, afternoon: 0, evening: 0, night: 0, uniqueTracks: 1, firstSeen: 1, lastSeen: 5 }],
      pairs: [{ customerId: 42, trackId: 7, plays: 3, recent: [], interestAt: 5 }],
      recent: new Map([[42, [play]]]),
      interests: [{ customerId: 42, trackId: 7, detectedAt: 5 }],
      adDecisions: [{ customerId: 42, day: '2014-10-20', eventId: 9, at: 5 }],
      sms: [{ id: '42:2014-10-20', customerId: 42, day: '2014-10-20', text: 'offer', at: 5 }],
      processed: 1,
    }));
    assert.equal(calls.length, 1);
    const [numKeys, ...rest] = calls[0];
    const keys = rest.slice(0, Number(numKeys)) as string[];
    assert.equal(keys.length, APPLY_STORE_BATCH.keys.length + 4, 'the fixed keys and the customer\'s profile, listens, interests and ads');
    for (const key of keys) assert.match(key, /^mf-test:\{mf:plays:3\}:/, key);
  });
});

