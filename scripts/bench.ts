// `npm run bench [-- --events N] [--servers] [--elasticsearch-only] [--skip-dashboard] [--skip-embedded] [--skip-ads] [--ads-only]
// [--ads-rate N] [--ads-seconds N] [--ads-cpu-prof DIR] [--ads-no-pin]`: the numbers behind the issue notes.
// Generates the plays once (bench-data/), then runs the real CLI in child processes, each reporting its
// own peak memory, and prints one JSON summary (also saved to bench-data/results.json).
import { spawn } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { isoDateMillis } from '../src/lib/formats/datetime.js';
import { generateDataSet, generatedFilesIn, type GeneratedFiles } from '../src/lib/generate/dataset.js';
import { benchAds } from './bench-ads.js';
import { benchDashboard } from './bench-dashboard.js';
import { benchElasticsearch } from './bench-elasticsearch.js';
import { ceilingLoop } from './bench-ceiling.js';
import { formatGoals, performanceGoals } from './bench-goals.js';
import { benchServers, perPlayMicros } from './bench-servers.js';
import { benchTrain } from './bench-train.js';

const root = resolve(fileURLToPath(new URL('../..', import.meta.url)));
const cli = join(root, 'dist/src/cli.js');
const rssHook = join(root, 'dist/scripts/rss-report.js');
const args = process.argv.slice(2);
const flag = (name: string) => args.includes(name);
const text = (name: string): string | undefined => {
  const at = args.indexOf(name);
  return at >= 0 ? args[at + 1] : undefined;
};
const value = (name: string, fallback: number) => Number(text(name) ?? fallback);
const log = (line: string) => process.stderr.write(`bench: ${line}\n`);

export interface CliRun { report: Record<string, unknown>; wall_ms: number; peak_rss_mb: number; cpu_ms: number }

/** Runs `musicflow <args> --json` in a child process; its peak RSS and CPU time come from the preloaded hook. */
export function runCli(cliArgs: string[], env: NodeJS.ProcessEnv = process.env, signalAfterMs?: number): Promise<CliRun> {
  return new Promise((resolvePromise, reject) => {
    const started = performance.now();
    const child = spawn(process.execPath, ['--import', rssHook, cli, ...cliArgs, '--json'], { env, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d) => { stdout += d; });
    child.stderr.on('data', (d) => { stderr += d; });
    const timer = signalAfterMs === undefined ? null : setTimeout(() => child.kill('SIGINT'), signalAfterMs);
    child.on('close', (code) => {
      if (timer) clearTimeout(timer);
      const rss = /MUSICFLOW_MAX_RSS_KB=(\d+)/.exec(stderr);
      const cpu = /MUSICFLOW_CPU_US=(\d+)/.exec(stderr);
      if (code !== 0) return reject(new Error(`musicflow ${cliArgs.join(' ')} exited ${code}: ${stderr.slice(-2000)}`));
      resolvePromise({ report: JSON.parse(stdout.trim().split('\n').pop() ?? '{}'), wall_ms: Math.round(performance.now() - started), peak_rss_mb: rss ? Math.round(Number(rss[1]) / 1024) : -1, cpu_ms: cpu ? Math.round(Number(cpu[1]) / 1000) : -1 });
    });
  });
}

async function ensureData(events: number): Promise<GeneratedFiles> {
  const folder = join(root, 'bench-data', `generated-${events}`);
  const files = generatedFilesIn(folder);
  if (!existsSync(join(folder, 'done'))) {
    log(`generating ${events} plays into ${folder}`);
    const started = performance.now();
    await generateDataSet({ customers: 5000, tracks: 1750, events, days: 30, seed: 42, start: isoDateMillis('2014-10-01'), out: folder });
    writeFileSync(join(folder, 'done'), `${Math.round(performance.now() - started)}\n`);
  }
  return files;
}

function freshDir(name: string): string {
  const dir = join(root, 'bench-data', name);
  rmSync(dir, { recursive: true, force: true });
  mkdirSync(dir, { recursive: true });
  return dir;
}

/** The environment without server settings, so the embedded part runs embedded even when the stack is exported. */
function embeddedEnv(): NodeJS.ProcessEnv {
  const env = { ...process.env };
  delete env.MUSICFLOW_KAFKA_BROKERS;
  delete env.MUSICFLOW_REDIS_URL;
  delete env.MUSICFLOW_CONFIG;
  return env;
}

