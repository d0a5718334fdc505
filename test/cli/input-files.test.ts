// Wrong input files stop every command with one clear line and exit 1; headers, Latin-1 and duplicates are
// handled as docs/formats.md says, and counts add up (issue 13, items 4 and 5).
import assert from 'node:assert/strict';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { EmbeddedStore } from '../../src/lib/adapters/embedded/store.js';
import { seededRandom } from '../../src/lib/model/split.js';
import { musicflow } from '../support/cli.js';
import { tempDir } from '../support/fixtures.js';

const PLAY = '0,48,453,"2014-10-23 03:26:20",0,"72132"';
const CUSTOMERS = 'CustID,Name,Gender,Address,zip,SignDate,Status,Level,Campaign,LinkedWithApps\n'
  + '0,"Gregory Koval",0,"13004 Easy Cider Point","72132","06/04/2013",1,1,1,0\n';

/** Random bytes from a fixed seed, so the file is the same on every run. */
function seededBytes(length: number, seed: number): Buffer {
  const random = seededRandom(seed);
  return Buffer.from(Array.from({ length }, () => Math.floor(random() * 256)));
}

test('replay of an empty file, cust.csv, random bytes, UTF-16 or a folder exits 1 naming the file and the reason', async () => {
  const dir = tempDir('musicflow-input-');
  const dataDir = join(dir, 'data');
  const files: Array<[string, string | Buffer, RegExp]> = [
    ['empty.csv', '', /is empty: a tracks file has lines like/],
    ['cust.csv', CUSTOMERS, /no line reads as tracks \(line 2: expected 6 fields.*Is it the right file\?/],
    ['random.bin', seededBytes(4096, 7), /(no line reads as tracks|holds NUL bytes in line 1)/],
    ['utf16.csv', Buffer.concat([Buffer.from([0xff, 0xfe]), Buffer.from(`${PLAY}\n`, 'utf16le')]), /is UTF-16 text: save it as UTF-8/],
    ['utf16-no-bom.csv', Buffer.from(`${PLAY}\n`, 'utf16le'), /holds NUL bytes in line 1/],
  ];
  for (const [name, content] of files) writeFileSync(join(dir, name), content);
  mkdirSync(join(dir, 'folder.csv'));
  files.push(['folder.csv', '', /is a folder: name a file inside it/]);
  for (const [name, , reason] of files) {
    const result = await musicflow('replay', '--file', join(dir, name), '--data-dir', dataDir);
    assert.equal(result.code, 1, `${name}: ${result.stderr}`);
    assert.match(result.stderr, new RegExp(`${name}: `), name);
    assert.match(result.stderr, reason, name);
    assert.doesNotMatch(result.stderr, /\n\s+at /, `${name}: no stack trace`);
  }
  const status = await musicflow('status', '--json', '--data-dir', dataDir);
  assert.equal(JSON.parse(status.stdout).dead_letters.total, 0, 'a refused file leaves no dead letters');
});

test('replay skips a header row in a tracks file, dead-letters nothing for it, and counts add up', async () => {
  const dir = tempDir('musicflow-input-');
  const file = join(dir, 'tracks.csv');
  writeFileSync(file, `event_id,customer_id,track_id,time,ismobile,zip\n${PLAY}\n\nbroken line\n${PLAY.replace('0,48', '1,49')}\n`);
  const result = await musicflow('replay', '--file', file, '--data-dir', join(dir, 'data'), '--json');
  assert.equal(result.code, 0, result.stderr);
  const report = JSON.parse(result.stdout);
  assert.deepEqual([report.events_sent, report.rejected, report.lines_read], [2, 1, 3]);
  assert.equal(report.events_sent + report.rejected, report.lines_read);
});

test('a Latin-1 file is read as Latin-1, with a warning and a repaired count, never as U+FFFD', async () => {
  const dir = tempDir('musicflow-input-');
  const dataDir = join(dir, 'data');
  const customers = join(dir, 'cust.csv');
  writeFileSync(customers, Buffer.from(CUSTOMERS.replace('Gregory Koval', 'Zoë Müller'), 'latin1'));
  const seeded = await musicflow('seed', '--customers', customers, '--data-dir', dataDir, '--json');
  assert.equal(seeded.code, 0, seeded.stderr);
  assert.match(seeded.stderr, /cust\.csv: 1 line is not UTF-8 and was read as Latin-1 \(Windows-1252\), counted as repaired/);
  const report = JSON.parse(seeded.stdout);
  assert.deepEqual([report.customers_loaded, report.repaired], [1, 1]);
  const store = new EmbeddedStore(dataDir);
  try {
    assert.equal((await store.getCustomers([0])).get(0)?.name, 'Zoë Müller');
  } finally {
    await store.close();
  }
});

test('seeding a file twice keeps each dead letter once; a duplicate id is not counted as loaded; counts add up', async () => {
  const dir = tempDir('musicflow-input-');
  const dataDir = join(dir, 'data');
  const customers = join(dir, 'cust.csv');
  writeFileSync(customers, CUSTOMERS
    + '1,"Ann Bold",1,"1 Main St","10001","01/15/2013",1,0,1,1\n'
    + '2,"Bad Zip",1,"2 Main St","ABCDE","01/15/2013",1,0,1,1\n'
    + '1,"Ann Again",1,"1 Main St","10001","01/15/2013",1,0,1,1\n'
    + 'not a customer\n');
  for (let run = 1; run <= 2; run++) {
    const seeded = await musicflow('seed', '--customers', customers, '--data-dir', dataDir, '--json');
    assert.equal(seeded.code, 0, seeded.stderr);
    const report = JSON.parse(seeded.stdout);
    assert.deepEqual([report.lines_read, report.customers_loaded, report.rejected, report.duplicates], [5, 2, 2, 1], `run ${run}`);
    assert.match(seeded.stderr, /cust\.csv:5: duplicate CustID 1: line 3 has it already \(the first is kept\)/);
    const status = JSON.parse((await musicflow('status', '--json', '--data-dir', dataDir)).stdout);
    assert.deepEqual(status.dead_letters, { total: 3, by_stage: { seed: 3, replay: 0, stream: 0 } }, `run ${run}`);
    assert.equal(status.counts.customers, 2);
    assert.equal(status.counts.streamDeadLetters, 0);
  }
  const store = new EmbeddedStore(dataDir);
  try {
    assert.equal((await store.getCustomers([1])).get(1)?.name, 'Ann Bold', 'the first line of an id is kept');
  } finally {
    await store.close();
  }
  const listed = JSON.parse((await musicflow('deadletters', '--json', '--data-dir', dataDir)).stdout);
  assert.equal(listed.total, 3);
  assert.deepEqual(listed.dead_letters.map((l: { line: number }) => l.line), [4, 6, 5]);
});
