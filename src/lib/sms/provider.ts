// What an SMS provider is to the sender: something that takes one message to one phone number and either
// accepts it, fails for now (worth another try later), or refuses it for good (retrying cannot help).
import { MusicflowError } from '../errors.js';
import type { SmsMessage } from '../ports.js';

export interface SmsProvider {
  readonly name: string;
  /**
   * Hands one message to the provider; resolves once the provider accepted it. Every request carries the
   * message id as its idempotency key, so a provider that dedupes on it never sends a retried message twice.
   * Throws SmsUnavailableError (try again later) or SmsRejectedError (never retry).
   */
  send(message: SmsMessage, phone: string | null): Promise<void>;
}

/** A send that may succeed later: a timeout, a refused connection, 429 or a 5xx. */
export class SmsUnavailableError extends MusicflowError {
  constructor(readonly provider: string, detail: string, readonly retryAfterMs: number | null = null) {
    super(`${provider}: ${detail}`);
  }
}

/** A send the provider refused for good (a 4xx other than 429, no phone number): the message is dead-lettered. */
export class SmsRejectedError extends MusicflowError {
  constructor(readonly provider: string, readonly answer: string) {
    super(`${provider}: ${answer}`);
  }
}

/** A provider that texts a phone needs a number; a message without one can never be sent. */
export function requirePhone(provider: string, message: SmsMessage, phone: string | null): string {
  if (phone === null || phone === '') {
    throw new SmsRejectedError(provider, `customer ${message.customerId} has no phone number (add a Phone column to cust.csv or pass --phones FILE)`);
  }
  return phone;
}
