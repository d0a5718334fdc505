// Bytes from input files reach people's terminals only as visible escapes (issue 13, item 8).
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { printable } from '../../src/lib/cli/printable.js';
import { musicflow } from '../support/cli.js';
import { tempDir } from '../support/fixtures.js';

// Clears the screen, sets the window title, rings the bell, returns the carriage and reverses the text.
const HOSTILE = '\x1b[2J\x1b]0;pwned\x07\r\u202e';
const RAW_CONTROL = /[\x00-\x08\x0b-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069]/;

test('printable escapes control characters and keeps text, tabs and newlines', () => {
  assert.equal(printable(`a${HOSTILE}b`), 'a\\x1b[2J\\x1b]0;pwned\\x07\\x0d\\u202eb');
  assert.equal(printable('Zoë\tBeyoncé\n二'), 'Zoë\tBeyoncé\n二');
  assert.equal(printable('\x9b'), '\\x9b');
});

test('replay warnings, deadletters and input-file errors show control bytes from a file and its name as escapes', async () => {
  const dir = tempDir('musicflow-terminal-');
  const dataDir = join(dir, 'data');
  // A downloaded file's name is as much the attacker's as its lines.
  const tracks = join(dir, `tracks${HOSTILE}.csv`);
  writeFileSync(tracks, `0,48,453,"2014-10-23 03:26:20",0,"72132"\n1,48,453,"2014-10-23 03:27:20",${HOSTILE},"72132"\n`);
  const replay = await musicflow('replay', '--file', tracks, '--data-dir', dataDir);
  assert.equal(replay.code, 0, replay.stderr);
  const letters = await musicflow('deadletters', '--data-dir', dataDir);
  assert.equal(letters.code, 0, letters.stderr);
  for (const [what, text] of [['replay stderr', replay.stderr], ['deadletters stdout', letters.stdout]]) {
    assert.doesNotMatch(text, RAW_CONTROL, what);
    assert.ok(text.includes('tracks\\x1b[2J\\x1b]0;pwned\\x07'), `${what} shows the name escaped: ${text}`);
  }
  assert.ok(letters.stdout.includes('"2014-10-23 03:27:20",\\x1b[2J'), `the raw line escaped: ${letters.stdout}`);
  const wrongFile = join(dir, `wrong${HOSTILE}.csv`);
  writeFileSync(wrongFile, 'not,a,listening,log\n');
  const failed = await musicflow('seed', '--customers', wrongFile, '--data-dir', dataDir);
  assert.equal(failed.code, 1);
  assert.doesNotMatch(failed.stderr, RAW_CONTROL);
  assert.match(failed.stderr, /wrong\\x1b\[2J/);
});
