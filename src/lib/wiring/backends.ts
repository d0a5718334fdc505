// Builds the adapter set the configuration names. Commands never import an adapter directly.
import type { Config } from '../config.js';
import { UsageError } from '../errors.js';
import type { Backends } from '../app/backends.js';
import type { EventLog, Index, IndexAdmin, Store } from '../ports.js';
import { EmbeddedEventLog } from '../adapters/embedded/log.js';
import { ThreadedIndex } from '../adapters/embedded/index-thread.js';
import { EmbeddedStore } from '../adapters/embedded/store.js';
import { ElasticsearchIndex } from '../adapters/elasticsearch/index.js';
import { openKafkaEventLog } from '../adapters/kafka/open.js';
import { RedisIndex } from '../adapters/redis/index.js';
import { RedisStore } from '../adapters/redis/store.js';
import type { OpenOptions } from '../adapters/embedded/sqlite.js';

/** `readOnly`: the command only reads (status, deadletters, dashboard), so the embedded files open read-only. */
export async function openBackends(config: Config, options: OpenOptions = {}): Promise<Backends> {
  const kafka = config.kafkaBrokers.length > 0;
  const redis = config.redisUrl !== '';
  const log: EventLog = kafka ? openKafkaEventLog(config, config.kafkaClient) : new EmbeddedEventLog(config.dataDir, options);
  const { store, kind: storeKind } = openStore(config, options);
  const index: Index = config.elasticsearch ? new ElasticsearchIndex(config.elasticsearch)
    : redis ? new RedisIndex(config.redisUrl, config.redisPrefix) : new ThreadedIndex(config.dataDir, options);
  const parts = [kafka ? 'kafka' : 'embedded log', storeKind, ...(config.elasticsearch ? ['elasticsearch'] : [])];
  return {
    log, store, index, catalog: store, live: store, models: store, sms: store,
    indexFollows: config.elasticsearch !== null,
    kind: parts.length === 2 && !kafka && !redis ? 'embedded' : parts.join('+'),
    async close() {
      await Promise.allSettled([log.close(), store.close(), index.close()]);
    },
  };
}

/**
 * The configured store alone, for a command that touches nothing else (the offer API): no event log, and no
 * index thread competing for the core its requests run on.
 */
export function openStore(config: Config, options: OpenOptions = {}): { store: Store; kind: 'redis' | 'embedded store' } {
  return config.redisUrl !== ''
    ? { store: new RedisStore(config.redisUrl, config.redisPrefix), kind: 'redis' }
    : { store: new EmbeddedStore(config.dataDir, options), kind: 'embedded store' };
}

/** The maintenance side of the configured index; only Elasticsearch has one. */
export function openIndexAdmin(config: Config): IndexAdmin {
  if (!config.elasticsearch) {
    throw new UsageError('no Elasticsearch configured: name it with --elasticsearch <url> or MUSICFLOW_ELASTICSEARCH_URL (or MUSICFLOW_ELASTICSEARCH_CLOUD_ID)');
  }
  return new ElasticsearchIndex(config.elasticsearch);
}
