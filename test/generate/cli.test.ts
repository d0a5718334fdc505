import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { musicflow } from '../support/cli.js';
import { tempDir } from '../support/fixtures.js';

test('generate --json writes the four files and reports one JSON object', async () => {
  const out = join(tempDir(), 'data');
  const result = await musicflow('generate', '--customers', '50', '--tracks', '40', '--events', '2000', '--days', '3', '--seed', '9', '--out', out, '--json');
  assert.equal(result.code, 0, result.stderr);
  const report = JSON.parse(result.stdout);
  assert.deepEqual(
    [report.customers, report.tracks, report.events, report.seed, report.out],
    [50, 40, 2000, 9, out],
  );
  assert.ok(Number.isInteger(report.clicks) && Number.isInteger(report.elapsed_ms));
  assert.deepEqual(report.files, {
    customers: join(out, 'cust.csv'), music: join(out, 'music.csv'), tracks: join(out, 'tracks.csv'), clicks: join(out, 'clicks.csv'),
  });
  for (const file of Object.values(report.files) as string[]) assert.ok(existsSync(file), `${file} written`);
});

test('bad sizes and dates are usage errors (exit 2) naming the option', async () => {
  const events = await musicflow('generate', '--events', '-5', '--out', tempDir());
  assert.equal(events.code, 2);
  assert.match(events.stderr, /--events: expected a whole number >= 0, got "-5"/);
  const days = await musicflow('generate', '--days', '1.5', '--out', tempDir());
  assert.equal(days.code, 2);
  assert.match(days.stderr, /--days: expected a whole number >= 1/);
  const start = await musicflow('generate', '--start', '2014-13-01', '--out', tempDir());
  assert.equal(start.code, 2);
  assert.match(start.stderr, /--start: expected a date YYYY-MM-DD, got "2014-13-01"/);
});
