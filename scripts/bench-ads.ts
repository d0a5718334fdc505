// The offer API's part of `npm run bench`: `musicflow ads serve` in a child process (one Node thread: one
// core), called at a fixed rate over kept-alive connections by this process for a while, on the embedded
// store and, with MUSICFLOW_REDIS_URL (and MUSICFLOW_KAFKA_BROKERS) set, on Redis. The store holds a
// generated data set streamed and trained, so about a third of the calls are targeted listeners whose
// first call of the day records a decision. Latency is measured by the caller: request sent to answer read.
import { spawn } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { Agent, request } from 'node:http';
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
}

const RATE = 5000;
const SECONDS = 10;
const CUSTOMERS = 5000;
const TOKEN = randomUUID();

interface LoadResult { rate: number; requests: number; errors: number; latency_ms: { p50: number; p99: number; p999: number; max: number } }

/** Starts `ads serve` on a free port and resolves its URL once it listens. */
function serve(cli: string, args: string[], env: NodeJS.ProcessEnv): Promise<{ url: string; stop(): Promise<void> }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [cli, 'ads', 'serve', '--port', '0', '--json', ...args], { env: { ...env, MUSICFLOW_ADS_TOKEN: TOKEN }, stdio: ['ignore', 'pipe', 'pipe'] });
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

/** Open loop: requests go out on schedule whether or not earlier ones answered, so a slow server shows as latency. */
async function load(url: string): Promise<LoadResult> {
  const agent = new Agent({ keepAlive: true, maxSockets: 64 });
  const random = new Random(5, 1);
  const latencies: number[] = [];
  let errors = 0;
  const total = RATE * SECONDS;
  const started = performance.now();
  let sent = 0;
  const inFlight = new Set<Promise<void>>();
  const one = (): Promise<void> => new Promise((done) => {
    const t0 = performance.now();
    const req = request(`${url}offers/${random.between(1, CUSTOMERS)}`, { agent, headers: { authorization: `Bearer ${TOKEN}` } }, (res) => {
      res.resume();
      res.on('end', () => {
        if (res.statusCode === 200) latencies.push(performance.now() - t0);
        else errors += 1;
        done();
      });
    });
    req.on('error', () => { errors += 1; done(); });
    req.end();
  });
  while (sent < total) {
    const due = Math.min(total, Math.floor(((performance.now() - started) / 1000) * RATE));
    for (; sent < due; sent++) {
      const p = one();
      inFlight.add(p);
      void p.then(() => inFlight.delete(p));
    }
    await new Promise((r) => setImmediate(r));
  }
  await Promise.all(inFlight);
  const elapsed = (performance.now() - started) / 1000;
  agent.destroy();
  latencies.sort((a, b) => a - b);
  const at = (q: number) => Number((latencies[Math.min(latencies.length - 1, Math.floor(q * latencies.length))] ?? NaN).toFixed(2));
  return { rate: Math.round(total / elapsed), requests: total, errors, latency_ms: { p50: at(0.5), p99: at(0.99), p999: at(0.999), max: at(1) } };
}

async function prepared(options: AdsBenchOptions, at: string[], env: NodeJS.ProcessEnv): Promise<void> {
  const { files, runCli } = options;
  await runCli(['seed', '--customers', files.customers, '--music', files.music, '--clicks', files.clicks, ...at], env);
  await runCli(['replay', '--file', files.tracks, '--limit', '200000', ...at], env);
  await runCli(['stream', '--until-idle', ...at], env);
  const trained = await runCli(['train', '--threshold', '0.5', ...at], env);
  options.log(`ads: model v${trained.report.model_version} targets ${trained.report.targeted_customers} customers`);
}

export async function benchAds(options: AdsBenchOptions, cli: string): Promise<Record<string, unknown>> {
  const results: Record<string, unknown> = { rate_asked: RATE, seconds: SECONDS };
  const dir = options.freshDir('ads-embedded');
  const at = ['--data-dir', dir];
  await prepared(options, at, options.embeddedEnv);
  options.log(`ads: embedded, ${RATE} requests/s for ${SECONDS} s`);
  let server = await serve(cli, at, options.embeddedEnv);
  results.embedded = await load(server.url);
  await server.stop();
  if (process.env.MUSICFLOW_REDIS_URL && process.env.MUSICFLOW_KAFKA_BROKERS) {
    const id = randomUUID().slice(0, 8);
    const env = { ...process.env, MUSICFLOW_TOPIC: `bench-ads-${id}`, MUSICFLOW_REDIS_PREFIX: `bench-ads-${id}:`, MUSICFLOW_GROUP: `bench-ads-${id}` };
    const redisAt = ['--data-dir', join(options.dataDir, `ads-redis-${id}`)];
    await prepared(options, redisAt, env);
    options.log(`ads: Redis, ${RATE} requests/s for ${SECONDS} s`);
    server = await serve(cli, redisAt, env);
    results.redis = await load(server.url);
    await server.stop();
  }
  return results;
}
