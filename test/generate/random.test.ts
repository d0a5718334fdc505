import assert from 'node:assert/strict';
import { test } from 'node:test';
import { generateCatalogue } from '../../src/lib/generate/catalogue.js';
import { hourlyQuotas } from '../../src/lib/generate/listening.js';
import { apportion, Random, WeightedPicker } from '../../src/lib/generate/random.js';

test('apportion splits a total exactly, in proportion', () => {
  assert.deepEqual(apportion([1, 1, 1], 10), [4, 3, 3]);
  assert.deepEqual(apportion([3, 1], 8), [6, 2]);
  assert.deepEqual(apportion([0.2, 0.5, 0.3], 0), [0, 0, 0]);
  const parts = apportion([5, 0.001, 2.5, 7], 1001);
  assert.equal(parts.reduce((a, b) => a + b), 1001);
});

test('hourly quotas cover every hour of the period and sum to the events asked for', () => {
  const quotas = hourlyQuotas(Date.UTC(2014, 9, 1), 7, 123_457);
  assert.equal(quotas.length, 7 * 24);
  assert.equal(quotas.reduce((a, b) => a + b), 123_457);
});

test('the weighted picker draws in proportion and never picks a zero weight', () => {
  const random = new Random(1, 1);
  const picker = new WeightedPicker([1, 0, 3]);
  const counts = [0, 0, 0];
  for (let i = 0; i < 40_000; i++) counts[picker.pick(random)] += 1;
  assert.equal(counts[1], 0);
  assert.ok(Math.abs(counts[2] / counts[0] - 3) < 0.2, `ratio ${counts[2] / counts[0]}`);
});

test('streams of one seed differ from each other and from other seeds', () => {
  const draw = (seed: number, stream: number): number[] => {
    const random = new Random(seed, stream);
    return Array.from({ length: 5 }, () => random.next());
  };
  assert.deepEqual(draw(7, 1), draw(7, 1));
  assert.notDeepEqual(draw(7, 1), draw(7, 2));
  assert.notDeepEqual(draw(7, 1), draw(8, 1));
});

test('the catalogue: exact size, sorted by artist, a few hits and a long tail', () => {
  const catalogue = generateCatalogue(700, new Random(3, 2));
  assert.equal(catalogue.tracks.length, 700);
  assert.ok(catalogue.tracks.every((t, i) => t.id === i && (i === 0 || catalogue.tracks[i - 1].artist <= t.artist)));
  assert.equal(catalogue.byArtist.flat().length, 700);
  const random = new Random(3, 9);
  const plays = new Array(700).fill(0);
  for (let i = 0; i < 70_000; i++) plays[catalogue.popularity.pick(random)] += 1;
  const sorted = [...plays].sort((a, b) => b - a);
  const top10 = sorted.slice(0, 10).reduce((a, b) => a + b) / 70_000;
  const bottomHalf = sorted.slice(350).reduce((a, b) => a + b) / 70_000;
  assert.ok(top10 > 0.25 && bottomHalf > 0.03 && bottomHalf < 0.2, `top 10 tracks take ${top10} of plays, the bottom 350 ${bottomHalf}`);
});
