import type { Command } from 'commander';
import { openBackends } from '../lib/wiring/backends.js';
import { configOf, durationOption, example, output, run, wholeNumberOption, withGlobals } from '../lib/cli/kit.js';
import { streamStatus } from '../lib/cli/progress.js';
import { stopSignal } from '../lib/cli/signals.js';
import { streamLog } from '../lib/app/stream.js';

export function register(program: Command): void {
  const cmd = program.command('stream')
    .description('process the event log: enrich, detect interests, update live profiles and dashboard aggregates, target offers')
    .option('--until-idle', 'exit once the log is caught up (default: run until Ctrl-C)')
    .option('--from-beginning', 'reprocess the whole log (effects are idempotent: counts stay as they are)')
    .option('--group <name>', 'consumer group (env MUSICFLOW_GROUP); workers in one group share the partitions')
    .option('--batch <n>', 'max records per batch', '20000')
    .option('--max-ahead <duration>', 'plays dated further past the wall clock go to the dead letters (default 1d)');
  withGlobals(cmd);
  example(cmd, 'musicflow stream --until-idle', 'musicflow stream            # live, Ctrl-C to stop after committing');
  cmd.action((opts) => run(async () => {
    const out = output(Boolean(opts.json));
    const config = configOf(opts);
    const backends = await openBackends(config);
    const stop = stopSignal(out, 'stream');
    try {
      const report = await streamLog(backends, {
        group: config.group,
        fromBeginning: Boolean(opts.fromBeginning),
        untilIdle: Boolean(opts.untilIdle),
        maxBatch: wholeNumberOption('--batch', opts.batch, 20000, 1),
        signal: stop.signal,
        maxAheadMs: opts.maxAhead === undefined ? undefined : durationOption('--max-ahead', opts.maxAhead),
      }, streamStatus(out, { status: true }));
      out.report(report, () => [
        `events processed: ${report.events_processed} (${report.events_per_sec}/s), dead letters: ${report.dead_letters}`,
        `interests: ${report.interests} (+${report.new_interests}), profiles: ${report.profiles}, lag: ${report.lag}`,
        `ad decisions: ${report.ad_decisions}, SMS queued: ${report.sms_queued}`,
        report.index.group
          ? `index (group ${report.index.group}): ${report.index.events_indexed} plays indexed, trails the log by ${report.index.trailing ?? '? (it does not answer)'}`
          : `index: trails the log by ${report.index.trailing ?? '? (it does not answer)'}`,
        report.targeting,
      ]);
    } finally {
      stop.dispose();
      await backends.close();
    }
  }));
}
