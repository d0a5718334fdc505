// The behavioural suite: what musicflow must do, whatever adapters carry it. Each adapter set
// (embedded files; Kafka + Redis) runs these same tests unchanged.
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { spawn } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import type { Backends } from '../../src/lib/app/backends.js';
import { openBackends } from '../../src/lib/wiring/backends.js';
import type { Config } from '../../src/lib/config.js';
import { generateDataSet } from '../../src/lib/generate/dataset.js';
import { dimensionValue } from '../../src/lib/pipeline/aggregate.js';
import { Catalog } from '../../src/lib/pipeline/catalog.js';
import { enrich } from '../../src/lib/pipeline/enrich.js';
import { DAY, HOUR, MINUTE, floorTo } from '../../src/lib/pipeline/time.js';
import {
  DIMENSION_GRAIN, RECENT_PLAYS_KEPT, WatermarkConflict,
  type BreakdownRow, type ConsumedRecord, type Dimension, type Grain, type IndexEffects, type IndexFilter, type SeriesPoint, type StoreBatch,
} from '../../src/lib/ports.js';
import type { EnrichedPlay, PlayEvent } from '../../src/lib/records.js';
import { processBatch } from '../../src/lib/pipeline/run.js';
import { NOT_A_PLAY, offerShown } from '../../src/lib/pipeline/target.js';
import { replayFile } from '../../src/lib/app/replay.js';
import { seedFiles } from '../../src/lib/app/seed.js';
import { streamLog, type StreamReport } from '../../src/lib/app/stream.js';
import { T0, smallFixture, tempDir, type Fixture } from '../support/fixtures.js';
import { enrichedPlaysOf } from '../support/plays.js';
import { storeBatch } from '../support/store-batch.js';
import { SERVER_TEST } from '../support/timeouts.js';

export interface AdapterSet {
  name: string;
  /** A configuration pointing at empty, isolated state (a new data dir, topic, key prefix). */
  freshConfig(): Promise<Config>;
}

const never = new AbortController().signal;

async function loadAndStream(backends: Backends, group: string, fx: Pick<Fixture, 'customers' | 'music' | 'tracks'>, maxBatch = 4): Promise<{ stream: StreamReport; rejected: number }> {
  await seedFiles(backends, { customers: fx.customers, music: fx.music });
  const replay = await replayFile(backends.log, { file: fx.tracks, retime: false, follow: false, loop: false, signal: never });
  const stream = await streamLog(backends, { group, fromBeginning: false, untilIdle: true, maxBatch, signal: never });
  return { stream, rejected: replay.rejected };
}

/** Everything a run leaves behind that must not change when the same log is processed again. */
async function snapshot(b: Backends, customerIds: number[]): Promise<unknown> {
  const counts = await b.store.counts();
  return {
    counts,
    profiles: await Promise.all(customerIds.map((id) => b.store.getProfile(id))),
    interests: await Promise.all(customerIds.map((id) => b.store.interestsOf(id))),
    totals: await b.index.totals({}),
    states: await b.index.breakdown({}, 'state', 100),
    mobileStates: await b.index.breakdown({ mobile: true }, 'state', 100),
    series: await b.index.series({}, 'minute'),
  };
}



const matches = (p: EnrichedPlay, f: IndexFilter) =>
  (f.mobile === undefined || p.mobile === f.mobile) && (f.level === undefined || p.customer?.level === f.level)
  && (f.state === undefined || dimensionValue(p, 'state') === f.state)
  && (f.from === undefined || p.time >= f.from) && (f.to === undefined || p.time < f.to);

function expectedBreakdown(plays: EnrichedPlay[], f: IndexFilter, dim: Dimension): BreakdownRow[] {
  const rows = new Map<string, BreakdownRow>();
  for (const p of plays.filter((p) => matches(p, f))) {
    const value = dimensionValue(p, dim);
    const row = rows.get(value) ?? { value, plays: 0, mobilePlays: 0 };
    row.plays += 1;
    if (p.mobile) row.mobilePlays += 1;
    rows.set(value, row);
  }
  return [...rows.values()].sort((a, b) => b.plays - a.plays || (a.value < b.value ? -1 : a.value > b.value ? 1 : 0));
}

function expectedSeries(plays: EnrichedPlay[], f: IndexFilter, grain: Grain): SeriesPoint[] {
  const unit = { minute: MINUTE, hour: HOUR, day: DAY }[grain];
  const points = new Map<number, SeriesPoint>();
  for (const p of plays.filter((p) => matches(p, f))) {
    const bucket = floorTo(p.time, unit);
    const point = points.get(bucket) ?? { bucket, plays: 0, mobilePlays: 0 };
    point.plays += 1;
    if (p.mobile) point.mobilePlays += 1;
    points.set(bucket, point);
  }
  return [...points.values()].sort((a, b) => a.bucket - b.bucket);
}

