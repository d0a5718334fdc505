import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { STORE_FEATURES } from '../../src/lib/model/features.js';
import { scoreEligible } from '../../src/lib/model/scoring.js';
import { customer, profile } from './fixtures.js';

// A model that looks only at the night share (feature 3): p = sigmoid(10 * (night_share - 0.5)).
const nightModel = {
  features: [...STORE_FEATURES],
  scaler: { mean: STORE_FEATURES.map(() => 0), scale: STORE_FEATURES.map(() => 1) },
  weights: STORE_FEATURES.map((_, i) => (i === 3 ? 10 : 0)),
  intercept: -5,
  cutoff: 0.5,
};

describe('scoring', () => {
  it('scores only eligible customers with a profile and targets those predicted to click', () => {
    const nightOwl = { night: 9, morning: 1, afternoon: 0, evening: 0 };
    const customers = new Map([
      [1, customer(1)], // eligible night owl: targeted
      [2, customer(2)], // eligible, mornings: scored, not targeted
      [3, customer(3, { level: 2 })], // Gold: not scored
      [4, customer(4, { active: false })], // closed: not scored
      [5, customer(5, { level: 1 })], // Silver night owl without a profile: nothing to score
    ]);
    const profiles = [profile(1, nightOwl), profile(2, { night: 0, morning: 10, afternoon: 0, evening: 0 }), profile(3, nightOwl), profile(4, nightOwl), profile(6, nightOwl)];
    const scores = scoreEligible(nightModel, 7, profiles, customers, Date.UTC(2014, 9, 10));
    assert.deepEqual(scores.predictions.map((p) => [p.customerId, p.label, p.modelVersion]), [[1, 1, 7], [2, 0, 7]]);
    assert.ok(Math.abs(scores.predictions[0].probability - 1 / (1 + Math.exp(-4))) < 1e-12);
    assert.deepEqual(scores.targeted, [1]);
  });
});
