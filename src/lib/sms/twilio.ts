// Twilio's Messages API in its documented REST form (POST /2010-04-01/Accounts/{AccountSid}/Messages.json,
// form-encoded To, From and Body, HTTP basic auth with the account SID and auth token). The base URL can be
// pointed elsewhere: tests use a local double, and Twilio-compatible gateways take the same request.
import type { SmsMessage } from '../ports.js';
import { postToProvider } from './http.js';
import { IDEMPOTENCY_HEADER } from './webhook.js';
import { requirePhone, type SmsProvider } from './provider.js';

export const TWILIO_API = 'https://api.twilio.com';

export interface TwilioOptions {
  accountSid: string;
  authToken: string;
  from: string;
  baseUrl: string;
  timeoutMs: number;
}

export class TwilioSmsProvider implements SmsProvider {
  readonly name = 'twilio';

  constructor(private readonly options: TwilioOptions) {}

  async send(message: SmsMessage, phone: string | null): Promise<void> {
    const { accountSid, authToken, from, baseUrl, timeoutMs } = this.options;
    const to = requirePhone(this.name, message, phone);
    const url = `${baseUrl.replace(/\/+$/, '')}/2010-04-01/Accounts/${encodeURIComponent(accountSid)}/Messages.json`;
    await postToProvider(this.name, url, {
      headers: {
        'content-type': 'application/x-www-form-urlencoded',
        authorization: `Basic ${Buffer.from(`${accountSid}:${authToken}`).toString('base64')}`,
        // Twilio does not dedupe on it; gateways that do, and our doubles, do.
        [IDEMPOTENCY_HEADER]: message.id,
      },
      body: new URLSearchParams({ To: to, From: from, Body: message.text }).toString(),
    }, timeoutMs);
  }
}
