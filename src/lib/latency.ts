// End-to-end latency (log append -> effects durable) as a histogram of whole milliseconds:
// constant memory however many events, exact to the millisecond up to a minute.
const MAX_MS = 60_000;

export class LatencyHistogram {
  private readonly counts = new Uint32Array(MAX_MS + 1); // the last bucket holds everything slower
  private total = 0;

  record(ms: number, times = 1): void {
    const bucket = Math.min(MAX_MS, Math.max(0, Math.round(ms)));
    this.counts[bucket] += times;
    this.total += times;
  }

  get count(): number {
    return this.total;
  }

  /** The smallest latency that `share` (0..1) of the samples do not exceed; null before any sample. */
  percentile(share: number): number | null {
    if (this.total === 0) return null;
    const rank = Math.max(1, Math.ceil(share * this.total));
    let seen = 0;
    for (let ms = 0; ms <= MAX_MS; ms++) {
      seen += this.counts[ms];
      if (seen >= rank) return ms;
    }
    return MAX_MS;
  }

  summary(): { p50: number | null; p99: number | null; max: number | null; samples: number } {
    return { p50: this.percentile(0.5), p99: this.percentile(0.99), max: this.percentile(1), samples: this.total };
  }
}
