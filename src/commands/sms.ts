import type { Command } from 'commander';
import { hostname } from 'node:os';
import { openBackends } from '../lib/wiring/backends.js';
import { configOf, example, numberOption, output, run, serverErrorNote, wholeNumberOption, withGlobals, type Output } from '../lib/cli/kit.js';
import { printable } from '../lib/cli/printable.js';
import { stopSignal } from '../lib/cli/signals.js';
import { UsageError } from '../lib/errors.js';
import { serveSms } from '../lib/app/sms.js';
import { SMS_CLAIM_TIMEOUT_MS } from '../lib/ports.js';
import { drainSmsQueue } from '../lib/sms/drain.js';
import { OutboxSmsProvider } from '../lib/sms/outbox.js';
import { readPhoneBook, type PhoneBook } from '../lib/sms/phones.js';
import type { SmsProvider } from '../lib/sms/provider.js';
import { PROVIDER_TIMEOUT_MS, SMS_PROVIDERS, smsProvider } from '../lib/sms/providers.js';
import { DEFAULT_RETRY } from '../lib/sms/retry.js';

/** How many unreadable --phones lines are named one by one before only counting. */
const SHOWN_REJECTS = 20;
/** How often an idle sender looks at the queue again. */
const IDLE_POLL_MS = 500;

/** The options `sms send` and `sms serve` share: where messages go, the phone numbers, how often to try. */
function providerOptions(cmd: Command): Command {
  return cmd
    .option('--provider <name>', `where messages go: ${SMS_PROVIDERS.join(', ')} (see docs/sms.md for their environment variables)`, 'outbox')
    .option('--phones <file>', 'phone numbers, a CSV of CustID,Phone with that header (before the Phone column of cust.csv; webhook and twilio need a number)')
    .option('--max-tries <n>', 'tries per message before it counts as failed', String(DEFAULT_RETRY.maxAttempts));
}

async function phoneBookOf(opts: { phones?: string }, out: Output): Promise<PhoneBook | null> {
  const book = opts.phones === undefined ? null : await readPhoneBook(opts.phones);
  for (const reject of book?.rejects.slice(0, SHOWN_REJECTS) ?? []) out.warn(`${opts.phones}:${reject.line}: ${reject.reason} (line skipped)`);
  if (book && book.rejects.length > SHOWN_REJECTS) out.warn(`... and ${book.rejects.length - SHOWN_REJECTS} more lines of ${opts.phones} skipped`);
  return book;
}

const whereTo = (provider: SmsProvider) => (provider instanceof OutboxSmsProvider ? provider.path : provider.name);

