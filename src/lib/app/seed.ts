// Loading reference files into the store, shared by `seed` and `demo`. Bad and duplicate lines are named
// on stderr and kept in the dead letters (once, however often a file is seeded); every good line is loaded.
import type { Backends } from '../wiring/backends.js';
import type { Output } from '../cli/kit.js';
import { rejectNote } from '../cli/printable.js';
import { latin1Warning } from '../formats/lines.js';
import { readRecords, type RecordBatch } from '../formats/read.js';
import type { DeadLetter } from '../records.js';

export interface SeedFiles { customers?: string; music?: string; clicks?: string }

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

/** How many rejected lines are printed one by one before only counting. */
const SHOWN_REJECTS = 20;

export async function seedFiles(backends: Backends, files: SeedFiles, out: Output): Promise<SeedReport> {
  const started = Date.now();
  const report: SeedReport = { customers_loaded: 0, tracks_loaded: 0, clicks_loaded: 0, lines_read: 0, repaired: 0, rejected: 0, duplicates: 0, elapsed_ms: 0 };
  const { store, log } = backends;
  let shown = 0;
  const deadLetter = async (letters: DeadLetter[]): Promise<void> => {
    if (letters.length === 0) return;
    for (const l of letters) {
      if (shown++ < SHOWN_REJECTS) out.warn(rejectNote(l));
    }
    await log.appendDeadLetters(letters);
  };

  const load = async <T>(file: string, batches: AsyncIterable<RecordBatch<T>>, apply: (values: T[]) => Promise<void>): Promise<number> => {
    let loaded = 0;
    let notUtf8 = 0;
    // The next batch is read and parsed while the store takes this one (one write in flight, in file order).
    let writing: Promise<void> = Promise.resolve();
    for await (const batch of batches) {
      await writing;
      writing = apply(batch.values.map((v) => v.value));
      writing.catch(() => {}); // awaited above or below
      loaded += batch.values.length;
      report.lines_read += batch.values.length + batch.rejects.length + batch.duplicates.length;
      report.repaired += batch.repaired;
      report.rejected += batch.rejects.length;
      report.duplicates += batch.duplicates.length;
      notUtf8 += batch.notUtf8;
      await deadLetter([...batch.rejects, ...batch.duplicates]);
    }
    await writing;
    if (notUtf8 > 0) out.warn(latin1Warning(file, notUtf8));
    return loaded;
  };
  if (files.customers) report.customers_loaded = await load(files.customers, readRecords(files.customers, 'customers', 'seed'), (c) => store.upsertCustomers(c));
  if (files.music) report.tracks_loaded = await load(files.music, readRecords(files.music, 'music', 'seed'), (t) => store.upsertTracks(t));
  if (files.clicks) report.clicks_loaded = await load(files.clicks, readRecords(files.clicks, 'clicks', 'seed'), (c) => store.addClicks(c));
  if (shown > SHOWN_REJECTS) out.warn(`... and ${shown - SHOWN_REJECTS} more rejected or duplicate lines`);
  report.elapsed_ms = Date.now() - started;
  return report;
}
