// The SMS providers against local HTTP doubles (the real gateways cannot be reached from here): each double
// is a small server on loopback that checks requests the way its real counterpart documents, and fails some
// of them on purpose.
import assert from 'node:assert/strict';
import { createHmac, timingSafeEqual } from 'node:crypto';
import { writeFileSync } from 'node:fs';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { Random } from '../../src/lib/generate/random.js';
import type { SmsMessage } from '../../src/lib/ports.js';
import { drainSmsQueue } from '../../src/lib/sms/drain.js';
import { retryAfterMs } from '../../src/lib/sms/http.js';
import { normalisePhone, readPhoneBook } from '../../src/lib/sms/phones.js';
import { SmsRejectedError } from '../../src/lib/sms/provider.js';
import { smsProvider } from '../../src/lib/sms/providers.js';
import { backoffDelay, sendWithRetry } from '../../src/lib/sms/retry.js';
import { TwilioSmsProvider } from '../../src/lib/sms/twilio.js';
import { WebhookSmsProvider } from '../../src/lib/sms/webhook.js';
import { applyState, closeOpened, emptyBackends } from '../model/fixtures.js';
import { tempDir } from '../support/fixtures.js';

const SECRET = 'test-secret';
const message = (customerId: number, day = '2014-10-20'): SmsMessage => ({ id: `${customerId}:${day}`, customerId, day, text: 'Gold for a day', at: Date.UTC(2014, 9, 20) });
const phoneOf = (customerId: number) => `+1555${String(customerId).padStart(7, '0')}`;

type Handler = (req: IncomingMessage, body: string, res: ServerResponse) => void;
const servers: Array<{ close(): void; closeAllConnections(): void }> = [];

/** A double on 127.0.0.1; resolves its base URL. */
async function double(handler: Handler): Promise<string> {
  const server = createServer((req, res) => {
    let body = '';
    req.setEncoding('utf8');
    req.on('data', (chunk) => { body += chunk; });
    req.on('end', () => handler(req, body, res));
  });
  servers.push(server);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
}

/** The receiver's check, written from docs/sms.md (not from the sender's code): signature, then freshness. */
function signatureValid(req: IncomingMessage, body: string, nowSeconds: number): boolean {
  const timestamp = String(req.headers['x-musicflow-timestamp'] ?? '');
  const given = Buffer.from(String(req.headers['x-musicflow-signature'] ?? ''));
  const expected = Buffer.from(`v1=${createHmac('sha256', SECRET).update(`${timestamp}.${body}`).digest('hex')}`);
  if (given.length !== expected.length || !timingSafeEqual(given, expected)) return false;
  return Math.abs(nowSeconds - Number(timestamp)) <= 300;
}

after(async () => {
  for (const s of servers) { s.closeAllConnections(); s.close(); }
  await closeOpened();
});

