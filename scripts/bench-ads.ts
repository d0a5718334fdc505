// The offer API's part of `npm run bench`: `musicflow ads serve` in a child process (one Node thread: one
// core), called at a fixed rate over kept-alive connections by this process for a while, on the embedded
// store and, with MUSICFLOW_REDIS_URL (and MUSICFLOW_KAFKA_BROKERS) set, on Redis. The store holds a
// generated data set streamed and trained, so some of the calls are targeted listeners whose first call of
// the day records a decision.
//
// The caller is kept lean so that it measures the server, not itself: requests go out on a fixed schedule
// (open loop) over a bounded pool of kept-alive sockets, written and read as raw HTTP/1.1 (no client library
// on the hot path), and each latency is counted from the request's intended send time, so a late caller or a
// full pool shows as latency instead of hiding it (coordinated omission). With two or more cores the server
// is pinned to core 0 and the caller to core 1 (taskset; --ads-no-pin leaves them to the scheduler). The server's own CPU time per request (from its
// /metrics, process.cpuUsage) is reported beside the latencies: it holds on a machine busy with other work,
// where latencies do not.
import { spawn, spawnSync } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { get } from 'node:http';
import { connect, type Socket } from 'node:net';
import { cpus } from 'node:os';
import { join } from 'node:path';
import type { CliRun } from './bench.js';
import { Random } from '../src/lib/generate/random.js';

export interface AdsBenchOptions {
  files: { customers: string; music: string; clicks: string; tracks: string };
  dataDir: string;
  runCli: (args: string[], env?: NodeJS.ProcessEnv, signalAfterMs?: number) => Promise<CliRun>;
  log: (line: string) => void;
  embeddedEnv: NodeJS.ProcessEnv;
  freshDir: (name: string) => string;
  /** Requests a second (default 5,000) and seconds of load (default 10). */
  rate?: number;
  seconds?: number;
  /** A folder for the server's V8 CPU profile (node --cpu-prof), when one is wanted. */
  cpuProfDir?: string;
  /** Leave the server and the caller to the scheduler instead of a core each (pinned by default when possible). */
  noPin?: boolean;
}

/** Issue 12's goal for GET /offers. */
export const GOAL = { rate: 5000, p99_ms: 5 };
const CUSTOMERS = 5000;
const WARM_UP_SECONDS = 2;
/** Sockets the caller may open; a request waits for a free one (and that wait counts as latency). */
const MAX_SOCKETS = 64;
const TOKEN = randomUUID();

export interface LoadResult {
  rate_asked: number;
  rate: number;
  requests: number;
  errors: number;
  sockets: number;
  /** Server on core 0, caller on core 1. */
  pinned: boolean;
  /** From the intended send time to the answer read: what a caller on that schedule waits. */
  latency_ms: { p50: number; p99: number; p999: number; max: number };
  /** From the request written to the answer read (no wait for the schedule or a socket). */
  service_ms: { p50: number; p99: number; max: number };
  /** p99 of the requests meant to go out in each second of the run: a slow start, or a stall, shows here. */
  p99_ms_by_second: number[];
  server_cpu_us_per_request: number | null;
  caller_cpu_us_per_request: number;
}

/** Issue 12's goal: the rate asked of it reached (within 1%), no errors, and p99 under the bound. */
export function goalMet(r: LoadResult): boolean {
  return r.rate_asked >= GOAL.rate && r.rate >= GOAL.rate * 0.99 && r.errors === 0 && r.latency_ms.p99 < GOAL.p99_ms;
}

/** Whether the server and the caller can each get a core of their own: two cores or more, and taskset. */
const canPin = cpus().length >= 2 && spawnSync('taskset', ['-V']).status === 0;

/** Starts `ads serve` on a free port and resolves its URL once it listens. */
export function serve(cli: string, args: string[], env: NodeJS.ProcessEnv, pinned: boolean, cpuProfDir?: string): Promise<{ url: string; stop(): Promise<void> }> {
  return new Promise((resolve, reject) => {
    const node = [...(cpuProfDir ? ['--cpu-prof', '--cpu-prof-dir', cpuProfDir] : []), cli, 'ads', 'serve', '--port', '0', '--json', ...args];
    const [command, argv] = pinned ? ['taskset', ['-c', '0', process.execPath, ...node]] : [process.execPath, node];
    const child = spawn(command, argv, { env: { ...env, MUSICFLOW_ADS_TOKEN: TOKEN }, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stderr.on('data', (d) => { stderr += d; });
    child.stdout.on('data', (d) => {
      stdout += d;
      const line = stdout.split('\n').find((l) => l.startsWith('{'));
      if (line) {
        resolve({
          url: JSON.parse(line).url,
          stop: () => new Promise((done) => { child.once('close', () => done()); child.kill('SIGTERM'); }),
        });
      }
    });
    child.once('close', (code) => reject(new Error(`ads serve exited ${code}: ${stderr.slice(-1000)}`)));
  });
}

/** The server's CPU seconds so far, from its /metrics. */
function serverCpuSeconds(url: string): Promise<number | null> {
  return new Promise((resolve) => {
    get(`${url}metrics`, { headers: { authorization: `Bearer ${TOKEN}` } }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (d) => { body += d; });
      res.on('end', () => {
        const seconds = [...body.matchAll(/^musicflow_ads_cpu_seconds_total\{mode="\w+"\} (\S+)$/gm)].map((m) => Number(m[1]));
        resolve(seconds.length > 0 ? seconds.reduce((a, b) => a + b, 0) : null);
      });
    }).on('error', () => resolve(null));
  });
}

