// `musicflow sms serve`: the long-running sender. It keeps up to `concurrency` messages in flight, each sent
// with retries (retry.ts) at no more than `--rate` a second, and settles each one as soon as it is done: acknowledged
// when the provider took it, moved to the SMS dead letters when the provider refused it or every try failed.
// A sender that dies leaves its claimed messages unacknowledged; the queue hands them to another sender once their
// claim expires, and the idempotency key (the message id) keeps a provider that dedupes from sending them twice.
import type { SmsMessage, Store } from '../ports.js';
import { sleep } from '../sleep.js';
import { Pace } from './pace.js';
import type { SmsProvider } from './provider.js';
import { sendWithRetry, type RetryPolicy } from './retry.js';

export type SenderQueue = Pick<Store, 'claimSms' | 'ackSms' | 'failSms'>;

export interface SenderOptions {
  consumer: string;
  /** Messages in flight at once (a slow provider answer does not hold up the others). */
  concurrency: number;
  /** Messages a second at most; null: as fast as the provider answers. */
  ratePerSec: number | null;
  retry: RetryPolicy;
  phoneOf: (customerId: number) => string | null;
  /** How long to wait before looking again when the queue was empty. */
  idlePollMs: number;
  /** Aborting stops claiming; messages in flight finish their current try (a retry's wait is cut short). */
  signal: AbortSignal;
  /** Stop once the queue is empty (tests, `--until-empty`). */
  untilEmpty?: boolean;
}

export interface SenderStats {
  claimed: number;
  sent: number;
  retried: number;
  failed: number;
}

export type SenderEvent =
  | { kind: 'sent'; message: SmsMessage; attempts: number }
  | { kind: 'failed'; message: SmsMessage; attempts: number; reason: string };

export async function serveSms(queue: SenderQueue, provider: SmsProvider, options: SenderOptions, onEvent: (event: SenderEvent) => void = () => {}): Promise<SenderStats> {
  const stats: SenderStats = { claimed: 0, sent: 0, retried: 0, failed: 0 };
  const pace = new Pace(options.ratePerSec);
  const inFlight = new Set<Promise<void>>();

  const deliver = async (message: SmsMessage): Promise<void> => {
    await pace.take(options.signal);
    let outcome;
    try {
      outcome = await sendWithRetry(provider, message, options.phoneOf(message.customerId), options.retry, {
        signal: options.signal,
        onRetry: () => { stats.retried += 1; },
      });
    } catch (err) {
      if (options.signal.aborted) return; // stopped while waiting to retry: it stays claimed, another sender takes it
      throw err;
    }
    if (outcome.sent) {
      await queue.ackSms([message.id]);
      stats.sent += 1;
      onEvent({ kind: 'sent', message, attempts: outcome.attempts });
    } else {
      await queue.failSms([{ id: message.id, reason: outcome.reason }]);
      stats.failed += 1;
      onEvent({ kind: 'failed', message, attempts: outcome.attempts, reason: outcome.reason });
    }
  };

  while (!options.signal.aborted) {
    const room = options.concurrency - inFlight.size;
    const messages = room > 0 ? await queue.claimSms(options.consumer, room) : [];
    stats.claimed += messages.length;
    for (const message of messages) {
      const task = deliver(message).finally(() => inFlight.delete(task));
      inFlight.add(task);
    }
    if (messages.length > 0 && inFlight.size < options.concurrency) continue;
    if (inFlight.size > 0) {
      await Promise.race(inFlight); // a settled slot: claim again
    } else if (options.untilEmpty) {
      break;
    } else {
      await sleep(options.idlePollMs, options.signal);
    }
  }
  await Promise.all(inFlight);
  return stats;
}