describe('the webhook provider (against a double of a gateway)', () => {
  it('signs each request as docs/sms.md tells a receiver to check it, and names the message in Idempotency-Key', async () => {
    const received: Array<{ key: string; body: Record<string, unknown> }> = [];
    const url = await double((req, body, res) => {
      if (!signatureValid(req, body, Math.floor(Date.now() / 1000))) return void res.writeHead(401).end('bad signature');
      received.push({ key: String(req.headers['idempotency-key']), body: JSON.parse(body) });
      res.writeHead(202).end();
    });
    const provider = new WebhookSmsProvider({ url, secret: SECRET, timeoutMs: 2000 });
    await provider.send(message(7), phoneOf(7));
    assert.deepEqual(received, [{ key: '7:2014-10-20', body: { id: '7:2014-10-20', customer_id: 7, to: '+15550000007', text: 'Gold for a day', day: '2014-10-20', queued_at: '2014-10-20T00:00:00.000Z' } }]);

    // Another secret, or a request signed ten minutes ago, is refused for good: no retry can fix either.
    const wrongSecret = new WebhookSmsProvider({ url, secret: 'not the secret', timeoutMs: 2000 });
    await assert.rejects(wrongSecret.send(message(8), phoneOf(8)), (err: Error) => err instanceof SmsRejectedError && /HTTP 401: bad signature/.test(err.message));
    const stale = new WebhookSmsProvider({ url, secret: SECRET, timeoutMs: 2000, now: () => Date.now() - 600_000 });
    await assert.rejects(stale.send(message(9), phoneOf(9)), SmsRejectedError);
    assert.equal(received.length, 1);
  });

  it('refuses a message without a phone number before any request', async () => {
    let requests = 0;
    const url = await double((_req, _body, res) => { requests += 1; res.writeHead(202).end(); });
    const provider = new WebhookSmsProvider({ url, secret: SECRET, timeoutMs: 2000 });
    await assert.rejects(provider.send(message(3), null), /customer 3 has no phone number/);
    assert.equal(requests, 0);
  });

  it('a double failing 30% with 429/5xx and timing out on 5%: 2,000 queued messages are each delivered once, none lost', async () => {
    const random = new Random(11, 1);
    const delivered = new Map<string, number>(); // what reached a handset, per idempotency key
    let failures = 0;
    const url = await double((req, body, res) => {
      if (!signatureValid(req, body, Math.floor(Date.now() / 1000))) return void res.writeHead(401).end();
      const roll = random.next();
      if (roll < 0.05) return; // no answer: the sender's timeout gives up on it; the double sends nothing
      if (roll < 0.35) {
        failures += 1;
        return void (roll < 0.2 ? res.writeHead(429, { 'retry-after': '0' }) : res.writeHead(503)).end('busy');
      }
      const key = String(req.headers['idempotency-key']);
      // A gateway that dedupes: a key it accepted before is answered 200 again, not sent again.
      if (!delivered.has(key)) delivered.set(key, JSON.parse(body).to);
      res.writeHead(200).end();
    });
    const backends = await emptyBackends();
    const queued = Array.from({ length: 2000 }, (_, i) => message(i + 1));
    await applyState(backends, [], queued);
    const provider = new WebhookSmsProvider({ url, secret: SECRET, timeoutMs: 150 });
    const report = await drainSmsQueue(backends.store, provider, {
      limit: Infinity, consumer: 'double-test', batch: 250, retry: { maxAttempts: 25, baseDelayMs: 1, maxDelayMs: 4 }, phoneOf,
    });
    assert.deepEqual([report.claimed, report.sent, report.failed], [2000, 2000, 0], report.first_failure ?? '');
    assert.ok(report.retried >= failures, `every 429/5xx was retried: ${report.retried} retries, ${failures} failures`);
    assert.deepEqual([...delivered.keys()].sort(), queued.map((m) => m.id).sort(), 'each message delivered, once per key');
    assert.equal((await backends.store.claimSms('after', 10)).length, 0, 'all acknowledged');
  });
});

describe('retries', () => {
  it('wait at least the Retry-After a 429 asked for, and back off exponentially with jitter otherwise', async () => {
    let calls = 0;
    const url = await double((_req, _body, res) => {
      calls += 1;
      if (calls === 1) return void res.writeHead(429, { 'retry-after': '7' }).end();
      if (calls === 2) return void res.writeHead(502).end();
      res.writeHead(200).end();
    });
    const waits: number[] = [];
    const outcome = await sendWithRetry(new WebhookSmsProvider({ url, secret: SECRET, timeoutMs: 2000 }), message(1), phoneOf(1),
      { maxAttempts: 5, baseDelayMs: 100, maxDelayMs: 10_000 }, { sleep: async (ms) => { waits.push(ms); }, random: () => 0.5 });
    assert.deepEqual(outcome, { sent: true, attempts: 3 });
    assert.deepEqual(waits, [7000, 100], 'Retry-After 7 s, then half of 100 ms x 2');
    assert.deepEqual([1, 2, 3, 10].map((attempt) => backoffDelay({ maxAttempts: 9, baseDelayMs: 100, maxDelayMs: 1000 }, attempt, null, () => 0.999)), [99, 199, 399, 999]);
    assert.equal(retryAfterMs('Wed, 21 Oct 2015 07:28:10 GMT', Date.parse('Wed, 21 Oct 2015 07:28:00 GMT')), 10_000);
    assert.equal(retryAfterMs('soon', 0), null);
  });

  it('never retry a 4xx other than 429: the provider\'s answer is the reason', async () => {
    let calls = 0;
    const url = await double((_req, _body, res) => { calls += 1; res.writeHead(400).end('{"message":"The To number is not valid"}'); });
    const outcome = await sendWithRetry(new WebhookSmsProvider({ url, secret: SECRET, timeoutMs: 2000 }), message(1), phoneOf(1),
      { maxAttempts: 5, baseDelayMs: 1, maxDelayMs: 1 });
    assert.deepEqual(outcome, { sent: false, attempts: 1, reason: 'webhook: HTTP 400: {"message":"The To number is not valid"}', expired: false });
    assert.equal(calls, 1);
  });

  it('give up after the last try, saying why', async () => {
    const url = await double((_req, _body, res) => { res.writeHead(500).end('down'); });
    const outcome = await sendWithRetry(new WebhookSmsProvider({ url, secret: SECRET, timeoutMs: 2000 }), message(1), phoneOf(1),
      { maxAttempts: 3, baseDelayMs: 1, maxDelayMs: 1 });
    assert.deepEqual(outcome, { sent: false, attempts: 3, reason: 'gave up after 3 tries: webhook: HTTP 500: down', expired: false });
  });

  it('start no try after `tryBy` (the sender\'s claim ends): stop, unsent and not failed, before a try or a wait that would pass it', async () => {
    let calls = 0;
    const url = await double((_req, _body, res) => { calls += 1; res.writeHead(503).end('busy'); });
    const provider = new WebhookSmsProvider({ url, secret: SECRET, timeoutMs: 2000 });
    const policy = { maxAttempts: 10, baseDelayMs: 100, maxDelayMs: 100 };
    const late = await sendWithRetry(provider, message(1), phoneOf(1), policy, { tryBy: 999, now: () => 1000 });
    assert.deepEqual([late, calls], [{ sent: false, attempts: 0, reason: 'its claim ends before another try could finish', expired: true }, 0]);
    let clock = 1000;
    const waits: number[] = [];
    const cut = await sendWithRetry(provider, message(1), phoneOf(1), policy,
      { tryBy: 1150, now: () => clock, random: () => 0.99, sleep: async (ms) => { waits.push(ms); clock += ms; } });
    assert.deepEqual([cut.sent, cut.attempts, 'expired' in cut && cut.expired, waits, calls], [false, 2, true, [99], 2],
      'tries at 1000 and 1099; the next wait would end after 1150');
  });
});

