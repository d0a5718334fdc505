// `musicflow demo` shows the whole loop: after the pipeline, the offer API (in process) answers one targeted
// listener's offer and the SMS sender delivers that listener's SMS to the outbox.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { it } from 'node:test';
import { musicflow } from '../support/cli.js';
import { tempDir } from '../support/fixtures.js';

it('demo: a targeted listener gets the offer from the offer API and the SMS in the outbox', async () => {
  const dataDir = tempDir('musicflow-demo-');
  const result = await musicflow('demo', '--events', '40000', '--customers', '1000', '--json', '--data-dir', dataDir);
  assert.equal(result.code, 0, result.stderr);
  const report = JSON.parse(result.stdout) as {
    targeted_customers: number; sms_queued: number;
    offer_loop: { customer_id: number; offer: { customer_id: number; offer: { ad: string } | null; reason: string }; sms_id: string; sms_delivered: boolean; sms_sent: number; outbox: string } | null;
  };
  assert.ok(report.targeted_customers > 0, 'the model targets someone');
  const loop = report.offer_loop!;
  assert.deepEqual([loop.offer.customer_id, loop.offer.offer?.ad, loop.offer.reason], [loop.customer_id, 'ADV_REDUCED_1DAY', 'predicted_click']);
  assert.equal(loop.outbox, join(dataDir, 'sms-outbox.jsonl'));
  const outbox = readFileSync(loop.outbox, 'utf8').trim().split('\n').map((line) => JSON.parse(line) as { id: string; customer_id: number });
  assert.ok(outbox.some((m) => m.id === loop.sms_id && m.customer_id === loop.customer_id), `${loop.sms_id} in the outbox`);
  assert.equal(loop.sms_delivered, true);
  assert.equal(loop.sms_sent, report.sms_queued, 'the sender drained the queue: every queued SMS sent once');
  assert.equal(new Set(outbox.map((m) => m.id)).size, outbox.length, 'no SMS twice');
  assert.match(result.stderr, new RegExp(`offer API for customer ${loop.customer_id}`));
});
