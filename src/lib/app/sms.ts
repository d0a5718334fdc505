// The SMS use cases: `sms serve` (the long-running sender, with its /metrics), and the dead-letter list's
// `sms failed` and `sms retry`. Progress goes out through the callback; the command decides what to show.
import type { CatalogStore, SmsQueue, SmsQueueStats } from '../ports.js';
import { oldestPendingAgeSec, startSmsMetrics } from '../sms/metrics.js';
import type { SmsProvider } from '../sms/provider.js';
import { startSmsSender, type SenderEvent, type SenderOptions, type SenderStats } from '../sms/sender.js';

/** The sender's options (sms/sender.ts), with the numbers to look up and where /metrics is served. */
export interface SmsServeOptions extends Omit<SenderOptions, 'phoneOf' | 'now'> {
  provider: SmsProvider;
  /** Numbers from a --phones file; they come before the one stored with the customer (cust.csv's Phone column). */
  phones: Map<number, string> | null;
  /** Serve /metrics and /health there; null: no HTTP server. */
  metrics: { port: number; host: string } | null;
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
  const { provider, phones, metrics: metricsAt, onError, ...senderOptions } = options;
  let stats: SenderStats = { claimed: 0, sent: 0, retried: 0, failed: 0, released: 0 };
  // The metrics server first: a port in use stops the command before any message is claimed.
  const metrics = metricsAt === null ? null
    : await startSmsMetrics(() => stats, () => backends.sms.smsStats(), { ...metricsAt, onError });
  try {
    const sender = startSmsSender(backends.sms, provider, { ...senderOptions, phoneOf: phoneLookup(backends.catalog, phones) }, onEvent);
    stats = sender.stats;
    onEvent({ kind: 'started', metricsUrl: metrics?.url ?? null });
    await sender.done;
    return { provider: provider.name, consumer: options.consumer, ...stats, queue: await backends.sms.smsStats(), elapsed_ms: Date.now() - started };
  } finally {
    await metrics?.close();
  }
}

/** The queue as every sender left it, as `status` reports it. */
export function smsStatus(stats: SmsQueueStats, now: number) {
  return { sent: stats.sent, retried: stats.retried, failed: stats.failed, pending: stats.pending, oldest_pending_age_s: Math.round(oldestPendingAgeSec(stats, now)) };
}
