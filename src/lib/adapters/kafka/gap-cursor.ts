// Which fetched records may be handed out, so that each partition's go out contiguous and once. Pure: the
// consume loop (event-log.ts) feeds it fetches and does what it says.
import type { ConsumedRecord, LogBatch } from '../../ports.js';

/** A gap seen this many times at the same place is real (offsets a transaction marker or compaction took). */
export const REAL_GAP_REPEATS = 3;

export interface CursorPass {
  /** Contiguous records of one partition each, at most `size` a batch, to hand out in this order. */
  batches: LogBatch[];
  /** Partitions to fetch again, from the offset due next. */
  rewinds: Map<number, number>;
}

/**
 * A client fetches ahead, and after a rebalance it may still deliver what it fetched for the old assignment, or
 * from an old position: records of partitions no longer ours are dropped (their new owner starts at the committed
 * offset), repeats are dropped, and a gap (records past the next one due) asks for the partition to be fetched
 * again from the one due. A sink applies a partition's records past its watermark only, so handing out a later
 * record before an earlier one would lose the earlier.
 */
export class GapRecoveryCursor {
  private generation: number | null = null;
  /** Next offset due per partition, in this generation. */
  private next = new Map<number, number>();
  /** The last gap seen per partition: the offset due, the one that came instead, how often. */
  private gaps = new Map<number, { due: number; came: number; times: number }>();

  /** Whether the read positions of `generation` are known (else: start it). */
  follows(generation: number): boolean {
    return this.generation === generation;
  }

  /** A new generation reads each partition from `positions` (the committed offset, else the oldest record). */
  start(generation: number, positions: ReadonlyMap<number, number>): void {
    this.generation = generation;
    this.next = new Map(positions);
    this.gaps.clear();
  }

  /** The usable records of a fetch as batches, and the partitions to fetch again. */
  pass(records: ConsumedRecord[], assigned: ReadonlySet<number>, size: number): CursorPass {
    const kept = new Map<number, ConsumedRecord[]>();
    const due = new Map<number, number>(); // per partition: the next offset this pass takes
    const rewinds = new Map<number, number>(); // a gap this pass: the rest of the partition waits for the refetch
    for (const record of records) {
      const partition = record.partition;
      const expected = due.get(partition) ?? this.next.get(partition);
      if (!assigned.has(partition) || expected === undefined || rewinds.has(partition)) continue;
      if (record.offset < expected) continue;
      if (record.offset > expected && !this.realGap(partition, expected, record.offset)) {
        rewinds.set(partition, expected);
        continue;
      }
      const list = kept.get(partition) ?? [];
      list.push(record);
      kept.set(partition, list);
      due.set(partition, record.offset + 1);
    }
    const batches: LogBatch[] = [];
    const step = Math.max(1, size);
    for (const [partition, list] of kept) {
      for (let i = 0; i < list.length; i += step) batches.push({ partition, records: list.slice(i, i + step) });
    }
    return { batches, rewinds };
  }

  /** A batch was processed: its partition continues after it. */
  handedOut(batch: LogBatch): void {
    this.next.set(batch.partition, batch.records[batch.records.length - 1].offset + 1);
  }

  /** Counts a gap; true once the same one came REAL_GAP_REPEATS times (a stale fetch does not repeat itself). */
  private realGap(partition: number, due: number, came: number): boolean {
    const last = this.gaps.get(partition);
    const times = last && last.due === due && last.came === came ? last.times + 1 : 1;
    this.gaps.set(partition, { due, came, times });
    return times >= REAL_GAP_REPEATS;
  }
}
