import type { Command } from 'commander';
import { hostname } from 'node:os';
import { openBackends } from '../lib/wiring/backends.js';
import { configOf, example, output, run, wholeNumberOption, withGlobals } from '../lib/cli/kit.js';
import { printable } from '../lib/cli/printable.js';
import { UsageError } from '../lib/errors.js';
import { drainSmsQueue, OUTBOX_FILE, OutboxSmsProvider } from '../lib/model/sms.js';

const PROVIDERS = ['outbox'];

export function register(program: Command): void {
  const sms = program.command('sms').description('the SMS queue of targeted customers');
  const send = sms.command('send')
    .description(`send queued offer SMS (one per customer per day) and acknowledge them; the outbox provider appends JSON lines to <data-dir>/${OUTBOX_FILE}`)
    .option('--limit <n>', 'send at most n messages (default: drain the queue)')
    .option('--provider <name>', `where messages go: ${PROVIDERS.join(', ')}`, 'outbox');
  withGlobals(send);
  example(send, 'musicflow sms send', 'musicflow sms send --limit 100 --json');
  send.action((opts) => run(async () => {
    const out = output(Boolean(opts.json));
    const limit = opts.limit === undefined ? Infinity : wholeNumberOption('--limit', opts.limit, 0, 1);
    if (!PROVIDERS.includes(opts.provider)) throw new UsageError(`--provider: unknown provider "${opts.provider}" (available: ${PROVIDERS.join(', ')})`);
    const config = configOf(opts);
    const provider = new OutboxSmsProvider(config.dataDir);
    const backends = await openBackends(config);
    try {
      const report = await drainSmsQueue(backends.store, provider, { limit, consumer: `sms-send@${hostname()}:${process.pid}`, batch: 500 });
      out.report({ ...report, outbox: provider.path }, () => [
        `sent ${report.sent} of ${report.claimed} claimed SMS to ${provider.path} in ${report.elapsed_ms} ms`,
        ...(report.failed > 0 ? [`${report.failed} failed and stay queued (retried after the claim expires): ${printable(report.first_failure ?? '')}`] : []),
      ]);
      return report.failed > 0 ? 1 : 0;
    } finally {
      await backends.close();
    }
  }));
}
