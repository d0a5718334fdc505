// Streams a text file as numbered physical lines, in batches. Every reader of the reference formats sits on
// this, so line numbers in dead letters always match what an editor shows, and every reader decodes alike.
import { isUtf8 } from 'node:buffer';
import { open } from 'node:fs/promises';
import { InputFileError } from '../errors.js';

export interface SourceLine {
  lineNo: number; // 1-based physical line number
  text: string;
  notUtf8?: true; // the line's bytes were not UTF-8: read as Latin-1 (see decodeLine)
}

/** The result of reading one line as a record: the value (and what was mended to get it), or why not. */
export type Parsed<T> = { ok: true; value: T; repaired?: string } | { ok: false; reason: string };

const CR = 13;
const SPACE = 32;
const NEWLINE = 0x0a;
const UTF8_BOM = Buffer.from([0xef, 0xbb, 0xbf]);

export function fileProblem(err: NodeJS.ErrnoException): string {
  switch (err.code) {
    case 'ENOENT': return 'no such file: check the path (or run `musicflow generate` to make sample data)';
    case 'EISDIR': return 'is a folder: name a file inside it';
    case 'EACCES':
    case 'EPERM': return 'permission denied: make the file readable';
    default: return `cannot be read (${err.code ?? err.message})`;
  }
}

/**
 * Why a file whose first bytes these are is not text musicflow reads, or null. UTF-16 (with a byte-order
 * mark, or without one: then ASCII letters alternate with NUL bytes) and binary files hold NULs in their
 * first line, which no text line does.
 */
export function encodingProblem(head: Buffer): string | null {
  if ((head[0] === 0xff && head[1] === 0xfe) || (head[0] === 0xfe && head[1] === 0xff)) {
    return 'is UTF-16 text: save it as UTF-8 (musicflow reads UTF-8, and Latin-1 line by line)';
  }
  const firstLineEnd = head.indexOf(NEWLINE);
  if (head.subarray(0, firstLineEnd === -1 ? head.length : firstLineEnd).includes(0)) {
    return 'holds NUL bytes in line 1: it is binary, or UTF-16/UTF-32 text; save it as UTF-8';
  }
  return null;
}

/** Strips a UTF-8 byte-order mark from a file's first bytes. */
export function withoutBom(head: Buffer): Buffer {
  return head.subarray(0, 3).equals(UTF8_BOM) ? head.subarray(3) : head;
}

const windows1252 = new TextDecoder('windows-1252');
export const LATIN1_REPAIR = 'not UTF-8: read as Latin-1 (Windows-1252)';

/** The warning for a file with lines that were not UTF-8, said once per file by every command that reads one. */
export const latin1Warning = (file: string, lines: number): string =>
  `${file}: ${lines} line${lines === 1 ? ' is' : 's are'} not UTF-8 and ${lines === 1 ? 'was' : 'were'} read as Latin-1 (Windows-1252), `
  + 'counted as repaired: check accented names, or save the file as UTF-8';

/**
 * One line's bytes as text. UTF-8 is the format; a line that is not valid UTF-8 is read as Latin-1 (the
 * Windows-1252 superset spreadsheets export) and says so, rather than storing U+FFFD for every accent.
 */
export function decodeLine(bytes: Buffer): { text: string; notUtf8?: true } {
  return isUtf8(bytes) ? { text: bytes.toString('utf8') } : { text: windows1252.decode(bytes), notUtf8: true };
}

/** A line without its CR; blank lines (spaces and tabs only) give null. */
export function lineText(text: string): string | null {
  if (text.charCodeAt(text.length - 1) === CR) text = text.slice(0, -1);
  if (text === '') return null;
  // Most lines start with a visible character; only the rest need the full blank test.
  return text.charCodeAt(0) > SPACE || text.trim() !== '' ? text : null;
}

/**
 * Yields the file's non-blank lines in batches of up to `batchSize`. Streams (never holds the whole file),
 * strips a UTF-8 BOM, accepts LF and CRLF, reads a last line without a final newline. Blank lines are
 * skipped but still counted, so numbering stays right. UTF-16 and binary files are an InputFileError.
 */
export async function* readLineBatches(path: string, batchSize = 2048): AsyncGenerator<SourceLine[]> {
  let handle;
  try {
    handle = await open(path, 'r');
  } catch (err) {
    throw new InputFileError(path, fileProblem(err as NodeJS.ErrnoException));
  }
  const stream = handle.createReadStream({ highWaterMark: 1 << 20 });
  let batch: SourceLine[] = [];
  let lineNo = 0;
  let carry: Buffer = Buffer.alloc(0);
  let firstChunk = true;

  const take = (text: string, notUtf8?: true): void => {
    lineNo += 1;
    const line = lineText(text);
    if (line === null) return;
    batch.push(notUtf8 ? { lineNo, text: line, notUtf8 } : { lineNo, text: line });
  };

  try {
    const chunks: AsyncIterator<Buffer> = stream[Symbol.asyncIterator]();
    for (;;) {
      let next: IteratorResult<Buffer>;
      try {
        next = await chunks.next();
      } catch (err) {
        throw new InputFileError(path, fileProblem(err as NodeJS.ErrnoException));
      }
      if (next.done) break;
      let data = carry.length > 0 ? Buffer.concat([carry, next.value]) : next.value;
      if (firstChunk) {
        firstChunk = false;
        const problem = encodingProblem(data);
        if (problem !== null) throw new InputFileError(path, problem);
        data = withoutBom(data);
      }
      const complete = data.lastIndexOf(NEWLINE) + 1;
      const whole = data.subarray(0, complete);
      carry = Buffer.from(data.subarray(complete));
      if (isUtf8(whole)) {
        // The usual case: decode the chunk at once, then split it.
        const text = whole.toString('utf8');
        let start = 0;
        for (let nl = text.indexOf('\n'); nl !== -1; nl = text.indexOf('\n', start)) {
          take(text.slice(start, nl));
          start = nl + 1;
          if (batch.length >= batchSize) {
            yield batch;
            batch = [];
          }
        }
      } else {
        let start = 0;
        for (let nl = whole.indexOf(NEWLINE); nl !== -1; nl = whole.indexOf(NEWLINE, start)) {
          const { text, notUtf8 } = decodeLine(whole.subarray(start, nl));
          take(text, notUtf8);
          start = nl + 1;
          if (batch.length >= batchSize) {
            yield batch;
            batch = [];
          }
        }
      }
    }
    if (carry.length > 0) {
      // A last line without a final newline.
      const { text, notUtf8 } = decodeLine(carry);
      take(text, notUtf8);
    }
    if (batch.length > 0) yield batch;
  } finally {
    stream.destroy();
  }
}
