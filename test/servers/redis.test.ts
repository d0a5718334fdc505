// The Redis store and index against a real redis-server (the test stack: `npm run stack:up`).
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { describe, it } from 'node:test';
import { Redis } from 'ioredis';
import { RedisIndex } from '../../src/lib/adapters/redis/index.js';
import { RedisKeys } from '../../src/lib/adapters/redis/keys.js';
import { RedisStore } from '../../src/lib/adapters/redis/store.js';
import { openBackends } from '../../src/lib/wiring/backends.js';
import { resolveConfig } from '../../src/lib/config.js';
import { BackendUnavailableError } from '../../src/lib/errors.js';
import { enrich } from '../../src/lib/pipeline/enrich.js';
import { WatermarkConflict, type SmsMessage, type StoreBatch } from '../../src/lib/ports.js';
import { replayFile } from '../../src/lib/app/replay.js';
import { seedFiles } from '../../src/lib/app/seed.js';
import { streamLog } from '../../src/lib/app/stream.js';
import { smallFixture, tempDir } from '../support/fixtures.js';
import { storeBatch } from '../support/store-batch.js';
import { SERVER_TEST } from '../support/timeouts.js';

const url = process.env.MUSICFLOW_REDIS_URL;
const skip = url ? false : 'MUSICFLOW_REDIS_URL is unset: start redis-server with `npm run stack:up` (npm test does)';
const never = new AbortController().signal;

const freshPrefix = () => `musicflow-test:${randomUUID()}:`;

function effects(expected: number, next: number, customerId: number, plays: number, sms: SmsMessage[] = []): StoreBatch {
  return storeBatch({
    position: { log: 'plays', partition: 0, expected, next },
    recent: new Map([[customerId, [{ eventId: next, customerId, trackId: 7, time: plays, mobile: false, zip: '10001' }]]]),
    profiles: [{ customerId, plays, mobilePlays: 0, morning: plays, afternoon: 0, evening: 0, night: 0, uniqueTracks: 1, firstSeen: 1, lastSeen: plays }],
    pairs: [{ customerId, trackId: 7, plays, recent: [1, 2], interestAt: plays >= 3 ? 2 : null }],
    interests: plays >= 3 ? [{ customerId, trackId: 7, detectedAt: 2 }] : [],
    adDecisions: sms.map((s) => ({ customerId: s.customerId, day: s.day, eventId: plays, at: s.at })),
    sms,
    processed: plays,
  });
}

const sms = (customerId: number, day: string): SmsMessage => ({ id: `${customerId}:${day}`, customerId, day, text: `offer for ${customerId}`, at: 5 });

