// Commands that only read work on a data dir nobody may write, and write nothing to it; a command that must write
// where it cannot (no permission, a full disk) says so in one line naming the file and the fix (issue 13, item 10).
// Root writes through any file mode, so as root the commands run as `nobody` (setpriv); the full disk is a small
// tmpfs in a mount namespace of the command's own (unshare -m).
import assert from 'node:assert/strict';
import { execFileSync, spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { chmodSync, mkdirSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { generateDataSet } from '../../src/lib/generate/dataset.js';
import { embeddedEnv, musicflowVia, type CliResult } from '../support/cli.js';
import { processedDataDir } from '../support/data-dir.js';
import { tempDir } from '../support/fixtures.js';

const BIN = new URL('../../../bin/musicflow', import.meta.url).pathname;
const asRoot = process.getuid?.() === 0;
const AS_NOBODY = asRoot ? ['setpriv', '--reuid=65534', '--regid=65534', '--clear-groups'] : [];

function works(file: string, args: string[]): boolean {
  try {
    execFileSync(file, args, { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}

// The checkout must be readable by `nobody` for the commands to start as that user.
const cannotDropRoot = asRoot && !works(AS_NOBODY[0], [...AS_NOBODY.slice(1), process.execPath, BIN, '--version'])
  ? 'running as root without a way to run musicflow as nobody (setpriv, and a checkout nobody can read)' : false;

/** Every file of the folder with a digest of its bytes: equal before and after means nothing was written. */
function contents(folder: string): Record<string, string> {
  return Object.fromEntries(readdirSync(folder).sort().map((name) => [name, createHash('sha256').update(readFileSync(join(folder, name))).digest('hex')]));
}

/** A processed data dir whose files are 0444 and whose folder is `folderMode`, in folders anyone may enter. */
async function readOnlyDataDir(folderMode: number) {
  const { dataDir, fx } = await processedDataDir();
  chmodSync(fx.dir, 0o755);
  for (const name of readdirSync(dataDir)) chmodSync(join(dataDir, name), 0o444);
  chmodSync(dataDir, folderMode);
  return { dataDir, fx };
}

function assertNoStackTrace(result: CliResult, what: string): void {
  assert.doesNotMatch(result.stderr, /\n\s+at |\[object Object\]/, `${what}: no stack trace`);
}

/** `musicflow dashboard` started as `wrapper` says: the page's overview once it serves, then stopped. */
async function dashboardOverview(wrapper: string[], dataDir: string): Promise<{ plays: number }> {
  const [file, ...args] = [...wrapper, process.execPath, BIN, 'dashboard', '--port', '0', '--json', '--data-dir', dataDir];
  const child = spawn(file, args, { stdio: ['ignore', 'pipe', 'pipe'], env: embeddedEnv });
  try {
    let stdout = '';
    let stderr = '';
    child.stderr.on('data', (chunk) => { stderr += chunk; });
    const started = await new Promise<{ url: string }>((resolve, reject) => {
      child.stdout.on('data', (chunk) => {
        stdout += chunk;
        if (stdout.includes('\n')) resolve(JSON.parse(stdout.split('\n')[0]));
      });
      child.on('exit', (code) => reject(new Error(`dashboard exited (${code}): ${stderr}`)));
    });
    const res = await fetch(new URL('/api/overview', started.url));
    assert.equal(res.status, 200, await res.clone().text());
    return await res.json() as { plays: number };
  } finally {
    child.kill();
  }
}

test('status, deadletters, model list and the dashboard read a data dir nobody may write, and write nothing to it', { skip: cannotDropRoot }, async () => {
  // No -shm beside the files (the last writer removed it on closing) and none can be made: read from a copy in memory.
  const { dataDir, fx } = await readOnlyDataDir(0o555);
  const before = contents(dataDir);

  const status = await musicflowVia(AS_NOBODY, 'status', '--json', '--data-dir', dataDir);
  assert.equal(status.code, 0, status.stderr);
  const report = JSON.parse(status.stdout);
  assert.equal(report.counts.customers, 4);
  assert.equal(report.dead_letters.total, fx.badLines);
  for (const h of report.health) assert.match(h.detail, /\(read-only copy in memory: the folder cannot be written\)$/, h.backend);

  const letters = await musicflowVia(AS_NOBODY, 'deadletters', '--json', '--data-dir', dataDir);
  assert.equal(letters.code, 0, letters.stderr);
  assert.equal(JSON.parse(letters.stdout).total, fx.badLines);

  const models = await musicflowVia(AS_NOBODY, 'model', 'list', '--json', '--data-dir', dataDir);
  assert.equal(models.code, 0, models.stderr);

  assert.equal((await dashboardOverview(AS_NOBODY, dataDir)).plays, fx.goodEvents.length);
  assert.deepEqual(contents(dataDir), before);
});

test('read-only files in a folder the reader may write: opened read-only, the files unchanged', { skip: cannotDropRoot }, async () => {
  const { dataDir, fx } = await readOnlyDataDir(0o777);
  const before = contents(dataDir);
  const status = await musicflowVia(AS_NOBODY, 'status', '--json', '--data-dir', dataDir);
  assert.equal(status.code, 0, status.stderr);
  const report = JSON.parse(status.stdout);
  assert.equal(report.dead_letters.total, fx.badLines);
  for (const h of report.health) assert.match(h.detail, /\.db \(read-only\)$/, h.backend);
  for (const name of ['log.db', 'state.db', 'index.db']) assert.equal(contents(dataDir)[name], before[name], name);
});

test('seed or replay where nobody may write: one line naming the file and the fix, exit 1', { skip: cannotDropRoot }, async () => {
  const { dataDir, fx } = await readOnlyDataDir(0o555);
  const unmade = join(dataDir, 'new');
  const cases: Array<[string[], string]> = [
    [['seed', '--customers', fx.customers, '--data-dir', unmade],
      `error: cannot write ${unmade}/log.db (permission denied): make ${dataDir} and the files in it writable for this user, or name another folder with --data-dir`],
    [['seed', '--customers', fx.customers, '--data-dir', dataDir],
      `error: cannot write ${dataDir}/log.db (attempt to write a readonly database): make ${dataDir} and the files in it writable for this user`],
    [['replay', '--file', fx.tracks, '--again', '--data-dir', dataDir],
      `error: cannot write ${dataDir}/log.db (attempt to write a readonly database): make ${dataDir} and the files in it writable for this user`],
  ];
  for (const [args, line] of cases) {
    const result = await musicflowVia(AS_NOBODY, ...args);
    assert.equal(result.code, 1, `${args[0]}: ${result.stderr}`);
    assert.ok(result.stderr.startsWith(line), `${args.join(' ')}:\n${result.stderr}`);
    assertNoStackTrace(result, args.join(' '));
  }
});

const mountDir = tempDir('musicflow-full-disk-');
/** Runs the command with a 1 MiB tmpfs over `mountDir`, seen by it alone. */
const ON_A_SMALL_DISK = ['unshare', '-m', 'sh', '-c', 'mount -t tmpfs -o size=1m tmpfs "$0" && exec "$@"', mountDir];
const noSmallDisk = !works(ON_A_SMALL_DISK[0], [...ON_A_SMALL_DISK.slice(1), 'true'])
  ? 'cannot mount a small tmpfs in a mount namespace of its own (needs root and unshare -m)' : false;

test('seed and replay on a full disk: one line naming the file and the fix, exit 1', { skip: noSmallDisk }, async () => {
  const out = join(tempDir('musicflow-full-disk-data-'), 'generated');
  mkdirSync(out);
  // Bigger than the disk: 1.5 MB of customers, 1.4 MB of plays (more once stored).
  const data = await generateDataSet({ customers: 20_000, tracks: 500, events: 30_000, days: 3, seed: 3, start: Date.UTC(2014, 9, 20), out });
  const full = (file: string) => `error: cannot write ${mountDir}/data/${file} (the disk is full: database or disk is full): free space on that disk, or name a folder on another one with --data-dir; `
    + 'the step that failed was rolled back, so running the command again is safe';
  const cases: Array<[string[], string]> = [
    [['seed', '--customers', data.files.customers, '--data-dir', join(mountDir, 'data')], full('state.db')],
    [['replay', '--file', data.files.tracks, '--data-dir', join(mountDir, 'data')], full('log.db')],
  ];
  for (const [args, line] of cases) {
    const result = await musicflowVia(ON_A_SMALL_DISK, ...args);
    assert.equal(result.code, 1, `${args[0]}: ${result.stderr}`);
    assert.equal(result.stderr.trim(), line, args[0]);
    assertNoStackTrace(result, args[0]);
  }
});
