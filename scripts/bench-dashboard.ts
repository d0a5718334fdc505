// Dashboard API latency over 1,000,000 indexed plays on the embedded default.
// The plays are made here (seeded, plausible shapes) and written through the Index port after the
// pipeline's own enrich() and aggregate(): the event log and the stream loop are skipped, which is
// far faster at this size and leaves the index exactly as the stream would for the same plays.
// Run alone: npm run build && node dist/scripts/bench-dashboard.js [--events N] [--requests ROUNDS] [--keep DIR]
// (--requests: rounds over every endpoint, default 20; --keep: make or reuse the data there instead of a temp dir)
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import zipcodes from 'zipcodes';
import type { Backends } from '../src/lib/app/backends.js';
import { openBackends } from '../src/lib/wiring/backends.js';
import { resolveConfig } from '../src/lib/config.js';
import { derivedAge } from '../src/lib/demographics.js';
import { startDashboard } from '../src/lib/dashboard/server.js';
import { enrich } from '../src/lib/pipeline/enrich.js';
import { seededRandom } from '../src/lib/model/split.js';
import type { Campaign, Customer, Level, PlayEvent, Track } from '../src/lib/records.js';

export interface BenchDashboardOptions {
  events?: number; // plays to index (default 1,000,000)
  requests?: number; // requests per endpoint (default 300)
  dataDir?: string; // reuse or keep this data folder (made if missing or empty)
  log?: (line: string) => void;
}

export interface BenchDashboardResult {
  p50_ms: number;
  p95_ms: number;
  requests: number;
  events: number;
  data: string;
  endpoints: Array<{ path: string; p50_ms: number; p95_ms: number; max_ms: number }>;
}

const DAY = 86_400_000;
const CUSTOMERS = 5_000;
const TRACKS = 2_000;
const ZIPS = 3_000;
const SPAN_DAYS = 30;
/** Relative listening by UTC hour: quiet nights, a commute bump, a long evening. */
const HOUR_WEIGHT = [3, 2, 1, 1, 1, 2, 4, 7, 9, 7, 6, 6, 7, 6, 6, 7, 8, 9, 10, 11, 11, 9, 7, 5];

function pickWeighted(rand: () => number, cumulative: number[]): number {
  const x = rand() * cumulative[cumulative.length - 1];
  let lo = 0;
  let hi = cumulative.length - 1;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (cumulative[mid] > x) hi = mid;
    else lo = mid + 1;
  }
  return lo;
}

function cumulativeOf(weights: number[]): number[] {
  let sum = 0;
  return weights.map((w) => (sum += w));
}

/** Customers, tracks and plays over the last 30 days, written to the store and the index. */
export async function makeBenchData(backends: Backends, events: number, log: (line: string) => void): Promise<void> {
  const rand = seededRandom(20141020);
  const usZips = Object.values(zipcodes.codes).filter((z) => z.country === 'US').map((z) => z.zip);
  const zips = Array.from({ length: ZIPS }, () => usZips[Math.floor(rand() * usZips.length)]);
  const customers: Customer[] = Array.from({ length: CUSTOMERS }, (_, i) => {
    const id = i + 1;
    return {
      id, name: `Listener ${id}`, gender: rand() < 0.5 ? 'female' : 'male', address: `${id} Main St`,
      zip: zips[Math.floor(rand() * zips.length)], signDate: '2013-01-15', active: rand() < 0.9,
      level: (rand() < 0.6 ? 0 : rand() < 0.75 ? 1 : 2) as Level, campaign: Math.floor(rand() * 5) as Campaign,
      linkedWithApps: rand() < 0.5, age: derivedAge(id), ageSource: 'derived',
    };
  });
  const tracks: Track[] = Array.from({ length: TRACKS }, (_, i) => ({
    id: i + 1, title: `Song ${i + 1}`, artist: `Artist ${1 + Math.floor(i / 8)}`, lengthSec: 120 + Math.floor(rand() * 240),
  }));
  await backends.store.upsertCustomers(customers);
  await backends.store.upsertTracks(tracks);
  const byId = new Map(customers.map((c) => [c.id, c]));
  const trackById = new Map(tracks.map((t) => [t.id, t]));
  const trackPopularity = cumulativeOf(tracks.map((_, i) => 1 / (i + 1))); // Zipf-like
  const customerActivity = cumulativeOf(customers.map(() => 0.2 + rand()));
  const hours = cumulativeOf(HOUR_WEIGHT);
  const start = Math.floor((Date.now() - SPAN_DAYS * DAY) / DAY) * DAY;

  const batchSize = 20_000;
  const started = Date.now();
  for (let done = 0, expected = -1; done < events; done += batchSize) {
    const n = Math.min(batchSize, events - done);
    const plays = [];
    for (let i = 0; i < n; i++) {
      const customer = customers[pickWeighted(rand, customerActivity)];
      // Plays move forward through the month so each batch is one slice of time, as a stream's would be.
      const day = Math.floor(((done + i) / events) * SPAN_DAYS);
      const time = start + day * DAY + pickWeighted(rand, hours) * 3_600_000 + Math.floor(rand() * 3_600_000);
      const event: PlayEvent = {
        eventId: done + i, customerId: customer.id, trackId: 1 + pickWeighted(rand, trackPopularity), time,
        mobile: rand() < 0.62, zip: rand() < 0.8 ? customer.zip : zips[Math.floor(rand() * zips.length)],
      };
      plays.push(enrich(event, byId.get(event.customerId), trackById.get(event.trackId)));
    }
    const next = done + n - 1;
    await backends.index.applyEffects({ position: { log: 'bench', partition: 0, expected, next }, plays, offsets: plays.map((_p, i) => done + i) });
    expected = next;
    if ((done / batchSize) % 10 === 0) log(`indexed ${done + n} plays (${Math.round((done + n) / Math.max((Date.now() - started) / 1000, 0.001))}/s)`);
  }
}

