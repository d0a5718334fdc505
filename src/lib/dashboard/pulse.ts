// The pipeline's vital signs, read through the ports: store counters, consumer lag, dead letters and the
// index's totals. Events per second come from how the processed count changed between samples.
import type { DashboardSources } from './sources.js';
import type { PartitionLag, StoreCounts } from '../ports.js';

export interface PulseSample {
  at: number;
  counts: StoreCounts;
  lag: number;
  partitions: PartitionLag[];
  deadLetters: number;
  indexed: { plays: number; mobilePlays: number; first: number | null; last: number | null };
  /** Null until two samples at least a second apart exist. */
  eventsPerSec: number | null;
}

/** Samples older than this are not used for the rate. */
const RATE_WINDOW_MS = 10_000;
const MIN_RATE_SPAN_MS = 900;
/** A sample this fresh is shared instead of read again (the SSE ticker and API requests ask often). */
const FRESH_MS = 400;

export class Pulse {
  private history: Array<{ at: number; events: number }> = [];
  private latest: PulseSample | null = null;
  private pending: Promise<PulseSample> | null = null;

  constructor(private readonly sources: DashboardSources, private readonly group: string, private readonly now: () => number = Date.now) {}

  /** A recent sample: reuses one taken in the last moments, else reads the backends. */
  async current(): Promise<PulseSample> {
    if (this.latest && this.now() - this.latest.at < FRESH_MS) return this.latest;
    this.pending ??= this.read().finally(() => {
      this.pending = null;
    });
    return this.pending;
  }

  private async read(): Promise<PulseSample> {
    const { store, log, index } = this.sources;
    const [counts, partitions, deadLetters, indexed] = await Promise.all([
      store.counts(), log.lag(this.group), log.deadLetterCounts().then((c) => c.total), index.totals({}),
    ]);
    const at = this.now();
    this.history.push({ at, events: counts.eventsProcessed });
    this.history = this.history.filter((s) => at - s.at <= RATE_WINDOW_MS);
    const oldest = this.history[0];
    const span = at - oldest.at;
    const sample: PulseSample = {
      at, counts, partitions, deadLetters, indexed,
      lag: partitions.reduce((sum, p) => sum + p.lag, 0),
      eventsPerSec: span >= MIN_RATE_SPAN_MS ? Math.max(0, Math.round(((counts.eventsProcessed - oldest.events) * 1000) / span)) : null,
    };
    this.latest = sample;
    return sample;
  }
}
