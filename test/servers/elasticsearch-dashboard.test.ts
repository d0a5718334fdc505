// The reference flow on Kafka + Redis + Elasticsearch, end to end: seed, replay and stream the generator's data,
// then the dashboard on Elasticsearch must show what the dashboard on the embedded default shows.
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { spawnSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { Client } from '@elastic/elasticsearch';
import { DOCUMENT_KINDS, aliasOf, type DocumentKind } from '../../src/lib/adapters/elasticsearch/mapping.js';
import type { Backends } from '../../src/lib/app/backends.js';
import { openBackends } from '../../src/lib/wiring/backends.js';
import { resolveConfig, type Config } from '../../src/lib/config.js';
import { BREAKDOWNS } from '../../src/lib/dashboard/api.js';
import { startDashboard, type RunningDashboard } from '../../src/lib/dashboard/server.js';
import { generateDataSet, type GeneratedFiles } from '../../src/lib/generate/dataset.js';
import { PANELS, type Panel } from '../../src/lib/kibana/panels.js';
import { dataViewId, referencedFields, savedObjects } from '../../src/lib/kibana/saved-objects.js';
import { dimensionValue } from '../../src/lib/pipeline/aggregate.js';
import type { EnrichedPlay } from '../../src/lib/records.js';
import { replayFile } from '../../src/lib/app/replay.js';
import { seedFiles } from '../../src/lib/app/seed.js';
import { indexGroupOf, streamLog, type StreamReport } from '../../src/lib/app/stream.js';
import { smallFixture, tempDir } from '../support/fixtures.js';
import { enrichedPlaysOf } from '../support/plays.js';
import { showServerError } from '../dashboard/setup.js';
import { SERVER_TEST } from '../support/timeouts.js';

const brokers = process.env.MUSICFLOW_KAFKA_BROKERS;
const redis = process.env.MUSICFLOW_REDIS_URL;
const elasticsearch = process.env.MUSICFLOW_ELASTICSEARCH_URL;
const skip = brokers && redis && elasticsearch ? false
  : 'MUSICFLOW_KAFKA_BROKERS / MUSICFLOW_REDIS_URL / MUSICFLOW_ELASTICSEARCH_URL are unset: start the stack with `npm run stack:up` (npm test does)';
const never = new AbortController().signal;
const cli = fileURLToPath(new URL('../../src/cli.js', import.meta.url));

interface Deployment { config: Config; backends: Backends; dashboard: RunningDashboard; events: number; stream: StreamReport }

async function deploy(config: Config, files: GeneratedFiles): Promise<Deployment> {
  const backends = await openBackends(config);
  await seedFiles(backends, { customers: files.customers, music: files.music });
  await replayFile(backends.log, { file: files.tracks, retime: false, follow: false, loop: false, signal: never });
  const stream = await streamLog(backends, { group: config.group, fromBeginning: false, untilIdle: true, maxBatch: 1000, signal: never });
  const dashboard = await startDashboard(backends, { port: 0, host: '127.0.0.1', group: config.group, onError: showServerError });
  return { config, backends, dashboard, events: stream.events_processed, stream };
}


async function answer(d: Deployment, path: string): Promise<unknown> {
  const res = await fetch(new URL(path, d.dashboard.url));
  assert.equal(res.status, 200, `${path}: ${await res.clone().text()}`);
  return res.json();
}

describe('Kafka + Redis + Elasticsearch, end to end', { skip, concurrency: false }, () => {
  let embedded: Deployment;
  let servers: Deployment;
  let serverEnv: Record<string, string>;
  let plays: EnrichedPlay[];
  const client = new Client({ node: elasticsearch ?? 'http://127.0.0.1:1' });

  before(async () => {
    const dir = tempDir('musicflow-es-e2e-');
    const gen = await generateDataSet({ customers: 200, tracks: 150, events: 4000, days: 3, seed: 13, start: Date.UTC(2014, 9, 20), out: dir });
    const id = randomUUID();
    serverEnv = {
      MUSICFLOW_KAFKA_BROKERS: brokers!, MUSICFLOW_REDIS_URL: redis!, MUSICFLOW_ELASTICSEARCH_URL: elasticsearch!,
      MUSICFLOW_TOPIC: `musicflow.test.${id}`, MUSICFLOW_GROUP: `musicflow-test-${id}`, MUSICFLOW_REDIS_PREFIX: `musicflow-test:${id}:`,
      MUSICFLOW_ELASTICSEARCH_PREFIX: `musicflow-test-${id}-`, MUSICFLOW_ELASTICSEARCH_REPLICAS: '0', MUSICFLOW_HOME: join(dir, 'servers'),
    };
    plays = await enrichedPlaysOf(gen.files);
    embedded = await deploy(resolveConfig({ dataDir: join(dir, 'embedded') }, {}), gen.files);
    servers = await deploy(resolveConfig({}, serverEnv), gen.files);
  });
  after(async () => {
    await client.close();
    for (const d of [embedded, servers]) {
      await d?.dashboard.close();
      await d?.backends.close();
    }
  });

  it('leaves every play in the plays alias once', SERVER_TEST, async () => {
    assert.equal(servers.events, embedded.events);
    const alias = aliasOf(servers.config.elasticsearch!.prefix, 'plays');
    await client.indices.refresh({ index: alias });
    assert.equal((await client.count({ index: alias })).count, embedded.events);
    // The index followed the log in its own consumer group, which holds every record as done.
    assert.equal(servers.stream.index.group, indexGroupOf(servers.config.group));
    assert.equal(servers.stream.index.events_indexed, embedded.events);
    assert.equal(servers.stream.index.trailing, 0);
    assert.deepEqual((await servers.backends.log.lag(indexGroupOf(servers.config.group))).map((p) => p.lag), Array(servers.config.partitions).fill(0));
  });

  // Interests and ad decisions (a few per thousand plays) are written by the store's loop, just before the store holds
  // them: an outage pauses that loop at the next batch that detects one. The plays, the bulk of the work, do not.
  it("an Elasticsearch that does not answer does not hold back the store's work on the plays", { timeout: 120_000 }, async () => {
    const fx = smallFixture();
    // The fixture's plays without the interest: customer 1's three plays of track 10 become one.
    const lines = readFileSync(fx.tracks, 'utf8').split('\n').filter(Boolean);
    writeFileSync(fx.tracks, `${lines.filter((l) => !/^[01],1,10,/.test(l)).join('\n')}\n`);
    const good = fx.goodEvents.length - 2;
    const id = randomUUID();
    const config = resolveConfig({ dataDir: tempDir('musicflow-es-down-') }, {
      ...serverEnv, MUSICFLOW_TOPIC: `musicflow.test.${id}`, MUSICFLOW_GROUP: `musicflow-test-${id}`, MUSICFLOW_REDIS_PREFIX: `musicflow-test:${id}:`,
      MUSICFLOW_ELASTICSEARCH_URL: 'http://127.0.0.1:9', // nothing listens on the discard port
    });
    const backends = await openBackends(config);
    try {
      await seedFiles(backends, { customers: fx.customers, music: fx.music });
      await replayFile(backends.log, { file: fx.tracks, retime: false, follow: false, loop: false, signal: never });
      const stop = new AbortController();
      const retries: string[] = [];
      const watch = setInterval(() => {
        // Stopped once the store holds every play and the index has tried, and failed, at least once.
        void backends.store.counts().then((c) => { if (c.eventsProcessed === good && retries.length > 0) stop.abort(); });
      }, 200);
      const report = await streamLog(backends, { group: config.group, fromBeginning: false, untilIdle: true, maxBatch: 4, signal: stop.signal },
        (event) => { if (event.kind === 'paused') retries.push(event.problem); }).finally(() => clearInterval(watch));
      assert.equal(report.events_processed, good, 'the store took every play while the index could not');
      assert.equal(report.interests, 0);
      assert.equal(report.lag, 0);
      assert.equal(report.index.events_indexed, 0);
      assert.equal(report.index.trailing, null, 'how far it trails cannot be known while it does not answer');
      assert.ok(retries.some((r) => /Elasticsearch .* is unreachable/.test(r)), retries.join('\n'));
    } finally {
      await backends.close();
    }
  });

  it('every field the Kibana objects read exists in the live mapping with a type its use needs', SERVER_TEST, async () => {
    const prefix = servers.config.elasticsearch!.prefix;
    const kindOf = new Map(DOCUMENT_KINDS.map((kind) => [dataViewId(prefix, kind), kind]));
    const uses = referencedFields(savedObjects(prefix));
    assert.ok(uses.length > 20);
    for (const use of uses) {
      const kind = kindOf.get(use.dataView);
      assert.ok(kind, `${use.object} reads through unknown data view ${use.dataView}`);
      const caps = (await client.fieldCaps({ index: aliasOf(prefix, kind), fields: use.field })).fields[use.field];
      assert.ok(caps, `${use.object}: ${use.field} is not in the ${kind} mapping`);
      const [type, cap] = Object.entries(caps)[0];
      const needed = use.use === 'time field' || use.use === 'date_histogram' ? ['date'] : use.use === 'geo grid' ? ['geo_point'] : null;
      if (needed) assert.ok(needed.includes(type), `${use.object}: ${use.field} is ${type}, ${use.use} needs ${needed.join(' or ')}`);
      assert.ok(cap.aggregatable, `${use.object}: ${use.field} (${type}) cannot be aggregated for ${use.use}`);
    }
  });

  it("each Kibana panel's aggregation on the live index gives the dashboard's numbers", SERVER_TEST, async () => {
    const prefix = servers.config.elasticsearch!.prefix;
    for (const kind of DOCUMENT_KINDS) await client.indices.refresh({ index: aliasOf(prefix, kind) });
    const run = async (panel: Panel) => {
      const answer = await client.search({ index: aliasOf(prefix, panel.data as DocumentKind), size: 0, aggs: { panel: panel.aggregation as never } });
      return (answer.aggregations as Record<string, { buckets: Array<Record<string, unknown> & { key: unknown; key_as_string?: string; doc_count: number }> }>).panel.buckets;
    };
    const panel = (id: string) => PANELS.find((p) => p.id === id)!;
    const counts = (buckets: Awaited<ReturnType<typeof run>>) => Object.fromEntries(buckets.map((b) => [String(b.key_as_string ?? b.key), b.doc_count]));
    const rows = async (dim: Parameters<Backends['index']['breakdown']>[1], f = {}) =>
      Object.fromEntries((await embedded.backends.index.breakdown(f, dim, 10_000)).map((r) => [r.value, r.plays]));
    const top = (all: Record<string, number>, n: number) => Object.values(all).sort((a, b) => b - a).slice(0, n);

    // Plays, mobile plays and listeners per hour: the hourly series of the dashboard.
    const hourly = await run(panel('plays-over-time'));
    const series = await embedded.backends.index.series({}, 'hour');
    assert.deepEqual(hourly.filter((b) => b.doc_count > 0).map((b) => [b.key, b.doc_count, (b.mobile_plays as { doc_count: number }).doc_count]),
      series.map((p) => [p.bucket, p.plays, p.mobilePlays]));
    for (const b of hourly.filter((h) => h.doc_count > 0)) {
      const listeners = new Set(plays.filter((p) => p.time >= Number(b.key) && p.time < Number(b.key) + 3_600_000).map((p) => p.customerId)).size;
      assert.equal((b.listeners as { value: number }).value, listeners, `listeners at ${String(b.key)}`);
    }
    // Gender and level over time: each split summed over the hours is the dashboard's breakdown.
    for (const [id, dim] of [['plays-by-gender', 'gender'], ['plays-by-level', 'level']] as const) {
      const sums: Record<string, number> = {};
      for (const hour of await run(panel(id))) {
        for (const b of (hour[panel(id).split!.field] as { buckets: Array<{ key: string; doc_count: number }> }).buckets) sums[b.key] = (sums[b.key] ?? 0) + b.doc_count;
      }
      assert.deepEqual(sums, await rows(dim), id);
    }
    // Top zips, artists and tracks: the counts of the dashboard's leaders.
    for (const [id, dim] of [['plays-by-zip', 'zip'], ['top-artists', 'artist']] as const) {
      const got = await run(panel(id));
      const want = await rows(dim);
      for (const b of got) assert.equal(b.doc_count, want[String(b.key)], `${id} ${String(b.key)}`);
      assert.deepEqual(got.map((b) => b.doc_count), top(want, got.length), id);
    }
    const titles = new Map((await embedded.backends.store.getTracks([...new Set(plays.map((p) => p.trackId))])).entries());
    const byTitle: Record<string, number> = {};
    for (const [track, n] of Object.entries(await rows('track'))) {
      const title = titles.get(Number(track))?.title;
      if (title) byTitle[title] = (byTitle[title] ?? 0) + n;
    }
    assert.deepEqual((await run(panel('top-tracks'))).map((b) => b.doc_count), top(byTitle, 10), 'top-tracks');
    // Plays by customer: each leader's count is the plays of their live profile.
    for (const b of await run(panel('plays-by-customer'))) {
      assert.equal(b.doc_count, (await embedded.backends.store.getProfile(Number(b.key)))?.plays, `customer ${String(b.key)}`);
    }
    // Linked with apps, device, age by level, the map: as the plays themselves and the overview say.
    const linked: Record<string, number> = {};
    for (const p of plays) if (p.customer) linked[String(p.customer.linkedWithApps)] = (linked[String(p.customer.linkedWithApps)] ?? 0) + 1;
    assert.deepEqual(counts(await run(panel('plays-by-linked-apps'))), linked);
    const totals = await embedded.backends.index.totals({});
    assert.deepEqual(counts(await run(panel('mobile-share'))), { mobile: totals.mobilePlays, pc: totals.plays - totals.mobilePlays });
    for (const age of await run(panel('age-by-level'))) {
      for (const b of (age.level as { buckets: Array<{ key: string; doc_count: number }> }).buckets) {
        const level = ['Free', 'Silver', 'Gold'].indexOf(b.key);
        assert.equal(b.doc_count, (await rows('age_band', level >= 0 ? { level } : {}))[String(age.key)], `age ${String(age.key)} level ${b.key}`);
      }
    }
    const located = plays.filter((p) => dimensionValue(p, 'state') !== 'unknown').length;
    assert.equal((await run(panel('plays-map'))).reduce((sum, b) => sum + b.doc_count, 0), located, 'plays-map');
    // Interests per day: the store's interests, by the day they were detected.
    const interests = await embedded.backends.store.recentInterests(100_000);
    const perDay: Record<string, number> = {};
    for (const i of interests) {
      const day = Math.floor(i.detectedAt / 86_400_000) * 86_400_000;
      perDay[day] = (perDay[day] ?? 0) + 1;
    }
    assert.ok(interests.length > 0);
    assert.deepEqual(Object.fromEntries((await run(panel('interests-over-time'))).filter((b) => b.doc_count > 0).map((b) => [String(b.key), b.doc_count])), perDay);
  });

  it('the dashboard on Elasticsearch shows what the embedded default shows', SERVER_TEST, async () => {
    const top = ((await answer(embedded, '/api/breakdown/state?limit=1')) as { rows: Array<{ value: string }> }).rows[0].value;
    const paths = [
      '/api/overview', '/api/overview?device=mobile&level=Free', '/api/series?grain=hour', '/api/series?grain=hour&device=pc', '/api/hours',
      '/api/series?range=24h', `/api/states/${top}/customers`, `/api/states/${top}/customers?level=Silver`,
      ...BREAKDOWNS.flatMap((dim) => [`/api/breakdown/${dim}`, `/api/breakdown/${dim}?device=mobile`, `/api/breakdown/${dim}?level=Gold&range=7d`, `/api/breakdown/${dim}?state=${top}`]),
    ];
    for (const path of paths) {
      assert.deepEqual(await answer(servers, path), await answer(embedded, path), path);
    }
  });

  it('status says the index trails the log by nothing', SERVER_TEST, () => {
    const inherited = Object.fromEntries(Object.entries(process.env).filter(([k]) => !k.startsWith('MUSICFLOW_')));
    const run = spawnSync(process.execPath, [cli, 'status', '--json'], { env: { ...inherited, ...serverEnv }, encoding: 'utf8' });
    assert.equal(run.status, 0, run.stderr);
    const report = JSON.parse(run.stdout) as { backend: string; index_trailing: number; lag: number; health: Array<{ backend: string; ok: boolean }> };
    assert.equal(report.backend, 'kafka+redis+elasticsearch');
    assert.equal(report.lag, 0);
    assert.equal(report.index_trailing, 0);
    assert.ok(report.health.some((h) => h.backend.startsWith('Elasticsearch') && h.ok));
  });
});
