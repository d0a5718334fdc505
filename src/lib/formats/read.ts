// The one reader seed and train use: a file of a given kind -> batches of line-numbered records plus dead
// letters for every line that cannot be read. Header rows are recognised and skipped. A file that is missing,
// empty, or of which no line reads as the kind asked for is an InputFileError naming the fix (proveKind,
// which replay applies too before it tails a file).
import { resolve } from 'node:path';
import { InputFileError } from '../errors.js';
import type { Click, Customer, DeadLetter, LabeledRow, PlayEvent, Track } from '../records.js';
import { CLICKS_HEADER, clickColumns, parseClickLine, REFERENCE_CLICK_COLUMNS } from './clicks.js';
import { splitCsvLine } from './csv.js';
import { CUSTOMERS_HEADER, customerColumns, parseCustomerLine, REFERENCE_CUSTOMER_COLUMNS } from './customers.js';
import { joinRepairs, looksLikeHeader } from './fields.js';
import { parseLibsvmLine } from './libsvm.js';
import { LATIN1_REPAIR, readLineBatches, type Parsed, type SourceLine } from './lines.js';
import { MUSIC_HEADER, parseMusicLine } from './music.js';
import { isTrackHeader, parseTrackLine, TRACKS_FIELDS } from './tracks.js';

export type FormatKind = 'tracks' | 'customers' | 'music' | 'clicks' | 'libsvm';

export interface RecordValue<T> {
  lineNo: number;
  value: T;
  raw: string;
  repaired?: string; // what was mended to read this line
}

/** Every non-blank line of a batch is in exactly one of values, rejects, duplicates and headers. */
export interface RecordBatch<T> {
  values: Array<RecordValue<T>>;
  rejects: DeadLetter[];
  /** Lines that read, but whose id an earlier line of the file has: the first is kept, these are dead letters. */
  duplicates: DeadLetter[];
  repaired: number; // how many of `values` needed a repair
  notUtf8: number; // lines (of any of the above) read as Latin-1
  headers: number; // header rows skipped
}

/** What each kind looks like, for the error that says a file is not of that kind. */
export const FORMAT_SHAPES: Record<FormatKind, string> = {
  tracks: `lines like 0,48,453,"2014-10-23 03:26:20",0,"72132" (${TRACKS_FIELDS}, no header)`,
  customers: `the header ${CUSTOMERS_HEADER}`,
  music: `the header ${MUSIC_HEADER}`,
  clicks: `the header ${CLICKS_HEADER}`,
  libsvm: 'lines like "0 1:0.24 2:0.23 3:0.24 4:0.28 5:0.50 6:0.96"',
};

type LineParser<T> = (text: string) => Parsed<T>;

interface Opening<T> {
  skipFirst: boolean; // the first line is a header
  parse: LineParser<T>;
}

/** Looks at the first non-blank line: is it a header, and how are the rows laid out? */
function opening(kind: FormatKind, file: string, first: SourceLine, asOf: number): Opening<unknown> {
  switch (kind) {
    case 'tracks':
      return { skipFirst: !parseTrackLine(first.text).ok && isTrackHeader(first.text), parse: parseTrackLine };
    case 'music':
      return { skipFirst: !parseMusicLine(first.text).ok && looksLikeHeader(splitCsvLine(first.text).fields), parse: parseMusicLine };
    case 'customers': {
      const fields = splitCsvLine(first.text).fields;
      const columns = looksLikeHeader(fields) ? customerColumns(file, fields) : REFERENCE_CUSTOMER_COLUMNS;
      return { skipFirst: columns !== REFERENCE_CUSTOMER_COLUMNS, parse: (text) => parseCustomerLine(text, columns, asOf) };
    }
    case 'clicks': {
      const fields = splitCsvLine(first.text).fields;
      const columns = looksLikeHeader(fields) ? clickColumns(file, fields) : REFERENCE_CLICK_COLUMNS;
      return { skipFirst: columns !== REFERENCE_CLICK_COLUMNS, parse: (text) => parseClickLine(text, columns) };
    }
    case 'libsvm':
      return { skipFirst: false, parse: parseLibsvmLine };
  }
}

/** Leading lines tried before deciding a file is of another kind, when none of them reads. */
const UNPROVEN_LIMIT = 10_000;

/** How a file of this kind is read, once some line of it has read as the kind. */
export interface KindProof {
  parse: LineParser<unknown>;
  headerLine: number | null; // the header row skipped, if any
}

/**
 * The "wrong file" rule, for every command that reads a file: reads the leading lines until one reads as
 * `kind`. A missing or empty file, a header with no records, or a file of which none of the first 10,000
 * lines reads is an InputFileError naming the file, the first line's problem and the shape expected. A
 * `growing` file (followed as it is written) may have no records yet: then the result is null.
 */
