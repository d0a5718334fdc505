import assert from 'node:assert/strict';
import { after, describe, it } from 'node:test';
import { DecidedToday, checkOffer } from '../../src/lib/model/offer.js';
import { closeOpened, customer, emptyBackends } from './fixtures.js';

describe('ads check: show the offer now?', () => {
  after(closeOpened);

  it('answers from the customer record and the deployed model\'s prediction', async () => {
    const { store } = await emptyBackends();
    await store.upsertCustomers([customer(1), customer(2), customer(3, { level: 2 }), customer(4, { active: false }), customer(5)]);
    assert.equal((await checkOffer(store, 1)).reason, 'no_model_deployed');
    const model = await store.saveModel({ kind: 'logistic-regression' });
    await store.deployModel(model.version, [
      { customerId: 1, probability: 0.9, label: 1, modelVersion: model.version },
      { customerId: 2, probability: 0.2, label: 0, modelVersion: model.version },
      { customerId: 3, probability: 0.8, label: 1, modelVersion: model.version }, // became Gold since scoring
    ], [1, 3]);
    const yes = await checkOffer(store, 1);
    assert.deepEqual({ show: yes.show_offer, reason: yes.reason, p: yes.probability, v: yes.model_version, level: yes.level },
      { show: true, reason: 'predicted_click', p: 0.9, v: model.version, level: 'Free' });
    const reasons = await Promise.all([2, 3, 4, 5, 99].map(async (id) => [(await checkOffer(store, id)).show_offer, (await checkOffer(store, id)).reason]));
    assert.deepEqual(reasons, [[false, 'predicted_no_click'], [false, 'already_gold'], [false, 'inactive'], [false, 'not_scored'], [false, 'unknown_customer']]);
  });

  it('records a customer\'s day once per server: concurrent accesses share one write, a later day writes again', async () => {
    const decided = new DecidedToday(2);
    const day = Date.UTC(2026, 11, 3, 9);
    const writes: number[] = [];
    let release: () => void = () => {};
    const gate = new Promise<void>((resolve) => { release = resolve; });
    const record = (id: number, answer = true) => async () => { writes.push(id); await gate; return answer; };
    const first = Promise.all([decided.recordOnce(1, day, record(1)), decided.recordOnce(1, day + 1, record(1)), decided.recordOnce(2, day, record(2, false))]);
    release();
    assert.deepEqual(await first, [true, false, false]);
    assert.deepEqual(writes, [1, 2]);
    assert.equal(await decided.recordOnce(1, day + 2, record(1)), false, 'known recorded: no write');
    assert.equal(await decided.recordOnce(2, day + 2, record(2)), false, 'decided elsewhere (the store said so): no write either');
    assert.deepEqual(writes, [1, 2]);
    assert.equal(await decided.recordOnce(3, day, record(3)), true); // past the bound of 2: it starts over
    assert.equal(await decided.recordOnce(1, day, record(1, false)), false);
    assert.deepEqual(writes, [1, 2, 3, 1]);
    assert.equal(await decided.recordOnce(1, day + 86_400_000, record(1)), true, 'the next day');
    assert.deepEqual(writes, [1, 2, 3, 1, 1]);
  });
});
