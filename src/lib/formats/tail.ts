// Reads a growing file from a byte position, like Logstash's file input: numbered lines in batches,
// each with the position after it, so a follower can remember where it stopped.
import { createHash } from 'node:crypto';
import { open, stat } from 'node:fs/promises';
import { InputFileError } from '../errors.js';
import { decodeLine, fileProblem, lineText, withoutBom, type SourceLine } from './lines.js';
import type { FilePosition } from '../ports.js';
import { sleep } from '../sleep.js';

/** A line and the position just after it. */
export interface TailLine extends SourceLine { end: FilePosition }
export interface TailBatch { lines: TailLine[]; position: FilePosition }

export interface TailOptions {
  follow: boolean; // at the end, wait for more instead of stopping
  signal: AbortSignal;
  batchSize?: number;
  pollMs?: number;
  onTruncated?: () => void;
}

const CHUNK = 1 << 20;
const NEWLINE = 0x0a;

export async function* tailLines(path: string, from: FilePosition, options: TailOptions): AsyncGenerator<TailBatch> {
  const batchSize = options.batchSize ?? 2048;
  let handle;
  try {
    handle = await open(path, 'r');
  } catch (err) {
    throw new InputFileError(path, fileProblem(err as NodeJS.ErrnoException));
  }
  let position = { ...from };
  const buffer = Buffer.alloc(CHUNK);
  let carry = Buffer.alloc(0);
  let batch: TailLine[] = [];
  try {
    while (!options.signal.aborted) {
      const { bytesRead } = await handle.read(buffer, 0, CHUNK, position.byte + carry.length);
      if (bytesRead === 0) {
        if (!options.follow) {
          if (carry.length > 0) {
            // A last line without a final newline.
            position = push(batch, carry, position, carry.length);
            carry = Buffer.alloc(0);
          }
          break;
        }
        if (batch.length > 0) {
          yield { lines: batch, position };
          batch = [];
        }
        const size = (await stat(path)).size;
        if (size < position.byte) {
          // Truncated or replaced: start over, as tail -F does.
          options.onTruncated?.();
          position = { byte: 0, line: 0 };
          carry = Buffer.alloc(0);
        }
        await sleep(options.pollMs ?? 250, options.signal);
        continue;
      }
      const data = carry.length > 0 ? Buffer.concat([carry, buffer.subarray(0, bytesRead)]) : buffer.subarray(0, bytesRead);
      const lastNewline = data.lastIndexOf(NEWLINE);
      if (lastNewline === -1) {
        carry = Buffer.from(data);
        continue;
      }
      let start = 0;
      for (let nl = data.indexOf(NEWLINE, start); nl !== -1 && nl <= lastNewline; nl = data.indexOf(NEWLINE, start)) {
        position = push(batch, data.subarray(start, nl), position, nl + 1 - start);
        start = nl + 1;
        if (batch.length >= batchSize) {
          yield { lines: batch, position };
          batch = [];
        }
      }
      carry = Buffer.from(data.subarray(lastNewline + 1));
    }
    if (batch.length > 0) yield { lines: batch, position };
  } finally {
    await handle.close();
  }
}

/** Adds one line (without its newline) to the batch unless blank; returns the position after it. */
function push(batch: TailLine[], bytes: Buffer, at: FilePosition, consumed: number): FilePosition {
  const end = { byte: at.byte + consumed, line: at.line + 1 };
  const decoded = decodeLine(at.byte === 0 ? withoutBom(bytes) : bytes);
  const text = lineText(decoded.text);
  if (text !== null) batch.push(decoded.notUtf8 ? { lineNo: end.line, text, end, notUtf8: true } : { lineNo: end.line, text, end });
  return end;
}

/** The first line is read this far at most: a longer one is known by its start. */
const IDENTITY_BYTES = 64 * 1024;

/**
 * A file's identity, as Filebeat's fingerprint: a hash of its first line, so a file keeps it when moved or renamed
 * and grows without changing it. Null while a followed file has no complete first line yet.
 */
export async function fileIdentity(path: string, follow: boolean): Promise<string | null> {
  let handle;
  try {
    handle = await open(path, 'r');
  } catch (err) {
    throw new InputFileError(path, fileProblem(err as NodeJS.ErrnoException));
  }
  try {
    const buffer = Buffer.alloc(IDENTITY_BYTES);
    const { bytesRead } = await handle.read(buffer, 0, IDENTITY_BYTES, 0);
    const newline = buffer.subarray(0, bytesRead).indexOf(NEWLINE);
    if (newline === -1 && follow && bytesRead < IDENTITY_BYTES) return null;
    const firstLine = buffer.subarray(0, newline === -1 ? bytesRead : newline);
    return createHash('sha256').update(firstLine).digest('hex').slice(0, 32);
  } finally {
    await handle.close();
  }
}
