// `musicflow sms serve` as it runs in production: the real command (dist/ bin) in child processes, against a
// flaky gateway double (30% of requests answered 429 or 5xx, 5% never answered), on the embedded queue and on
// Redis. 10,000 queued messages must each reach the gateway, none lost and none sent by two live senders, when a
// sender is killed with SIGKILL halfway and restarted, and when two senders run at once.
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { writeFileSync } from 'node:fs';
import { createServer, get, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { resolveConfig, type Config } from '../../src/lib/config.js';
import { Random } from '../../src/lib/generate/random.js';
import type { SmsMessage } from '../../src/lib/ports.js';
import { openBackends } from '../../src/lib/wiring/backends.js';
import { embeddedEnv } from '../support/cli.js';
import { tempDir } from '../support/fixtures.js';
import { storeBatch } from '../support/store-batch.js';

const BIN = fileURLToPath(new URL('../../../bin/musicflow', import.meta.url));
const MESSAGES = 10_000;
const PARTITIONS = 4;
const CONCURRENCY = 64;
const SECRET = 'serve-test-secret';
const redisUrl = process.env.MUSICFLOW_REDIS_URL;
const phoneOf = (customerId: number) => `+1555${String(customerId).padStart(7, '0')}`;

/**
 * A gateway double: answers 30% of requests 429 or 5xx and never answers 5% (the sender times out), accepts the
 * rest. Like a gateway that dedupes on Idempotency-Key, it delivers each key once (`delivered`) and answers a key
 * it has delivered 200 without sending again: a request that timed out at the sender after the gateway took it,
 * or one from a sender killed before it acknowledged, comes again with the same key.
 */
class FlakyGatewayDouble {
  readonly delivered = new Set<string>();
  /** Requests for a key delivered before, answered without sending. */
  repeats = 0;
  mismatchedKeys = 0;
  requests = 0;
  private readonly random = new Random(7, 1);
  private readonly held: ServerResponse[] = [];
  private readonly server = createServer((req, res) => this.answer(req, res));
  private watchers: Array<{ count: number; resolve: () => void }> = [];
  url = '';

  async start(): Promise<this> {
    await new Promise<void>((resolve) => this.server.listen(0, '127.0.0.1', resolve));
    this.url = `http://127.0.0.1:${(this.server.address() as AddressInfo).port}/sms`;
    return this;
  }

  /** Resolves once this many messages were delivered. */
  deliveredAtLeast(count: number): Promise<void> {
    return new Promise((resolve) => {
      if (this.delivered.size >= count) resolve();
      else this.watchers.push({ count, resolve });
    });
  }

  private answer(req: IncomingMessage, res: ServerResponse): void {
    let body = '';
    req.setEncoding('utf8');
    req.on('data', (chunk) => { body += chunk; });
    req.on('end', () => {
      this.requests += 1;
      const key = String(req.headers['idempotency-key'] ?? '');
      if ((JSON.parse(body) as { id: string }).id !== key) this.mismatchedKeys += 1;
      const roll = this.random.next();
      if (roll < 0.05) { this.held.push(res); return; } // never answered: the sender's timeout
      if (roll < 0.20) { res.writeHead(429, { 'Retry-After': '0' }).end('slow down'); return; }
      if (roll < 0.35) { res.writeHead(roll < 0.3 ? 503 : 500).end('try later'); return; }
      if (this.delivered.has(key)) this.repeats += 1;
      else this.delivered.add(key);
      res.writeHead(200, { 'Content-Type': 'application/json' }).end('{"ok":true}');
      this.watchers = this.watchers.filter((w) => (this.delivered.size >= w.count ? (w.resolve(), false) : true));
    });
  }

  close(): void {
    for (const res of this.held) res.destroy();
    this.server.closeAllConnections();
    this.server.close();
  }
}

interface QueueSetup { name: string; config: () => Config; env: (config: Config) => NodeJS.ProcessEnv }

const embedded: QueueSetup = {
  name: 'the embedded queue',
  config: () => resolveConfig({ dataDir: tempDir('musicflow-sms-serve-') }, {}),
  env: (config) => ({ ...embeddedEnv, MUSICFLOW_HOME: config.dataDir }),
};

const redis: QueueSetup = {
  name: 'Redis (the test stack)',
  config: () => resolveConfig({ dataDir: tempDir('musicflow-sms-serve-'), redis: redisUrl }, { MUSICFLOW_REDIS_PREFIX: `musicflow-test:${randomUUID()}:` }),
  env: (config) => ({ ...embeddedEnv, MUSICFLOW_HOME: config.dataDir, MUSICFLOW_REDIS_URL: config.redisUrl, MUSICFLOW_REDIS_PREFIX: config.redisPrefix }),
};

/** `count` messages, one per customer, queued as the stream queues them (one batch per log partition). */
async function queueMessages(config: Config, count = MESSAGES): Promise<{ ids: string[]; phones: string }> {
  const backends = await openBackends(config);
  const ids: string[] = [];
  try {
    for (let partition = 0; partition < PARTITIONS; partition++) {
      const sms: SmsMessage[] = [];
      for (let c = partition + 1; c <= count; c += PARTITIONS) {
        sms.push({ id: `${c}:2026-03-01`, customerId: c, day: '2026-03-01', text: 'Gold for a day', at: Date.UTC(2026, 2, 1) });
      }
      ids.push(...sms.map((m) => m.id));
      await backends.store.applyBatch(storeBatch({ position: { log: 'plays', partition, expected: -1, next: 0 }, sms }));
    }
    assert.equal((await backends.sms.smsStats()).pending, count);
  } finally {
    await backends.close();
  }
  const phones = join(config.dataDir, 'phones.csv');
  writeFileSync(phones, `CustID,Phone\n${Array.from({ length: count }, (_, i) => `${i + 1},${phoneOf(i + 1)}`).join('\n')}\n`);
  return { ids, phones };
}

const children = new Set<ChildProcess>();
after(() => { for (const child of children) child.kill('SIGKILL'); });

interface Exit { code: number | null; signal: NodeJS.Signals | null; stdout: string; stderr: string }

/** `musicflow sms serve --until-empty` with short claims and backoffs, through the webhook provider to the double. */
function sender(setup: QueueSetup, config: Config, gateway: { url: string }, phones: string, extra = ['--until-empty']): { child: ChildProcess; exit: Promise<Exit> } {
  const child = spawn(process.execPath, [BIN, 'sms', 'serve', '--provider', 'webhook', '--phones', phones, '--json', ...extra,
    '--concurrency', String(CONCURRENCY), '--claim-timeout', '10', '--provider-timeout', '1000', '--backoff', '5', '--backoff-max', '50', '--max-tries', '40'], {
    env: { ...setup.env(config), MUSICFLOW_SMS_WEBHOOK_URL: gateway.url, MUSICFLOW_SMS_WEBHOOK_SECRET: SECRET },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  children.add(child);
  let stdout = '';
  let stderr = '';
  child.stdout!.on('data', (d) => { stdout += d; });
  child.stderr!.on('data', (d) => { stderr += d; });
  const exit = new Promise<Exit>((resolve) => child.on('close', (code, signal) => {
    children.delete(child);
    resolve({ code, signal, stdout, stderr });
  }));
  return { child, exit };
}

/** What every run must end with: each message delivered, the queue settled, every request named by its message. */
async function assertAllDelivered(config: Config, gateway: FlakyGatewayDouble, ids: string[]): Promise<void> {
  assert.equal(gateway.mismatchedKeys, 0, 'every request carries its message id as Idempotency-Key');
  assert.deepEqual([...gateway.delivered].sort(), [...ids].sort(), 'each message delivered, none lost, no other');
  const backends = await openBackends(config, { readOnly: true });
  try {
    const stats = await backends.sms.smsStats();
    assert.deepEqual([stats.sent, stats.failed, stats.pending], [MESSAGES, 0, 0]);
    assert.ok(stats.retried > 0, 'the double made the senders retry');
  } finally {
    await backends.close();
  }
}

for (const setup of redisUrl ? [embedded, redis] : [embedded]) {
  describe(`sms serve on ${setup.name}, through a flaky gateway double`, { concurrency: false, timeout: 240_000 }, () => {
    it('a sender killed with SIGKILL halfway and started again: every message delivered once, none lost', async () => {
      const config = setup.config();
      const { ids, phones } = await queueMessages(config);
      const gateway = await new FlakyGatewayDouble().start();
      try {
        const first = sender(setup, config, gateway, phones);
        await gateway.deliveredAtLeast(MESSAGES / 2);
        first.child.kill('SIGKILL');
        assert.equal((await first.exit).signal, 'SIGKILL');
        const second = sender(setup, config, gateway, phones);
        const exit = await second.exit;
        assert.equal(exit.code, 0, exit.stderr);
        await assertAllDelivered(config, gateway, ids);
        const report = JSON.parse(exit.stdout) as { sent: number; queue: { pending: number } };
        assert.equal(report.queue.pending, 0);
        assert.ok(report.sent > 0 && report.sent < MESSAGES);
      } finally {
        gateway.close();
      }
    });

    it('two senders at once: every message delivered once, each sent and acknowledged by one of them', async () => {
      const config = setup.config();
      const { ids, phones } = await queueMessages(config);
      const gateway = await new FlakyGatewayDouble().start();
      try {
        const exits = await Promise.all([sender(setup, config, gateway, phones), sender(setup, config, gateway, phones)].map((s) => s.exit));
        for (const exit of exits) assert.equal(exit.code, 0, exit.stderr);
        await assertAllDelivered(config, gateway, ids);
        const sent = exits.map((exit) => (JSON.parse(exit.stdout) as { sent: number }).sent);
        assert.equal(sent[0] + sent[1], MESSAGES, `each message acknowledged by one sender: ${sent.join(' + ')}`);
      } finally {
        gateway.close();
      }
    });
  });
}

it('sms serve: a refused message and one without a phone go to `sms failed` with the reason, `sms retry` requeues one; /metrics, status and SIGTERM', { timeout: 60_000 }, async () => {
  const config = embedded.config();
  const { phones } = await queueMessages(config, 3);
  writeFileSync(phones, `CustID,Phone\n1,${phoneOf(1)}\n2,${phoneOf(2)}\n`); // customer 3 has no number
  const delivered: string[] = [];
  const gateway = createServer((req, res) => {
    const key = String(req.headers['idempotency-key']);
    req.resume().on('end', () => {
      if (key.startsWith('2:')) return void res.writeHead(400).end('{"error":"not a mobile number"}');
      delivered.push(key);
      res.writeHead(200).end();
    });
  });
  await new Promise<void>((resolve) => gateway.listen(0, '127.0.0.1', resolve));
  try {
    const serve = sender(embedded, config, { url: `http://127.0.0.1:${(gateway.address() as AddressInfo).port}/sms` }, phones, ['--metrics-port', '0']);
    let stderr = '';
    const metricsUrl = await new Promise<string>((resolve) => serve.child.stderr!.on('data', (d) => {
      stderr += d;
      const found = /metrics at (http:\/\/[^\s;]+)/.exec(stderr);
      if (found) resolve(found[1]);
    }));
    let metrics = '';
    while (!/^musicflow_sms_pending 0$/m.test(metrics)) {
      await new Promise((resolve) => setTimeout(resolve, 50));
      metrics = await (await fetch(metricsUrl)).text();
    }
    for (const line of ['musicflow_sms_sender_sent_total 1', 'musicflow_sms_sender_failed_total 2', 'musicflow_sms_failed 2', 'musicflow_sms_oldest_pending_age_seconds 0']) {
      assert.match(metrics, new RegExp(`^${line}$`, 'm'));
    }
    const foreign = await new Promise<number>((resolve, reject) => {
      get(metricsUrl, { headers: { host: 'rebound.example' } }, (res) => { res.resume(); resolve(res.statusCode ?? 0); }).on('error', reject);
    });
    assert.equal(foreign, 421, 'a foreign Host header is refused');
    serve.child.kill('SIGTERM');
    const exit = await serve.exit;
    assert.equal(exit.code, 0, exit.stderr);
    assert.deepEqual(delivered, ['1:2026-03-01']);
    const env = embedded.env(config);
    const cli = (...args: string[]) => new Promise<Exit>((resolve) => {
      const child = spawn(process.execPath, [BIN, ...args], { env, stdio: ['ignore', 'pipe', 'pipe'] });
      let out = '';
      let err = '';
      child.stdout.on('data', (d) => { out += d; });
      child.stderr.on('data', (d) => { err += d; });
      child.on('close', (code, signal) => resolve({ code, signal, stdout: out, stderr: err }));
    });
    const failed = JSON.parse((await cli('sms', 'failed', '--json')).stdout) as { failed: Array<{ id: string; reason: string }> };
    assert.deepEqual(failed.failed.map((f) => f.id).sort(), ['2:2026-03-01', '3:2026-03-01']);
    assert.match(failed.failed.find((f) => f.id === '2:2026-03-01')!.reason, /HTTP 400: \{"error":"not a mobile number"\}/);
    assert.match(failed.failed.find((f) => f.id === '3:2026-03-01')!.reason, /customer 3 has no phone number/);
    const retried = await cli('sms', 'retry', '2:2026-03-01', '--json');
    assert.deepEqual([retried.code, JSON.parse(retried.stdout)], [0, { requeued: 1, not_on_the_list: 0 }]);
    assert.equal((await cli('sms', 'retry', '2:2026-03-01')).code, 1, 'no longer on the list');
    assert.equal((await cli('sms', 'retry')).code, 2, 'neither ids nor --all: a usage error');
    const status = JSON.parse((await cli('status', '--json')).stdout) as { sms: { sent: number; failed: number; pending: number; retried: number } };
    assert.deepEqual([status.sms.sent, status.sms.failed, status.sms.pending], [1, 1, 1]);
  } finally {
    gateway.closeAllConnections();
    gateway.close();
  }
});

if (!redisUrl) it('sms serve on Redis', { skip: 'MUSICFLOW_REDIS_URL is unset: start the stack with `npm run stack:up` (npm test does)' }, () => {});
