import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { confusionOf, evaluate, majorityBaselineError, rates, rocAuc } from '../../src/lib/model/metrics.js';

const close = (actual: number, expected: number) => assert.ok(Math.abs(actual - expected) < 1e-12, `${actual} != ${expected}`);

describe('metrics', () => {
  it('confusion matrix from labels and predictions', () => {
    assert.deepEqual(confusionOf([1, 1, 1, 0, 0, 0, 1], [1, 0, 1, 1, 0, 0, 0]), { tp: 2, fp: 1, tn: 2, fn: 2 });
  });

  it('rates of a known confusion matrix', () => {
    const r = rates({ tp: 3, fp: 1, tn: 4, fn: 2 });
    close(r.error, 0.3);
    close(r.precision, 0.75);
    close(r.recall, 0.6);
    close(r.f1, 2 / 3);
  });

  it('no predicted clicks: precision, recall and F1 are 0, error is the clickers share', () => {
    const r = rates({ tp: 0, fp: 0, tn: 8, fn: 2 });
    assert.deepEqual(r, { error: 0.2, precision: 0, recall: 0, f1: 0 });
  });

  it('ROC AUC on a tiny known case, with ties counting half', () => {
    close(rocAuc([0, 0, 1, 1], [0.1, 0.4, 0.35, 0.8]) ?? NaN, 0.75);
    close(rocAuc([0, 1, 1, 0], [0.2, 0.9, 0.8, 0.1]) ?? NaN, 1);
    close(rocAuc([1, 0], [0.5, 0.5]) ?? NaN, 0.5);
    assert.equal(rocAuc([1, 1], [0.2, 0.3]), null);
  });

  it('the baseline answers the training majority', () => {
    close(majorityBaselineError([0, 0, 1], [0, 1, 1, 1]), 0.75);
    close(majorityBaselineError([1, 1, 0], [0, 1, 1, 1]), 0.25);
  });

  it('evaluate cuts probabilities at 0.5', () => {
    const e = evaluate([1, 0, 1, 0], [0.9, 0.5, 0.2, 0.1], [0, 0, 1]);
    assert.deepEqual(e.confusion, { tp: 1, fp: 1, tn: 1, fn: 1 });
    close(e.error, 0.5);
    close(e.baselineError, 0.5);
    close(e.auc ?? NaN, 0.75); // clickers 0.9, 0.2 vs non-clickers 0.5, 0.1: 3 of 4 pairs ordered
  });
});
