// The SMS use cases: `sms serve` (the long-running sender, with its /metrics), and the dead-letter list's
// `sms failed` and `sms retry`. Progress goes out through the callback; the command decides what to show.
import type { CatalogStore, SmsQueue, SmsQueueStats } from '../ports.js';
import { oldestPendingAgeSec, startSmsMetrics } from '../sms/metrics.js';
import type { SmsProvider } from '../sms/provider.js';
import type { RetryPolicy } from '../sms/retry.js';
import { startSmsSender, type SenderEvent, type SenderStats } from '../sms/sender.js';

export interface SmsServeOptions {
  provider: SmsProvider;
  /** Numbers from a --phones file; they come before the one stored with the customer (cust.csv's Phone column). */
  phones: Map<number, string> | null;
  consumer: string;
  concurrency: number;
  ratePerSec: number | null;
  retry: RetryPolicy;
  claimTimeoutMs: number;
  tryTimeoutMs: number;
  idlePollMs: number;
  /** Serve /metrics and /health there; null: no HTTP server. */
  metrics: { port: number; host: string } | null;
  untilEmpty: boolean;
  signal: AbortSignal;
  /** Where the metrics server's unexpected errors go. */
  onError: (err: Error) => void;
}

export type SmsServeEvent = SenderEvent | { kind: 'started'; metricsUrl: string | null };

export interface SmsServeReport extends SenderStats {
  provider: string;
  consumer: string;
  queue: SmsQueueStats;
  elapsed_ms: number;
}

/** A customer's number: the --phones file's, else the one seeded with the customer, else none. */
export function phoneLookup(catalog: Pick<CatalogStore, 'getCustomers'>, phones: Map<number, string> | null): (customerId: number) => Promise<string | null> {
  return async (customerId) => phones?.get(customerId) ?? (await catalog.getCustomers([customerId])).get(customerId)?.phone ?? null;
}

export async function serveSms(backends: { sms: SmsQueue; catalog: CatalogStore }, options: SmsServeOptions, onEvent: (event: SmsServeEvent) => void = () => {}): Promise<SmsServeReport> {
  const started = Date.now();
  let stats: SenderStats = { claimed: 0, sent: 0, retried: 0, failed: 0, released: 0 };
  // The metrics server first: a port in use stops the command before any message is claimed.
  const metrics = options.metrics === null ? null
    : await startSmsMetrics(() => stats, () => backends.sms.smsStats(), { ...options.metrics, onError: options.onError });
  try {
    const sender = startSmsSender(backends.sms, options.provider, {
      consumer: options.consumer, concurrency: options.concurrency, ratePerSec: options.ratePerSec, retry: options.retry,
      claimTimeoutMs: options.claimTimeoutMs, tryTimeoutMs: options.tryTimeoutMs, idlePollMs: options.idlePollMs,
      phoneOf: phoneLookup(backends.catalog, options.phones), signal: options.signal, untilEmpty: options.untilEmpty,
    }, onEvent);
    stats = sender.stats;
    onEvent({ kind: 'started', metricsUrl: metrics?.url ?? null });
    await sender.done;
    return { provider: options.provider.name, consumer: options.consumer, ...stats, queue: await backends.sms.smsStats(), elapsed_ms: Date.now() - started };
  } finally {
    await metrics?.close();
  }
}

/** The queue as every sender left it, as `status` reports it. */
export function smsStatus(stats: SmsQueueStats, now: number) {
  return { sent: stats.sent, retried: stats.retried, failed: stats.failed, pending: stats.pending, oldest_pending_age_s: Math.round(oldestPendingAgeSec(stats, now)) };
}