/** A play of customer 1 on track 10, `minutes` after T0, enriched without catalogue data (flagged unknown). */
function playAt(eventId: number, minutes: number): PlayEvent {
  return { eventId, customerId: 1, trackId: 10, time: T0 + minutes * MINUTE, mobile: false, zip: '10001' };
}

/** Index effects that take one play from watermark `expected` to `next`. */
function indexStep(expected: number, next: number): IndexEffects {
  return { position: { log: 'contract', partition: 0, expected, next }, plays: [enrich(playAt(next, next), undefined, undefined)], offsets: [next] };
}

/** A store step that takes customer 1 to `plays` plays (one more) from watermark `expected` to `next`. */
function storeStep(expected: number, next: number, plays: number): StoreBatch {
  const play = playAt(next, next);
  return storeBatch({
    position: { log: 'contract', partition: 0, expected, next },
    profiles: [{ customerId: 1, plays, mobilePlays: 0, morning: plays, afternoon: 0, evening: 0, night: 0, uniqueTracks: 1, firstSeen: T0, lastSeen: play.time }],
    pairs: [{ customerId: 1, trackId: 10, plays, recent: [play.time], interestAt: null }],
    recent: new Map([[1, Array.from({ length: plays }, (_, j) => playAt(next - j, next - j))]]),
    processed: 1,
  });
}

/** Settles all of `work`; the number that succeeded, and every failure (which must be a WatermarkConflict). */
async function winners(work: Array<Promise<void>>): Promise<number> {
  const settled = await Promise.allSettled(work);
  for (const s of settled) if (s.status === 'rejected') assert.ok(s.reason instanceof WatermarkConflict, String(s.reason));
  return settled.filter((s) => s.status === 'fulfilled').length;
}

/** How often each line of a file is in the log, as a record or a dead letter (a fresh group reads it all). */
async function linesInLog(b: Backends, file: string): Promise<Map<number, number>> {
  const times = new Map<number, number>();
  const count = (line: number) => times.set(line, (times.get(line) ?? 0) + 1);
  await b.log.consume({
    group: `count-${randomUUID()}`, fromBeginning: true, untilIdle: true, signal: never, maxBatch: 5000,
    onBatch: async (batch) => { for (const r of batch.records) if (r.source?.file === file) count(r.source.line); },
  });
  for (const letter of await b.log.readDeadLetters(100_000)) if (letter.source === file && letter.line !== null) count(letter.line);
  return times;
}

const CLI = fileURLToPath(new URL('../../src/cli.js', import.meta.url));

/** The environment that points the CLI at `config` (and at nothing the test runner's environment names). */
function cliEnv(config: Config): NodeJS.ProcessEnv {
  const env = Object.fromEntries(Object.entries(process.env).filter(([name]) => !name.startsWith('MUSICFLOW_')));
  return {
    ...env, MUSICFLOW_HOME: config.dataDir, MUSICFLOW_TOPIC: config.topic, MUSICFLOW_GROUP: config.group, MUSICFLOW_REDIS_PREFIX: config.redisPrefix,
    ...(config.kafkaBrokers.length > 0 ? { MUSICFLOW_KAFKA_BROKERS: config.kafkaBrokers.join(','), MUSICFLOW_KAFKA_CLIENT: config.kafkaClient } : {}),
    ...(config.redisUrl ? { MUSICFLOW_REDIS_URL: config.redisUrl } : {}),
  };
}

/** Runs `musicflow replay`; with `killAfter`, kills it with SIGKILL that long after it first reports progress. */
function replayCli(args: string[], env: NodeJS.ProcessEnv, killAfter?: number): Promise<{ signal: string | null; stdout: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [CLI, 'replay', ...args], { env, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    child.stdout.on('data', (d) => { stdout += d; });
    child.stderr.once('data', () => { if (killAfter !== undefined) setTimeout(() => child.kill('SIGKILL'), killAfter); });
    child.on('error', reject);
    child.on('close', (_code, signal) => resolve({ signal, stdout }));
  });
}

/** Fresh backends with the small fixture's customers and music, and a hand-made model deployed: [customer, probability]. */
async function seededWithModel(set: AdapterSet, scores: Array<[number, number]>): Promise<{ fx: Fixture; config: Config; b: Backends }> {
  const fx = smallFixture();
  const config = await set.freshConfig();
  const b = await openBackends(config);
  await seedFiles(b, { customers: fx.customers, music: fx.music });
  const model = await b.store.saveModel({ note: 'hand-made for the test' });
  const predictions = scores.map(([customerId, probability]) => ({ customerId, probability, label: (probability >= 0.5 ? 1 : 0) as 0 | 1, modelVersion: model.version }));
  await b.store.deployModel(model.version, predictions, predictions.filter((p) => p.label === 1).map((p) => p.customerId));
  return { fx, config, b };
}

