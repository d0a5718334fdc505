// Reads a growing file from a byte position, like Logstash's file input: numbered lines in batches,
// each with the position after it, so a follower can remember where it stopped.
import { open, stat } from 'node:fs/promises';
import { InputFileError } from './errors.js';
import type { SourceLine } from './formats/lines.js';
import { sleep } from './sleep.js';

export interface TailPosition { byte: number; line: number }
export interface TailBatch { lines: SourceLine[]; position: TailPosition }

export interface TailOptions {
  follow: boolean; // at the end, wait for more instead of stopping
  signal: AbortSignal;
  batchSize?: number;
  pollMs?: number;
  onTruncated?: () => void;
}

const CHUNK = 1 << 20;
const NEWLINE = 0x0a;

export async function* tailLines(path: string, from: TailPosition, options: TailOptions): AsyncGenerator<TailBatch> {
  const batchSize = options.batchSize ?? 2048;
  let handle;
  try {
    handle = await open(path, 'r');
  } catch (err) {
    throw new InputFileError(path, `cannot be read (${(err as NodeJS.ErrnoException).code ?? (err as Error).message}): check the path`);
  }
  let position = { ...from };
  const buffer = Buffer.alloc(CHUNK);
  let carry = Buffer.alloc(0);
  let batch: SourceLine[] = [];
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
function push(batch: SourceLine[], bytes: Buffer, at: TailPosition, consumed: number): TailPosition {
  const line = at.line + 1;
  let text = bytes.toString('utf8');
  if (at.byte === 0 && text.charCodeAt(0) === 0xfeff) text = text.slice(1);
  if (text.endsWith('\r')) text = text.slice(0, -1);
  if (text.charCodeAt(0) > 32 || text.trim() !== '') batch.push({ lineNo: line, text });
  return { byte: at.byte + consumed, line };
}
