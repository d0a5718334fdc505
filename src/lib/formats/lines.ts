// Streams a text file as numbered physical lines, in batches. Every reader of the reference formats sits on
// this, so line numbers in dead letters always match what an editor shows.
import { open } from 'node:fs/promises';
import { InputFileError } from '../errors.js';

export interface SourceLine {
  lineNo: number; // 1-based physical line number
  text: string;
}

/** The result of reading one line as a record: the value (and what was mended to get it), or why not. */
export type Parsed<T> = { ok: true; value: T; repaired?: string } | { ok: false; reason: string };

const BOM = 0xfeff;
const CR = 13;
const SPACE = 32;

function fileProblem(err: NodeJS.ErrnoException): string {
  switch (err.code) {
    case 'ENOENT': return 'no such file: check the path (or run `musicflow generate` to make sample data)';
    case 'EISDIR': return 'is a folder: name a file inside it';
    case 'EACCES':
    case 'EPERM': return 'permission denied: make the file readable';
    default: return `cannot be read (${err.code ?? err.message})`;
  }
}

/**
 * Yields the file's non-blank lines in batches of up to `batchSize`. Streams (never holds the whole file),
 * strips a UTF-8 BOM, accepts LF and CRLF, reads a last line without a final newline. Blank lines are
 * skipped but still counted, so numbering stays right.
 */
export async function* readLineBatches(path: string, batchSize = 2048): AsyncGenerator<SourceLine[]> {
  let handle;
  try {
    handle = await open(path, 'r');
  } catch (err) {
    throw new InputFileError(path, fileProblem(err as NodeJS.ErrnoException));
  }
  const stream = handle.createReadStream({ encoding: 'utf8', highWaterMark: 1 << 20 });
  let batch: SourceLine[] = [];
  let lineNo = 0;
  let carry = '';
  let firstChunk = true;

  const take = (text: string, start: number, end: number): void => {
    lineNo += 1;
    if (end > start && text.charCodeAt(end - 1) === CR) end -= 1;
    if (end === start) return;
    const line = text.slice(start, end);
    // Most lines start with a visible character; only the rest need the full blank test.
    if (line.charCodeAt(0) > SPACE || line.trim() !== '') batch.push({ lineNo, text: line });
  };

  try {
    const chunks: AsyncIterator<string> = stream[Symbol.asyncIterator]();
    for (;;) {
      let next: IteratorResult<string>;
      try {
        next = await chunks.next();
      } catch (err) {
        throw new InputFileError(path, fileProblem(err as NodeJS.ErrnoException));
      }
      if (next.done) break;
      let text = carry + next.value;
      if (firstChunk) {
        firstChunk = false;
        if (text.charCodeAt(0) === BOM) text = text.slice(1);
      }
      let start = 0;
      for (let nl = text.indexOf('\n'); nl !== -1; nl = text.indexOf('\n', start)) {
        take(text, start, nl);
        start = nl + 1;
        if (batch.length >= batchSize) {
          yield batch;
          batch = [];
        }
      }
      carry = text.slice(start);
    }
    if (carry !== '') take(carry, 0, carry.length);
    if (batch.length > 0) yield batch;
  } finally {
    stream.destroy();
  }
}
