// The SMS sender: claims queued messages, hands each to a provider (retrying what may succeed later), and
// acknowledges the ones sent. A message that was not sent is not acknowledged, so the store hands it out
// again after its claim expires (at-least-once: a receiver dedupes on the idempotency key, the message id
// `${customerId}:${day}`).
import type { SmsQueue } from '../ports.js';
import type { SmsProvider } from './provider.js';
import { sendWithRetry, type RetryDeps, type RetryPolicy } from './retry.js';

export interface SmsSendReport {
  provider: string;
  claimed: number;
  sent: number;
  retried: number; // tries after a timeout, connection error, 429 or 5xx
  failed: number;
  first_failure: string | null;
  elapsed_ms: number;
}

export interface DrainOptions {
  /** Most messages to send this run; Infinity drains the queue. */
  limit: number;
  consumer: string;
  batch: number;
  retry: RetryPolicy;
  /** Phone numbers by customer id (null for none). */
  phoneOf: (customerId: number) => string | null;
}

/** Sends until the queue is empty, `limit` is reached, or a batch had a failure (its retries ran out already). */
export async function drainSmsQueue(store: SmsQueue, provider: SmsProvider, options: DrainOptions, deps: RetryDeps = {}): Promise<SmsSendReport> {
  const started = Date.now();
  const report: SmsSendReport = { provider: provider.name, claimed: 0, sent: 0, retried: 0, failed: 0, first_failure: null, elapsed_ms: 0 };
  const retryDeps: RetryDeps = { ...deps, onRetry: (err, delay) => { report.retried += 1; deps.onRetry?.(err, delay); } };
  while (report.claimed < options.limit) {
    const messages = await store.claimSms(options.consumer, Math.min(options.batch, options.limit - report.claimed));
    if (messages.length === 0) break;
    report.claimed += messages.length;
    const sent: string[] = [];
    for (const message of messages) {
      const outcome = await sendWithRetry(provider, message, options.phoneOf(message.customerId), options.retry, retryDeps);
      if (outcome.sent) {
        sent.push(message.id);
      } else {
        report.failed += 1;
        report.first_failure ??= `${message.id}: ${outcome.reason}`;
      }
    }
    await store.ackSms(sent);
    report.sent += sent.length;
    if (report.failed > 0) break;
  }
  report.elapsed_ms = Date.now() - started;
  return report;
}
