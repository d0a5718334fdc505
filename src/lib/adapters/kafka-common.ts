// What the two Kafka event logs (kafkajs in kafka.ts, @platformatic/kafka in kafka-platformatic.ts) share,
// so that they keep the same topics, headers, timings, lag arithmetic and error messages, and each reads
// what the other wrote.
import type { Config } from '../config.js';
import { BackendUnavailableError, MusicflowError } from '../errors.js';
import type { FilePosition, FileProgress, FileStep, Health, LogRecord, PartitionLag } from '../ports.js';
import type { DeadLetter } from '../records.js';

export type KafkaSettings = Pick<Config, 'kafkaBrokers' | 'topic' | 'partitions' | 'kafkaSasl' | 'kafkaTls' | 'kafkaCa'>;

/** Caught up for this long on every partition: `--until-idle` is done. */
export const IDLE_MS = 1_500;
export const LAG_POLL_MS = 500;
/** Heartbeats while a batch waits for a sink (Redis down): the group keeps this worker's partitions. */
export const HEARTBEAT_MS = 1_000;
export const SESSION_TIMEOUT_MS = 10_000;
export const HEALTH_TIMEOUT_MS = 5_000;
/** Reading the dead letters gives up after this long. */
export const DEAD_LETTER_READ_MS = 30_000;

/** Header names of a record's source file and line (the line as decimal text), and of the file's identity. */
export const SOURCE_FILE = 'musicflow-source-file';
export const SOURCE_LINE = 'musicflow-source-line';
export const SOURCE_ID = 'musicflow-source-id';

export function deadLetterTopicOf(topic: string): string {
  return `${topic}.deadletters`;
}

/** Where `replay` keeps how far each file was sent: one record per file identity, compacted to the latest. */
export function filePositionsTopicOf(topic: string): string {
  return `${topic}.file-positions`;
}

/** The topics a log needs, with their partition counts and whether compacted: created when missing. */
export function topicsOf(settings: KafkaSettings): Array<{ topic: string; partitions: number; compacted: boolean }> {
  return [
    { topic: settings.topic, partitions: settings.partitions, compacted: false },
    { topic: deadLetterTopicOf(settings.topic), partitions: 1, compacted: false },
    { topic: filePositionsTopicOf(settings.topic), partitions: 1, compacted: true },
  ];
}

/** The topic configuration of a compacted topic. */
export const COMPACTED = { name: 'cleanup.policy', value: 'compact' };

export function sourceHeaders(source: LogRecord['source']): Record<string, string> | undefined {
  return source ? { [SOURCE_FILE]: source.file, [SOURCE_LINE]: String(source.line) } : undefined;
}

/** A record's source from its headers' text (undefined when it carries none). */
export function sourceFromHeaders(file: string | undefined, line: string | undefined): LogRecord['source'] {
  return file !== undefined ? { file, line: Number(line ?? 0) } : undefined;
}

export { chunked } from '../chunked.js';

/** A throwaway consumer group for reading the dead letters or a range of records; deleted afterwards. */
export function readerGroup(): string {
  return `musicflow-reader-${process.pid}-${Date.now()}`;
}

export function groupHasWorkers(group: string): MusicflowError {
  return new MusicflowError(`--from-beginning: consumer group "${group}" has running workers; stop them first, or drop --from-beginning to join them`);
}

export function deadLettersTooSlow(brokers: string[], topic: string, got: number, wanted: number): BackendUnavailableError {
  return new BackendUnavailableError(`Kafka (${brokers.join(',')})`, `reading ${topic} gave ${got} of ${wanted} letters within ${DEAD_LETTER_READ_MS / 1000} s`);
}

/** Per-partition lag from the log's first and next offsets and the group's committed ones (absent: none). */
export function lagOf(ends: Array<{ partition: number; low: number; high: number }>, committed: Map<number, number>): PartitionLag[] {
  return ends
    .map((p) => {
      const next = Math.max(committed.get(p.partition) ?? -1, 0);
      return { partition: p.partition, committed: next, end: p.high, lag: Math.max(0, p.high - Math.max(next, p.low)) };
    })
    .sort((a, b) => a.partition - b.partition);
}

