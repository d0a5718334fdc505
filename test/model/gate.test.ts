import assert from 'node:assert/strict';
import { after, describe, it } from 'node:test';
import { applyGate } from '../../src/lib/model/gate.js';
import { trainAndDeploy } from '../../src/lib/app/train.js';
import { backendsWithListeners, closeOpened } from './fixtures.js';

describe('the gate', () => {
  it('passes at or under the threshold and below the baseline', () => {
    assert.equal(applyGate(0.05, 0.15, 0.1).passed, true);
    assert.equal(applyGate(0.1, 0.15, 0.1).passed, true);
  });

  it('rejects above the threshold, or not below the majority baseline', () => {
    const above = applyGate(0.12, 0.2, 0.1);
    assert.equal(above.passed, false);
    assert.match(above.reason, /above the threshold/);
    const baseline = applyGate(0.08, 0.08, 0.1);
    assert.equal(baseline.passed, false);
    assert.match(baseline.reason, /baseline/);
  });
});

describe('training against the store', () => {
  after(closeOpened);

  it('a threshold below the achieved error rejects the model and keeps the deployed one and its predictions', async () => {
    const { backends } = await backendsWithListeners(1500, 5);
    const first = await trainAndDeploy(backends.store, { threshold: 0.5, trainShare: 0.7, seed: 1, windowMs: null });
    assert.equal(first.deployed, true, first.reason);
    assert.ok(first.error > 0 && first.error < first.baseline_error);
    assert.ok(first.scored_customers > 0 && first.targeted_customers > 0);
    const someone = (await backends.store.listProfiles(-1, 1))[0].customerId;
    const before = await backends.store.prediction(someone);

    const second = await trainAndDeploy(backends.store, { threshold: first.error / 2, trainShare: 0.7, seed: 2, windowMs: null });
    assert.equal(second.gate_passed, false);
    assert.equal(second.deployed, false);
    assert.equal(second.previous_model_version, first.model_version);
    assert.match(second.reason, new RegExp(`model v${first.model_version} stays deployed`));
    assert.equal((await backends.store.deployedModel())?.version, first.model_version);
    assert.deepEqual(await backends.store.prediction(someone), before);
    assert.equal((await backends.store.listModels()).length, 2); // the rejected model is registered, for the record
  });
});
