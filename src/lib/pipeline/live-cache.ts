// The live state (profile, listen pairs, recent plays) of recently seen customers, kept in memory by the
// pipeline so a batch reads from the store only the customers it has not seen. It mirrors what this process
// read or wrote through one store and is trusted only while the partition's watermark is the one this process
// last saw: any other writer moves it, and then everything is dropped and read again.
import type { BatchState, CustomerState, LiveState } from '../ports.js';
import type { ListenPair, PlayEvent, Profile } from '../records.js';

export class LiveCache {
  private readonly customers = new Map<number, CustomerState>(); // oldest first (LRU order)
  private readonly watermarks = new Map<string, number>();
  private pairCount = 0;

  /** maxPairs bounds memory (about 150 bytes a pair); least recently used customers go first. */
  constructor(private readonly maxPairs = 2_000_000) {}

  /** Whether what is held still stands at this watermark; when not, it is dropped. */
  validate(partitionKey: string, watermark: number): boolean {
    const seen = this.watermarks.get(partitionKey);
    const valid = seen === undefined || seen === watermark;
    if (!valid) this.clear();
    this.watermarks.set(partitionKey, watermark);
    return valid;
  }

  get(customerId: number): CustomerState | undefined {
    const entry = this.customers.get(customerId);
    if (entry) {
      this.customers.delete(customerId);
      this.customers.set(customerId, entry);
    }
    return entry;
  }

  has(customerId: number): boolean {
    return this.customers.has(customerId);
  }

  put(customerId: number, state: CustomerState): void {
    const before = this.customers.get(customerId);
    if (before) this.pairCount -= before.pairs.size;
    this.customers.set(customerId, state);
    this.pairCount += state.pairs.size;
    this.evict();
  }

  /** After a committed batch: the new values, and the watermark they belong to. */
  applied(partitionKey: string, watermark: number, profiles: Profile[], pairs: ListenPair[], recent: Map<number, PlayEvent[]>): void {
    this.watermarks.set(partitionKey, watermark);
    for (const p of profiles) {
      const entry = this.customers.get(p.customerId);
      if (entry) entry.profile = p;
    }
    for (const [customerId, plays] of recent) {
      const entry = this.customers.get(customerId);
      if (entry) entry.recent = plays;
    }
    for (const pair of pairs) {
      const entry = this.customers.get(pair.customerId);
      if (!entry) continue;
      if (!entry.pairs.has(pair.trackId)) this.pairCount += 1;
      entry.pairs.set(pair.trackId, pair);
    }
    this.evict();
  }

  clear(): void {
    this.customers.clear();
    this.watermarks.clear();
    this.pairCount = 0;
  }

  private evict(): void {
    for (const [id, entry] of this.customers) {
      if (this.pairCount <= this.maxPairs) break;
      this.customers.delete(id);
      this.pairCount -= entry.pairs.size;
    }
  }
}

/** One cache per store object (per connection or open file), as each process sees that store. */
const caches = new WeakMap<LiveState, LiveCache>();

export function liveCacheOf(store: LiveState): LiveCache {
  let cache = caches.get(store);
  if (!cache) caches.set(store, (cache = new LiveCache()));
  return cache;
}

/**
 * The batch state of these customers: those the cache holds at the watermark read, the rest from the store, in
 * one store read (two when another writer moved the watermark since this process last wrote).
 */
export async function loadLiveState(store: LiveState, log: string, partition: number, customerIds: number[], days: string[]): Promise<BatchState> {
  const cache = liveCacheOf(store);
  const key = `${log}/${partition}`;
  for (;;) {
    const held = new Map<number, CustomerState>();
    const missing: number[] = [];
    for (const id of customerIds) {
      const entry = cache.get(id);
      if (entry) held.set(id, entry);
      else missing.push(id);
    }
    const state = await store.loadBatchState(log, partition, { customers: missing, targeting: customerIds, days });
    if (!cache.validate(key, state.watermark) && held.size > 0) continue; // what was held is stale: read it all
    for (const [id, entry] of state.customers) {
      cache.put(id, entry);
      held.set(id, entry);
    }
    return { ...state, customers: held };
  }
}
