// A damaged data file is named, called damaged, and the way back given, in one line on every command and on
// the dashboard; never "[object Object]", "undefined" or a stack trace (issue 13, item 9).
import assert from 'node:assert/strict';
import { cpSync, readFileSync, truncateSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import type { Backends } from '../../src/lib/app/backends.js';
import { openBackends } from '../../src/lib/wiring/backends.js';
import { resolveConfig } from '../../src/lib/config.js';
import { startDashboard } from '../../src/lib/dashboard/server.js';
import { DamagedFileError } from '../../src/lib/errors.js';
import { EmbeddedStore } from '../../src/lib/adapters/embedded/store.js';
import { ThreadedIndex } from '../../src/lib/adapters/embedded/index-thread.js';
import { musicflow, musicflowVia, type CliResult } from '../support/cli.js';
import { processedDataDir } from '../support/data-dir.js';
import { tempDir } from '../support/fixtures.js';

/** A copy of the data dir with one file damaged: cut short (as by a full disk or a copy stopped midway), or overwritten. */
function damagedCopy(dataDir: string, file: string, how: 'truncated' | 'overwritten'): string {
  const copy = join(tempDir('musicflow-damaged-'), 'data');
  cpSync(dataDir, copy, { recursive: true });
  if (how === 'truncated') truncateSync(join(copy, file), 5000);
  else writeFileSync(join(copy, file), Buffer.alloc(8192, 'not a database '));
  return copy;
}

/** Every page after the first overwritten: SQLite opens the file and meets the damage at a later query. */
function damagePagesAfterTheFirst(path: string): void {
  const image = readFileSync(path);
  image.fill(0xff, 4096);
  writeFileSync(path, image);
}

const REMEDY: Record<string, RegExp> = {
  'index.db': /the index can be rebuilt from the log: move it aside and run `musicflow stream --from-beginning`/,
  'log.db': /it holds the plays as sent.*restore it from a backup; otherwise move log\.db, state\.db and index\.db aside/,
  'state.db': /it holds the seeded customers.*restore it from a backup; otherwise move it aside and rebuild it: `musicflow seed`/,
};

function assertOneClearLine(result: CliResult, path: string, file: string, what: string): void {
  assert.equal(result.code, 1, `${what}: ${result.stderr}`);
  const lines = result.stderr.trim().split('\n').filter((l) => l.startsWith('error:'));
  assert.equal(lines.length, 1, `${what}: one error line: ${result.stderr}`);
  assert.ok(lines[0].startsWith(`error: ${path} is damaged (`), `${what}: names the file first: ${lines[0]}`);
  assert.match(lines[0], /\((database disk image is malformed|file is not a database)\)/, what);
  assert.match(lines[0], REMEDY[file], `${what}: says what to do`);
  assert.doesNotMatch(result.stderr, /\n\s+at |\[object Object\]|undefined/, `${what}: no stack trace, no [object Object]`);
}

test('a truncated or overwritten index.db, log.db or state.db: status, stream, deadletters and dashboard name it, call it damaged and say what to do', async () => {
  const { dataDir } = await processedDataDir();
  const cases: Array<[string, 'truncated' | 'overwritten', string[][]]> = [
    ['index.db', 'truncated', [['status'], ['stream', '--until-idle', '--from-beginning'], ['dashboard', '--port', '0']]],
    ['index.db', 'overwritten', [['status']]],
    ['log.db', 'truncated', [['status'], ['deadletters']]],
    ['state.db', 'truncated', [['stream', '--until-idle']]],
    ['state.db', 'overwritten', [['status']]],
  ];
  for (const [file, how, commands] of cases) {
    const copy = damagedCopy(dataDir, file, how);
    for (const args of commands) {
      // A dashboard that started in spite of the damage would serve until stopped: `timeout` ends it (exit 124).
      const result = args[0] === 'dashboard' ? await musicflowVia(['timeout', '30'], ...args, '--data-dir', copy) : await musicflow(...args, '--data-dir', copy);
      assertOneClearLine(result, join(copy, file), file, `${how} ${file}: ${args.join(' ')}`);
    }
  }
});

test('damage met after opening, on the main thread or in the index worker, is the same named error', async () => {
  const { dataDir } = await processedDataDir();
  const statePath = join(dataDir, 'state.db');
  damagePagesAfterTheFirst(statePath);
  const store = new EmbeddedStore(dataDir, { readOnly: true });
  try {
    await assert.rejects(store.counts(), (err: unknown) => err instanceof DamagedFileError && err.file === statePath && REMEDY['state.db'].test(err.message));
  } finally {
    await store.close();
  }
  const indexPath = join(dataDir, 'index.db');
  truncateSync(indexPath, 5000);
  const index = new ThreadedIndex(dataDir);
  try {
    // Across the thread boundary: the class, the file and the message arrive whole.
    await assert.rejects(index.totals({}), (err: unknown) => err instanceof DamagedFileError && err.file === indexPath
      && err.message.startsWith(`${indexPath} is damaged (database disk image is malformed): the index can be rebuilt`));
  } finally {
    await index.close();
  }
});

test('the dashboard answers 503 with the damaged file\'s message when a read meets the damage after it started', async () => {
  const backends = await openBackends(resolveConfig({ dataDir: (await processedDataDir()).dataDir }, {}));
  const index: Backends['index'] = Object.create(backends.index);
  const damage = new DamagedFileError('/data/index.db', 'database disk image is malformed', 'the index can be rebuilt from the log');
  const dashboard = await startDashboard({ ...backends, index }, { port: 0, host: '127.0.0.1', onError: (err) => assert.fail(`logged as a bug: ${err.message}`) });
  try {
    index.totals = async () => { throw damage; };
    const res = await fetch(new URL('/api/overview', dashboard.url));
    assert.equal(res.status, 503);
    assert.deepEqual(await res.json(), { error: damage.message });
  } finally {
    await dashboard.close();
    await backends.close();
  }
});
