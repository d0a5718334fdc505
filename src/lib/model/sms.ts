// The SMS sender: claims queued messages, hands them to a provider, and acknowledges the ones sent. A
// message whose send fails is not acknowledged, so the store hands it out again after its claim expires
// (at-least-once: a receiver dedupes on the message id, `${customerId}:${day}`).
import { appendFile, mkdir } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import type { SmsMessage, SmsQueue } from '../ports.js';

export interface SmsProvider {
  readonly name: string;
  /** Sends one message; throws if it was not sent. */
  send(message: SmsMessage): Promise<void>;
}

export const OUTBOX_FILE = 'sms-outbox.jsonl';

/**
 * The default provider: appends each message as one JSON line to <dataDir>/sms-outbox.jsonl, so the
 * sender works offline and another system (or a person) can pick the messages up from there.
 */
export class OutboxSmsProvider implements SmsProvider {
  readonly name = 'outbox';
  readonly path: string;

  constructor(dataDir: string, private readonly now: () => number = Date.now) {
    this.path = join(dataDir, OUTBOX_FILE);
  }

  async send(message: SmsMessage): Promise<void> {
    await mkdir(dirname(this.path), { recursive: true });
    const line = {
      id: message.id,
      customer_id: message.customerId,
      day: message.day,
      text: message.text,
      queued_at: new Date(message.at).toISOString(),
      sent_at: new Date(this.now()).toISOString(),
    };
    await appendFile(this.path, `${JSON.stringify(line)}\n`);
  }
}

export interface SmsSendReport {
  provider: string;
  claimed: number;
  sent: number;
  failed: number;
  first_failure: string | null;
  elapsed_ms: number;
}

export interface DrainOptions {
  /** Most messages to send this run; Infinity drains the queue. */
  limit: number;
  consumer: string;
  batch: number;
}

/** Sends until the queue is empty, `limit` is reached, or a batch had a failure (retrying at once rarely helps). */
export async function drainSmsQueue(store: SmsQueue, provider: SmsProvider, options: DrainOptions): Promise<SmsSendReport> {
  const started = Date.now();
  const report: SmsSendReport = { provider: provider.name, claimed: 0, sent: 0, failed: 0, first_failure: null, elapsed_ms: 0 };
  while (report.claimed < options.limit) {
    const messages = await store.claimSms(options.consumer, Math.min(options.batch, options.limit - report.claimed));
    if (messages.length === 0) break;
    report.claimed += messages.length;
    const sent: string[] = [];
    for (const message of messages) {
      try {
        await provider.send(message);
        sent.push(message.id);
      } catch (err) {
        report.failed += 1;
        report.first_failure ??= `${message.id}: ${(err as Error).message}`;
      }
    }
    await store.ackSms(sent);
    report.sent += sent.length;
    if (report.failed > 0) break;
  }
  report.elapsed_ms = Date.now() - started;
  return report;
}
