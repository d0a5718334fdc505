// Sending one message until the provider accepts it, refuses it, or the tries run out: exponential backoff
// with full jitter (so many senders retrying after one outage do not all come back at once), never sooner
// than a Retry-After the provider asked for.
import { sleep } from '../sleep.js';
import type { SmsMessage } from '../ports.js';
import { SmsRejectedError, SmsUnavailableError, type SmsProvider } from './provider.js';

export interface RetryPolicy {
  /** Tries in all, the first included. */
  maxAttempts: number;
  baseDelayMs: number;
  maxDelayMs: number;
}

export const DEFAULT_RETRY: RetryPolicy = { maxAttempts: 6, baseDelayMs: 500, maxDelayMs: 30_000 };

/** The wait after failed try number `attempt` (1-based): random in [0, min(max, base * 2^(attempt-1))], at least Retry-After. */
export function backoffDelay(policy: RetryPolicy, attempt: number, retryAfterMs: number | null, random: () => number = Math.random): number {
  const ceiling = Math.min(policy.maxDelayMs, policy.baseDelayMs * 2 ** (attempt - 1));
  return Math.max(retryAfterMs ?? 0, Math.floor(random() * ceiling));
}

export type SendOutcome =
  | { sent: true; attempts: number }
  /** expired: stopped because the next try could not finish before `deps.tryBy`; the message may still be sent by a later claim. */
  | { sent: false; attempts: number; reason: string; expired: boolean };

export interface RetryDeps {
  sleep?: (ms: number, signal?: AbortSignal) => Promise<void>;
  random?: () => number;
  signal?: AbortSignal;
  /**
   * Epoch ms after which no try may start (a sender's claim on the message ends soon after: another sender may
   * have it by then, and two senders must not both send it). Unset: no limit.
   */
  tryBy?: number;
  now?: () => number;
  /** Told before each wait: for the sender's `retried` count. */
  onRetry?: (error: SmsUnavailableError, delayMs: number) => void;
}

/**
 * Sends with retries. Resolves `sent: false` with the provider's answer when it refused the message or every
 * try failed: the caller dead-letters it. Throws only if the signal aborted the waiting (the message stays
 * claimed and is handed out again).
 */
export async function sendWithRetry(provider: SmsProvider, message: SmsMessage, phone: string | null, policy: RetryPolicy, deps: RetryDeps = {}): Promise<SendOutcome> {
  const wait = deps.sleep ?? sleep;
  const now = deps.now ?? Date.now;
  const expired = (attempts: number, at: number): SendOutcome | null =>
    deps.tryBy !== undefined && at > deps.tryBy ? { sent: false, attempts, reason: 'its claim ends before another try could finish', expired: true } : null;
  for (let attempt = 1; ; attempt++) {
    const late = expired(attempt - 1, now());
    if (late) return late;
    try {
      await provider.send(message, phone);
      return { sent: true, attempts: attempt };
    } catch (err) {
      if (err instanceof SmsRejectedError) return { sent: false, attempts: attempt, reason: err.message, expired: false };
      if (!(err instanceof SmsUnavailableError)) throw err;
      if (attempt >= policy.maxAttempts) return { sent: false, attempts: attempt, reason: `gave up after ${attempt} tries: ${err.message}`, expired: false };
      const delay = backoffDelay(policy, attempt, err.retryAfterMs, deps.random);
      const late = expired(attempt, now() + delay);
      if (late) return late;
      deps.onRetry?.(err, delay);
      await wait(delay, deps.signal);
      deps.signal?.throwIfAborted();
    }
  }
}