export function proveKind(path: string, kind: FormatKind, asOf: number): Promise<KindProof>;
export function proveKind(path: string, kind: FormatKind, asOf: number, growing: boolean): Promise<KindProof | null>;
export async function proveKind(path: string, kind: FormatKind, asOf: number, growing = false): Promise<KindProof | null> {
  let open: Opening<unknown> | null = null;
  let headerLine: number | null = null;
  let tried = 0;
  let firstReason = '';
  const notThisKind = (detail: string): InputFileError => new InputFileError(path,
    `${detail}. Is it the right file? A ${kind} file has ${FORMAT_SHAPES[kind]}`);

  for await (const lines of readLineBatches(path, 256)) {
    for (const line of lines) {
      if (open === null) {
        open = opening(kind, path, line, asOf);
        if (open.skipFirst) {
          headerLine = line.lineNo;
          continue;
        }
      }
      const read = open.parse(line.text);
      if (read.ok) return { parse: open.parse, headerLine };
      if (firstReason === '') firstReason = `line ${line.lineNo}: ${read.reason}`;
      tried += 1;
      if (tried >= UNPROVEN_LIMIT) throw notThisKind(`none of the first ${tried} lines reads as ${kind} (${firstReason})`);
    }
  }
  if (firstReason !== '') throw notThisKind(`no line reads as ${kind} (${firstReason})`);
  if (growing) return null;
  if (open === null) throw new InputFileError(path, `is empty: a ${kind} file has ${FORMAT_SHAPES[kind]}`);
  throw notThisKind('has a header but no records');
}

/** Kinds whose records have an id that names one thing: a second line with the same id is a duplicate. */
const UNIQUE_IDS: Partial<Record<FormatKind, { column: string; of: (value: never) => number }>> = {
  customers: { column: 'CustID', of: (c: Customer) => c.id },
  music: { column: 'TrackId', of: (t: Track) => t.id },
  clicks: { column: 'EventID', of: (c: Click) => c.eventId },
};

export function readRecords(path: string, kind: 'tracks', stage: DeadLetter['stage'], batchSize?: number): AsyncGenerator<RecordBatch<PlayEvent>>;
export function readRecords(path: string, kind: 'customers', stage: DeadLetter['stage'], batchSize?: number): AsyncGenerator<RecordBatch<Customer>>;
export function readRecords(path: string, kind: 'music', stage: DeadLetter['stage'], batchSize?: number): AsyncGenerator<RecordBatch<Track>>;
export function readRecords(path: string, kind: 'clicks', stage: DeadLetter['stage'], batchSize?: number): AsyncGenerator<RecordBatch<Click>>;
export function readRecords(path: string, kind: 'libsvm', stage: DeadLetter['stage'], batchSize?: number): AsyncGenerator<RecordBatch<LabeledRow>>;
export async function* readRecords(path: string, kind: FormatKind, stage: DeadLetter['stage'], batchSize = 2048): AsyncGenerator<RecordBatch<unknown>> {
  const asOf = Date.now(); // a BirthDate's age is taken on the day the file is read
  const { parse, headerLine } = await proveKind(path, kind, asOf);
  const unique = UNIQUE_IDS[kind] as { column: string; of: (value: unknown) => number } | undefined;
  const firstLineOfId = new Map<number, number>();
  const source = resolve(path); // dead letters name the file wherever the command ran, as replay's do

  for await (const lines of readLineBatches(path, batchSize)) {
    const batch: RecordBatch<unknown> = { values: [], rejects: [], duplicates: [], repaired: 0, notUtf8: 0, headers: 0 };
    let at = 0;
    const letter = (lineNo: number, raw: string, reason: string): DeadLetter => {
      if (at === 0) at = Date.now();
      return { source, line: lineNo, reason, raw, stage, at };
    };
    for (const line of lines) {
      if (line.lineNo === headerLine) {
        batch.headers += 1;
        continue;
      }
      if (line.notUtf8) batch.notUtf8 += 1;
      const read = parse(line.text);
      if (!read.ok) {
        batch.rejects.push(letter(line.lineNo, line.text, read.reason));
        continue;
      }
      if (unique !== undefined) {
        const id = unique.of(read.value);
        const first = firstLineOfId.get(id);
        if (first !== undefined) {
          batch.duplicates.push(letter(line.lineNo, line.text, `duplicate ${unique.column} ${id}: line ${first} has it already (the first is kept)`));
          continue;
        }
        firstLineOfId.set(id, line.lineNo);
      }
      const repaired = joinRepairs(line.notUtf8 ? LATIN1_REPAIR : undefined, read.repaired);
      if (repaired !== undefined) {
        batch.values.push({ lineNo: line.lineNo, value: read.value, raw: line.text, repaired });
        batch.repaired += 1;
      } else {
        batch.values.push({ lineNo: line.lineNo, value: read.value, raw: line.text });
      }
    }
    yield batch;
  }
}
