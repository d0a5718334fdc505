// The adapter set the use cases run on: the three ports, and what the wiring (src/lib/wiring/) says of how it
// set them up. The use cases depend on this, never on an adapter.
import type { CatalogStore, EventLog, Index, LiveState, ModelRegistry, SmsQueue, Store } from '../ports.js';

export interface Backends {
  log: EventLog;
  /** The store backend whole: its counts, health and close, and every concept below. */
  store: Store;
  /** The store's concepts, for code that needs one: the seeded catalogue, the stream's live state, models, SMS. */
  catalog: CatalogStore;
  live: LiveState;
  models: ModelRegistry;
  sms: SmsQueue;
  index: Index;
  /** "embedded" or e.g. "kafka+redis": shown in reports. */
  kind: string;
  /**
   * The index follows the log in a consumer group of its own (Elasticsearch: a cluster whose bulk rate and refresh
   * should not hold the stream back); the embedded and Redis indexes take each batch with the store.
   */
  indexFollows: boolean;
  close(): Promise<void>;
}
