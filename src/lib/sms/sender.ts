// `musicflow sms serve`: the long-running sender. It keeps up to `concurrency` messages in flight, each sent
// with retries (retry.ts) at no more than `--rate` a second, and settles each one as soon as it is done: acknowledged
// only after the provider accepted it, moved to the SMS dead letters when the provider refused it, it has no phone
// number, or every try failed.
// A sender that dies leaves its claimed messages unacknowledged; the queue hands them to another sender once their
// claim expires, and the idempotency key (the message id) keeps a provider that dedupes from sending them twice.
// A live sender never tries a message after its claim may have ended (it stops in time and lets the queue hand the
// message out again), so two live senders never both send one.
import type { SmsMessage, SmsQueue } from '../ports.js';
import { sleep } from '../sleep.js';
import { Pace } from './pace.js';
import type { SmsProvider } from './provider.js';
import { sendWithRetry, type RetryPolicy } from './retry.js';

export type SenderQueue = Pick<SmsQueue, 'claimSms' | 'ackSms' | 'failSms' | 'releaseSms' | 'countSmsRetries' | 'smsStats'>;

export interface SenderOptions {
  consumer: string;
  /** Messages in flight at once (a slow provider answer does not hold up the others). */
  concurrency: number;
  /** Messages a second at most; null: as fast as the provider answers. */
  ratePerSec: number | null;
  retry: RetryPolicy;
  /** How long a claimed message stays this sender's (the queue's visibility timeout). */
  claimTimeoutMs: number;
  /** The longest one try can take (the provider's request timeout): no try starts unless it can end within the claim. */
  tryTimeoutMs: number;
  /** The customer's phone number, or null when there is none (the provider then refuses the message). */
  phoneOf: (customerId: number) => Promise<string | null>;
  /** How long to wait before looking again when the queue was empty. */
  idlePollMs: number;
  /** Aborting stops claiming; messages in flight finish their current try, the rest go back to the queue. */
  signal: AbortSignal;
  /**
   * Stop once nothing is pending: none queued, none claimed by any sender (a dead sender's messages are waited for
   * and reclaimed when their claim ends). For tests and `--until-empty`.
   */
  untilEmpty?: boolean;
  now?: () => number;
}

export interface SenderStats {
  claimed: number;
  sent: number;
  retried: number;
  failed: number;
  /** Handed back to the queue unsent: at shutdown, or when the claim was about to end. */
  released: number;
}

export type SenderEvent =
  | { kind: 'sent'; message: SmsMessage; attempts: number }
  | { kind: 'failed'; message: SmsMessage; attempts: number; reason: string }
  | { kind: 'released'; message: SmsMessage; reason: string };

export interface RunningSender {
  /** Live counts of this sender (for /metrics). */
  readonly stats: SenderStats;
  /** Resolves when the sender stopped (signal aborted, or the queue was empty with untilEmpty). */
  readonly done: Promise<SenderStats>;
}

export function startSmsSender(queue: SenderQueue, provider: SmsProvider, options: SenderOptions, onEvent: (event: SenderEvent) => void = () => {}): RunningSender {
  const stats: SenderStats = { claimed: 0, sent: 0, retried: 0, failed: 0, released: 0 };
  return { stats, done: run(queue, provider, options, stats, onEvent) };
}

async function run(queue: SenderQueue, provider: SmsProvider, options: SenderOptions, stats: SenderStats, onEvent: (event: SenderEvent) => void): Promise<SenderStats> {
  const now = options.now ?? Date.now;
  const pace = new Pace(options.ratePerSec);
  const inFlight = new Set<Promise<void>>();

  const release = async (message: SmsMessage, reason: string) => {
    await queue.releaseSms([message.id]);
    stats.released += 1;
    onEvent({ kind: 'released', message, reason });
  };

  const deliver = async (message: SmsMessage, claimedAt: number): Promise<void> => {
    await pace.take(options.signal);
    if (options.signal.aborted) return release(message, 'the sender is stopping');
    let retries = 0;
    let outcome;
    try {
      outcome = await sendWithRetry(provider, message, await options.phoneOf(message.customerId), options.retry, {
        signal: options.signal,
        now,
        tryBy: claimedAt + options.claimTimeoutMs - options.tryTimeoutMs,
        onRetry: () => { retries += 1; stats.retried += 1; },
      });
    } catch (err) {
      if (!options.signal.aborted) throw err;
      outcome = null; // stopped while waiting to retry
    } finally {
      if (retries > 0) await queue.countSmsRetries(retries);
    }
    if (outcome === null) return release(message, 'the sender is stopping');
    if (outcome.sent) {
      await queue.ackSms([message.id]);
      stats.sent += 1;
      onEvent({ kind: 'sent', message, attempts: outcome.attempts });
    } else if (outcome.expired) {
      await release(message, outcome.reason);
    } else {
      await queue.failSms([{ id: message.id, reason: outcome.reason }], now());
      stats.failed += 1;
      onEvent({ kind: 'failed', message, attempts: outcome.attempts, reason: outcome.reason });
    }
  };

  let failure: unknown = null;
  // Claims go in batches of at least half the slots (or whatever is free when nothing is in flight): one claim
  // a message would cost the queue a read and a write per message.
  const batch = Math.max(1, Math.floor(options.concurrency / 2));
  while (!options.signal.aborted && failure === null) {
    const room = options.concurrency - inFlight.size;
    const claimedAt = now();
    const messages = room >= batch || inFlight.size === 0 ? await queue.claimSms(options.consumer, room, options.claimTimeoutMs) : [];
    stats.claimed += messages.length;
    for (const message of messages) {
      const task: Promise<void> = deliver(message, claimedAt)
        .catch((err: unknown) => { failure ??= err; })
        .finally(() => inFlight.delete(task));
      inFlight.add(task);
    }
    if (messages.length > 0 && inFlight.size < options.concurrency) continue;
    if (inFlight.size > 0) {
      await Promise.race(inFlight); // a settled slot: claim again
    } else if (options.untilEmpty && (await queue.smsStats()).pending === 0) {
      break;
    } else {
      await sleep(options.idlePollMs, options.signal);
    }
  }
  await Promise.all(inFlight);
  if (failure !== null) throw failure;
  return stats;
}
