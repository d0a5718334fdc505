// The one reader seed, replay and train use: a file of a given kind -> batches of line-numbered records plus
// dead letters for every line that cannot be read. Header rows are recognised and skipped. A file that is
// missing, empty, or of which no line reads as the kind asked for is an InputFileError naming the fix.
import { InputFileError } from '../errors.js';
import type { Click, Customer, DeadLetter, LabeledRow, PlayEvent, Track } from '../records.js';
import { CLICKS_HEADER, clickColumns, parseClickLine, REFERENCE_CLICK_COLUMNS } from './clicks.js';
import { splitCsvLine } from './csv.js';
import { CUSTOMERS_HEADER, customerColumns, parseCustomerLine, REFERENCE_CUSTOMER_COLUMNS } from './customers.js';
import { looksLikeHeader } from './fields.js';
import { parseLibsvmLine } from './libsvm.js';
import { readLineBatches, type Parsed, type SourceLine } from './lines.js';
import { MUSIC_HEADER, parseMusicLine } from './music.js';
import { isTrackHeader, parseTrackLine, TRACKS_FIELDS } from './tracks.js';

export type FormatKind = 'tracks' | 'customers' | 'music' | 'clicks' | 'libsvm';

export interface RecordValue<T> {
  lineNo: number;
  value: T;
  raw: string;
  repaired?: string; // what was mended to read this line
}

export interface RecordBatch<T> {
  values: Array<RecordValue<T>>;
  rejects: DeadLetter[];
  repaired: number; // how many of `values` needed a repair
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

/** Rejected lines held back while no line has read yet, before deciding the file is of another kind. */
const UNPROVEN_LIMIT = 10_000;

export function readRecords(path: string, kind: 'tracks', stage: DeadLetter['stage'], batchSize?: number): AsyncGenerator<RecordBatch<PlayEvent>>;
export function readRecords(path: string, kind: 'customers', stage: DeadLetter['stage'], batchSize?: number): AsyncGenerator<RecordBatch<Customer>>;
export function readRecords(path: string, kind: 'music', stage: DeadLetter['stage'], batchSize?: number): AsyncGenerator<RecordBatch<Track>>;
export function readRecords(path: string, kind: 'clicks', stage: DeadLetter['stage'], batchSize?: number): AsyncGenerator<RecordBatch<Click>>;
export function readRecords(path: string, kind: 'libsvm', stage: DeadLetter['stage'], batchSize?: number): AsyncGenerator<RecordBatch<LabeledRow>>;
export async function* readRecords(path: string, kind: FormatKind, stage: DeadLetter['stage'], batchSize = 2048): AsyncGenerator<RecordBatch<unknown>> {
  const asOf = Date.now(); // a BirthDate's age is taken on the day the file is read
  let parse: LineParser<unknown> | null = null;
  let proven = false; // some line has read as this kind
  let unproven: Array<RecordBatch<unknown>> = [];
  let unprovenLines = 0;
  let firstReason = '';

  const notThisKind = (detail: string): InputFileError => new InputFileError(path,
    `${detail}. Is it the right file? A ${kind} file has ${FORMAT_SHAPES[kind]}`);

  for await (let lines of readLineBatches(path, batchSize)) {
    if (parse === null) {
      const open = opening(kind, path, lines[0], asOf);
      parse = open.parse;
      if (open.skipFirst) lines = lines.slice(1);
      if (lines.length === 0) continue;
    }
    const batch: RecordBatch<unknown> = { values: [], rejects: [], repaired: 0 };
    let at = 0;
    for (const line of lines) {
      const read = parse(line.text);
      if (read.ok) {
        if (read.repaired !== undefined) {
          batch.values.push({ lineNo: line.lineNo, value: read.value, raw: line.text, repaired: read.repaired });
          batch.repaired += 1;
        } else {
          batch.values.push({ lineNo: line.lineNo, value: read.value, raw: line.text });
        }
      } else {
        if (at === 0) at = Date.now();
        batch.rejects.push({ source: path, line: line.lineNo, reason: read.reason, raw: line.text, stage, at });
      }
    }
    if (proven) {
      yield batch;
      continue;
    }
    if (batch.values.length === 0) {
      if (batch.rejects.length > 0 && firstReason === '') firstReason = `line ${batch.rejects[0].line}: ${batch.rejects[0].reason}`;
      unproven.push(batch);
      unprovenLines += batch.rejects.length;
      if (unprovenLines >= UNPROVEN_LIMIT) throw notThisKind(`none of the first ${unprovenLines} lines reads as ${kind} (${firstReason})`);
      continue;
    }
    proven = true;
    yield* unproven;
    unproven = [];
    yield batch;
  }
  if (parse === null) throw new InputFileError(path, `is empty: a ${kind} file has ${FORMAT_SHAPES[kind]}`);
  if (!proven) {
    throw notThisKind(firstReason === '' ? `has a header but no records` : `no line reads as ${kind} (${firstReason})`);
  }
}
