// One HTTP request to a provider, its outcome sorted the way retries need: accepted, worth another try
// (timeout, connection error, 429, 5xx, with the Retry-After the provider asked for), or refused for good.
import { SmsRejectedError, SmsUnavailableError } from './provider.js';

/** How much of a provider's answer a dead letter keeps. */
const ANSWER_KEPT = 500;

/** Retry-After in milliseconds: delay-seconds or an HTTP date (RFC 9110 §10.2.3); null when absent or unreadable. */
export function retryAfterMs(header: string | null, now: number): number | null {
  if (header === null) return null;
  const text = header.trim();
  if (/^\d+$/.test(text)) return Number(text) * 1000;
  const at = Date.parse(text);
  return Number.isNaN(at) ? null : Math.max(0, at - now);
}

export async function postToProvider(provider: string, url: string, init: { headers: Record<string, string>; body: string }, timeoutMs: number, now: () => number = Date.now): Promise<void> {
  let response: Response;
  try {
    response = await fetch(url, { method: 'POST', headers: init.headers, body: init.body, signal: AbortSignal.timeout(timeoutMs) });
  } catch (err) {
    const e = err as Error & { cause?: { code?: string } };
    const detail = e.name === 'TimeoutError' ? `no answer within ${timeoutMs} ms` : `${e.cause?.code ?? e.message}`;
    throw new SmsUnavailableError(provider, `${detail} (POST ${url})`);
  }
  const answer = (await response.text().catch(() => '')).slice(0, ANSWER_KEPT);
  if (response.ok) return;
  const status = `HTTP ${response.status}${answer ? `: ${answer}` : ''}`;
  if (response.status === 429 || response.status >= 500) {
    throw new SmsUnavailableError(provider, status, retryAfterMs(response.headers.get('retry-after'), now()));
  }
  throw new SmsRejectedError(provider, status);
}