/** Documented key patterns (docs/redis-keys.md), as regular expressions under a prefix. */
function documentedKeys(prefix: string): RegExp[] {
  const doc = readFileSync(new URL('../../../docs/redis-keys.md', import.meta.url), 'utf8');
  const patterns = [...doc.matchAll(/^\| `P ([^`]+)`/gm)].map((m) => m[1]);
  assert.ok(patterns.length > 20, 'docs/redis-keys.md lists the keys in tables');
  const escape = (s: string) => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
  return patterns.map((p) => new RegExp(`^${escape(prefix)}${p.split(/<[^>]+>/).map(escape).join('[^:]+')}$`));
}

describe('Redis store and index', { skip, concurrency: false }, () => {
  it('applies a batch whole, or not at all when the watermark moved', SERVER_TEST, async () => {
    const store = new RedisStore(url!, freshPrefix());
    try {
      await store.applyBatch(effects(-1, 9, 1, 3));
      const before = await store.counts();
      assert.equal(before.eventsProcessed, 3);
      assert.equal(before.interests, 1);
      // The same batch again (a redelivery), and a stale one: both find the watermark at 9.
      for (const stale of [effects(-1, 9, 1, 3), effects(4, 12, 1, 99)]) {
        await assert.rejects(store.applyBatch(stale), (err: Error) => err instanceof WatermarkConflict && err.actual === 9);
      }
      assert.deepEqual(await store.counts(), before);
      assert.equal((await store.getProfile(1))?.plays, 3);
      const state = await store.loadBatchState('plays', 0, { customers: [1, 2], targeting: [1, 2], days: ['2014-10-20'] });
      assert.equal(state.watermark, 9);
      assert.deepEqual(state.customers.get(1)?.pairs.get(7), { customerId: 1, trackId: 7, plays: 3, recent: [1, 2], interestAt: 2 });
      assert.equal(state.customers.get(2)?.pairs.has(7), false);
      await store.applyBatch(effects(9, 15, 1, 4));
      assert.equal((await store.counts()).eventsProcessed, 7);
    } finally {
      await store.close();
    }
  });

  it('rejects, writing nothing, a batch whose packed data holds a value with the separator byte', SERVER_TEST, async () => {
    const store = new RedisStore(url!, freshPrefix());
    try {
      await assert.rejects(store.applyBatch(effects(-1, 0, 1, 1, [{ ...sms(1, '2014-10-01'), text: 'bad\x1etext' }])),
        /packed batch data does not hold the values it announces/);
      assert.equal((await store.loadBatchState('plays', 0, { customers: [1], targeting: [], days: [] })).watermark, -1);
      assert.equal(await store.getProfile(1), null);
    } finally {
      await store.close();
    }
  });

  it('lets exactly one of two workers apply the same partition position', SERVER_TEST, async () => {
    const prefix = freshPrefix();
    const a = new RedisStore(url!, prefix);
    const b = new RedisStore(url!, prefix);
    try {
      const outcomes = await Promise.allSettled([a.applyBatch(effects(-1, 5, 1, 1)), b.applyBatch(effects(-1, 5, 1, 2))]);
      assert.deepEqual(outcomes.map((o) => o.status).sort(), ['fulfilled', 'rejected']);
      const winner = outcomes.findIndex((o) => o.status === 'fulfilled');
      const counts = await a.counts();
      assert.equal(counts.eventsProcessed, winner + 1, 'the counters are the winner\'s alone');
      assert.equal((await a.getProfile(1))?.plays, winner + 1, 'the profile is the winner\'s alone');
    } finally {
      await Promise.all([a.close(), b.close()]);
    }
  });

  it('queues each SMS once on a stream that senders claim and acknowledge', SERVER_TEST, async () => {
    const prefix = freshPrefix();
    const store = new RedisStore(url!, prefix, 50);
    try {
      await store.applyBatch(effects(-1, 1, 1, 1, [sms(1, '2014-10-20'), sms(2, '2014-10-20')]));
      // A later batch deciding the same customer-day again queues nothing new and counts no new decision.
      await store.applyBatch(effects(1, 2, 1, 2, [sms(1, '2014-10-20'), sms(3, '2014-10-21')]));
      assert.equal((await store.counts()).smsQueued, 3);
      assert.equal((await store.counts()).adDecisions, 3);
      const first = await store.claimSms('sender-a', 2);
      assert.deepEqual(first.map((m) => m.id), ['1:2014-10-20', '2:2014-10-20']);
      const second = await store.claimSms('sender-b', 10);
      assert.deepEqual(second.map((m) => m.id), ['3:2014-10-21']);
      await store.ackSms(['1:2014-10-20', '3:2014-10-21']);
      await new Promise((resolve) => setTimeout(resolve, 100));
      // sender-a died holding 2:2014-10-20: after the claim timeout another sender gets it.
      assert.deepEqual((await store.claimSms('sender-c', 10)).map((m) => m.id), ['2:2014-10-20']);
      await store.ackSms(['2:2014-10-20']);
      await new Promise((resolve) => setTimeout(resolve, 100));
      assert.deepEqual(await store.claimSms('sender-c', 10), []);
      const redis = new Redis(url!);
      try {
        const pending = await redis.xpending(new RedisKeys(prefix).partition('plays:0').sms, 'senders');
        assert.equal(pending[0], 0, 'nothing left unacknowledged');
      } finally {
        redis.disconnect();
      }
    } finally {
      await store.close();
    }
  });

  it('writes only documented keys, with the reference names for predictions and targets', SERVER_TEST, async () => {
    const fx = smallFixture();
    const prefix = freshPrefix();
    const config = resolveConfig({ dataDir: tempDir('musicflow-redis-'), redis: url }, { MUSICFLOW_REDIS_PREFIX: prefix });
    const b = await openBackends(config);
    const redis = new Redis(url!);
    try {
      await seedFiles(b, { customers: fx.customers, music: fx.music });
      await b.store.addClicks([{ eventId: 1, customerId: 1, ad: 'ADV_REDUCED_1DAY', time: 5 }]);
      const model = await b.store.saveModel({ weights: [1] });
      await b.store.deployModel(model.version, [
        { customerId: 1, probability: 0.9, label: 1, modelVersion: model.version },
        { customerId: 2, probability: 0.1, label: 0, modelVersion: model.version },
      ], [1]);
      await replayFile(b.log, { file: fx.tracks, retime: false, follow: false, loop: false, signal: never });
      await streamLog(b, { group: 'g', fromBeginning: false, untilIdle: true, maxBatch: 4, signal: never });
      await b.store.claimSms('sender', 10);

      const keys = await redis.keys(`${prefix}*`);
      const patterns = documentedKeys(prefix);
      const undocumented = keys.filter((key) => !patterns.some((p) => p.test(key)));
      assert.deepEqual(undocumented, []);
      assert.equal(await redis.get(`${prefix}pred_event:1`), '1');
      assert.equal(await redis.get(`${prefix}pred_event:2`), '0');
      assert.deepEqual(await redis.smembers(`${prefix}1_day_event_users`), ['1']);
      assert.equal(await redis.hget(`${prefix}customer:2`, 'name'), 'Bob Brown');
      const live = new RedisKeys(prefix).partition(`${b.log.name}:0`);
      assert.deepEqual(await redis.smembers(live.interests(1)), ['10']);
      assert.equal(await redis.type(live.sms), 'stream');
      for (const key of [live.profile(1), live.listens(1), live.ads(1)]) assert.ok(keys.includes(key), `${key} written`);
      for (const kind of ['agg:minute', 'plays:state:NY']) {
        assert.ok(keys.some((key) => /^index:\{[^}]+:\d+\}:/.test(key.slice(prefix.length)) && key.endsWith(`}:${kind}`)), `${kind} written per partition`);
      }
      assert.equal(await redis.hget(`${prefix}live:customers`, '1'), `${b.log.name}:0`);
    } finally {
      redis.disconnect();
      await b.close();
    }
  });

  it('redeploying a model replaces the predictions and targets it had', SERVER_TEST, async () => {
    const store = new RedisStore(url!, freshPrefix());
    try {
      const v1 = await store.saveModel({ n: 1 });
      const v2 = await store.saveModel({ n: 2 });
      await store.deployModel(v1.version, [1, 2, 3].map((id) => ({ customerId: id, probability: 0.8, label: 1 as const, modelVersion: 1 })), [1, 2, 3]);
      await store.deployModel(v2.version, [{ customerId: 2, probability: 0.7, label: 1, modelVersion: 2 }], [2]);
      assert.equal(await store.prediction(1), null);
      assert.deepEqual(await store.prediction(2), { customerId: 2, probability: 0.7, label: 1, modelVersion: 2 });
      assert.equal(await store.isTargeted(1), false);
      assert.equal(await store.isTargeted(2), true);
      assert.equal((await store.counts()).targetedCustomers, 1);
      assert.deepEqual((await store.listModels()).map((m) => [m.version, m.deployed]), [[v1.version, false], [v2.version, true]]);
      assert.equal((await store.deployedModel())?.version, v2.version);
      await assert.rejects(store.deployModel(99, [], []), /model v99 does not exist/);
    } finally {
      await store.close();
    }
  });

  it('index: watermark-guarded like the store', SERVER_TEST, async () => {
    const index = new RedisIndex(url!, freshPrefix());
    try {
      const position = { log: 'plays', partition: 2, expected: -1, next: 3 };
      // Four plays in the minute starting at 60 s, one of them on a phone; nobody and nothing known.
      const plays = [61_000, 62_000, 100_000, 119_999].map((time, i) =>
        enrich({ eventId: i, customerId: 1, trackId: 2, time, mobile: i === 0, zip: '10001' }, undefined, undefined));
      await index.applyEffects({ position, plays, offsets: [0, 1, 2, 3] });
      await assert.rejects(index.applyEffects({ position, plays: [], offsets: [] }), WatermarkConflict);
      assert.equal(await index.watermark('plays', 2), 3);
      assert.equal(await index.watermark('plays', 1), -1);
      assert.deepEqual(await index.series({}, 'minute'), [{ bucket: 60_000, plays: 4, mobilePlays: 1 }]);
    } finally {
      await index.close();
    }
  });

  it('says Redis is unreachable, naming it, when nothing listens there', SERVER_TEST, async () => {
    const store = new RedisStore('redis://127.0.0.1:1', freshPrefix());
    try {
      await assert.rejects(store.getProfile(1), (err: Error) => err instanceof BackendUnavailableError && /127\.0\.0\.1:1/.test(err.message));
      assert.equal((await store.health()).ok, false);
    } finally {
      await store.close();
    }
  });
});