/** The requests the page makes, unfiltered and with the filters a user picks (device, level, state, time). */
function endpoints(customerIds: number[]): string[] {
  const paths = [
    '/api/overview', '/api/overview?device=mobile', '/api/overview?level=Silver', '/api/overview?state=CA', '/api/overview?range=24h&device=pc',
    '/api/series', '/api/series?range=24h&grain=minute', '/api/series?device=mobile', '/api/series?state=TX&device=pc',
    '/api/hours', '/api/hours?level=Gold', '/api/hours?state=NY',
    '/api/states/CA/customers', '/api/states/TX/customers?device=mobile',
    '/api/interests', '/api/pipeline', '/metrics',
  ];
  for (const dim of ['gender', 'age_band', 'level', 'campaign', 'state', 'track', 'artist', 'zip']) {
    paths.push(`/api/breakdown/${dim}`, `/api/breakdown/${dim}?device=mobile`, `/api/breakdown/${dim}?state=CA&device=mobile`, `/api/breakdown/${dim}?range=7d&level=Free`);
  }
  return [...paths, ...customerIds.map((id) => `/api/customers/${id}`)];
}

function percentile(sorted: number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil(p * sorted.length) - 1))];
}

const round = (ms: number) => Math.round(ms * 10) / 10;

export async function benchDashboard(options: BenchDashboardOptions = {}): Promise<BenchDashboardResult> {
  const events = options.events ?? 1_000_000;
  const rounds = options.requests ?? 20;
  const log = options.log ?? ((line: string) => process.stderr.write(`${line}\n`));
  const dataDir = resolve(options.dataDir ?? mkdtempSync(join(tmpdir(), 'musicflow-bench-dashboard-')));
  const backends = await openBackends(resolveConfig({ dataDir }, {}));
  try {
    const have = (await backends.index.totals({})).plays;
    if (have === 0) {
      log(`bench-dashboard: indexing ${events} plays in ${dataDir} (written through the Index port after enrich + aggregate; no event log, no stream loop)`);
      await makeBenchData(backends, events, log);
    } else if (have === events) {
      log(`bench-dashboard: reusing ${have} indexed plays in ${dataDir}`);
    } else {
      throw new Error(`bench-dashboard: ${dataDir} holds ${have} indexed plays, not ${events}: remove the folder to rebuild it, or ask for --events ${have}`);
    }
    return { ...await timeDashboard(backends, [42, 1234, 4999], rounds), data: dataDir };
  } finally {
    await backends.close();
    if (!options.dataDir) rmSync(dataDir, { recursive: true, force: true });
  }
}

/** Every endpoint the page calls, `rounds` times over, against the dashboard on these backends. */
export async function timeDashboard(backends: Backends, customerIds: number[], rounds: number): Promise<Omit<BenchDashboardResult, 'data'>> {
  const indexed = (await backends.index.totals({})).plays;
  const dashboard = await startDashboard(backends, {
    port: 0, host: '127.0.0.1', onError: (err) => process.stderr.write(`dashboard: ${err.stack ?? err.message}\n`),
  });
  try {
    const paths = endpoints(customerIds);
    for (const path of paths) await get(dashboard.url, path); // warm: first reads, statement cache, asset load
    const timings = new Map<string, number[]>(paths.map((p) => [p, []]));
    for (let i = 0; i < rounds; i++) {
      for (const path of paths) {
        const started = performance.now();
        await get(dashboard.url, path);
        timings.get(path)!.push(performance.now() - started);
      }
    }
    const all = [...timings.values()].flat().sort((a, b) => a - b);
    const perEndpoint = [...timings].map(([path, ms]) => {
      const sorted = [...ms].sort((a, b) => a - b);
      return { path, p50_ms: round(percentile(sorted, 0.5)), p95_ms: round(percentile(sorted, 0.95)), max_ms: round(sorted[sorted.length - 1]) };
    });
    return { p50_ms: round(percentile(all, 0.5)), p95_ms: round(percentile(all, 0.95)), requests: all.length, events: indexed, endpoints: perEndpoint };
  } finally {
    await dashboard.close();
  }
}

async function get(base: string, path: string): Promise<void> {
  const res = await fetch(new URL(path, base));
  await res.arrayBuffer();
  if (!res.ok) throw new Error(`bench-dashboard: GET ${path} answered ${res.status}`);
}

function argValue(name: string): string | undefined {
  const i = process.argv.indexOf(name);
  return i >= 0 ? process.argv[i + 1] : undefined;
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  const keep = argValue('--keep');
  const result = await benchDashboard({
    events: argValue('--events') ? Number(argValue('--events')) : undefined,
    requests: argValue('--requests') ? Number(argValue('--requests')) : undefined,
    dataDir: keep,
  });
  for (const e of result.endpoints) process.stderr.write(`${e.p50_ms.toFixed(1).padStart(7)} ${e.p95_ms.toFixed(1).padStart(7)} ${e.max_ms.toFixed(1).padStart(7)}  ${e.path}\n`);
  process.stderr.write(`p50/p95/max ms per endpoint above; all ${result.requests} requests over ${result.events} indexed plays: p50 ${result.p50_ms} ms, p95 ${result.p95_ms} ms\n`);
  process.stdout.write(`${JSON.stringify({ p50_ms: result.p50_ms, p95_ms: result.p95_ms, requests: result.requests, events: result.events })}\n`);
}
