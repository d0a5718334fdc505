// How kafkajs's errors read: by class name, and its `retriable` flag.
import type { ClientErrors } from './errors.js';

/** kafkajs errors that mean "cannot reach the cluster (now)", as opposed to a request Kafka refused. */
const UNREACHABLE = new Set([
  'KafkaJSConnectionError', 'KafkaJSNumberOfRetriesExceeded', 'KafkaJSBrokerNotFound', 'KafkaJSRequestTimeoutError',
  'KafkaJSConnectionClosedError', 'KafkaJSLockTimeout', 'KafkaJSTimeout',
]);

export const kafkajsErrors: ClientErrors = {
  unreachable: (e) => UNREACHABLE.has(e.name) || (e as { retriable?: boolean }).retriable === true,
  credentialsRefused: (e) => e.name === 'KafkaJSSASLAuthenticationError',
  describe: (e) => e.message,
};

/** The Kafka error types (e.g. NON_EMPTY_GROUP) a kafkajs admin call reports per group. */
export function groupErrorTypes(err: unknown): Array<string | undefined> {
  return ((err as { groups?: Array<{ error?: { type?: string } }> }).groups ?? []).map((g) => g.error?.type);
}
