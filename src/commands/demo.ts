import type { Command } from 'commander';
import chalk from 'chalk';
import { openBackends } from '../lib/wiring/backends.js';
import { configOf, serverErrorNote, example, numberOption, output, run, wholeNumberOption, withGlobals } from '../lib/cli/kit.js';
import { UsageError } from '../lib/errors.js';
import { startDashboard } from '../lib/dashboard/server.js';
import { runDemo, type DemoReport } from '../lib/app/demo.js';
import { replayFile } from '../lib/app/replay.js';
import { demoProgress, streamStatus } from '../lib/cli/progress.js';
import { stopSignal } from '../lib/cli/signals.js';
import { streamLog } from '../lib/app/stream.js';

/** The gentle live traffic that keeps the dashboard moving after the demo's summary. */
const LIVE_RATE = 20;

export function register(program: Command): void {
  const cmd = program.command('demo')
    .description('the whole job in one command on the embedded default: generate data, seed, replay, stream, train, target, then show the dashboard')
    .option('--events <n>', 'plays to generate and stream', '200000')
    .option('--customers <n>', 'customers to generate', '5000')
    .option('--seed <n>', 'generator and training seed', '42')
    .option('--threshold <x>', 'the model gate: deploy only if the held-out error is at most this', '0.1')
    .option('--port <n>', 'dashboard port', '8080')
    .option('--host <host>', 'dashboard address', '127.0.0.1')
    .option('--no-dashboard', 'exit after the summary instead of serving the dashboard');
  withGlobals(cmd);
  example(cmd, 'musicflow demo', 'musicflow demo --events 1000000 --port 8090', 'musicflow demo --events 200000 --json   # summary only, for scripts');
  cmd.action((opts) => run(async () => {
    const out = output(Boolean(opts.json));
    const config = configOf(opts);
    if (config.kafkaBrokers.length > 0 || config.redisUrl) {
      throw new UsageError('demo starts from a clean state, so it runs on the embedded default only: unset MUSICFLOW_KAFKA_BROKERS and MUSICFLOW_REDIS_URL (or use seed, replay and stream on your servers)');
    }
    const stop = stopSignal(out, 'demo');
    const progress = demoProgress(out);
    const { report, backends } = await runDemo(() => openBackends(config), {
      dataDir: config.dataDir,
      customers: wholeNumberOption('--customers', opts.customers, 5000, 1),
      tracks: 1750,
      events: wholeNumberOption('--events', opts.events, 200_000, 1),
      days: 30,
      seed: wholeNumberOption('--seed', opts.seed, 42, 0),
      threshold: numberOption('--threshold', opts.threshold, 0.1, 0),
      group: config.group,
      signal: stop.signal,
    }, progress.onProgress).finally(() => progress.finish());
    try {
      out.report(report, () => summary(report));
      if (opts.json || opts.dashboard === false) return;
      const dashboard = await startDashboard(backends, {
        port: wholeNumberOption('--port', opts.port, 8080, 0), host: String(opts.host), group: config.group, onError: serverErrorNote(out, 'dashboard'),
      });
      out.note(`\ndashboard: ${dashboard.url}  (live plays at ${LIVE_RATE}/s, retimed to now; Ctrl-C to stop)`);
      // Live traffic: the demo log again, retimed to now, looping; the stream keeps up with it.
      await Promise.all([
        replayFile(backends.log, { file: report.data_files.tracks, rate: LIVE_RATE, retime: true, loop: true, follow: false, signal: stop.signal }),
        streamLog(backends, { group: config.group, fromBeginning: false, untilIdle: false, maxBatch: 20000, signal: stop.signal }, streamStatus(out, { status: false })),
      ]);
      await dashboard.close();
    } finally {
      stop.dispose();
      await backends.close();
    }
  }));
}

function summary(r: DemoReport): string[] {
  const n = (x: number) => chalk.bold(x.toLocaleString('en-US'));
  const model = 'model_version' in r.model
    ? `${r.model.deployed ? chalk.green('deployed') : chalk.yellow('not deployed')} v${r.model.model_version}: error ${(r.model.error * 100).toFixed(1)}% vs baseline ${(r.model.baseline_error * 100).toFixed(1)}%${r.model.auc === null ? '' : `, AUC ${r.model.auc.toFixed(3)}`}`
    : chalk.yellow(`not deployed: ${r.model.reason}`);
  return [
    '',
    chalk.bold('musicflow demo'),
    `  plays read        ${n(r.events_read)}  (processed ${n(r.events_processed)}, dead letters ${n(r.dead_letters)})`,
    `  throughput        replay ${n(r.replay_events_per_sec)}/s, stream ${n(r.stream_events_per_sec)}/s`,
    `  customers         ${n(r.customers)} (${n(r.profiles)} with live profiles), tracks ${n(r.tracks)}`,
    `  interests         ${n(r.interests)} (same track 3+ times within 30 minutes)`,
    `  offer model       ${model}`,
    `  targeting         ${n(r.targeted_customers)} of ${n(r.eligible_customers)} eligible customers; ${n(r.ad_decisions)} ad decisions, ${n(r.sms_queued)} SMS queued`,
    r.offer_loop
      ? `  offer loop        GET /offers/${r.offer_loop.customer_id}: ${r.offer_loop.offer.offer ? r.offer_loop.offer.offer.ad : 'no offer'}; `
        + `SMS ${r.offer_loop.sms_id} ${r.offer_loop.sms_delivered ? 'delivered to' : chalk.yellow('not found in')} ${r.offer_loop.outbox} (${n(r.offer_loop.sms_sent)} SMS sent)`
      : '  offer loop        nobody targeted: no offer to show',
    `  took              ${(r.elapsed_ms / 1000).toFixed(1)} s; state in ${r.data_dir}`,
    '',
    'next:',
    '  musicflow status                     health, lag and counts',
    '  musicflow ads check <customer_id>    show the offer now?',
    '  musicflow sms serve                  keep sending the SMS queue (to the outbox; docs/sms.md)',
    '  MUSICFLOW_ADS_TOKEN=... musicflow ads serve   the offer API',
    '  musicflow dashboard                  charts and the US map',
  ];
}
