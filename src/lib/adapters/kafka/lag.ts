// A consumer group's lag, and the watch that reports it and says when `--until-idle` is done.
import type { PartitionLag } from '../../ports.js';
import { IDLE_MS, LAG_POLL_MS } from './timings.js';

/** Per-partition lag from the log's first and next offsets and the group's committed ones (absent: none). */
export function lagOf(ends: Array<{ partition: number; low: number; high: number }>, committed: Map<number, number>): PartitionLag[] {
  return ends
    .map((p) => {
      const next = Math.max(committed.get(p.partition) ?? -1, 0);
      return { partition: p.partition, committed: next, end: p.high, lag: Math.max(0, p.high - Math.max(next, p.low)) };
    })
    .sort((a, b) => a.partition - b.partition);
}

/** Where the group reads next in each partition: its committed offset, else the oldest record. */
export function readPositionsOf(lag: PartitionLag[]): Map<number, number> {
  return new Map(lag.map((p) => [p.partition, p.end - p.lag]));
}

export interface LagWatchOptions {
  lag: () => Promise<PartitionLag[]>;
  /** A batch is in hand: not idle, whatever the lag says. */
  busy: () => boolean;
  untilIdle: boolean;
  onLag?: (lag: PartitionLag[]) => void;
  /** With untilIdle: every partition caught up for IDLE_MS. */
  onIdle: () => void;
}

export interface LagWatch {
  /** Something was handed out: the idle clock starts again. */
  active(): void;
  stop(): void;
}

/** Polls the group's lag every LAG_POLL_MS, reports it, and tells when the group has been idle long enough. */
export function watchLag(options: LagWatchOptions): LagWatch {
  let idleSince: number | null = null;
  let stopped = false;
  let timer: NodeJS.Timeout | undefined;
  const poll = async () => {
    try {
      const lag = await options.lag();
      options.onLag?.(lag);
      const caughtUp = !options.busy() && lag.every((p) => p.lag === 0);
      if (!caughtUp) idleSince = null;
      else idleSince ??= Date.now();
      if (options.untilIdle && idleSince !== null && Date.now() - idleSince >= IDLE_MS) options.onIdle();
    } catch {
      idleSince = null; // lag unknown (broker restarting): not idle
    }
    if (!stopped) timer = setTimeout(poll, LAG_POLL_MS);
  };
  timer = setTimeout(poll, LAG_POLL_MS);
  return {
    active: () => { idleSince = null; },
    stop: () => {
      stopped = true;
      clearTimeout(timer);
    },
  };
}