export function behaviourSuite(set: AdapterSet): void {
  describe(`behaviour on ${set.name}`, { concurrency: false }, () => {
    it('processes every good line and names every bad one', SERVER_TEST, async () => {
      const fx = smallFixture();
      const config = await set.freshConfig();
      const b = await openBackends(config);
      try {
        const started = Date.now();
        const { stream, rejected } = await loadAndStream(b, config.group, fx);
        assert.equal(stream.events_processed, fx.goodEvents.length);
        assert.equal(rejected, fx.badLines);
        assert.equal(stream.lag, 0);
        // The busy window lies within the run.
        assert.ok(stream.busy.from !== null && stream.busy.to !== null);
        assert.ok(started <= stream.busy.from && stream.busy.from <= stream.busy.to && stream.busy.to <= Date.now());
        const letters = await b.log.readDeadLetters(10);
        assert.deepEqual(letters.map((l) => [l.line, l.stage]), [[4, 'replay'], [8, 'replay']]);
        assert.ok(letters.every((l) => l.source.endsWith('tracks.csv') && l.reason.length > 0));
        assert.equal((await b.index.totals({})).plays, fx.goodEvents.length);
      } finally {
        await b.close();
      }
    });

    it('detects an interest in event time from plays that arrive out of order', SERVER_TEST, async () => {
      const fx = smallFixture();
      const config = await set.freshConfig();
      const b = await openBackends(config);
      try {
        const { stream } = await loadAndStream(b, config.group, fx);
        assert.equal(stream.interests, 1);
        assert.deepEqual(await b.store.interestsOf(1), [{ customerId: 1, trackId: 10, detectedAt: T0 + 25 * 60_000 }]);
        assert.deepEqual(await b.store.interestsOf(2), [], '3 plays over 40 minutes are not an interest');
      } finally {
        await b.close();
      }
    });

    it('keeps live profiles by daypart, device and unique tracks', SERVER_TEST, async () => {
      const fx = smallFixture();
      const config = await set.freshConfig();
      const b = await openBackends(config);
      try {
        await loadAndStream(b, config.group, fx);
        assert.deepEqual(await b.store.getProfile(1), {
          customerId: 1, plays: 4, mobilePlays: 2, morning: 3, afternoon: 0, evening: 1, night: 0, uniqueTracks: 2,
          firstSeen: T0, lastSeen: T0 + 12 * 3_600_000,
        });
        assert.equal((await b.store.counts()).profiles, 5);
      } finally {
        await b.close();
      }
    });

    it('enriches what it can and flags, not drops, unknown customers and places', SERVER_TEST, async () => {
      const fx = smallFixture();
      const config = await set.freshConfig();
      const b = await openBackends(config);
      try {
        await loadAndStream(b, config.group, fx);
        // Customer 9 is unknown and its zip is no US zip: the play still counts, under 'unknown'.
        assert.deepEqual((await b.store.recentPlays(9, 5)).map((p) => p.trackId), [13]);
        assert.deepEqual((await b.index.breakdown({}, 'gender', 10)).find((r) => r.value === 'unknown'), { value: 'unknown', plays: 1, mobilePlays: 0 });
        assert.equal((await b.index.breakdown({ state: 'CA' }, 'level', 10)).find((r) => r.value === 'Silver')?.plays, 3);
        const byState = await b.index.breakdown({}, 'state', 10);
        assert.equal(byState.reduce((s, r) => s + r.plays, 0), fx.goodEvents.length);
        assert.deepEqual(byState.find((r) => r.value === 'NY'), { value: 'NY', plays: 4, mobilePlays: 2 });
        assert.deepEqual(byState.find((r) => r.value === 'unknown'), { value: 'unknown', plays: 1, mobilePlays: 0 });
      } finally {
        await b.close();
      }
    });

    it('reprocessing the log from the beginning changes nothing', SERVER_TEST, async () => {
      const fx = smallFixture();
      const config = await set.freshConfig();
      const b = await openBackends(config);
      try {
        await loadAndStream(b, config.group, fx);
        const before = await snapshot(b, [1, 2, 3, 4, 9]);
        const again = await streamLog(b, { group: config.group, fromBeginning: true, untilIdle: true, maxBatch: 3, signal: never });
        assert.equal(again.events_processed, 0);
        const other = await streamLog(b, { group: `${config.group}-other`, fromBeginning: true, untilIdle: true, maxBatch: 100, signal: never });
        assert.equal(other.events_processed, 0);
        assert.deepEqual(await snapshot(b, [1, 2, 3, 4, 9]), before);
      } finally {
        await b.close();
      }
    });

    it('a batch delivered twice is applied once', SERVER_TEST, async () => {
      const fx = smallFixture();
      const config = await set.freshConfig();
      const b = await openBackends(config);
      try {
        await seedFiles(b, { customers: fx.customers, music: fx.music });
        await replayFile(b.log, { file: fx.tracks, retime: false, follow: false, loop: false, signal: never });
        const deps = { log: b.log, store: b.store, index: b.index, catalog: new Catalog(b.store) };
        let processed = 0;
        await b.log.consume({
          group: `${config.group}-twice`, fromBeginning: true, untilIdle: true, signal: never, maxBatch: 5,
          onBatch: async (batch) => {
            processed += (await processBatch(batch, deps)).processed;
            processed += (await processBatch(batch, deps)).processed; // a redelivery
          },
        });
        assert.equal(processed, fx.goodEvents.length);
        const counts = await b.store.counts();
        assert.equal(counts.eventsProcessed, fx.goodEvents.length);
        assert.equal(counts.streamDeadLetters, 0);
        assert.equal((await b.index.totals({})).plays, fx.goodEvents.length);
        assert.equal((await b.store.getProfile(1))?.plays, 4);
        assert.equal((await b.store.recentPlays(1, 50)).length, 4, 'recent plays are kept once');
      } finally {
        await b.close();
      }
    });

    it('two workers in one group give the result of one', SERVER_TEST, async () => {
      const fx = smallFixture();
      const config = await set.freshConfig();
      const b1 = await openBackends(config);
      const b2 = await openBackends(config);
      try {
        await seedFiles(b1, { customers: fx.customers, music: fx.music });
        await replayFile(b1.log, { file: fx.tracks, retime: false, follow: false, loop: false, signal: never });
        const options = { group: config.group, fromBeginning: false, untilIdle: true, maxBatch: 2, signal: never };
        const [r1, r2] = await Promise.all([streamLog(b1, options), streamLog(b2, options)]);
        assert.equal(r1.events_processed + r2.events_processed, fx.goodEvents.length);
        const counts = await b1.store.counts();
        assert.equal(counts.eventsProcessed, fx.goodEvents.length);
        assert.equal(counts.interests, 1);
        assert.equal((await b1.store.getProfile(1))?.plays, 4);
        const totals = await b1.index.totals({});
        assert.deepEqual([totals.plays, totals.mobilePlays], [fx.goodEvents.length, fx.goodEvents.filter((e) => e.mobile).length]);
        assert.equal((await b1.index.breakdown({}, 'state', 100)).reduce((sum, r) => sum + r.plays, 0), fx.goodEvents.length);
      } finally {
        await b1.close();
        await b2.close();
      }
    });

    it("keeps each customer's newest plays by event time across batches", SERVER_TEST, async () => {
      const dir = tempDir('musicflow-recent-');
      const gen = await generateDataSet({ customers: 40, tracks: 30, events: 1500, days: 2, seed: 5, start: Date.UTC(2014, 9, 1), out: dir });
      const plays = await enrichedPlaysOf(gen.files);
      const config = await set.freshConfig();
      const b = await openBackends(config);
      try {
        await loadAndStream(b, config.group, gen.files, 97);
        for (const customerId of [...new Set(plays.map((p) => p.customerId))].slice(0, 10)) {
          const newest = plays.filter((p) => p.customerId === customerId)
            .sort((a, c) => c.time - a.time || c.eventId - a.eventId).slice(0, RECENT_PLAYS_KEPT)
            .map((p) => ({ eventId: p.eventId, customerId, trackId: p.trackId, time: p.time, mobile: p.mobile, zip: p.zip }));
          assert.ok(newest.length > 0);
          assert.deepEqual(await b.store.recentPlays(customerId, 50), newest, `customer ${customerId}`);
          assert.deepEqual(await b.store.recentPlays(customerId, 3), newest.slice(0, 3));
        }
      } finally {
        await b.close();
      }
    });

    it('the dashboard index answers every filter and breakdown as the plays themselves do', SERVER_TEST, async () => {
      const dir = tempDir('musicflow-index-');
      const start = Date.UTC(2014, 9, 1);
      const gen = await generateDataSet({ customers: 150, tracks: 60, events: 3000, days: 3, seed: 11, start, out: dir });
      const plays = await enrichedPlaysOf(gen.files);
      const config = await set.freshConfig();
      const b = await openBackends(config);
      try {
        await loadAndStream(b, config.group, gen.files, 700);
        const topState = expectedBreakdown(plays, {}, 'state')[0].value;
        const filters: IndexFilter[] = [
          {}, { mobile: true }, { mobile: false, level: 1 }, { level: 0 }, { state: topState }, { state: topState, mobile: true },
          { from: start + DAY, to: start + 2 * DAY }, { from: start + DAY, level: 2, mobile: false },
        ];
        for (const f of filters) {
          const want = expectedSeries(plays, f, 'minute');
          const totals = await b.index.totals(f);
          assert.deepEqual([totals.plays, totals.mobilePlays], [want.reduce((s, p) => s + p.plays, 0), want.reduce((s, p) => s + p.mobilePlays, 0)], `totals ${JSON.stringify(f)}`);
          for (const grain of ['minute', 'hour', 'day'] as const) {
            assert.deepEqual(await b.index.series(f, grain), expectedSeries(plays, f, grain), `series ${grain} ${JSON.stringify(f)}`);
          }
          for (const dim of Object.keys(DIMENSION_GRAIN) as Dimension[]) {
            assert.deepEqual(await b.index.breakdown(f, dim, 10_000), expectedBreakdown(plays, f, dim), `breakdown ${dim} ${JSON.stringify(f)}`);
          }
        }
        const inState = expectedBreakdown(plays, { state: topState, level: 0 }, 'all');
        const listeners = new Map<number, number>();
        for (const p of plays.filter((p) => matches(p, { state: topState, level: 0 }))) listeners.set(p.customerId, (listeners.get(p.customerId) ?? 0) + 1);
        const top = [...listeners].map(([customerId, n]) => ({ customerId, plays: n })).sort((a, c) => c.plays - a.plays || a.customerId - c.customerId);
        assert.equal(inState[0].plays, top.reduce((s, c) => s + c.plays, 0));
        assert.deepEqual(await b.index.customersInState(topState, { level: 0 }, 5), top.slice(0, 5));
      } finally {
        await b.close();
      }
    });

    it('targets only deployed-model picks: one ad decision and one SMS a customer a day, even when replayed', SERVER_TEST, async () => {
      const { fx, config, b } = await seededWithModel(set, [[1, 0.9], [2, 0.1]]);
      try {
        await replayFile(b.log, { file: fx.tracks, retime: false, follow: false, loop: false, signal: never });
        const first = await streamLog(b, { group: config.group, fromBeginning: false, untilIdle: true, maxBatch: 2, signal: never });
        await streamLog(b, { group: config.group, fromBeginning: true, untilIdle: true, maxBatch: 2, signal: never });
        assert.equal(first.targeted_customers, 1);
        // Customer 1 plays on 2014-10-20 only (four plays): one decision, one SMS.
        assert.deepEqual((await b.store.adDecisionsOf(1)).map((d) => d.day), ['2014-10-20']);
        assert.deepEqual(await b.store.adDecisionsOf(2), []);
        const claimed = await b.store.claimSms('test-sender', 10);
        assert.deepEqual(claimed.map((m) => m.customerId), [1]);
        await b.store.ackSms(claimed.map((m) => m.id));
        assert.deepEqual(await b.store.claimSms('test-sender', 10), []);
        assert.equal((await b.store.prediction(1))?.label, 1);
        assert.equal(await b.store.isTargeted(2), false);
      } finally {
        await b.close();
      }
    });

    it('offerFacts reads together what getCustomers, prediction and deployedModel say of a customer', SERVER_TEST, async () => {
      const empty = await openBackends(await set.freshConfig());
      try {
        assert.deepEqual(await empty.store.offerFacts(1), { customer: null, prediction: null, modelDeployed: false });
      } finally {
        await empty.close();
      }
      const { b } = await seededWithModel(set, [[1, 0.9], [2, 0.1], [99_999, 0.7]]);
      try {
        for (const id of [1, 2, 3, 99_999]) {
          const customer = (await b.store.getCustomers([id])).get(id);
          assert.deepEqual(await b.store.offerFacts(id), {
            customer: customer ? { active: customer.active, level: customer.level } : null,
            prediction: await b.store.prediction(id),
            modelDeployed: (await b.store.deployedModel()) !== null,
          }, `customer ${id}`);
        }
        assert.equal((await b.store.offerFacts(1)).prediction?.label, 1);
      } finally {
        await b.close();
      }
    });

    it('an offer shown at an access (the offer API) and one shown at a play that day make one decision and one SMS', SERVER_TEST, async () => {
      const { fx, config, b } = await seededWithModel(set, [[1, 0.9]]);
      try {
        const stream = () => streamLog(b, { group: config.group, fromBeginning: false, untilIdle: true, maxBatch: 2, signal: never });
        const access = (at: number) => {
          const shown = offerShown(1, NOT_A_PLAY, at);
          return b.store.recordOffer(shown.decision, shown.sms);
        };
        assert.equal(await access(Date.UTC(2014, 9, 19, 8)), false, 'no live profile yet: nothing recorded (nor ever targeted)');
        // Customer 1 plays on 2014-10-20: the play's decision; an access that day adds nothing.
        await replayFile(b.log, { file: fx.tracks, retime: false, follow: false, loop: false, signal: never });
        await stream();
        assert.equal(await access(Date.UTC(2014, 9, 20, 23)), false);
        // On the 21st the access comes first, twice; the plays after it that day add nothing.
        assert.equal(await access(Date.UTC(2014, 9, 21, 8)), true);
        assert.equal(await access(Date.UTC(2014, 9, 21, 9)), false, 'a second access that day records nothing');
        await b.log.append([0, 1, 2].map((i) => ({ key: '1', value: `${900 + i},1,1,"2014-10-21 10:0${i}:00",1,"10001"` })));
        await stream();
        const decisions = await b.store.adDecisionsOf(1);
        assert.deepEqual(decisions.map((d) => [d.day, d.eventId === NOT_A_PLAY]), [['2014-10-20', false], ['2014-10-21', true]]);
        const counts = await b.store.counts();
        assert.deepEqual([counts.adDecisions, counts.smsQueued], [2, 2]);
        assert.deepEqual((await b.store.claimSms('test-sender', 10)).map((m) => m.id).sort(), ['1:2014-10-20', '1:2014-10-21']);
      } finally {
        await b.close();
      }
    });

    it('keeps a customer\'s phone number from cust.csv\'s Phone column, and none for a file without one', SERVER_TEST, async () => {
      const b = await openBackends(await set.freshConfig());
      try {
        const dir = tempDir('musicflow-phones-');
        const header = 'CustID,Name,Gender,Address,zip,SignDate,Status,Level,Campaign,LinkedWithApps';
        writeFileSync(join(dir, 'with.csv'), `${header},Phone\n1,"Ann",1,"1 Main St","10001","01/15/2013",1,0,0,1,+15550100001\n2,"Bob",0,"2 Oak Ave","94103","03/02/2013",1,1,2,0,\n`);
        writeFileSync(join(dir, 'without.csv'), `${header}\n3,"Cy",0,"3 Elm Rd","60601","03/02/2013",1,1,2,0\n`);
        await seedFiles(b, { customers: join(dir, 'with.csv') });
        await seedFiles(b, { customers: join(dir, 'without.csv') });
        const got = await b.catalog.getCustomers([1, 2, 3]);
        assert.deepEqual([1, 2, 3].map((id) => got.get(id)?.phone ?? null), ['+15550100001', null, null]);
        await seedFiles(b, { customers: join(dir, 'with.csv') });
        assert.equal((await b.catalog.getCustomers([1])).get(1)?.phone, '+15550100001', 'seeding again keeps it');
        writeFileSync(join(dir, 'moved.csv'), `${header}\n1,"Ann",1,"9 New Rd","10001","01/15/2013",1,0,0,1\n`);
        await seedFiles(b, { customers: join(dir, 'moved.csv') });
        const moved = (await b.catalog.getCustomers([1])).get(1);
        assert.deepEqual([moved?.address, moved?.phone], ['9 New Rd', undefined], 'a file without the column replaces the whole record, phone too');
      } finally {
        await b.close();
      }
    });

    it('the SMS queue: a claim ends after its timeout, a release at once; sent and failed stay settled; a failed message comes back as itself', SERVER_TEST, async () => {
      const { fx, config, b } = await seededWithModel(set, [[1, 0.9]]);
      const ids = (list: Array<{ id: string }>) => list.map((m) => m.id).sort();
      try {
        await replayFile(b.log, { file: fx.tracks, retime: false, follow: false, loop: false, signal: never });
        await streamLog(b, { group: config.group, fromBeginning: false, untilIdle: true, maxBatch: 2, signal: never });
        for (const day of [21, 22]) {
          const shown = offerShown(1, NOT_A_PLAY, Date.UTC(2014, 9, day, 8));
          assert.equal(await b.store.recordOffer(shown.decision, shown.sms), true);
        }
        const all = ['1:2014-10-20', '1:2014-10-21', '1:2014-10-22'];
        assert.deepEqual(await b.sms.smsStats(), { queued: 3, sent: 0, failed: 0, pending: 3, retried: 0, oldestPendingAt: (await b.sms.smsStats()).oldestPendingAt });
        assert.ok((await b.sms.smsStats()).oldestPendingAt! > Date.UTC(2020, 0, 1), 'queued at the wall-clock time, not the play\'s');
        const first = await b.sms.claimSms('a', 10, 60_000);
        assert.deepEqual(ids(first), all);
        assert.deepEqual(await b.sms.claimSms('b', 10, 60_000), [], 'claimed by a, within its timeout');
        await b.sms.ackSms(['1:2014-10-20']);
        assert.equal(await b.sms.failSms([{ id: '1:2014-10-21', reason: 'HTTP 400: not a mobile number' }], 1_000), 1);
        assert.equal(await b.sms.failSms([{ id: '1:2014-10-20', reason: 'late' }, { id: '1:2014-10-21', reason: 'again' }], 2_000), 0, 'sent or failed already: unchanged');
        await new Promise((resolve) => setTimeout(resolve, 20));
        assert.deepEqual(ids(await b.sms.claimSms('b', 10, 5)), ['1:2014-10-22'], 'only the unsettled message is reclaimed once its claim ended');
        await b.sms.releaseSms(['1:2014-10-22']);
        assert.deepEqual(ids(await b.sms.claimSms('c', 10, 60_000)), ['1:2014-10-22'], 'released: handed out at once');
        await b.sms.ackSms(['1:2014-10-22']);
        await b.sms.countSmsRetries(2);
        assert.deepEqual(await b.sms.smsStats(), { queued: 3, sent: 2, failed: 1, pending: 0, retried: 2, oldestPendingAt: null });
        const failed = await b.sms.failedSms(10);
        assert.deepEqual(failed.map((f) => [f.message.id, f.message.customerId, f.message.day, f.reason, f.failedAt]),
          [['1:2014-10-21', 1, '2014-10-21', 'HTTP 400: not a mobile number', 1_000]]);
        assert.equal(await b.sms.requeueFailedSms(['1:2014-10-21']), 1);
        assert.equal(await b.sms.requeueFailedSms(['1:2014-10-21']), 0, 'no longer on the list');
        assert.deepEqual(await b.sms.failedSms(10), []);
        const again = await b.sms.claimSms('d', 10, 60_000);
        assert.deepEqual(again, [failed[0].message], 'the same message, same id');
        await b.sms.failSms([{ id: again[0].id, reason: 'HTTP 404' }], 3_000);
        assert.equal(await b.sms.requeueFailedSms('all'), 1);
        await b.sms.ackSms(ids(await b.sms.claimSms('e', 10, 60_000)));
        assert.deepEqual(await b.sms.smsStats(), { queued: 3, sent: 3, failed: 0, pending: 0, retried: 2, oldestPendingAt: null });
        assert.deepEqual(await b.sms.claimSms('f', 10, 1), []);
      } finally {
        await b.close();
      }
    });

    // The ports' contracts, directly: each guard below has a test that fails when the guard is removed.

    it('the index applies a batch only over the watermark it was computed from', SERVER_TEST, async () => {
      const b = await openBackends(await set.freshConfig());
      try {
        await b.index.applyEffects(indexStep(-1, 0));
        await assert.rejects(b.index.applyEffects(indexStep(-1, 1)), WatermarkConflict, 'a stale watermark');
        assert.equal(await b.index.watermark('contract', 0), 0);
        assert.equal((await b.index.totals({})).plays, 1, 'a rejected batch writes nothing');
        assert.equal(await winners([b.index.applyEffects(indexStep(0, 1)), b.index.applyEffects(indexStep(0, 2))]), 1, 'of two applies over one watermark, one wins');
        assert.equal((await b.index.totals({})).plays, 2);
        assert.ok([1, 2].includes(await b.index.watermark('contract', 0)));
      } finally {
        await b.close();
      }
    });

    it('the store applies a batch only over the watermark it was computed from', SERVER_TEST, async () => {
      const b = await openBackends(await set.freshConfig());
      try {
        assert.equal((await b.store.loadBatchState('contract', 0, { customers: [1], targeting: [1], days: [] })).watermark, -1);
        await b.store.applyBatch(storeStep(-1, 0, 1));
        await assert.rejects(b.store.applyBatch(storeStep(-1, 1, 2)), WatermarkConflict, 'a stale watermark');
        assert.equal((await b.store.loadBatchState('contract', 0, { customers: [1], targeting: [1], days: [] })).watermark, 0);
        assert.equal((await b.store.counts()).eventsProcessed, 1, 'a rejected batch writes nothing');
        assert.equal((await b.store.getProfile(1))?.plays, 1);
        assert.equal((await b.store.recentPlays(1, 10)).length, 1);
        assert.equal(await winners([b.store.applyBatch(storeStep(0, 1, 2)), b.store.applyBatch(storeStep(0, 2, 2))]), 1, 'of two applies over one watermark, one wins');
        assert.equal((await b.store.counts()).eventsProcessed, 2);
        assert.equal((await b.store.getProfile(1))?.plays, 2);
        assert.equal((await b.store.recentPlays(1, 10)).length, 2);
      } finally {
        await b.close();
      }
    });

    it('commits a batch only after its handler resolved: a failed batch is delivered again', SERVER_TEST, async () => {
      const fx = smallFixture();
      const config = await set.freshConfig();
      const b = await openBackends(config);
      try {
        await replayFile(b.log, { file: fx.tracks, retime: false, follow: false, loop: false, signal: never });
        const at = (r: ConsumedRecord) => `${r.partition}@${r.offset}`;
        const handled = new Set<string>();
        let failed: string[] = [];
        let batches = 0;
        await assert.rejects(b.log.consume({
          group: config.group, fromBeginning: false, untilIdle: true, signal: never, maxBatch: 2,
          onBatch: async (batch) => {
            batches += 1;
            if (batches === 2) {
              failed = batch.records.map(at);
              throw new Error('the sink is down');
            }
            for (const r of batch.records) handled.add(at(r));
          },
        }), /the sink is down/);
        assert.ok(failed.length > 0);
        const delivered: string[] = [];
        await b.log.consume({
          group: config.group, fromBeginning: false, untilIdle: true, signal: never, maxBatch: 100,
          onBatch: async (batch) => { delivered.push(...batch.records.map(at)); },
        });
        for (const record of failed) assert.ok(delivered.includes(record), `${record} (failed) is delivered again`);
        for (const record of delivered) assert.ok(!handled.has(record), `${record} (handled and committed) is not delivered again`);
        assert.equal(new Set([...handled, ...delivered]).size, fx.goodEvents.length);
      } finally {
        await b.close();
      }
    });

    it('sends a file once: a re-run sends nothing and says so, --again sends it again, a run cut short resumes', SERVER_TEST, async () => {
      const fx = smallFixture();
      const config = await set.freshConfig();
      const b = await openBackends(config);
      const replay = (more: { limit?: number; again?: boolean }) => replayFile(b.log, { file: fx.tracks, retime: false, follow: false, loop: false, signal: never, ...more });
      try {
        const part = await replay({ limit: 4 });
        assert.deepEqual([part.events_sent, part.resumed_after_line], [4, null]);
        const rest = await replay({});
        assert.deepEqual([rest.events_sent, rest.rejected, rest.resumed_after_line], [fx.goodEvents.length - 4, 1, 5]);
        const again = await replay({});
        assert.deepEqual([again.events_sent, again.rejected, again.already_sent], [0, 0, true]);
        const lines = await linesInLog(b, fx.tracks);
        assert.equal(lines.size, fx.goodEvents.length + fx.badLines);
        assert.ok([...lines.values()].every((n) => n === 1), 'every line once');
        const onPurpose = await replay({ again: true });
        assert.deepEqual([onPurpose.events_sent, onPurpose.rejected], [fx.goodEvents.length, fx.badLines]);
        // The plays are new on purpose; a bad line is the same dead letter as before, kept once.
        const deadLines = new Set((await b.log.readDeadLetters(100)).filter((l) => l.source === fx.tracks).map((l) => l.line));
        assert.equal(deadLines.size, fx.badLines);
        assert.ok([...(await linesInLog(b, fx.tracks)).entries()].every(([line, n]) => n === (deadLines.has(line) ? 1 : 2)), '--again: every play twice, each dead letter once');
      } finally {
        await b.close();
      }
    });

    it('a replay killed with SIGKILL at any moment and run again leaves every line of the file in the log once', SERVER_TEST, async () => {
      const dir = tempDir('musicflow-kill-');
      const gen = await generateDataSet({ customers: 60, tracks: 40, events: 12_000, days: 1, seed: 9, start: Date.UTC(2014, 9, 1), out: dir });
      const config = await set.freshConfig();
      const env = cliEnv(config);
      const args = ['--file', gen.files.tracks, '--rate', '6000', '--json'];
      let killed = 0;
      for (const after of [0, 150, 300, 450]) {
        const run = await replayCli(args, env, after + Math.floor(Math.random() * 150));
        if (run.signal === 'SIGKILL') killed += 1;
      }
      assert.ok(killed >= 2, `${killed} runs were killed before they finished`);
      const last = JSON.parse((await replayCli(args, env)).stdout);
      assert.equal(last.already_sent, false);
      assert.ok(last.resumed_after_line > 0, 'resumed');
      const again = JSON.parse((await replayCli(args, env)).stdout);
      assert.deepEqual([again.already_sent, again.events_sent], [true, 0]);
      const b = await openBackends(config);
      try {
        const lines = await linesInLog(b, gen.files.tracks);
        const twice = [...lines].filter(([, n]) => n !== 1).map(([line]) => line);
        assert.deepEqual(twice, [], 'lines in the log more than once');
        assert.equal(lines.size, 12_000, 'every line is in the log');
      } finally {
        await b.close();
      }
    });
  });
}
