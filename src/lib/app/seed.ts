// Loading reference files into the store, shared by `seed` and `demo`. Bad and duplicate lines are reported
// as they are found and kept in the dead letters (once, however often a file is seeded); every good line is loaded.
import { readRecords, type RecordBatch } from '../formats/read.js';
import type { EventLog, Store } from '../ports.js';
import type { DeadLetter } from '../records.js';

export interface SeedFiles { customers?: string; music?: string; clicks?: string }

/** Where seeding writes: the store takes the records, the log the dead letters. */
export interface SeedPorts { store: Store; log: EventLog }

/** What seeding reports as it goes; the caller decides what to show. */
export type SeedProgress =
  /** A bad or duplicate line, now in the dead letters. */
  | { kind: 'rejected'; letter: DeadLetter }
  /** A file had lines that were not UTF-8 and were read as Latin-1 (reported once the file is read). */
  | { kind: 'not-utf8'; file: string; lines: number };

/** lines_read = customers_loaded + tracks_loaded + clicks_loaded + rejected + duplicates (headers and blank lines aside). */
export interface SeedReport {
  customers_loaded: number;
  tracks_loaded: number;
  clicks_loaded: number;
  lines_read: number;
  repaired: number; // of the lines loaded, those read only after mending
  rejected: number;
  /** Lines whose id an earlier line of the same file has: the first is loaded, these go to the dead letters. */
  duplicates: number;
  elapsed_ms: number;
}

/** Store writes queued at once while the next batch is parsed. */
const WRITES_IN_FLIGHT = 2;

export async function seedFiles(ports: SeedPorts, files: SeedFiles, onProgress: (event: SeedProgress) => void = () => {}): Promise<SeedReport> {
  const started = Date.now();
  const report: SeedReport = { customers_loaded: 0, tracks_loaded: 0, clicks_loaded: 0, lines_read: 0, repaired: 0, rejected: 0, duplicates: 0, elapsed_ms: 0 };
  const { store, log } = ports;
  const deadLetter = async (letters: DeadLetter[]): Promise<void> => {
    if (letters.length === 0) return;
    for (const letter of letters) onProgress({ kind: 'rejected', letter });
    await log.appendDeadLetters(letters);
  };

  const load = async <T>(file: string, batches: AsyncIterable<RecordBatch<T>>, apply: (values: T[]) => Promise<void>): Promise<number> => {
    let loaded = 0;
    let notUtf8 = 0;
    // Batches are read and parsed while the store takes the ones before: with two writes queued (applied in file
    // order) the store never waits for the parser, nor the parser for the store, unless one is slower.
    const writing: Array<Promise<void>> = [];
    for await (const batch of batches) {
      if (writing.length === WRITES_IN_FLIGHT) await writing.shift();
      const write = apply(batch.values.map((v) => v.value));
      write.catch(() => {}); // awaited above or below
      writing.push(write);
      loaded += batch.values.length;
      report.lines_read += batch.values.length + batch.rejects.length + batch.duplicates.length;
      report.repaired += batch.repaired;
      report.rejected += batch.rejects.length;
      report.duplicates += batch.duplicates.length;
      notUtf8 += batch.notUtf8;
      await deadLetter([...batch.rejects, ...batch.duplicates]);
    }
    await Promise.all(writing);
    if (notUtf8 > 0) onProgress({ kind: 'not-utf8', file, lines: notUtf8 });
    return loaded;
  };
  if (files.customers) report.customers_loaded = await load(files.customers, readRecords(files.customers, 'customers', 'seed'), (c) => store.upsertCustomers(c));
  if (files.music) report.tracks_loaded = await load(files.music, readRecords(files.music, 'music', 'seed'), (t) => store.upsertTracks(t));
  if (files.clicks) report.clicks_loaded = await load(files.clicks, readRecords(files.clicks, 'clicks', 'seed'), (c) => store.addClicks(c));
  report.elapsed_ms = Date.now() - started;
  return report;
}
