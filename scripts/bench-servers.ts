// The servers part of `npm run bench -- --servers` (Kafka + Redis from the environment, e.g. `npm run stack:up`):
// replay into Kafka on each Kafka client library (kafkajs, @platformatic/kafka), side by side with kcat producing
// the same file (the practical ceiling); stream with 1 worker on each client and with 2 workers; and the reference
// design's way, one Redis HMGET round trip per event for enrichment, as a baseline; `seed` of 200,000 customers;
// and the latency from append to durable effects with 2 live workers while replay runs at a steady rate.
import { spawnSync } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { join } from 'node:path';
import { Redis } from 'ioredis';
import { Kafka, logLevel } from 'kafkajs';
import { readLineBatches } from '../src/lib/formats/lines.js';
import { parseTrackLine } from '../src/lib/formats/tracks.js';
import { KAFKA_CLIENTS, type KafkaClient } from '../src/lib/config.js';
import { isoDateMillis } from '../src/lib/formats/datetime.js';
import { generateDataSet } from '../src/lib/generate/dataset.js';
import type { CliRun } from './bench.js';

export interface ServersBenchOptions {
  files: { customers: string; music: string; clicks: string; tracks: string };
  events: number;
  /** A folder for the bench's own generated files (the big customer file for `seed`). */
  dataDir: string;
  runCli: (args: string[], env?: NodeJS.ProcessEnv, signalAfterMs?: number) => Promise<CliRun>;
  log: (line: string) => void;
}

/** Partitions of the bench topics: 2 workers get 3 each (with 3 partitions one worker would carry two). */
const PARTITIONS = 6;
const SEED_CUSTOMERS = 200_000;
const LATENCY_RATE = 20_000;

function serversEnv(): { brokers: string; redis: string } {
  const brokers = process.env.MUSICFLOW_KAFKA_BROKERS;
  const redis = process.env.MUSICFLOW_REDIS_URL;
  if (!brokers || !redis) {
    throw new Error('--servers needs MUSICFLOW_KAFKA_BROKERS and MUSICFLOW_REDIS_URL: run `npm run stack:up` and export the lines it prints');
  }
  return { brokers, redis };
}

function runEnv(topic: string, prefix: string, group: string, client?: KafkaClient): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = { ...process.env, MUSICFLOW_TOPIC: topic, MUSICFLOW_PARTITIONS: String(PARTITIONS), MUSICFLOW_REDIS_PREFIX: prefix, MUSICFLOW_GROUP: group };
  if (client) env.MUSICFLOW_KAFKA_CLIENT = client;
  return env;
}

/** One value per Kafka client library, computed one client after the other (they share the machine). */
async function perClient<T>(work: (client: KafkaClient) => Promise<T>): Promise<Record<KafkaClient, T>> {
  const out = {} as Record<KafkaClient, T>;
  for (const client of KAFKA_CLIENTS) out[client] = await work(client);
  return out;
}

/** kcat producing the same lines (no key parsing, gzip, acks=all): what a producer can do on this machine. */
async function kcatProduce(brokers: string, topic: string, file: string): Promise<{ events_per_sec: number; wall_ms: number } | { skipped: string }> {
  if (spawnSync('kcat', ['-V']).error) return { skipped: 'kcat is not installed (apt-get install kcat)' };
  // The broker does not create topics on first write: make it like musicflow's.
  const admin = new Kafka({ brokers: brokers.split(','), logLevel: logLevel.NOTHING }).admin();
  await admin.connect();
  await admin.createTopics({ topics: [{ topic, numPartitions: PARTITIONS }], waitForLeaders: true });
  await admin.disconnect();
  const started = performance.now();
  const r = spawnSync('kcat', ['-P', '-b', brokers, '-t', topic, '-z', 'gzip', '-X', 'acks=all', '-X', 'linger.ms=20', '-l', file], { encoding: 'utf8' });
  if (r.status !== 0) return { skipped: `kcat failed: ${r.stderr.slice(0, 300)}` };
  const wall = performance.now() - started;
  const lines = Number(spawnSync('wc', ['-l', file], { encoding: 'utf8' }).stdout.trim().split(/\s+/)[0]);
  return { events_per_sec: Math.round(lines / (wall / 1000)), wall_ms: Math.round(wall) };
}

/**
 * N `stream --until-idle` workers in one group. events_per_sec is over the wall time of the processes (start-up,
 * joining the group and the idle wait at the end included); busy_events_per_sec over the group's busy window,
 * from the first batch any worker took to the last one durable.
 */
