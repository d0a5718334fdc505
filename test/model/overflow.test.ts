// One row with 1e308 must not register a model of nulls, and an entry the registry cannot read must not
// break `model list` for every other model (issue 13, item 3).
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { openBackends } from '../../src/lib/wiring/backends.js';
import { resolveConfig } from '../../src/lib/config.js';
import { parseLibsvmLine } from '../../src/lib/formats/libsvm.js';
import { fitAndEvaluate, OverflowingDataError } from '../../src/lib/model/fit.js';
import { readModelBody } from '../../src/lib/model/registry.js';
import { trainFromLibsvm } from '../../src/lib/app/train.js';
import { musicflow } from '../support/cli.js';
import { tempDir } from '../support/fixtures.js';
import { closeOpened, emptyBackends } from './fixtures.js';

/** 200 rows a model can learn from: the night share decides the click. */
function learnableLines(): string[] {
  return Array.from({ length: 200 }, (_, i) => {
    const night = (i % 10) / 10;
    return `${night > 0.55 ? 1 : 0} 1:${(0.9 - night) / 3} 2:${(0.9 - night) / 3} 3:${(0.9 - night) / 3} 4:${night} 5:0.5 6:0.9`;
  });
}

describe('overflowing features and unreadable models', () => {
  after(closeOpened);

  it('a libsvm value beyond ±1e12 is a rejected line, and training on the rest registers finite numbers', async () => {
    const parsed = parseLibsvmLine('1 1:1e308 2:0.2');
    assert.ok(!parsed.ok);
    assert.match(parsed.reason, /"1:1e308": the value is beyond/);
    const backends = await emptyBackends();
    const file = join(tempDir(), 'features.txt');
    writeFileSync(file, `${learnableLines().join('\n')}\n1 1:1e308 2:0.1 3:0.1 4:0.1 5:0.1 6:0.1\n`);
    const rejects: number[] = [];
    const report = await trainFromLibsvm(backends.store, file, { threshold: 0.5, trainShare: 0.7, seed: 1, windowMs: null }, (l) => rejects.push(l.line ?? 0));
    assert.deepEqual(rejects, [201]);
    const stored = await backends.store.getModel(report.model_version);
    assert.ok(stored);
    const body = readModelBody(stored);
    assert.ok([...body.scaler.mean, ...body.scaler.scale, ...body.weights, body.intercept].every(Number.isFinite));
  });

  it('a fit whose scaling or weights overflow registers nothing', () => {
    const rows = Array.from({ length: 40 }, (_, i) => ({ label: (i % 2) as 0 | 1, features: [i % 2 === 0 ? 1e200 : -1e200, 0.5] }));
    assert.throws(() => fitAndEvaluate(rows, { threshold: 0.5, trainShare: 0.7, seed: 1 }, 'test'), OverflowingDataError);
  });

  it('model list shows an entry it cannot read as unreadable and still lists the others', async () => {
    const dataDir = tempDir('musicflow-overflow-list-');
    const file = join(dataDir, 'features.txt');
    writeFileSync(file, `${learnableLines().join('\n')}\n`);
    const trained = await musicflow('train', '--libsvm', file, '--threshold', '0.5', '--data-dir', dataDir, '--json');
    assert.equal(trained.code, 0, trained.stderr);
    // A model of nulls, as JSON stores NaN and Infinity, written beside the good one.
    const direct = await openBackends(resolveConfig({ dataDir }, {}));
    const good = readModelBody((await direct.store.listModels())[0]);
    await direct.store.saveModel({ ...good, scaler: { mean: good.scaler.mean.map(() => null), scale: good.scaler.scale.map(() => null) } } as unknown as Record<string, unknown>);
    await direct.close();
    const listed = await musicflow('model', 'list', '--data-dir', dataDir, '--json');
    assert.equal(listed.code, 0, listed.stderr);
    const models = JSON.parse(listed.stdout).models as Array<{ version: number; readable: boolean; problem?: string }>;
    assert.deepEqual(models.map((m) => [m.version, m.readable]), [[1, true], [2, false]]);
    assert.match(models[1].problem ?? '', /model v2 in the registry is not a logistic-regression model this version can read/);
    const human = await musicflow('model', 'list', '--data-dir', dataDir);
    assert.equal(human.code, 0, human.stderr);
    assert.match(human.stdout, /v2 .* unreadable: /);
  });
});
