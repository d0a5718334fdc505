import assert from 'node:assert/strict';
import { test } from 'node:test';
import { ageBand, DERIVED_AGE_DISTRIBUTION, derivedAge } from '../../src/lib/demographics.js';

test('derived ages are a stable function of the id', () => {
  const first = Array.from({ length: 50 }, (_, id) => derivedAge(id));
  assert.deepEqual(Array.from({ length: 50 }, (_, id) => derivedAge(id)), first);
  assert.ok(new Set(first).size > 10, 'ids spread over many ages');
});

test('derived ages follow the documented distribution', () => {
  const ids = 100_000;
  const counts = DERIVED_AGE_DISTRIBUTION.map(() => 0);
  for (let id = 0; id < ids; id++) {
    const age = derivedAge(id);
    const range = DERIVED_AGE_DISTRIBUTION.findIndex((r) => age >= r.from && age <= r.to);
    assert.ok(range !== -1, `age ${age} of id ${id} lies in a documented range`);
    counts[range] += 1;
  }
  DERIVED_AGE_DISTRIBUTION.forEach((range, i) => {
    assert.ok(Math.abs(counts[i] / ids - range.share) < 0.01, `${range.from}-${range.to}: ${counts[i] / ids} vs ${range.share}`);
  });
});

test('age bands have the records.ts boundaries', () => {
  assert.deepEqual([13, 17, 18, 24, 25, 34, 35, 44, 45, 54, 55, 64, 65, 99].map(ageBand),
    ['<18', '<18', '18-24', '18-24', '25-34', '25-34', '35-44', '35-44', '45-54', '45-54', '55-64', '55-64', '65+', '65+']);
});