/** The health report of a reachable cluster, in the same words whichever client asked. */
export function kafkaHealth(found: {
  client: string; settings: KafkaSettings; brokers: string[]; controller: number | null; partitions: number | null;
}): Health {
  const { client, settings, brokers, controller, partitions } = found;
  return {
    backend: 'kafka',
    ok: true,
    detail: `${brokers.length} broker(s) at ${settings.kafkaBrokers.join(',')}; topic ${settings.topic}: ${partitions === null ? 'not created yet' : `${partitions} partitions`}`,
    facts: { client, brokers, controller, topic: settings.topic, partitions },
  };
}

/** kafkajs errors that mean "cannot reach the cluster (now)", as opposed to a request Kafka refused. */
const KAFKAJS_UNREACHABLE = new Set([
  'KafkaJSConnectionError', 'KafkaJSNumberOfRetriesExceeded', 'KafkaJSBrokerNotFound', 'KafkaJSRequestTimeoutError',
  'KafkaJSConnectionClosedError', 'KafkaJSLockTimeout', 'KafkaJSTimeout',
]);
/** @platformatic/kafka's codes for the same: alone, or inside its MultipleErrors (searched with findBy). */
const PLATFORMATIC_UNREACHABLE = ['PLT_KFK_NETWORK', 'PLT_KFK_TIMEOUT'];

interface ClientError extends Error {
  retriable?: boolean; // kafkajs
  code?: string; // @platformatic/kafka
  canRetry?: boolean; // @platformatic/kafka
  errors?: unknown[]; // @platformatic/kafka MultipleErrors (an AggregateError)
  findBy?: (property: string, value: unknown) => Error | null;
}

function unreachable(e: ClientError): boolean {
  if (KAFKAJS_UNREACHABLE.has(e.name) || e.retriable === true) return true;
  if (e.code !== undefined && PLATFORMATIC_UNREACHABLE.includes(e.code)) return true;
  if (typeof e.findBy !== 'function') return false;
  return PLATFORMATIC_UNREACHABLE.some((code) => e.findBy!('code', code) !== null) || e.findBy('canRetry', true) !== null;
}

/** An error and the errors inside it (platformatic nests them in `errors` and `cause`), outermost first. */
function* nested(e: unknown, depth = 0): Generator<ClientError> {
  if (!(e instanceof Error) || depth > 8) return;
  yield e as ClientError;
  for (const inner of (e as ClientError).errors ?? []) yield* nested(inner, depth + 1);
  yield* nested(e.cause, depth + 1);
}

/** Credentials refused (kafkajs's error, platformatic's code), or a certificate not trusted (Node's TLS message). */
function securityFailure(e: ClientError): { error: ClientError; hint: string } | null {
  for (const x of nested(e)) {
    if (x.name === 'KafkaJSSASLAuthenticationError' || x.code === 'PLT_KFK_AUTHENTICATION') {
      return { error: x, hint: 'check MUSICFLOW_KAFKA_SASL_USERNAME, MUSICFLOW_KAFKA_SASL_PASSWORD and MUSICFLOW_KAFKA_SASL_MECHANISM' };
    }
    if (/certificate/i.test(x.message)) {
      return { error: x, hint: 'the broker\'s TLS certificate is not trusted: set MUSICFLOW_KAFKA_CA to the PEM file of the CA that signed it' };
    }
  }
  return null;
}

/** An error's message with the first inner error's (platformatic wraps the useful one). */
function described(e: ClientError): string {
  const inner = e.errors?.find((x): x is Error => x instanceof Error);
  return inner && !e.message.includes(inner.message) ? `${e.message} (${inner.message})` : e.message;
}