async function streamWorkers(n: number, env: NodeJS.ProcessEnv, runCli: ServersBenchOptions['runCli'], redisUrl: string): Promise<Record<string, unknown>> {
  const redisCpuBefore = await redisCpuMs(redisUrl);
  const started = performance.now();
  const runs = await Promise.all(Array.from({ length: n }, () => runCli(['stream', '--until-idle'], env)));
  const wall = performance.now() - started;
  const redisCpu = (await redisCpuMs(redisUrl)) - redisCpuBefore;
  const processed = runs.reduce((sum, r) => sum + Number(r.report.events_processed), 0);
  const nodeCpu = runs.reduce((sum, r) => sum + r.cpu_ms, 0);
  const busy = runs.map((r) => r.report.busy as { from: number | null; to: number | null });
  const from = Math.min(...busy.map((b) => b.from ?? Infinity));
  const to = Math.max(...busy.map((b) => b.to ?? -Infinity));
  return {
    workers: n,
    events: processed,
    events_per_sec: Math.round(processed / (wall / 1000)),
    busy_events_per_sec: to > from ? Math.round(processed / ((to - from) / 1000)) : null,
    wall_ms: Math.round(wall),
    // CPU time from the processes' own counters: the workers' (start-up included) and Redis's over the run.
    node_cpu_us_per_play: perPlayMicros(nodeCpu, processed),
    redis_cpu_us_per_play: perPlayMicros(redisCpu, processed),
    latency_ms: runs.map((r) => r.report.latency_ms),
    peak_rss_mb: runs.map((r) => r.peak_rss_mb),
  };
}

export const perPlayMicros = (cpuMs: number, plays: number) => (plays > 0 ? Number(((cpuMs * 1000) / plays).toFixed(2)) : null);

/** The CPU time Redis's own process has used (a fork's, for an append-only file rewrite, is not in it). */
async function redisCpuMs(redisUrl: string): Promise<number> {
  const redis = new Redis(redisUrl);
  try {
    const info = await redis.info('cpu');
    const seconds = (name: string) => Number(new RegExp(`^${name}:([0-9.]+)`, 'm').exec(info)?.[1] ?? NaN);
    return (seconds('used_cpu_user') + seconds('used_cpu_sys')) * 1000;
  } finally {
    redis.disconnect();
  }
}

/** `seed` of a file with many customers, timed by the command itself (file read and Redis writes). */
async function seedCustomers(options: ServersBenchOptions, env: NodeJS.ProcessEnv): Promise<Record<string, unknown>> {
  const folder = join(options.dataDir, `customers-${SEED_CUSTOMERS}`);
  await generateDataSet({ customers: SEED_CUSTOMERS, tracks: 10, events: 1, days: 1, seed: 7, start: isoDateMillis('2014-10-01'), out: folder });
  const run = await options.runCli(['seed', '--customers', join(folder, 'cust.csv')], env);
  const loaded = Number(run.report.customers_loaded);
  return {
    customers: loaded,
    customers_per_sec: Math.round(loaded / (Number(run.report.elapsed_ms) / 1000)),
    elapsed_ms: run.report.elapsed_ms,
    wall_ms: run.wall_ms,
  };
}

/** Two live workers while replay appends at a steady rate they keep up with: append -> effects durable. */
async function latencyAtRate(options: ServersBenchOptions, env: NodeJS.ProcessEnv): Promise<Record<string, unknown>> {
  const count = Math.min(options.events, LATENCY_RATE * 15);
  const seconds = count / LATENCY_RATE;
  await options.runCli(['seed', '--customers', options.files.customers, '--music', options.files.music], env);
  // The workers join first (and create the topic); each is stopped (SIGINT: it commits, then leaves) once
  // the replay is long done.
  const workers = [0, 1].map(() => options.runCli(['stream'], env, (seconds + 12) * 1000));
  await new Promise((resolve) => setTimeout(resolve, 5_000));
  await options.runCli(['replay', '--file', options.files.tracks, '--rate', String(LATENCY_RATE), '--limit', String(count), '--retime'], env);
  const runs = await Promise.all(workers);
  return {
    rate: LATENCY_RATE,
    workers: 2,
    events: runs.reduce((sum, r) => sum + Number(r.report.events_processed), 0),
    latency_ms: runs.map((r) => r.report.latency_ms),
  };
}

/** Deletes the keys under a prefix, then waits until Redis rewrites no append-only file. */
export async function clearRedis(redisUrl: string, keyPrefix: string): Promise<void> {
  const redis = new Redis(redisUrl);
  try {
    let cursor = '0';
    do {
      const [next, keys] = await redis.scan(cursor, 'MATCH', `${keyPrefix}*`, 'COUNT', 10_000);
      cursor = next;
      if (keys.length > 0) await redis.unlink(...keys);
    } while (cursor !== '0');
    while (/aof_rewrite_in_progress:1/.test(await redis.info('persistence'))) await new Promise((r) => setTimeout(r, 500));
  } finally {
    redis.disconnect();
  }
}

