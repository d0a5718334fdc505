import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { InputFileError } from '../../src/lib/errors.js';
import { readLineBatches, type SourceLine } from '../../src/lib/formats/lines.js';
import { tempDir } from '../support/fixtures.js';

async function linesOf(content: string | Buffer, batchSize?: number): Promise<SourceLine[][]> {
  const file = join(tempDir(), 'lines.txt');
  writeFileSync(file, content);
  const batches: SourceLine[][] = [];
  for await (const batch of readLineBatches(file, batchSize)) batches.push(batch);
  return batches;
}

test('strips a BOM, reads CRLF and LF alike, and keeps physical line numbers across blank lines', async () => {
  const batches = await linesOf('\uFEFFfirst\r\nsecond\n\n  \r\nfifth\r\n\r\n');
  assert.deepEqual(batches.flat(), [
    { lineNo: 1, text: 'first' },
    { lineNo: 2, text: 'second' },
    { lineNo: 5, text: 'fifth' },
  ]);
});

test('reads a last line that has no final newline', async () => {
  assert.deepEqual((await linesOf('a\nb')).flat(), [{ lineNo: 1, text: 'a' }, { lineNo: 2, text: 'b' }]);
});

test('yields batches of at most the batch size', async () => {
  const batches = await linesOf(Array.from({ length: 7 }, (_, i) => `line ${i}`).join('\n'), 3);
  assert.deepEqual(batches.map((b) => b.length), [3, 3, 1]);
  assert.equal(batches[2][0].lineNo, 7);
});

test('keeps multi-byte characters intact', async () => {
  assert.equal((await linesOf('Beyoncé,Motörhead\n')).flat()[0].text, 'Beyoncé,Motörhead');
});

async function drain(path: string): Promise<void> {
  for await (const batch of readLineBatches(path)) void batch;
}

test('a missing file or a folder is an InputFileError naming it and the fix', async () => {
  const dir = tempDir();
  const missing = join(dir, 'nope.csv');
  await assert.rejects(drain(missing), (err: unknown) => err instanceof InputFileError && err.message.startsWith(missing) && /no such file: check the path/.test(err.message));
  await assert.rejects(drain(dir), (err: unknown) => err instanceof InputFileError && /is a folder/.test(err.message));
});

test('a line that is not UTF-8 is read as Latin-1 and flagged; the UTF-8 lines beside it are untouched', async () => {
  const content = Buffer.concat([Buffer.from('Beyoncé\n'), Buffer.from('Zoë Müller\n', 'latin1'), Buffer.from('plain')]);
  assert.deepEqual((await linesOf(content)).flat(), [
    { lineNo: 1, text: 'Beyoncé' },
    { lineNo: 2, text: 'Zoë Müller', notUtf8: true },
    { lineNo: 3, text: 'plain' },
  ]);
});

test('UTF-16 (with or without a byte-order mark) and binary files are an InputFileError saying to save as UTF-8', async () => {
  await assert.rejects(linesOf(Buffer.concat([Buffer.from([0xff, 0xfe]), Buffer.from('a,b\n', 'utf16le')])),
    (err: unknown) => err instanceof InputFileError && /is UTF-16 text: save it as UTF-8/.test(err.message));
  await assert.rejects(linesOf(Buffer.from('a,b\nc,d\n', 'utf16le')),
    (err: unknown) => err instanceof InputFileError && /holds NUL bytes in line 1/.test(err.message));
});
