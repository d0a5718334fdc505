import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { isEligible, REFERENCE_FEATURES, STORE_FEATURES } from '../../src/lib/model/features.js';
import { NotDeployableError, readModelBody, rollbackTarget } from '../../src/lib/model/registry.js';
import { loadListeners, redeploy, trainAndDeploy, trainFromLibsvm } from '../../src/lib/app/train.js';
import type { ModelRecord } from '../../src/lib/ports.js';
import type { Profile } from '../../src/lib/records.js';
import { tempDir } from '../support/fixtures.js';
import { backendsWithListeners, closeOpened } from './fixtures.js';

const record = (version: number, deployed: boolean, deployedAt: number | null): ModelRecord => ({ version, createdAt: version, deployed, deployedAt, body: {} });

describe('rollback target', () => {
  it('defaults to the model deployed before the current one', () => {
    const models = [record(1, false, 100), record(2, false, 300), record(3, true, 400), record(4, false, null)];
    assert.equal(rollbackTarget(models, null).version, 2);
    assert.equal(rollbackTarget(models, 1).version, 1);
  });

  it('says what to do when there is nothing to return to', () => {
    assert.throws(() => rollbackTarget([record(1, true, 100), record(2, false, null)], null), /no model was deployed before/);
    assert.throws(() => rollbackTarget([record(1, true, 100)], 9), /no such version/);
  });
});

describe('the model registry in the store', () => {
  after(closeOpened);

  it('round trip: what training registers reads back whole, and rollback redeploys and rescores', async () => {
    const { backends } = await backendsWithListeners(1200, 3);
    const options = { threshold: 0.5, trainShare: 0.7, seed: 1, windowMs: null };
    const v1 = await trainAndDeploy(backends.store, options);
    const someone = (await backends.store.listProfiles(-1, 1))[0].customerId;
    const firstPrediction = await backends.store.prediction(someone);
    const v2 = await trainAndDeploy(backends.store, { ...options, seed: 9 });
    assert.equal(v2.deployed, true);

    const stored = await backends.store.getModel(v1.model_version);
    assert.ok(stored);
    const body = readModelBody(stored);
    assert.deepEqual(body.features, STORE_FEATURES);
    assert.equal(body.metrics.error, v1.error);
    assert.equal(body.data.trainRows, v1.train_rows);
    assert.equal(body.gate.threshold, 0.5);
    assert.equal(body.weights.length, STORE_FEATURES.length);
    assert.deepEqual((await backends.store.listModels()).map((m) => [m.version, m.deployed]), [[v1.model_version, false], [v2.model_version, true]]);

    const target = rollbackTarget(await backends.store.listModels(), null);
    assert.equal(target.version, v1.model_version);
    const back = await redeploy(backends.store, target);
    assert.equal(back.previous_version, v2.model_version);
    assert.equal(back.scored_customers, v1.scored_customers);
    assert.equal((await backends.store.deployedModel())?.version, v1.model_version);
    assert.deepEqual(await backends.store.prediction(someone), firstPrediction);
  });

  it('a libsvm model that passes the gate is deployed and scores the store\'s customers from their profiles\' six shares', async () => {
    const { backends } = await backendsWithListeners(300, 4);
    const file = join(tempDir(), 'features.txt');
    // Clickers listen at night: a model of the reference six that learns it.
    const lines = Array.from({ length: 200 }, (_, i) => {
      const night = (i % 10) / 10;
      return `${night > 0.55 ? 1 : 0} 1:${(0.9 - night) / 3} 2:${(0.9 - night) / 3} 3:${(0.9 - night) / 3} 4:${night} 5:0.5 6:0.9`;
    });
    writeFileSync(file, `${lines.join('\n')}\nnot a libsvm line\n`);
    const rejects: number[] = [];
    const report = await trainFromLibsvm(backends.store, file, { threshold: 0.1, trainShare: 0.7, seed: 1, windowMs: null }, (l) => rejects.push(l.line ?? 0));
    assert.deepEqual(rejects, [201]);
    assert.equal(report.rejected_lines, 1);
    assert.equal(report.gate_passed, true);
    assert.equal(report.deployed, true, report.reason);
    assert.deepEqual(report.features, REFERENCE_FEATURES);
    assert.equal((await backends.store.deployedModel())?.version, report.model_version);

    // Every eligible listener is scored, and a night listener is targeted where a daytime one is not.
    const { profiles, customers } = await loadListeners(backends.store);
    const eligible = profiles.filter((p) => { const c = customers.get(p.customerId); return c && isEligible(c); });
    assert.ok(eligible.length > 0);
    assert.equal(report.scored_customers, eligible.length);
    const nightShare = (p: Profile) => p.night / p.plays;
    const byNight = [...eligible].sort((a, b) => nightShare(a) - nightShare(b));
    const [day, night] = [byNight[0], byNight[byNight.length - 1]];
    const [dayScore, nightScore] = [await backends.store.prediction(day.customerId), await backends.store.prediction(night.customerId)];
    assert.ok(dayScore && nightScore);
    assert.ok(nightScore.probability > dayScore.probability, `night ${nightShare(night)}: ${nightScore.probability}, day ${nightShare(day)}: ${dayScore.probability}`);
    assert.equal(report.targeted_customers, (await Promise.all(eligible.map((p) => backends.store.isTargeted(p.customerId)))).filter(Boolean).length);

    const stored = await backends.store.getModel(report.model_version);
    assert.ok(stored);
    assert.equal((await redeploy(backends.store, stored)).scored_customers, eligible.length);
  });

  it('a model whose features the store does not compute is never deployed', async () => {
    const { backends } = await backendsWithListeners(300, 5);
    const options = { threshold: 0.5, trainShare: 0.7, seed: 1, windowMs: null };
    const report = await trainAndDeploy(backends.store, options);
    const stored = (await backends.store.getModel(report.model_version))!;
    const foreign = { ...stored, body: { ...stored.body, features: [...(stored.body.features as string[]).slice(0, -1), 'shoe_size'] } };
    await assert.rejects(redeploy(backends.store, foreign), (err: Error) => err instanceof NotDeployableError && /shoe_size/.test(err.message));
  });
});