/** Either client's error as BackendUnavailableError when the cluster cannot be reached, else as it is. */
export function kafkaUnavailable(err: unknown, brokers: string[]): Error {
  const e = err as ClientError;
  if (e instanceof BackendUnavailableError) return e;
  // Refused credentials or an untrusted certificate are no outage: name the setting that fixes them.
  const security = e ? securityFailure(e) : null;
  if (security) return new BackendUnavailableError(`Kafka (${brokers.join(',')})`, `${security.error.message} (${security.hint})`);
  if (e && unreachable(e)) {
    return new BackendUnavailableError(`Kafka (${brokers.join(',')})`,
      `${described(e)} (is the broker running? check --kafka / MUSICFLOW_KAFKA_BROKERS)`);
  }
  return e instanceof Error ? e : new Error(String(err));
}

/**
 * Runs sends one at a time, in call order: an idempotent producer numbers each partition's records, so sends
 * must not overtake each other. A failed send does not stop the ones queued after it.
 */
export class SendQueue {
  private last: Promise<unknown> = Promise.resolve();

  constructor(private readonly brokers: string[]) {}

  async run(send: () => Promise<unknown>): Promise<void> {
    const work = this.last.then(send);
    this.last = work.catch(() => undefined);
    try {
      await work;
    } catch (err) {
      throw kafkaUnavailable(err, this.brokers);
    }
  }
}

export function withTimeout<T>(work: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`${what}: no answer within ${ms} ms`)), ms);
  });
  return Promise.race([work, timeout]).finally(() => clearTimeout(timer));
}

export interface LagWatchOptions {
  lag: () => Promise<PartitionLag[]>;
  /** A batch is in hand: not idle, whatever the lag says. */
  busy: () => boolean;
  untilIdle: boolean;
  onLag?: (lag: PartitionLag[]) => void;
  /** With untilIdle: every partition caught up for IDLE_MS. */
  onIdle: () => void;
}

export interface LagWatch {
  /** Something was handed out: the idle clock starts again. */
  active(): void;
  stop(): void;
}

/** Polls the group's lag every LAG_POLL_MS, reports it, and tells when the group has been idle long enough. */
export function watchLag(options: LagWatchOptions): LagWatch {
  let idleSince: number | null = null;
  let stopped = false;
  let timer: NodeJS.Timeout | undefined;
  const poll = async () => {
    try {
      const lag = await options.lag();
      options.onLag?.(lag);
      const caughtUp = !options.busy() && lag.every((p) => p.lag === 0);
      if (!caughtUp) idleSince = null;
      else idleSince ??= Date.now();
      if (options.untilIdle && idleSince !== null && Date.now() - idleSince >= IDLE_MS) options.onIdle();
    } catch {
      idleSince = null; // lag unknown (broker restarting): not idle
    }
    if (!stopped) timer = setTimeout(poll, LAG_POLL_MS);
  };
  timer = setTimeout(poll, LAG_POLL_MS);
  return {
    active: () => { idleSince = null; },
    stop: () => {
      stopped = true;
      clearTimeout(timer);
    },
  };
}

// ---------------------------------------------------------------- file positions

export interface KafkaMessage { topic: string; key: string; value: string; headers?: Record<string, string> }
export interface PartitionRange { topic: string; partition: number; from: number; to: number }
export interface FetchedRecord { topic: string; partition: number; offset: number; key: string; value: string; headers: Map<string, string> }

/** What file positions need of a Kafka client. */
export interface KafkaRecordIo {
  /** Each partition of `topics` with its first and next offsets. */
  offsets(topics: string[]): Promise<Array<{ topic: string; partition: number; low: number; high: number }>>;
  /** Sends in order and resolves when every message is acknowledged (acks=all). */
  send(messages: KafkaMessage[]): Promise<void>;
  /** The records of each range [from, to), every partition of the ranges' topics named (empty ranges: none wanted). */
  read(ranges: PartitionRange[]): Promise<FetchedRecord[]>;
}

