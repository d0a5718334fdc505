import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { DEFAULT_INTEREST_RULE, advancePair } from '../../src/lib/pipeline/interest.js';
import type { DetectedInterest, ListenPair, PlayEvent } from '../../src/lib/records.js';

const MIN = 60_000;
const at = (minutes: number, eventId = minutes): PlayEvent => ({ eventId, customerId: 7, trackId: 3, time: minutes * MIN, mobile: false, zip: '10001' });

function playAll(minutes: number[]): { pair: ListenPair | undefined; detected: DetectedInterest[] } {
  let pair: ListenPair | undefined;
  const detected: DetectedInterest[] = [];
  for (const m of minutes) {
    const step = advancePair(pair, at(m));
    pair = step.pair;
    if (step.detected) detected.push(step.detected);
  }
  return { pair, detected };
}

describe('interest: 3 plays of one track within 30 minutes', () => {
  it('detects three plays 30 minutes apart end to end, once', () => {
    const { detected, pair } = playAll([0, 10, 30, 31, 32]);
    assert.deepEqual(detected, [{ customerId: 7, trackId: 3, detectedAt: 30 * MIN, windowStart: 0 }]);
    assert.equal(pair?.plays, 5);
    assert.deepEqual(pair?.recent, [], 'no window state is kept after detection');
  });

  it('does not detect three plays over 31 minutes', () => {
    assert.deepEqual(playAll([0, 15, 31]).detected, []);
  });

  it('gives the same verdict whatever the arrival order', () => {
    const orders = [[0, 20, 29], [29, 0, 20], [20, 29, 0], [100, 29, 0, 20]];
    for (const order of orders) {
      assert.deepEqual(playAll(order).detected.map((d) => d.detectedAt), [29 * MIN], `order ${order.join(',')}`);
    }
  });

  it('finds a window among sparse plays (any 30 minutes, not fixed buckets)', () => {
    // Fixed half-hour buckets would split 25, 40 and 50; a sliding window does not.
    assert.deepEqual(playAll([25, 40, 50]).detected.map((d) => d.detectedAt), [50 * MIN]);
  });

  it('forgets plays older than the allowed lateness', () => {
    const { pair } = playAll([0, 5, 60 * 25]);
    assert.deepEqual(pair?.recent, [60 * 25 * MIN]);
    assert.equal(pair?.plays, 3);
  });

  it('bounds the state it keeps per pair', () => {
    const minutes = Array.from({ length: 200 }, (_, i) => i * 31);
    const { pair, detected } = playAll(minutes.filter((m) => m < DEFAULT_INTEREST_RULE.latenessMs / MIN));
    assert.deepEqual(detected, []);
    assert.ok((pair?.recent.length ?? 0) <= DEFAULT_INTEREST_RULE.maxRecent);
  });
});