export function register(program: Command): void {
  const sms = program.command('sms').description('the SMS queue of targeted customers');
  const send = providerOptions(sms.command('send')
    .description('send queued offer SMS (one per customer per day) through a provider once, retrying timeouts, 429 and 5xx with backoff, '
      + 'and acknowledge the ones the provider accepted')
    .option('--limit <n>', 'send at most n messages (default: drain the queue)'));
  withGlobals(send);
  example(send, 'musicflow sms send', 'musicflow sms send --limit 100 --json',
    'MUSICFLOW_SMS_WEBHOOK_URL=https://gateway.example/sms MUSICFLOW_SMS_WEBHOOK_SECRET=... musicflow sms send --provider webhook --phones phones.csv');
  send.action((opts) => run(async () => {
    const out = output(Boolean(opts.json));
    const limit = opts.limit === undefined ? Infinity : wholeNumberOption('--limit', opts.limit, 0, 1);
    const maxAttempts = wholeNumberOption('--max-tries', opts.maxTries, DEFAULT_RETRY.maxAttempts, 1);
    const config = configOf(opts);
    const provider = smsProvider(opts.provider, config.dataDir);
    const book = await phoneBookOf(opts, out);
    const backends = await openBackends(config);
    try {
      const report = await drainSmsQueue(backends.sms, provider, {
        limit, consumer: `sms-send@${hostname()}:${process.pid}`, batch: 500,
        retry: { ...DEFAULT_RETRY, maxAttempts }, phoneOf: (id) => book?.phones.get(id) ?? null,
      });
      out.report({ ...report, ...(provider instanceof OutboxSmsProvider ? { outbox: provider.path } : {}), phone_lines_rejected: book?.rejects.length ?? 0 }, () => [
        `sent ${report.sent} of ${report.claimed} claimed SMS to ${whereTo(provider)} in ${report.elapsed_ms} ms${report.retried > 0 ? ` (${report.retried} retries)` : ''}`,
        ...(report.failed > 0 ? [`${report.failed} failed and stay queued (handed out again after the claim expires): ${printable(report.first_failure ?? '')}`] : []),
      ]);
      return report.failed > 0 || (book?.rejects.length ?? 0) > 0 ? 1 : 0;
    } finally {
      await backends.close();
    }
  }));

  const serve = providerOptions(sms.command('serve')
    .description('the long-running SMS sender: claims queued messages, sends each through a provider (retrying timeouts, 429 and 5xx with backoff), '
      + 'acknowledges it only after the provider accepted it, and moves refused ones (another 4xx, no phone number, every try failed) to the SMS '
      + 'dead letters (`sms failed`). Several can run at once; a dead sender\'s messages are reclaimed after --claim-timeout. SIGTERM or Ctrl-C stops it '
      + 'cleanly: messages in flight finish their try, the rest go back to the queue'))
    .option('--rate <n>', 'messages a second at most (default: as fast as the provider answers)')
    .option('--concurrency <n>', 'messages in flight at once', '8')
    .option('--claim-timeout <s>', 'seconds a claimed message stays this sender\'s; after that another sender may take it (its sender died)', String(SMS_CLAIM_TIMEOUT_MS / 1000))
    .option('--provider-timeout <ms>', 'how long one request to the provider may take before it counts as a timeout (and is retried)', String(PROVIDER_TIMEOUT_MS))
    .option('--backoff <ms>', 'the first retry\'s longest wait; it doubles per try (full jitter), never below the provider\'s Retry-After', String(DEFAULT_RETRY.baseDelayMs))
    .option('--backoff-max <ms>', 'the longest wait between two tries', String(DEFAULT_RETRY.maxDelayMs))
    .option('--metrics-port <n>', 'serve /metrics (Prometheus) and /health on this port (0 picks a free one; default: no HTTP server)')
    .option('--host <address>', 'address the metrics server listens on; the default serves this machine only', '127.0.0.1')
    .option('--until-empty', 'stop once nothing is pending (a dead sender\'s claimed messages are waited for and sent)');
  withGlobals(serve);
  example(serve, 'musicflow sms serve --metrics-port 9464',
    'musicflow sms serve --rate 20 --claim-timeout 120 --redis redis://10.0.0.5:6379',
    'MUSICFLOW_TWILIO_ACCOUNT_SID=AC... MUSICFLOW_TWILIO_AUTH_TOKEN=... MUSICFLOW_TWILIO_FROM=+15005550006 musicflow sms serve --provider twilio');
  serve.action((opts) => run(async () => {
    const out = output(Boolean(opts.json));
    const maxAttempts = wholeNumberOption('--max-tries', opts.maxTries, DEFAULT_RETRY.maxAttempts, 1);
    const ratePerSec = opts.rate === undefined ? null : numberOption('--rate', opts.rate, 0, 0.001);
    const concurrency = wholeNumberOption('--concurrency', opts.concurrency, 8, 1);
    const claimTimeoutMs = numberOption('--claim-timeout', opts.claimTimeout, 60, 0.001) * 1000;
    const tryTimeoutMs = wholeNumberOption('--provider-timeout', opts.providerTimeout, PROVIDER_TIMEOUT_MS, 1);
    const baseDelayMs = wholeNumberOption('--backoff', opts.backoff, DEFAULT_RETRY.baseDelayMs, 0);
    const maxDelayMs = wholeNumberOption('--backoff-max', opts.backoffMax, DEFAULT_RETRY.maxDelayMs, 0);
    if (claimTimeoutMs <= tryTimeoutMs) {
      throw new UsageError(`--claim-timeout ${opts.claimTimeout}: must be longer than --provider-timeout (${tryTimeoutMs} ms), or no try could finish within a claim`);
    }
    const metricsPort = opts.metricsPort === undefined ? null : wholeNumberOption('--metrics-port', opts.metricsPort, 0, 0);
    if (metricsPort !== null && metricsPort > 65535) throw new UsageError(`--metrics-port: expected a whole number from 0 to 65535, got "${opts.metricsPort}"`);
    const config = configOf(opts);
    const provider = smsProvider(opts.provider, config.dataDir, process.env, tryTimeoutMs);
    const book = await phoneBookOf(opts, out);
    const backends = await openBackends(config);
    const stop = stopSignal(out, 'sms serve');
    try {
      const report = await serveSms(backends, {
        provider, phones: book?.phones ?? null, consumer: `sms-serve@${hostname()}:${process.pid}`, concurrency, ratePerSec,
        retry: { maxAttempts, baseDelayMs, maxDelayMs }, claimTimeoutMs, tryTimeoutMs, idlePollMs: IDLE_POLL_MS,
        metrics: metricsPort === null ? null : { port: metricsPort, host: String(opts.host) }, untilEmpty: Boolean(opts.untilEmpty),
        signal: stop.signal, onError: serverErrorNote(out, 'sms serve'),
      }, (event) => {
        if (event.kind === 'started') {
          out.note(`sms serve: sending to ${whereTo(provider)} from the ${backends.kind} queue${event.metricsUrl ? `, metrics at ${event.metricsUrl}metrics` : ''}; Ctrl-C to stop`);
        } else if (event.kind === 'failed') {
          out.warn(`sms serve: ${event.message.id} moved to the SMS dead letters after ${event.attempts} ${event.attempts === 1 ? 'try' : 'tries'}: ${event.reason}`);
        }
      });
      out.report({ ...report, ...(provider instanceof OutboxSmsProvider ? { outbox: provider.path } : {}), phone_lines_rejected: book?.rejects.length ?? 0 }, () => [
        `sent ${report.sent} of ${report.claimed} claimed SMS to ${whereTo(provider)} in ${report.elapsed_ms} ms (${report.retried} retries, `
          + `${report.failed} to the dead letters, ${report.released} handed back)`,
        `queue: ${report.queue.pending} pending, ${report.queue.sent} sent, ${report.queue.failed} failed`,
      ]);
      return 0;
    } finally {
      stop.dispose();
      await backends.close();
    }
  }));

  const failed = sms.command('failed')
    .description('the SMS dead letters: messages the provider refused, without a phone number, or whose tries ran out, with the reason')
    .option('--limit <n>', 'show at most n, oldest failure first', '50');
  withGlobals(failed);
  example(failed, 'musicflow sms failed', 'musicflow sms failed --json --limit 1000');
  failed.action((opts) => run(async () => {
    const out = output(Boolean(opts.json));
    const limit = wholeNumberOption('--limit', opts.limit, 50, 1);
    const backends = await openBackends(configOf(opts), { readOnly: true });
    try {
      const list = await backends.sms.failedSms(limit);
      const rows = list.map((f) => ({ id: f.message.id, customer_id: f.message.customerId, day: f.message.day, failed_at: new Date(f.failedAt).toISOString(), reason: f.reason }));
      out.report({ failed: rows }, () => (rows.length === 0 ? ['no failed SMS'] : rows.map((r) => `${r.id}  ${r.failed_at}  ${printable(r.reason)}`)));
    } finally {
      await backends.close();
    }
  }));

  const retry = sms.command('retry').argument('[ids...]', 'SMS ids (<customer_id>:<day>, as `sms failed` lists them)')
    .description('put SMS dead letters back in the queue as the same message (same id, so still one a customer a day) for `sms serve` to send')
    .option('--all', 'every message on the dead-letter list');
  withGlobals(retry);
  example(retry, 'musicflow sms retry 1042:2026-03-01', 'musicflow sms retry --all');
  retry.action((ids: string[], opts) => run(async () => {
    const out = output(Boolean(opts.json));
    if (Boolean(opts.all) === (ids.length > 0)) throw new UsageError('sms retry: name the SMS ids to requeue, or --all (not both)');
    for (const id of ids) if (!/^\d+:\d{4}-\d{2}-\d{2}$/.test(id)) throw new UsageError(`sms retry: "${id}" is not an SMS id (<customer_id>:<YYYY-MM-DD>)`);
    const backends = await openBackends(configOf(opts));
    try {
      const requeued = await backends.sms.requeueFailedSms(opts.all ? 'all' : ids);
      const missing = opts.all ? 0 : ids.length - requeued;
      out.report({ requeued, not_on_the_list: missing }, () => [
        `requeued ${requeued} SMS${missing > 0 ? `; ${missing} of the ids named are not on the dead-letter list` : ''}`,
      ]);
      return missing > 0 ? 1 : 0;
    } finally {
      await backends.close();
    }
  }));
}