/**
 * A file's position on Kafka: how far it is sent, and the topics' offsets from which any later line of it
 * would be found. Written after each step is acknowledged, so after a crash the lines of the step cut short
 * that did land are past `scanFrom`: fileProgress finds them there by their source headers.
 */
interface Checkpoint extends FilePosition { scanFrom: Array<{ topic: string; partition: number; offset: number }> }

/**
 * Files sent once per line on Kafka. Each step's records and dead letters carry the file's identity and line; the
 * checkpoint after it goes to the compacted positions topic. Recovery reads the checkpoint and the topics' tails.
 */
export class KafkaFilePositions {
  private readonly topics: string[];
  private readonly positionsTopic: string;
  /** Files this process has written a checkpoint for. */
  private readonly checkpointed = new Set<string>();

  constructor(private readonly io: KafkaRecordIo, topic: string, private readonly brokers: string[] = []) {
    this.topics = [topic, deadLetterTopicOf(topic)];
    this.positionsTopic = filePositionsTopicOf(topic);
  }

  async append(step: FileStep): Promise<void> {
    try {
      await this.sendStep(step);
    } catch (err) {
      throw kafkaUnavailable(err, this.brokers);
    }
  }

  async progress(fileId: string): Promise<FileProgress | null> {
    try {
      return await this.readProgress(fileId);
    } catch (err) {
      throw kafkaUnavailable(err, this.brokers);
    }
  }

  private async sendStep(step: FileStep): Promise<void> {
    const [topic, deadLetterTopic] = this.topics;
    if (step.from.line === 0 && !this.checkpointed.has(step.fileId)) {
      // Sent from its start (first time, or --again): any of its lines from here on lands past the current ends.
      await this.checkpoint(step.fileId, step.from);
    }
    const sourced = (line: number) => ({ [SOURCE_ID]: step.fileId, [SOURCE_LINE]: String(line) });
    await this.io.send([
      ...step.records.map((r) => ({ topic, key: r.key, value: r.value, headers: { ...sourceHeaders(r.source), ...sourced(r.source?.line ?? 0) } })),
      ...step.deadLetters.map((l: DeadLetter) => ({ topic: deadLetterTopic, key: l.source, value: JSON.stringify(l), headers: sourced(l.line ?? 0) })),
    ]);
    await this.checkpoint(step.fileId, step.to);
  }

  private async readProgress(fileId: string): Promise<FileProgress | null> {
    const [positions] = await this.io.offsets([this.positionsTopic]);
    const records = await this.io.read([{ topic: this.positionsTopic, partition: 0, from: positions.low, to: positions.high }]);
    const latest = records.filter((r) => r.key === fileId).pop();
    if (latest === undefined) return null;
    const { line, byte, scanFrom } = JSON.parse(latest.value) as Checkpoint;
    const ends = await this.io.offsets(this.topics);
    const from = new Map(scanFrom.map((o) => [`${o.topic}:${o.partition}`, o.offset]));
    const ranges = ends.map((e) => ({ topic: e.topic, partition: e.partition, from: Math.max(from.get(`${e.topic}:${e.partition}`) ?? e.low, e.low), to: e.high }));
    const tail = ranges.some((r) => r.from < r.to) ? await this.io.read(ranges) : [];
    const alsoSent = new Set(tail.filter((r) => r.headers.get(SOURCE_ID) === fileId).map((r) => Number(r.headers.get(SOURCE_LINE))).filter((n) => n > line));
    return { position: { line, byte }, alsoSent };
  }

  private async checkpoint(fileId: string, position: FilePosition): Promise<void> {
    const scanFrom = (await this.io.offsets(this.topics)).map((o) => ({ topic: o.topic, partition: o.partition, offset: o.high }));
    const value: Checkpoint = { line: position.line, byte: position.byte, scanFrom };
    await this.io.send([{ topic: this.positionsTopic, key: fileId, value: JSON.stringify(value) }]);
    this.checkpointed.add(fileId);
  }
}
