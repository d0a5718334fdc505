// The webhook provider: an HTTP POST of JSON to a URL, signed so the receiver knows it came from us and is
// fresh. Many SMS gateways accept exactly this; docs/sms.md says how a receiver checks the signature.
import { createHmac } from 'node:crypto';
import type { SmsMessage } from '../ports.js';
import { postToProvider } from './http.js';
import { requirePhone, type SmsProvider } from './provider.js';

export const SIGNATURE_HEADER = 'x-musicflow-signature';
export const TIMESTAMP_HEADER = 'x-musicflow-timestamp';
export const IDEMPOTENCY_HEADER = 'idempotency-key';

/** HMAC-SHA256 over `<timestamp>.<body>` with the shared secret, hex, prefixed with the scheme version. */
export function webhookSignature(secret: string, timestamp: string, body: string): string {
  return `v1=${createHmac('sha256', secret).update(`${timestamp}.${body}`).digest('hex')}`;
}

export interface WebhookOptions {
  url: string;
  secret: string;
  timeoutMs: number;
  now?: () => number;
}

export class WebhookSmsProvider implements SmsProvider {
  readonly name = 'webhook';
  private readonly now: () => number;

  constructor(private readonly options: WebhookOptions) {
    this.now = options.now ?? Date.now;
  }

  async send(message: SmsMessage, phone: string | null): Promise<void> {
    const to = requirePhone(this.name, message, phone);
    const body = JSON.stringify({ id: message.id, customer_id: message.customerId, to, text: message.text, day: message.day, queued_at: new Date(message.at).toISOString() });
    const timestamp = String(Math.floor(this.now() / 1000));
    await postToProvider(this.name, this.options.url, {
      headers: {
        'content-type': 'application/json',
        [IDEMPOTENCY_HEADER]: message.id,
        [TIMESTAMP_HEADER]: timestamp,
        [SIGNATURE_HEADER]: webhookSignature(this.options.secret, timestamp, body),
      },
      body,
    }, this.options.timeoutMs, this.now);
  }
}