/** The reference design's enrichment: one HMGET round trip per event, in order. */
async function hmgetBaseline(redisUrl: string, prefix: string, file: string, limit: number): Promise<Record<string, unknown>> {
  const redis = new Redis(redisUrl, { lazyConnect: true });
  await redis.connect();
  const ping = performance.now();
  for (let i = 0; i < 200; i++) await redis.ping();
  const rttMs = (performance.now() - ping) / 200;
  let events = 0;
  const started = performance.now();
  outer: for await (const batch of readLineBatches(file)) {
    for (const { text } of batch) {
      const parsed = parseTrackLine(text);
      if (!parsed.ok) continue;
      await redis.hmget(`${prefix}customer:${parsed.value.customerId}`, 'name', 'gender', 'age', 'zip', 'level', 'campaign');
      if (++events >= limit) break outer;
    }
  }
  const wall = performance.now() - started;
  await redis.quit();
  return { events, events_per_sec: Math.round(events / (wall / 1000)), round_trip_ms: Number(rttMs.toFixed(3)) };
}

export async function benchServers(options: ServersBenchOptions): Promise<Record<string, unknown>> {
  const { brokers, redis } = serversEnv();
  const { files, runCli, log } = options;
  const id = randomUUID().slice(0, 8);
  // Each client replays the same file into a topic of its own and streams it into Redis keys of its own.
  const topic = (client: KafkaClient) => `musicflow.bench.${id}.${client}`;
  const prefix = (name: string) => `musicflow:bench:${id}:${name}:`;
  const oneWorker = (client: KafkaClient) => runEnv(topic(client), prefix(`w1-${client}`), `bench-${id}-1-${client}`, client);
  const twoWorkers = runEnv(topic('kafkajs'), prefix('w2'), `bench-${id}-2`);

  log(`servers: seed ${SEED_CUSTOMERS} customers`);
  const seedRate = await seedCustomers(options, runEnv(topic('kafkajs'), prefix('seed'), `bench-${id}-seed`));

  log('servers: seed into Redis');
  const seedArgs = ['seed', '--customers', files.customers, '--music', files.music];
  await perClient((client) => runCli(seedArgs, oneWorker(client)));
  await runCli(seedArgs, twoWorkers);

  log(`servers: replay into Kafka with each client (${KAFKA_CLIENTS.join(', ')}) and the same file with kcat`);
  const replays = await perClient((client) => runCli(['replay', '--file', files.tracks], oneWorker(client)));
  const kcat = await kcatProduce(brokers, `musicflow.bench.${id}.kcat`, files.tracks);

  log('servers: baseline, one HMGET round trip per event');
  const baseline = await hmgetBaseline(redis, prefix('w1-kafkajs'), files.tracks, Math.min(options.events, 200_000));

  // Each stream run starts from the same Redis: the previous run's keys go, and a rewrite of the append-only
  // file that they set off (a fork of the whole dataset) is over before the next run starts.
  log('servers: stream with 1 worker, on each client');
  const one = await perClient(async (client) => {
    const run = await streamWorkers(1, oneWorker(client), runCli, redis);
    await clearRedis(redis, prefix(`w1-${client}`));
    return run;
  });
  log('servers: stream with 2 workers');
  const two = await streamWorkers(2, twoWorkers, runCli, redis);
  await clearRedis(redis, prefix('w2'));

  log(`servers: latency with 2 live workers, replay at ${LATENCY_RATE} events/s`);
  const latency = await latencyAtRate(options, runEnv(`musicflow.bench.${id}.latency`, prefix('latency'), `bench-${id}-latency`));
  await clearRedis(redis, prefix('latency'));
  await clearRedis(redis, prefix('seed'));
  const baseRate = Number(baseline.events_per_sec);
  const rtt = Number(baseline.round_trip_ms);
  return {
    seed: seedRate,
    replay: Object.fromEntries(KAFKA_CLIENTS.map((client) => {
      const run = replays[client];
      return [client, { events_per_sec: run.report.events_per_sec, wall_ms: run.wall_ms, peak_rss_mb: run.peak_rss_mb }];
    })),
    kcat,
    replay_vs_kcat: Object.fromEntries(KAFKA_CLIENTS.map((client) => [client,
      'events_per_sec' in kcat ? Number((Number(replays[client].report.events_per_sec) / kcat.events_per_sec).toFixed(2)) : null])),
    stream_1_worker: one,
    stream_2_workers: two,
    latency_at_rate: latency,
    hmget_baseline: baseline,
    two_workers_vs_baseline: {
      wall: Number((Number(two.events_per_sec) / baseRate).toFixed(1)),
      busy: two.busy_events_per_sec === null ? null : Number((Number(two.busy_events_per_sec) / baseRate).toFixed(1)),
    },
    // Each extra millisecond of round trip costs the baseline a millisecond per event; a batch pays it a few
    // times per 5,000 events. At 1 ms the baseline tops out near 1,000 events/s.
    baseline_events_per_sec_at: { '0.5ms': Math.round(1000 / (rtt + 0.5)), '1ms': Math.round(1000 / (rtt + 1)), '5ms': Math.round(1000 / (rtt + 5)) },
  };
}