/** Pins this process (every thread) to the given cores while the caller runs. */
function pinSelf(cores: string): void {
  spawnSync('taskset', ['-a', '-p', '-c', cores, String(process.pid)], { stdio: 'ignore' });
}

const quantile = (sorted: Float64Array, q: number) => Number((sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))] ?? NaN).toFixed(2));

/** One kept-alive socket carrying one request at a time. */
interface Conn { socket: Socket; buffered: string; intended: number; written: number }

/**
 * Open loop: requests go out on schedule whether or not earlier ones answered, so a slow server shows as latency.
 * A warm-up (WARM_UP_SECONDS at the same rate, unmeasured) first lets the server compile its hot path and the
 * caller open its sockets; it asks about the even customer ids and the measured run about the odd ones, so the
 * measured run still meets each customer's first access of the day (the one that records a decision).
 */
export async function load(url: string, rate = GOAL.rate, seconds = 10, pinned = false): Promise<LoadResult> {
  const { hostname, port, host } = new URL(url);
  const random = new Random(5, 1);
  const total = Math.round(rate * seconds);
  const latency = new Float64Array(total);
  const service = new Float64Array(total);
  const second = new Uint16Array(total); // of the intended send time, from the start
  let recording = false;
  let answered = 0; // with 200, while recording
  let completed = 0; // any answer, while recording
  const conns: Conn[] = [];
  const idle: Conn[] = [];
  const waiting: Array<{ intended: number; customer: number }> = [];
  const head = (customer: number) => `GET /offers/${customer} HTTP/1.1\r\nHost: ${host}\r\nAuthorization: Bearer ${TOKEN}\r\n\r\n`;
  let started = performance.now();
  let finished: () => void = () => {};
  const done = new Promise<void>((resolve) => { finished = resolve; });

  const write = (conn: Conn, intended: number, customer: number) => {
    conn.intended = intended;
    conn.written = performance.now();
    conn.socket.write(head(customer));
  };
  const free = (conn: Conn) => {
    const next = waiting.shift();
    if (next) write(conn, next.intended, next.customer);
    else idle.push(conn);
  };
  // Answers are read only as far as the status and Content-Length (every answer of ads serve has one).
  const read = (conn: Conn, chunk: string) => {
    conn.buffered += chunk;
    for (;;) {
      const end = conn.buffered.indexOf('\r\n\r\n');
      if (end < 0) return;
      const length = Number(/\r\ncontent-length: *(\d+)/i.exec(conn.buffered.slice(0, end))?.[1] ?? 0);
      if (conn.buffered.length < end + 4 + length) return;
      const now = performance.now();
      if (recording && conn.intended >= started) {
        if (conn.buffered.startsWith('HTTP/1.1 200')) {
          latency[answered] = now - conn.intended;
          service[answered] = now - conn.written;
          second[answered] = Math.floor((conn.intended - started) / 1000);
          answered += 1;
        }
        completed += 1;
        if (completed === total) finished();
      }
      conn.buffered = conn.buffered.slice(end + 4 + length);
      free(conn);
    }
  };
  const open = () => {
    const conn: Conn = { socket: connect(Number(port), hostname), buffered: '', intended: 0, written: 0 };
    conns.push(conn);
    conn.socket.setNoDelay(true);
    conn.socket.setEncoding('latin1');
    conn.socket.on('connect', () => free(conn));
    conn.socket.on('data', (chunk: string) => read(conn, chunk));
    // A request on a socket that failed is never answered: it counts as an error, and the socket is not replaced.
    conn.socket.on('error', () => {});
  };
  const dispatch = (intended: number, customer: number) => {
    const conn = idle.pop();
    if (conn) return write(conn, intended, customer);
    waiting.push({ intended, customer });
    if (conns.length < MAX_SOCKETS) open();
  };
  /** `count` requests at `rate` from now, about the customers `customer` draws. */
  const schedule = (count: number, customer: () => number) => new Promise<void>((resolve) => {
    started = performance.now();
    let sent = 0;
    const tick = () => {
      const due = Math.min(count, Math.floor(((performance.now() - started) * rate) / 1000) + 1);
      for (; sent < due; sent++) dispatch(started + (sent * 1000) / rate, customer());
      if (sent < count) setTimeout(tick, 1);
      else resolve();
    };
    tick();
  });

  if (pinned) pinSelf('1');
  await schedule(Math.round(rate * WARM_UP_SECONDS), () => 2 * random.between(1, CUSTOMERS / 2));
  const serverCpuBefore = await serverCpuSeconds(url);
  const callerCpuBefore = process.cpuUsage();
  recording = true;
  await schedule(total, () => 2 * random.between(1, CUSTOMERS / 2) - 1);
  const elapsed = (performance.now() - started) / 1000;
  await Promise.race([done, new Promise((r) => setTimeout(r, 30_000).unref())]);
  const callerCpu = process.cpuUsage(callerCpuBefore);
  const serverCpuAfter = await serverCpuSeconds(url);
  for (const conn of conns) conn.socket.destroy();
  if (pinned) pinSelf(`0-${cpus().length - 1}`);
  const errors = total - answered;

  const bySecond = Array.from({ length: Math.ceil(seconds) }, () => [] as number[]);
  for (let i = 0; i < answered; i++) bySecond[Math.min(bySecond.length - 1, second[i])].push(latency[i]);
  const sortedLatency = latency.subarray(0, answered).sort();
  const sortedService = service.subarray(0, answered).sort();
  const p99 = quantile(sortedLatency, 0.99);
  return {
    rate_asked: rate,
    rate: Math.round(total / elapsed),
    requests: total,
    errors,
    sockets: conns.length,
    pinned,
    latency_ms: { p50: quantile(sortedLatency, 0.5), p99, p999: quantile(sortedLatency, 0.999), max: quantile(sortedLatency, 1) },
    service_ms: { p50: quantile(sortedService, 0.5), p99: quantile(sortedService, 0.99), max: quantile(sortedService, 1) },
    p99_ms_by_second: bySecond.map((l) => quantile(Float64Array.from(l).sort(), 0.99)),
    server_cpu_us_per_request: serverCpuBefore === null || serverCpuAfter === null ? null : Math.round(((serverCpuAfter - serverCpuBefore) * 1e6) / total),
    caller_cpu_us_per_request: Math.round((callerCpu.user + callerCpu.system) / total),
  };
}

