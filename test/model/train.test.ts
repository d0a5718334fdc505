import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { buildExamples } from '../../src/lib/model/features.js';
import { fitAndEvaluate, NotEnoughDataError } from '../../src/lib/model/fit.js';
import { syntheticListeners } from '../../src/lib/model/synthetic.js';
import { clickProbability, fitLogistic } from '../../src/lib/model/train.js';

describe('logistic regression', () => {
  it('finds the maximum-likelihood fit of a one-feature case (group click rates 1/4 and 3/4)', () => {
    const rows = [[0], [0], [0], [0], [1], [1], [1], [1]];
    const labels: Array<0 | 1> = [1, 0, 0, 0, 1, 1, 1, 0];
    const { model, converged } = fitLogistic(rows, labels);
    assert.ok(converged);
    assert.ok(Math.abs(clickProbability(model, [0]) - 0.25) < 1e-4);
    assert.ok(Math.abs(clickProbability(model, [1]) - 0.75) < 1e-4);
  });

  it('stays finite on separable data', () => {
    const { model } = fitLogistic([[-2], [-1], [1], [2]], [0, 0, 1, 1]);
    assert.ok(Number.isFinite(model.weights[0]) && model.weights[0] > 0);
    assert.ok(clickProbability(model, [1]) > 0.99);
  });

  it('learns the synthetic click rule: beats the majority baseline, high AUC, positive weight on night share', () => {
    const data = syntheticListeners(3000, 11);
    const set = buildExamples(data.profiles, new Map(data.customers.map((c) => [c.id, c])), data.clicks, null);
    const fitted = fitAndEvaluate(set.examples, { trainShare: 0.7, seed: 1, threshold: 0.2 }, 'test');
    assert.ok(fitted.evaluation.error < fitted.evaluation.baselineError, JSON.stringify(fitted.evaluation));
    assert.ok((fitted.evaluation.auc ?? 0) > 0.9);
    assert.ok(fitted.model.weights[3] > 0); // night_share drives clicks in the synthetic rule
    assert.equal(fitted.trainRows + fitted.testRows, 3000);
  });

  it('needs clickers and non-clickers', () => {
    const rows = Array.from({ length: 10 }, (_, i) => ({ features: [i], label: (i === 0 ? 1 : 0) as 0 | 1 }));
    assert.throws(() => fitAndEvaluate(rows, { trainShare: 0.7, seed: 1, threshold: 0.1 }, 'test'), NotEnoughDataError);
  });
});