async function benchEmbedded(files: Awaited<ReturnType<typeof ensureData>>, events: number): Promise<Record<string, unknown>> {
  const dir = freshDir('embedded');
  const at = ['--data-dir', dir];
  const env = embeddedEnv();
  await runCli(['seed', '--customers', files.customers, '--music', files.music, '--clicks', files.clicks, ...at], env);
  log('embedded: replay');
  const replay = await runCli(['replay', '--file', files.tracks, ...at], env);
  log('embedded: stream --until-idle');
  const stream = await runCli(['stream', '--until-idle', ...at], env);

  // Latency under a steady load the stream can keep up with: replay paced at a fixed rate while a live
  // stream runs beside it, then stop the stream once it has caught up.
  const live = freshDir('embedded-live');
  const liveAt = ['--data-dir', live];
  await runCli(['seed', '--customers', files.customers, '--music', files.music, ...liveAt], env);
  const rate = 10_000;
  const count = Math.min(events, rate * 20);
  log(`embedded: latency at ${rate} events/s for ${count} events`);
  const streaming = runCli(['stream', ...liveAt], env, (count / rate) * 1000 + 5000);
  await runCli(['replay', '--file', files.tracks, '--rate', String(rate), '--limit', String(count), ...liveAt], env);
  const paced = await streaming;
  log('embedded: the ceiling loop (per-play work without storage, one core)');
  const ceiling = await ceilingLoop(files);
  return {
    replay: { events: replay.report.events_sent, events_per_sec: replay.report.events_per_sec, wall_ms: replay.wall_ms, peak_rss_mb: replay.peak_rss_mb },
    stream: {
      events: stream.report.events_processed, events_per_sec: stream.report.events_per_sec, wall_ms: stream.wall_ms,
      node_cpu_us_per_play: perPlayMicros(stream.cpu_ms, Number(stream.report.events_processed)),
      peak_rss_mb: stream.peak_rss_mb, interests: stream.report.interests, latency_ms_batch_catchup: stream.report.latency_ms,
    },
    latency_at_rate: { rate, events: paced.report.events_processed, latency_ms: paced.report.latency_ms },
    ceiling,
    stream_vs_ceiling: Number((Number(stream.report.events_per_sec) / ceiling.events_per_sec).toFixed(3)),
  };
}

async function main(): Promise<void> {
  const events = value('--events', 1_000_000);
  const files = await ensureData(events);
  const results: Record<string, unknown> = {
    machine: { cpus: (await import('node:os')).cpus().length, node: process.version },
    events,
    generate_ms: Number(readFileSync(join(root, 'bench-data', `generated-${events}`, 'done'), 'utf8')),
  };
  if (flag('--ads-only') || !flag('--skip-ads')) {
    log('offer API latency (ads serve)');
    results.ads = await benchAds({
      files, dataDir: join(root, 'bench-data'), runCli, log, embeddedEnv: embeddedEnv(), freshDir,
      rate: value('--ads-rate', 5000), seconds: value('--ads-seconds', 10), cpuProfDir: text('--ads-cpu-prof'), noPin: flag('--ads-no-pin'),
    }, cli);
  }
  if (flag('--ads-only')) {
    results.goals = performanceGoals(results).filter((g) => g.goal.startsWith('ads serve'));
    process.stdout.write(`${JSON.stringify(results, null, 2)}\n`);
    for (const goal of formatGoals(results.goals as ReturnType<typeof performanceGoals>)) log(goal);
    return;
  }
  if (!flag('--skip-embedded')) {
    results.embedded = await benchEmbedded(files, events);
    log('training time');
    results.train = await benchTrain([5_000, 100_000], log);
  }
  if (!flag('--skip-dashboard')) {
    log('dashboard API latency');
    results.dashboard = await benchDashboard({ events, dataDir: join(root, 'bench-data', 'dashboard'), log });
  }
  const serverOptions = { files, events, dataDir: join(root, 'bench-data'), runCli, log };
  if (flag('--servers') && !flag('--elasticsearch-only')) results.servers = await benchServers(serverOptions);
  if ((flag('--servers') && process.env.MUSICFLOW_ELASTICSEARCH_URL) || flag('--elasticsearch-only')) results.elasticsearch = await benchElasticsearch(serverOptions);
  results.goals = performanceGoals(results);
  writeFileSync(join(root, 'bench-data', 'results.json'), `${JSON.stringify(results, null, 2)}\n`);
  process.stdout.write(`${JSON.stringify(results, null, 2)}\n`);
  for (const goal of formatGoals(results.goals as ReturnType<typeof performanceGoals>)) log(goal);
}

await main();
