// The live state (profile and listen pairs) of recently seen customers, kept in memory by the embedded
// and Redis stores so a batch needs no per-pair reads. It mirrors what this process read or wrote and is trusted only while the
// partition's watermark is the one this process last saw: any other writer moves it, and then
// everything is dropped and read again.
import type { ListenPair, PlayEvent, Profile } from '../records.js';

export interface CustomerState {
  profile: Profile | null;
  pairs: Map<number, ListenPair>; // by track id: every pair this customer has, none missing
  recent?: PlayEvent[]; // newest first, where the store keeps them with the profile
}

export class HotState {
  private readonly customers = new Map<number, CustomerState>(); // oldest first (LRU order)
  private readonly watermarks = new Map<string, number>();
  private pairCount = 0;

  /** maxPairs bounds memory (about 150 bytes a pair); least recently used customers go first. */
  constructor(private readonly maxPairs = 2_000_000) {}

  validate(partitionKey: string, watermark: number): void {
    const seen = this.watermarks.get(partitionKey);
    if (seen !== undefined && seen !== watermark) this.clear();
    this.watermarks.set(partitionKey, watermark);
  }

  get(customerId: number): CustomerState | undefined {
    const entry = this.customers.get(customerId);
    if (entry) {
      this.customers.delete(customerId);
      this.customers.set(customerId, entry);
    }
    return entry;
  }

  put(customerId: number, state: CustomerState): CustomerState {
    this.customers.set(customerId, state);
    this.pairCount += state.pairs.size;
    this.evict();
    return state;
  }

  /** After a committed batch: the new values, and the watermark they belong to. */
  applied(partitionKey: string, watermark: number, profiles: Profile[], pairs: ListenPair[], recent?: Map<number, PlayEvent[]>): void {
    this.watermarks.set(partitionKey, watermark);
    for (const p of profiles) {
      const entry = this.customers.get(p.customerId);
      if (entry) entry.profile = p;
    }
    for (const [customerId, plays] of recent ?? []) {
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
