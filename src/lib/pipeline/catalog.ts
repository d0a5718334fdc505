// In-process cache of customers and tracks for enrichment: one store round trip per batch for the
// ids not yet known, instead of one per event. Entries expire so re-seeded details show up.
import type { CatalogStore } from '../ports.js';
import type { Customer, Track } from '../records.js';

interface Entry<T> { value: T | undefined; loadedAt: number }

export class Catalog {
  private readonly customers = new Map<number, Entry<Customer>>();
  private readonly tracks = new Map<number, Entry<Track>>();

  constructor(private readonly store: CatalogStore, private readonly ttlMs = 60_000, private readonly now: () => number = Date.now) {}

  async lookup(customerIds: Iterable<number>, trackIds: Iterable<number>): Promise<{ customers: Map<number, Customer>; tracks: Map<number, Track> }> {
    const [customers, tracks] = await Promise.all([
      this.fill(this.customers, customerIds, (ids) => this.store.getCustomers(ids)),
      this.fill(this.tracks, trackIds, (ids) => this.store.getTracks(ids)),
    ]);
    return { customers, tracks };
  }

  private async fill<T>(cache: Map<number, Entry<T>>, ids: Iterable<number>, load: (ids: number[]) => Promise<Map<number, T>>): Promise<Map<number, T>> {
    const now = this.now();
    const out = new Map<number, T>();
    const missing: number[] = [];
    for (const id of new Set(ids)) {
      const entry = cache.get(id);
      if (entry && now - entry.loadedAt < this.ttlMs) {
        if (entry.value !== undefined) out.set(id, entry.value);
      } else {
        missing.push(id);
      }
    }
    if (missing.length > 0) {
      const loaded = await load(missing);
      for (const id of missing) {
        const value = loaded.get(id);
        cache.set(id, { value, loadedAt: now }); // unknown ids are remembered too, so they cost nothing next time
        if (value !== undefined) out.set(id, value);
      }
    }
    return out;
  }
}
