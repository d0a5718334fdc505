import type { Command } from 'commander';
import chalk from 'chalk';
import { openBackends } from '../lib/wiring/backends.js';
import { healthOf } from '../lib/app/setup.js';
import { smsStatus } from '../lib/app/sms.js';
import { indexTrailing, totalTrailing } from '../lib/app/stream.js';
import { configOf, example, output, run, withGlobals } from '../lib/cli/kit.js';
import { printable, stageBreakdown } from '../lib/cli/printable.js';

export function register(program: Command): void {
  const cmd = program.command('status')
    .description('health of each backend, consumer-group lag per partition, dead letters, store counts and the SMS queue')
    .option('--group <name>', 'consumer group to report lag for (env MUSICFLOW_GROUP)');
  withGlobals(cmd);
  example(cmd, 'musicflow status', 'musicflow status --json --kafka 127.0.0.1:9092 --redis redis://127.0.0.1:6379');
  cmd.action((opts) => run(async () => {
    const out = output(Boolean(opts.json));
    const config = configOf(opts);
    const backends = await openBackends(config, { readOnly: true });
    try {
      const health = await healthOf(backends);
      const up = health.every((h) => h.ok);
      const lag = up ? await backends.log.lag(config.group) : [];
      const indexTrails = await indexTrailing(backends, lag);
      const counts = up ? await backends.store.counts() : null;
      const deadLetters = up ? await backends.log.deadLetterCounts() : null;
      const deployed = up ? await backends.models.deployedModel() : null;
      const sms = up ? smsStatus(await backends.sms.smsStats(), Date.now()) : null;
      const report = {
        ok: up,
        backend: backends.kind,
        health,
        group: config.group,
        partitions: lag,
        lag: lag.reduce((sum, p) => sum + p.lag, 0),
        index_trailing: totalTrailing(indexTrails),
        // Dead letters are counted in one place, the log: every stage's, each once (counts.streamDeadLetters is the
        // stream's share as the store counted it, once per log offset).
        dead_letters: deadLetters === null ? null : { total: deadLetters.total, by_stage: deadLetters.byStage },
        counts,
        sms,
        model: deployed ? { version: deployed.version, deployed_at: deployed.deployedAt, metrics: deployed.body.metrics ?? null } : null,
      };
      out.report(report, () => [
        ...health.map((h) => `${h.ok ? chalk.green('up  ') : chalk.red('DOWN')} ${h.backend}: ${printable(h.detail)}`),
        ...lag.map((p, i) => `partition ${p.partition}: committed ${p.committed} of ${p.end}, lag ${p.lag}, index trails by ${indexTrails?.[i].trailing ?? '?'}`),
        deadLetters ? `dead letters ${deadLetters.total} (${stageBreakdown(deadLetters)})` : '',
        counts ? `events processed ${counts.eventsProcessed}, customers ${counts.customers}, tracks ${counts.tracks}, profiles ${counts.profiles}, interests ${counts.interests}` : '',
        counts ? `eligible ${counts.eligibleCustomers}, targeted ${counts.targetedCustomers}, ad decisions ${counts.adDecisions}, SMS queued ${counts.smsQueued}` : '',
        sms ? `SMS sent ${sms.sent}, retried ${sms.retried}, failed ${sms.failed}, pending ${sms.pending}${sms.pending > 0 ? ` (oldest ${sms.oldest_pending_age_s} s)` : ''}` : '',
        deployed ? `model v${deployed.version} deployed` : 'no model deployed',
      ].filter(Boolean));
      return up ? 0 : 1;
    } finally {
      await backends.close();
    }
  }));
}