describe('the Twilio provider (against a double of the Messages API)', () => {
  it('posts To, From and Body form-encoded to the account\'s Messages resource with basic auth', async () => {
    const requests: Array<{ path: string; auth: string; form: Record<string, string>; key: string }> = [];
    const base = await double((req, body, res) => {
      requests.push({ path: req.url ?? '', auth: req.headers.authorization ?? '', form: Object.fromEntries(new URLSearchParams(body)), key: String(req.headers['idempotency-key']) });
      res.writeHead(201, { 'content-type': 'application/json' }).end('{"sid":"SM1","status":"queued"}');
    });
    const provider = smsProvider('twilio', tempDir(), {
      MUSICFLOW_TWILIO_ACCOUNT_SID: 'AC123', MUSICFLOW_TWILIO_AUTH_TOKEN: 'token', MUSICFLOW_TWILIO_FROM: '+15550001111', MUSICFLOW_TWILIO_BASE_URL: `${base}/`,
    });
    assert.ok(provider instanceof TwilioSmsProvider);
    await provider.send(message(4), phoneOf(4));
    assert.deepEqual(requests, [{
      path: '/2010-04-01/Accounts/AC123/Messages.json',
      auth: `Basic ${Buffer.from('AC123:token').toString('base64')}`,
      form: { To: '+15550000004', From: '+15550001111', Body: 'Gold for a day' },
      key: '4:2014-10-20',
    }]);
  });

  it('says which variable is missing', () => {
    assert.throws(() => smsProvider('twilio', tempDir(), { MUSICFLOW_TWILIO_ACCOUNT_SID: 'AC1' }), /--provider twilio needs MUSICFLOW_TWILIO_AUTH_TOKEN in the environment/);
    assert.throws(() => smsProvider('webhook', tempDir(), {}), /MUSICFLOW_SMS_WEBHOOK_URL/);
    assert.throws(() => smsProvider('pigeon', tempDir(), {}), /unknown provider "pigeon" \(available: outbox, webhook, twilio\)/);
  });
});

describe('phone numbers', () => {
  it('reads CustID,Phone, names each line it cannot read, and keeps the rest', async () => {
    const file = join(tempDir(), 'phones.csv');
    writeFileSync(file, 'CustID,Phone\n1,+1 (555) 010-2000\n2,555-0100\nx,+15550100000\n3,+15550100003,extra\n\n4,"+44 20 7946 0018"\n1,+15550109999\n');
    const book = await readPhoneBook(file);
    assert.deepEqual([...book.phones], [[1, '+15550102000'], [4, '+442079460018']]);
    assert.deepEqual(book.rejects, [
      { line: 3, reason: 'phone "555-0100" is not an international number (+ and 8 to 15 digits)' },
      { line: 4, reason: 'customer id "x" is not a whole number' },
      { line: 5, reason: '3 fields, expected 2' },
      { line: 8, reason: 'customer 1 has another number on an earlier line' },
    ]);
    assert.equal(normalisePhone('+1.555.010.2000'), '+15550102000');
    writeFileSync(file, '1,+15550100001\n');
    await assert.rejects(readPhoneBook(file), /phones.csv: line 1: expected the header CustID,Phone/);
  });
});
