import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { LatencyHistogram } from '../../src/lib/latency.js';

describe('latency histogram', () => {
  it('answers percentiles to the millisecond', () => {
    const h = new LatencyHistogram();
    assert.equal(h.percentile(0.5), null);
    for (let ms = 1; ms <= 100; ms++) h.record(ms);
    assert.deepEqual(h.summary(), { p50: 50, p99: 99, max: 100, samples: 100 });
  });

  it('clamps what it cannot hold: negative to 0, over a minute to a minute', () => {
    const h = new LatencyHistogram();
    h.record(-5);
    h.record(10 * 60_000);
    assert.deepEqual(h.summary(), { p50: 0, p99: 60_000, max: 60_000, samples: 2 });
  });
});
