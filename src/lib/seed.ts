// Loading reference files into the store, shared by `seed` and `demo`. Bad lines are named on
// stderr and kept in the dead letters; every good line is loaded.
import type { Backends } from './backends.js';
import type { Output } from './cli-kit.js';
import { rejectNote } from './printable.js';
import { readRecords, type RecordBatch } from './formats/read.js';
import type { DeadLetter } from './records.js';

export interface SeedFiles { customers?: string; music?: string; clicks?: string }

export interface SeedReport {
  customers_loaded: number;
  tracks_loaded: number;
  clicks_loaded: number;
  repaired: number;
  rejected: number;
  elapsed_ms: number;
}

/** How many rejected lines are printed one by one before only counting. */
const SHOWN_REJECTS = 20;

export async function seedFiles(backends: Backends, files: SeedFiles, out: Output): Promise<SeedReport> {
  const started = Date.now();
  const report: SeedReport = { customers_loaded: 0, tracks_loaded: 0, clicks_loaded: 0, repaired: 0, rejected: 0, elapsed_ms: 0 };
  const { store, log } = backends;
  let shown = 0;
  const reject = async (letters: DeadLetter[]): Promise<void> => {
    if (letters.length === 0) return;
    report.rejected += letters.length;
    for (const l of letters) {
      if (shown++ < SHOWN_REJECTS) out.warn(rejectNote(l));
    }
    await log.appendDeadLetters(letters);
  };

  const load = async <T>(batches: AsyncIterable<RecordBatch<T>>, apply: (values: T[]) => Promise<void>): Promise<number> => {
    let loaded = 0;
    // The next batch is read and parsed while the store takes this one (one write in flight, in file order).
    let writing: Promise<void> = Promise.resolve();
    for await (const batch of batches) {
      await writing;
      writing = apply(batch.values.map((v) => v.value));
      writing.catch(() => {}); // awaited above or below
      loaded += batch.values.length;
      report.repaired += batch.repaired;
      await reject(batch.rejects);
    }
    await writing;
    return loaded;
  };
  if (files.customers) report.customers_loaded = await load(readRecords(files.customers, 'customers', 'seed'), (c) => store.upsertCustomers(c));
  if (files.music) report.tracks_loaded = await load(readRecords(files.music, 'music', 'seed'), (t) => store.upsertTracks(t));
  if (files.clicks) report.clicks_loaded = await load(readRecords(files.clicks, 'clicks', 'seed'), (c) => store.addClicks(c));
  if (shown > SHOWN_REJECTS) out.warn(`... and ${shown - SHOWN_REJECTS} more rejected lines`);
  report.elapsed_ms = Date.now() - started;
  return report;
}
