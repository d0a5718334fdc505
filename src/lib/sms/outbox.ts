// The default provider: appends each message as one JSON line to <dataDir>/sms-outbox.jsonl, so the sender
// works offline and another system (or a person) can pick the messages up from there.
import { appendFile, mkdir } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import type { SmsMessage } from '../ports.js';
import type { SmsProvider } from './provider.js';

export const OUTBOX_FILE = 'sms-outbox.jsonl';

export class OutboxSmsProvider implements SmsProvider {
  readonly name = 'outbox';
  readonly path: string;

  constructor(dataDir: string, private readonly now: () => number = Date.now) {
    this.path = join(dataDir, OUTBOX_FILE);
  }

  async send(message: SmsMessage, phone: string | null): Promise<void> {
    await mkdir(dirname(this.path), { recursive: true });
    const line = {
      id: message.id,
      customer_id: message.customerId,
      to: phone, // null when the customer has none: a file needs no number
      day: message.day,
      text: message.text,
      queued_at: new Date(message.at).toISOString(),
      sent_at: new Date(this.now()).toISOString(),
    };
    await appendFile(this.path, `${JSON.stringify(line)}\n`);
  }
}
