// Builds the adapter set the configuration names. Commands never import an adapter directly.
import type { Config } from './config.js';
import type { EventLog, Index, Store } from './ports.js';
import { EmbeddedEventLog } from './adapters/embedded/log.js';
import { ThreadedIndex } from './adapters/embedded/index-thread.js';
import { EmbeddedStore } from './adapters/embedded/store.js';

export interface Backends {
  log: EventLog;
  store: Store;
  index: Index;
  /** "embedded" or e.g. "kafka+redis": shown in reports. */
  kind: string;
  close(): Promise<void>;
}

export async function openBackends(config: Config): Promise<Backends> {
  const log: EventLog = new EmbeddedEventLog(config.dataDir);
  const store: Store = new EmbeddedStore(config.dataDir);
  const index: Index = new ThreadedIndex(config.dataDir);
  return {
    log, store, index,
    kind: 'embedded',
    async close() {
      await Promise.allSettled([log.close(), store.close(), index.close()]);
    },
  };
}
