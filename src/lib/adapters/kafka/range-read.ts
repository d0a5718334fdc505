import type { FetchedRecord, PartitionRange } from './driver.js';

/**
 * Reading ranges [from, to) of partitions: keeps the records inside them, and tells when every range is read.
 * A consumer may hand out records before the ranges' starts (fetched before a seek took effect) or past their ends.
 */
export class RangeRead {
  readonly records: FetchedRecord[] = [];
  private readonly unread: Map<string, PartitionRange>;

  constructor(ranges: PartitionRange[]) {
    this.unread = new Map(ranges.map((r) => [`${r.topic}:${r.partition}`, r]));
  }

  get done(): boolean {
    return this.unread.size === 0;
  }

  /** Takes the record if it is inside its range; true once every range is read. */
  offer(record: FetchedRecord): boolean {
    const key = `${record.topic}:${record.partition}`;
    const range = this.unread.get(key);
    if (range === undefined || record.offset < range.from) return this.done;
    if (record.offset < range.to) this.records.push(record);
    if (record.offset >= range.to - 1) this.unread.delete(key);
    return this.done;
  }
}
