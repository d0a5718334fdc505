// The behavioural suite on the server adapters: Kafka event log (on each client library), Redis store and
// index (the test stack), and Kafka + Redis with Elasticsearch as the index.
import { randomUUID } from 'node:crypto';
import { it } from 'node:test';
import { resolveConfig, type KafkaClient } from '../../src/lib/config.js';
import { tempDir } from '../support/fixtures.js';
import { behaviourSuite } from './suite.js';

const brokers = process.env.MUSICFLOW_KAFKA_BROKERS;
const redis = process.env.MUSICFLOW_REDIS_URL;
const elasticsearch = process.env.MUSICFLOW_ELASTICSEARCH_URL;
const CLIENT_NAMES: Record<KafkaClient, string> = { kafkajs: 'kafkajs', platformatic: '@platformatic/kafka' };

/** A topic, a consumer group and key and index prefixes of its own per test: runs never see each other's data. */
function isolated(kafkaClient: KafkaClient, es: string | undefined) {
  const id = randomUUID();
  return resolveConfig(
    { dataDir: tempDir('musicflow-servers-'), kafka: brokers, kafkaClient, redis, topic: `musicflow.test.${id}`, elasticsearch: es },
    {
      MUSICFLOW_REDIS_PREFIX: `musicflow-test:${id}:`, MUSICFLOW_GROUP: `musicflow-test-${id}`,
      MUSICFLOW_ELASTICSEARCH_PREFIX: `musicflow-test-${id}-`, MUSICFLOW_ELASTICSEARCH_REPLICAS: '0',
    },
  );
}

if (brokers && redis) {
  // Test files run side by side on machines with more cores, and one group over two runs rebalances both.
  for (const [kafkaClient, library] of Object.entries(CLIENT_NAMES) as Array<[KafkaClient, string]>) {
    behaviourSuite({ name: `Kafka (${library}) + Redis (the test stack)`, freshConfig: async () => isolated(kafkaClient, undefined) });
  }
} else {
  it('behaviour on Kafka + Redis', { skip: 'MUSICFLOW_KAFKA_BROKERS / MUSICFLOW_REDIS_URL are unset: start the stack with `npm run stack:up` (npm test does)' }, () => {});
}

if (brokers && redis && elasticsearch) {
  behaviourSuite({ name: 'Kafka + Redis + Elasticsearch (the test stack)', freshConfig: async () => isolated('kafkajs', elasticsearch) });
} else {
  it('behaviour on Kafka + Redis + Elasticsearch', { skip: 'MUSICFLOW_ELASTICSEARCH_URL is unset: start the stack with `npm run stack:up` (npm test does)' }, () => {});
}
