import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { after, describe, it } from 'node:test';
import { drainSmsQueue } from '../../src/lib/sms/drain.js';
import { OutboxSmsProvider } from '../../src/lib/sms/outbox.js';
import { SmsRejectedError, SmsUnavailableError, type SmsProvider } from '../../src/lib/sms/provider.js';
import type { SmsMessage } from '../../src/lib/ports.js';
import { tempDir } from '../support/fixtures.js';
import { applyState, closeOpened, emptyBackends } from '../model/fixtures.js';

const message = (customerId: number, day: string): SmsMessage => ({ id: `${customerId}:${day}`, customerId, day, text: 'Gold for a day', at: Date.UTC(2014, 9, 20) });
const options = { limit: Infinity, consumer: 'test', batch: 2, retry: { maxAttempts: 3, baseDelayMs: 1, maxDelayMs: 2 }, phoneOf: () => null };

describe('sms send', () => {
  after(closeOpened);

  it('the outbox provider writes each queued message once, as a JSON line, and acknowledges it', async () => {
    const backends = await emptyBackends();
    await applyState(backends, [], [message(1, '2014-10-20'), message(2, '2014-10-20'), message(1, '2014-10-21')]);
    const dir = tempDir();
    const provider = new OutboxSmsProvider(dir, () => Date.UTC(2014, 9, 22));
    const first = await drainSmsQueue(backends.store, provider, { ...options, limit: 2 });
    assert.deepEqual([first.claimed, first.sent, first.failed], [2, 2, 0]);
    const rest = await drainSmsQueue(backends.store, provider, options);
    assert.deepEqual([rest.claimed, rest.sent], [1, 1]);
    assert.equal((await drainSmsQueue(backends.store, provider, options)).claimed, 0);
    const lines = readFileSync(provider.path, 'utf8').trim().split('\n').map((l) => JSON.parse(l));
    assert.deepEqual(lines.map((l) => l.id).sort(), ['1:2014-10-20', '1:2014-10-21', '2:2014-10-20']);
    assert.deepEqual(lines[0], { id: lines[0].id, customer_id: lines[0].customer_id, day: lines[0].day, to: null, text: 'Gold for a day', queued_at: '2014-10-20T00:00:00.000Z', sent_at: '2014-10-22T00:00:00.000Z' });
  });

  it('mock failing provider (a paid SMS API cannot run here): a message it refuses is not acknowledged, one it cannot take now is retried', async () => {
    const backends = await emptyBackends();
    await applyState(backends, [], [message(1, '2014-10-20'), message(2, '2014-10-20'), message(3, '2014-10-20')]);
    const sent: string[] = [];
    let busy = 2;
    const flaky: SmsProvider = {
      name: 'mock',
      async send(m) {
        if (m.customerId === 2) throw new SmsRejectedError('mock', 'HTTP 400: bad number');
        if (m.customerId === 3 && busy-- > 0) throw new SmsUnavailableError('mock', 'HTTP 503');
        sent.push(m.id);
      },
    };
    const report = await drainSmsQueue(backends.store, flaky, { ...options, batch: 10 });
    assert.deepEqual([report.sent, report.failed, report.retried], [2, 1, 2]);
    assert.equal(report.first_failure, '2:2014-10-20: mock: HTTP 400: bad number');
    assert.deepEqual(sent, ['1:2014-10-20', '3:2014-10-20']);
  });
});
