// data/sample works from a clone, and is what its README's generate command writes (so it cannot drift silently).
import assert from 'node:assert/strict';
import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { musicflow } from '../support/cli.js';
import { tempDir } from '../support/fixtures.js';

const SAMPLE = fileURLToPath(new URL('../../../data/sample/', import.meta.url));
const CSV_FILES = ['clicks.csv', 'cust.csv', 'music.csv', 'tracks.csv'];

/** The generate command the README records, as arguments (its first line that starts with `musicflow generate`). */
function recordedGenerateArgs(): string[] {
  const line = readFileSync(join(SAMPLE, 'README.md'), 'utf8').split('\n').find((l) => l.startsWith('musicflow generate '));
  assert.ok(line, 'data/sample/README.md records the generate command');
  return line.split(/\s+/).slice(1);
}

test('the README\'s generate command writes data/sample byte for byte', async () => {
  const args = recordedGenerateArgs();
  const out = args.indexOf('--out');
  assert.equal(args[out + 1], 'data/sample', 'the recorded command writes data/sample');
  const dir = tempDir('musicflow-sample-');
  args[out + 1] = dir;
  const generated = await musicflow(...args);
  assert.equal(generated.code, 0, generated.stderr);
  assert.deepEqual(readdirSync(SAMPLE).filter((f) => f.endsWith('.csv')).sort(), CSV_FILES);
  for (const file of CSV_FILES) {
    assert.ok(readFileSync(join(dir, file)).equals(readFileSync(join(SAMPLE, file))), `${file}: regenerate data/sample with the README's command`);
  }
});

test('seed and replay take data/sample into a fresh data dir with nothing rejected', async () => {
  const dataDir = join(tempDir('musicflow-sample-'), 'data');
  const seeded = await musicflow('seed', '--customers', join(SAMPLE, 'cust.csv'), '--music', join(SAMPLE, 'music.csv'),
    '--clicks', join(SAMPLE, 'clicks.csv'), '--strict', '--data-dir', dataDir, '--json');
  assert.equal(seeded.code, 0, seeded.stderr);
  const seed = JSON.parse(seeded.stdout);
  assert.deepEqual([seed.customers_loaded, seed.tracks_loaded, seed.clicks_loaded, seed.rejected, seed.duplicates], [300, 200, 46, 0, 0]);

  const replayed = await musicflow('replay', '--file', join(SAMPLE, 'tracks.csv'), '--data-dir', dataDir, '--json');
  assert.equal(replayed.code, 0, replayed.stderr);
  const replay = JSON.parse(replayed.stdout);
  assert.deepEqual([replay.events_sent, replay.rejected], [3000, 0]);
});
