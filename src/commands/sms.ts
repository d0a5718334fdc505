import type { Command } from 'commander';
import { hostname } from 'node:os';
import { openBackends } from '../lib/wiring/backends.js';
import { configOf, example, output, run, wholeNumberOption, withGlobals } from '../lib/cli/kit.js';
import { printable } from '../lib/cli/printable.js';
import { drainSmsQueue } from '../lib/sms/drain.js';
import { OutboxSmsProvider } from '../lib/sms/outbox.js';
import { readPhoneBook } from '../lib/sms/phones.js';
import { SMS_PROVIDERS, smsProvider } from '../lib/sms/providers.js';
import { DEFAULT_RETRY } from '../lib/sms/retry.js';

/** How many unreadable --phones lines are named one by one before only counting. */
const SHOWN_REJECTS = 20;

export function register(program: Command): void {
  const sms = program.command('sms').description('the SMS queue of targeted customers');
  const send = sms.command('send')
    .description('send queued offer SMS (one per customer per day) through a provider, retrying timeouts, 429 and 5xx with backoff, '
      + 'and acknowledge the ones the provider accepted')
    .option('--limit <n>', 'send at most n messages (default: drain the queue)')
    .option('--provider <name>', `where messages go: ${SMS_PROVIDERS.join(', ')} (see docs/sms.md for their environment variables)`, 'outbox')
    .option('--phones <file>', 'phone numbers, a CSV of CustID,Phone with that header (webhook and twilio need one per customer)')
    .option('--max-tries <n>', 'tries per message before it counts as failed', String(DEFAULT_RETRY.maxAttempts));
  withGlobals(send);
  example(send, 'musicflow sms send', 'musicflow sms send --limit 100 --json',
    'MUSICFLOW_SMS_WEBHOOK_URL=https://gateway.example/sms MUSICFLOW_SMS_WEBHOOK_SECRET=... musicflow sms send --provider webhook --phones phones.csv');
  send.action((opts) => run(async () => {
    const out = output(Boolean(opts.json));
    const limit = opts.limit === undefined ? Infinity : wholeNumberOption('--limit', opts.limit, 0, 1);
    const maxAttempts = wholeNumberOption('--max-tries', opts.maxTries, DEFAULT_RETRY.maxAttempts, 1);
    const config = configOf(opts);
    const provider = smsProvider(opts.provider, config.dataDir);
    const book = opts.phones === undefined ? null : await readPhoneBook(opts.phones);
    for (const reject of book?.rejects.slice(0, SHOWN_REJECTS) ?? []) out.warn(`${opts.phones}:${reject.line}: ${reject.reason} (line skipped)`);
    if (book && book.rejects.length > SHOWN_REJECTS) out.warn(`... and ${book.rejects.length - SHOWN_REJECTS} more lines of ${opts.phones} skipped`);
    const backends = await openBackends(config);
    try {
      const report = await drainSmsQueue(backends.sms, provider, {
        limit, consumer: `sms-send@${hostname()}:${process.pid}`, batch: 500,
        retry: { ...DEFAULT_RETRY, maxAttempts }, phoneOf: (id) => book?.phones.get(id) ?? null,
      });
      const where = provider instanceof OutboxSmsProvider ? provider.path : provider.name;
      out.report({ ...report, ...(provider instanceof OutboxSmsProvider ? { outbox: provider.path } : {}), phone_lines_rejected: book?.rejects.length ?? 0 }, () => [
        `sent ${report.sent} of ${report.claimed} claimed SMS to ${where} in ${report.elapsed_ms} ms${report.retried > 0 ? ` (${report.retried} retries)` : ''}`,
        ...(report.failed > 0 ? [`${report.failed} failed and stay queued (handed out again after the claim expires): ${printable(report.first_failure ?? '')}`] : []),
      ]);
      return report.failed > 0 || (book?.rejects.length ?? 0) > 0 ? 1 : 0;
    } finally {
      await backends.close();
    }
  }));
}
