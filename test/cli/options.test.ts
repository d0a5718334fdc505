// Counts, limits, ids and folders are read strictly: a value that is not one is a usage error (exit 2)
// naming the option, never rounded, never a crash in the store, never a silent default (issue 13, item 11).
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { numberOption, wholeNumberOption } from '../../src/lib/cli/kit.js';
import { musicflow } from '../support/cli.js';
import { tempDir } from '../support/fixtures.js';

test('whole-number options refuse fractions, blanks, hex and exponents', () => {
  for (const bad of ['1.5', '2.5', '', ' ', '0x10', '1e3', '-1', '+3', '3 ']) {
    assert.throws(() => wholeNumberOption('--limit', bad, 50, 0), { name: 'UsageError', message: new RegExp(`--limit: expected a whole number >= 0, got "${bad.replace('+', '\\+')}"`) });
  }
  assert.equal(wholeNumberOption('--limit', '20', 50, 1), 20);
  assert.equal(wholeNumberOption('--limit', undefined, 50, 1), 50);
  for (const bad of ['', ' ', '0x10', 'Infinity', '1e3']) assert.throws(() => numberOption('--rate', bad, 1, 0), /--rate: expected a number/);
  assert.equal(numberOption('--rate', '2.5', 1, 0), 2.5);
});

test('deadletters --limit 1.5, stream --batch 2.5, replay --limit 2.5 and --data-dir "" exit 2 naming the option', async () => {
  const dir = tempDir('musicflow-options-');
  const dataDir = join(dir, 'data');
  const tracks = join(dir, 'tracks.csv');
  writeFileSync(tracks, '0,48,453,"2014-10-23 03:26:20",0,"72132"\n1,48,453,"2014-10-23 03:27:20",0,"72132"\n2,48,453,"2014-10-23 03:28:20",0,"72132"\n');
  const cases: Array<[string[], RegExp]> = [
    [['deadletters', '--limit', '1.5', '--data-dir', dataDir], /--limit: expected a whole number/],
    [['stream', '--batch', '2.5', '--until-idle', '--data-dir', dataDir], /--batch: expected a whole number/],
    [['replay', '--file', tracks, '--limit', '2.5', '--data-dir', dataDir], /--limit: expected a whole number/],
    [['status', '--data-dir', ''], /--data-dir: empty/],
    [['ads', 'check', '0x30', '--data-dir', dataDir], /customer id: expected a whole number/],
  ];
  for (const [args, message] of cases) {
    const result = await musicflow(...args);
    assert.equal(result.code, 2, `${args.join(' ')}: ${result.stderr}`);
    assert.match(result.stderr, message, args.join(' '));
    assert.doesNotMatch(result.stderr, /\n\s+at /, `${args.join(' ')}: no stack trace`);
  }
  const replayed = await musicflow('replay', '--file', tracks, '--limit', '2', '--data-dir', dataDir, '--json');
  assert.equal(replayed.code, 0, replayed.stderr);
  assert.equal(JSON.parse(replayed.stdout).events_sent, 2);
});
