// `node dist/scripts/bench-index.js [--events N] [--batch N] [--partitions N]`: the Index adapters alone.
// Reads the first N plays of bench-data/generated-1000000 (npm run bench makes it), enriches them as the
// pipeline does, and times applyEffects per adapter (embedded on its worker thread; Redis when
// MUSICFLOW_REDIS_URL is set), batches split by partition as the log would; then the dashboard's queries.
import { mkdtempSync, rmSync, writeFileSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { ThreadedIndex } from '../src/lib/adapters/embedded/index-thread.js';
import { RedisIndex } from '../src/lib/adapters/redis/index.js';
import { readRecords } from '../src/lib/formats/read.js';
import { enrich } from '../src/lib/pipeline/enrich.js';
import type { Dimension, Index, IndexFilter } from '../src/lib/ports.js';
import type { EnrichedPlay } from '../src/lib/records.js';
import { clearRedis } from './bench-servers.js';

const root = resolve(fileURLToPath(new URL('../..', import.meta.url)));
const args = process.argv.slice(2);
const value = (name: string, fallback: number) => (args.includes(name) ? Number(args[args.indexOf(name) + 1]) : fallback);
const events = value('--events', 200_000);
const batch = value('--batch', 2_000);
const partitions = value('--partitions', 6);

async function plays(): Promise<EnrichedPlay[]> {
  const data = join(root, 'bench-data', 'generated-1000000');
  const all = async <T>(batches: AsyncIterable<{ values: Array<{ value: T }> }>) => {
    const out: T[] = [];
    for await (const b of batches) out.push(...b.values.map((v) => v.value));
    return out;
  };
  const folder = mkdtempSync(join(tmpdir(), 'bench-index-'));
  const head = join(folder, 'tracks.csv');
  try {
    const lines = readFileSync(join(data, 'tracks.csv'), 'utf8').split('\n');
    writeFileSync(head, `${lines.slice(0, events + 1).join('\n')}\n`);
    const customers = new Map((await all(readRecords(join(data, 'cust.csv'), 'customers', 'seed'))).map((c) => [c.id, c]));
    const tracks = new Map((await all(readRecords(join(data, 'music.csv'), 'music', 'seed'))).map((t) => [t.id, t]));
    return (await all(readRecords(head, 'tracks', 'replay'))).map((e) => enrich(e, customers.get(e.customerId), tracks.get(e.trackId)));
  } finally {
    rmSync(folder, { recursive: true, force: true });
  }
}

async function apply(index: Index, all: EnrichedPlay[]): Promise<Record<string, number>> {
  const byPartition = Array.from({ length: partitions }, () => [] as EnrichedPlay[]);
  for (const p of all) byPartition[p.customerId % partitions].push(p);
  const started = performance.now();
  await Promise.all(byPartition.map(async (list, partition) => {
    let expected = -1;
    for (let i = 0; i < list.length; i += batch) {
      const part = list.slice(i, i + batch);
      const next = i + part.length - 1;
      await index.applyEffects({ position: { log: 'bench', partition, expected, next }, plays: part, offsets: part.map((_p, j) => i + j) });
      expected = next;
    }
  }));
  const ms = performance.now() - started;
  return { apply_ms: Math.round(ms), plays_per_sec: Math.round(all.length / (ms / 1000)) };
}

async function queries(index: Index): Promise<Record<string, number>> {
  const filters: IndexFilter[] = [{}, { mobile: true }, { level: 1 }, { mobile: false, level: 2 }, { state: 'CA' }];
  const dims: Dimension[] = ['state', 'gender', 'level', 'track', 'artist', 'zip'];
  const out: Record<string, number> = {};
  const time = async (name: string, work: () => Promise<unknown>) => {
    await work();
    const started = performance.now();
    for (let i = 0; i < 3; i++) await work();
    out[name] = Math.round(((performance.now() - started) / 3) * 10) / 10;
  };
  const { last } = await index.totals({});
  const week = { from: (last ?? 0) - 7 * 86_400_000 };
  await time('totals_ms', () => Promise.all(filters.map((f) => index.totals(f))));
  await time('series_hour_ms', () => Promise.all(filters.map((f) => index.series(f, 'hour'))));
  await time('series_minute_week_ms', () => Promise.all(filters.map((f) => index.series({ ...f, ...week }, 'minute'))));
  await time('breakdowns_ms', () => Promise.all(filters.flatMap((f) => dims.map((d) => index.breakdown(f, d, 10)))));
  await time('breakdowns_week_ms', () => Promise.all(filters.flatMap((f) => dims.map((d) => index.breakdown({ ...f, ...week }, d, 10)))));
  return out;
}

const all = await plays();
const results: Record<string, unknown> = { events: all.length, batch, partitions };
const dir = mkdtempSync(join(tmpdir(), 'bench-index-embedded-'));
const embedded = new ThreadedIndex(dir);
try {
  results.embedded = { ...(await apply(embedded, all)), ...(await queries(embedded)) };
} finally {
  await embedded.close();
  rmSync(dir, { recursive: true, force: true });
}
if (process.env.MUSICFLOW_REDIS_URL) {
  const prefix = `musicflow-bench-index:${process.pid}:`;
  const redis = new RedisIndex(process.env.MUSICFLOW_REDIS_URL, prefix);
  try {
    results.redis = { ...(await apply(redis, all)), ...(await queries(redis)) };
  } finally {
    await redis.close();
    await clearRedis(process.env.MUSICFLOW_REDIS_URL, prefix);
  }
}
process.stdout.write(`${JSON.stringify(results)}\n`);
