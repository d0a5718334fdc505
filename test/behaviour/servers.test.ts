// The behavioural suite on the server adapters: Kafka event log (on each client library), Redis store and
// index (the test stack).
import { randomUUID } from 'node:crypto';
import { it } from 'node:test';
import { resolveConfig, type KafkaClient } from '../../src/lib/config.js';
import { tempDir } from '../support/fixtures.js';
import { behaviourSuite } from './suite.js';

const brokers = process.env.MUSICFLOW_KAFKA_BROKERS;
const redis = process.env.MUSICFLOW_REDIS_URL;
const CLIENT_NAMES: Record<KafkaClient, string> = { kafkajs: 'kafkajs', platformatic: '@platformatic/kafka' };

if (brokers && redis) {
  for (const [kafkaClient, library] of Object.entries(CLIENT_NAMES)) {
    behaviourSuite({
      name: `Kafka (${library}) + Redis (the test stack)`,
      // A topic, a consumer group and a key prefix of its own per test: runs never see each other's data (test
      // files run side by side on machines with more cores, and one group over two runs rebalances both).
      freshConfig: async () => {
        const id = randomUUID();
        return resolveConfig(
          { dataDir: tempDir('musicflow-servers-'), kafka: brokers, kafkaClient, redis, topic: `musicflow.test.${id}` },
          { MUSICFLOW_REDIS_PREFIX: `musicflow-test:${id}:`, MUSICFLOW_GROUP: `musicflow-test-${id}` },
        );
      },
    });
  }
} else {
  it('behaviour on Kafka + Redis', { skip: 'MUSICFLOW_KAFKA_BROKERS / MUSICFLOW_REDIS_URL are unset: start the stack with `npm run stack:up` (npm test does)' }, () => {});
}
