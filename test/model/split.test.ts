import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { fitScaler, standardise } from '../../src/lib/model/scaler.js';
import { seededRandom, stratifiedSplit } from '../../src/lib/model/split.js';

const items = Array.from({ length: 100 }, (_, i) => ({ id: i, label: (i % 5 === 0 ? 1 : 0) as 0 | 1 })); // 20 clickers

describe('stratified split', () => {
  it('keeps the click rate in both parts and loses nobody', () => {
    const { train, test } = stratifiedSplit(items, (x) => x.label, 0.7, 42);
    assert.equal(train.length, 70);
    assert.equal(train.filter((x) => x.label === 1).length, 14);
    assert.equal(test.filter((x) => x.label === 1).length, 6);
    assert.deepEqual([...train, ...test].map((x) => x.id).sort((a, b) => a - b), items.map((x) => x.id));
  });

  it('is the same for the same seed and differs for another', () => {
    const ids = (seed: number) => stratifiedSplit(items, (x) => x.label, 0.7, seed).test.map((x) => x.id);
    assert.deepEqual(ids(7), ids(7));
    assert.notDeepEqual(ids(7), ids(8));
  });

  it('rejects a share outside (0, 1)', () => {
    assert.throws(() => stratifiedSplit(items, (x) => x.label, 1, 1), RangeError);
  });

  it('the seeded generator gives numbers in [0, 1) and repeats', () => {
    const a = seededRandom(3);
    const b = seededRandom(3);
    for (let i = 0; i < 1000; i++) {
      const x = a();
      assert.equal(x, b());
      assert.ok(x >= 0 && x < 1);
    }
  });
});

describe('scaler', () => {
  it('centres and scales by the rows it is fitted on', () => {
    const scaler = fitScaler([[1, 5], [3, 5]]);
    assert.deepEqual(scaler, { mean: [2, 5], scale: [1, 1] }); // the constant column keeps scale 1
    assert.deepEqual(standardise(scaler, [4, 7]), [2, 2]);
  });
});