/** The line the bench prints for one run, the goal beside the figure. */
export function loadLine(backend: string, r: LoadResult): string {
  return `ads ${backend} ${r.rate.toLocaleString('en-US')} rps: p50 ${r.latency_ms.p50} ms, p99 ${r.latency_ms.p99} ms (goal p99 < ${GOAL.p99_ms} ms at `
    + `${GOAL.rate.toLocaleString('en-US')} rps: ${goalMet(r) ? 'met' : 'not met'}); ${r.errors} errors; `
    + `server CPU ${r.server_cpu_us_per_request ?? '?'} µs/request, caller ${r.caller_cpu_us_per_request} µs/request`
    + `${r.pinned ? ' (server on core 0, caller on core 1)' : ''}`;
}

async function prepared(options: AdsBenchOptions, at: string[], env: NodeJS.ProcessEnv): Promise<void> {
  const { files, runCli } = options;
  await runCli(['seed', '--customers', files.customers, '--music', files.music, '--clicks', files.clicks, ...at], env);
  await runCli(['replay', '--file', files.tracks, '--limit', '200000', ...at], env);
  await runCli(['stream', '--until-idle', ...at], env);
  const trained = await runCli(['train', '--threshold', '0.5', ...at], env);
  options.log(`ads: model v${trained.report.model_version} targets ${trained.report.targeted_customers} customers`);
}

async function measure(options: AdsBenchOptions, cli: string, backend: string, at: string[], env: NodeJS.ProcessEnv): Promise<LoadResult> {
  const rate = options.rate ?? GOAL.rate;
  const seconds = options.seconds ?? 10;
  options.log(`ads: ${backend}, ${rate} requests/s for ${seconds} s`);
  const pinned = canPin && !options.noPin;
  const server = await serve(cli, at, env, pinned, options.cpuProfDir);
  try {
    const result = await load(server.url, rate, seconds, pinned);
    options.log(loadLine(backend, result));
    return result;
  } finally {
    await server.stop();
  }
}

export async function benchAds(options: AdsBenchOptions, cli: string): Promise<Record<string, unknown>> {
  const results: Record<string, unknown> = { rate_asked: options.rate ?? GOAL.rate, seconds: options.seconds ?? 10 };
  const dir = options.freshDir('ads-embedded');
  const at = ['--data-dir', dir];
  await prepared(options, at, options.embeddedEnv);
  results.embedded = await measure(options, cli, 'embedded', at, options.embeddedEnv);
  if (process.env.MUSICFLOW_REDIS_URL && process.env.MUSICFLOW_KAFKA_BROKERS) {
    const id = randomUUID().slice(0, 8);
    const env = { ...process.env, MUSICFLOW_TOPIC: `bench-ads-${id}`, MUSICFLOW_REDIS_PREFIX: `bench-ads-${id}:`, MUSICFLOW_GROUP: `bench-ads-${id}` };
    const redisAt = ['--data-dir', join(options.dataDir, `ads-redis-${id}`)];
    await prepared(options, redisAt, env);
    results.redis = await measure(options, cli, 'Redis', redisAt, env);
  }
  return results;
}
