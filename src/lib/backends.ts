// Builds the adapter set the configuration names. Commands never import an adapter directly.
import type { Config } from './config.js';
import type { EventLog, Index, Store } from './ports.js';
import { EmbeddedEventLog } from './adapters/embedded/log.js';
import { ThreadedIndex } from './adapters/embedded/index-thread.js';
import { EmbeddedStore } from './adapters/embedded/store.js';
import { KafkaEventLog } from './adapters/kafka.js';
import { PlatformaticKafkaEventLog } from './adapters/kafka-platformatic.js';
import { RedisIndex } from './adapters/redis/index.js';
import { RedisStore } from './adapters/redis/store.js';

export interface Backends {
  log: EventLog;
  store: Store;
  index: Index;
  /** "embedded" or e.g. "kafka+redis": shown in reports. */
  kind: string;
  close(): Promise<void>;
}

export async function openBackends(config: Config): Promise<Backends> {
  const kafka = config.kafkaBrokers.length > 0;
  const redis = config.redisUrl !== '';
  const log: EventLog = !kafka ? new EmbeddedEventLog(config.dataDir)
    : config.kafkaClient === 'platformatic' ? new PlatformaticKafkaEventLog(config) : new KafkaEventLog(config);
  const store: Store = redis ? new RedisStore(config.redisUrl, config.redisPrefix) : new EmbeddedStore(config.dataDir);
  const index: Index = redis ? new RedisIndex(config.redisUrl, config.redisPrefix) : new ThreadedIndex(config.dataDir);
  return {
    log, store, index,
    kind: kafka || redis ? `${kafka ? 'kafka' : 'embedded log'}+${redis ? 'redis' : 'embedded store'}` : 'embedded',
    async close() {
      await Promise.allSettled([log.close(), store.close(), index.close()]);
    },
  };
}
