// The Kafka event log's errors, and how a client library's error becomes one that says how to fix it.
// Each driver says how its library's errors read (kafkajs-errors.ts, platformatic-errors.ts).
import { BackendUnavailableError, MusicflowError } from '../../errors.js';
import { READ_RANGES_MS } from './timings.js';

/** What the event log needs to know of a client library's errors. */
export interface ClientErrors {
  /** Cannot reach the cluster (now), as opposed to a request Kafka refused. */
  unreachable(e: Error): boolean;
  /** The broker refused the credentials. */
  credentialsRefused(e: Error): boolean;
  /** The error's message, with the inner one's where the library wraps the useful one. */
  describe(e: Error): string;
}

export class GroupHasWorkersError extends MusicflowError {
  constructor(readonly group: string) {
    super(`--from-beginning: consumer group "${group}" has running workers; stop them first, or drop --from-beginning to join them`);
  }
}

/**
 * The consumer group also reads another topic. A group's leader assigns the partitions of its own topic to every
 * member (neither client's round-robin assigner looks at what a member subscribed to), so the workers of one
 * topic could be handed only the other's partitions and wait for their own records forever.
 */
export class GroupSharedError extends MusicflowError {
  constructor(readonly group: string, readonly topic: string, readonly others: string[]) {
    super(`consumer group "${group}" is also used for ${others.join(', ')}, not only ${topic}; its workers would wait for records nobody hands them: give each topic a group of its own (--group / MUSICFLOW_GROUP)`);
  }
}

/** Fails a member handed partitions of topics other than its own (GroupSharedError); for @platformatic/kafka, whose assignments show them. */
export function checkAssignment(options: { group: string; topic: string; onFailure: (err: unknown) => void }, assigned: Array<{ topic: string; partitions: number[] }>): void {
  const others = assigned.filter((a) => a.topic !== options.topic && a.partitions.length > 0).map((a) => a.topic);
  if (others.length > 0) options.onFailure(new GroupSharedError(options.group, options.topic, [...new Set(others)]));
}

/** Reading a range of records did not reach its end in time. */
export class ReadTooSlowError extends BackendUnavailableError {
  constructor(brokers: string[], readonly topics: string[], readonly got: number, readonly wanted: number) {
    super(`Kafka (${brokers.join(',')})`, `reading ${topics.join(', ')} gave ${got} of ${wanted} records within ${READ_RANGES_MS / 1000} s`);
  }
}

/** The consumer's stream of records ended though nobody closed it. */
export class ConsumerStoppedError extends MusicflowError {
  constructor(readonly topic: string) {
    super(`the consumer of ${topic} stopped reading`);
  }
}

interface NestingError extends Error {
  errors?: unknown[]; // an AggregateError's
}

/** An error and the errors inside it (libraries nest them in `errors` and `cause`), outermost first. */
function* nested(e: unknown, depth = 0): Generator<NestingError> {
  if (!(e instanceof Error) || depth > 8) return;
  yield e;
  for (const inner of (e as NestingError).errors ?? []) yield* nested(inner, depth + 1);
  yield* nested(e.cause, depth + 1);
}

/** Credentials refused (the library says so), or a certificate not trusted (Node's TLS message). */
function securityFailure(e: Error, client: ClientErrors): { error: Error; hint: string } | null {
  for (const x of nested(e)) {
    if (client.credentialsRefused(x)) {
      return { error: x, hint: 'check MUSICFLOW_KAFKA_SASL_USERNAME, MUSICFLOW_KAFKA_SASL_PASSWORD and MUSICFLOW_KAFKA_SASL_MECHANISM' };
    }
    if (/certificate/i.test(x.message)) {
      return { error: x, hint: 'the broker\'s TLS certificate is not trusted: set MUSICFLOW_KAFKA_CA to the PEM file of the CA that signed it' };
    }
  }
  return null;
}

/** A client's error as BackendUnavailableError when the cluster cannot be reached, else as it is. */
export function kafkaError(err: unknown, brokers: string[], client: ClientErrors): Error {
  if (err instanceof MusicflowError) return err;
  if (!(err instanceof Error)) return new Error(String(err));
  const backend = `Kafka (${brokers.join(',')})`;
  // Refused credentials or an untrusted certificate are no outage: name the setting that fixes them.
  const security = securityFailure(err, client);
  if (security) return new BackendUnavailableError(backend, `${security.error.message} (${security.hint})`);
  if (client.unreachable(err)) {
    return new BackendUnavailableError(backend, `${client.describe(err)} (is the broker running? check --kafka / MUSICFLOW_KAFKA_BROKERS)`);
  }
  return err;
}
