// The servers part of `npm run bench -- --servers` (Kafka + Redis from the environment, e.g. `npm run stack:up`):
// replay into Kafka on each Kafka client library (kafkajs, @platformatic/kafka), side by side with kcat producing
// the same file (the practical ceiling); stream with 1 worker on each client and with 2 workers; and the reference
// design's way, one Redis HMGET round trip per event for enrichment, as a baseline.
import { spawnSync } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { Redis } from 'ioredis';
import { Kafka, logLevel } from 'kafkajs';
import { readLineBatches } from '../src/lib/formats/lines.js';
import { parseTrackLine } from '../src/lib/formats/tracks.js';
import { KAFKA_CLIENTS, type KafkaClient } from '../src/lib/config.js';
import type { CliRun } from './bench.js';

export interface ServersBenchOptions {
  files: { customers: string; music: string; clicks: string; tracks: string };
  events: number;
  runCli: (args: string[], env?: NodeJS.ProcessEnv) => Promise<CliRun>;
  log: (line: string) => void;
}

function serversEnv(): { brokers: string; redis: string } {
  const brokers = process.env.MUSICFLOW_KAFKA_BROKERS;
  const redis = process.env.MUSICFLOW_REDIS_URL;
  if (!brokers || !redis) {
    throw new Error('--servers needs MUSICFLOW_KAFKA_BROKERS and MUSICFLOW_REDIS_URL: run `npm run stack:up` and export the lines it prints');
  }
  return { brokers, redis };
}

function runEnv(topic: string, prefix: string, group: string, client?: KafkaClient): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = { ...process.env, MUSICFLOW_TOPIC: topic, MUSICFLOW_PARTITIONS: '3', MUSICFLOW_REDIS_PREFIX: prefix, MUSICFLOW_GROUP: group };
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
  // The broker does not create topics on first write: make it like musicflow's (3 partitions).
  const admin = new Kafka({ brokers: brokers.split(','), logLevel: logLevel.NOTHING }).admin();
  await admin.connect();
  await admin.createTopics({ topics: [{ topic, numPartitions: 3 }], waitForLeaders: true });
  await admin.disconnect();
  const started = performance.now();
  const r = spawnSync('kcat', ['-P', '-b', brokers, '-t', topic, '-z', 'gzip', '-X', 'acks=all', '-X', 'linger.ms=20', '-l', file], { encoding: 'utf8' });
  if (r.status !== 0) return { skipped: `kcat failed: ${r.stderr.slice(0, 300)}` };
  const wall = performance.now() - started;
  const lines = Number(spawnSync('wc', ['-l', file], { encoding: 'utf8' }).stdout.trim().split(/\s+/)[0]);
  return { events_per_sec: Math.round(lines / (wall / 1000)), wall_ms: Math.round(wall) };
}

/** N `stream --until-idle` workers in one group; events/s over the wall time until all are done. */
async function streamWorkers(n: number, env: NodeJS.ProcessEnv, runCli: ServersBenchOptions['runCli']): Promise<Record<string, unknown>> {
  const started = performance.now();
  const runs = await Promise.all(Array.from({ length: n }, () => runCli(['stream', '--until-idle'], env)));
  const wall = performance.now() - started;
  const processed = runs.reduce((sum, r) => sum + Number(r.report.events_processed), 0);
  return {
    workers: n,
    events: processed,
    events_per_sec: Math.round(processed / (wall / 1000)),
    wall_ms: Math.round(wall),
    latency_ms: runs.map((r) => r.report.latency_ms),
    peak_rss_mb: runs.map((r) => r.peak_rss_mb),
  };
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

  log('servers: seed into Redis');
  const seedArgs = ['seed', '--customers', files.customers, '--music', files.music];
  const seeds = await perClient((client) => runCli(seedArgs, oneWorker(client)));
  await runCli(seedArgs, twoWorkers);

  log(`servers: replay into Kafka with each client (${KAFKA_CLIENTS.join(', ')}) and the same file with kcat`);
  const replays = await perClient((client) => runCli(['replay', '--file', files.tracks], oneWorker(client)));
  const kcat = await kcatProduce(brokers, `musicflow.bench.${id}.kcat`, files.tracks);

  log('servers: stream with 1 worker, on each client');
  const one = await perClient((client) => streamWorkers(1, oneWorker(client), runCli));
  log('servers: stream with 2 workers');
  const two = await streamWorkers(2, twoWorkers, runCli);

  log('servers: baseline, one HMGET round trip per event');
  const baseline = await hmgetBaseline(redis, prefix('w1-kafkajs'), files.tracks, Math.min(options.events, 200_000));
  const twoRate = Number(two.events_per_sec);
  const baseRate = Number(baseline.events_per_sec);
  const rtt = Number(baseline.round_trip_ms);
  const seed = seeds.kafkajs.report;
  return {
    seed_customers_per_sec: Math.round(Number(seed.customers_loaded) / (Number(seed.elapsed_ms) / 1000)),
    replay: Object.fromEntries(KAFKA_CLIENTS.map((client) => {
      const run = replays[client];
      return [client, { events_per_sec: run.report.events_per_sec, wall_ms: run.wall_ms, peak_rss_mb: run.peak_rss_mb }];
    })),
    kcat,
    replay_vs_kcat: Object.fromEntries(KAFKA_CLIENTS.map((client) => [client,
      'events_per_sec' in kcat ? Number((Number(replays[client].report.events_per_sec) / kcat.events_per_sec).toFixed(2)) : null])),
    stream_1_worker: one,
    stream_2_workers: two,
    hmget_baseline: baseline,
    two_workers_vs_baseline: Number((twoRate / baseRate).toFixed(1)),
    // Each extra millisecond of round trip costs the baseline a millisecond per event; a batch pays it a few
    // times per 5,000 events. At 1 ms the baseline tops out near 1,000 events/s.
    baseline_events_per_sec_at: { '0.5ms': Math.round(1000 / (rtt + 0.5)), '1ms': Math.round(1000 / (rtt + 1)), '5ms': Math.round(1000 / (rtt + 5)) },
  };
}
