// The Kafka driver on @platformatic/kafka (1.x, the line that runs on Node 20), chosen with
// `--kafka-client platformatic`. Its consumer hands records out through a readable stream that fetches ahead.
import { readFileSync } from 'node:fs';
import { isIP } from 'node:net';
import {
  Admin, Consumer, ProduceAcks, Producer, compatibilityPartitioner, stringDeserializers, stringSerializers,
  type BaseOptions, type ConsumerOptions, type Message, type MessagesStream,
} from '@platformatic/kafka';
import type { ConsumedRecord } from '../../ports.js';
import { sleep } from '../../sleep.js';
import type {
  ClusterFacts, Fetched, FetchedRecord, GroupMember, JoinOptions, KafkaDriver, KafkaMessage, PartitionEnds, PartitionRange,
} from './driver.js';
import { ConsumerStoppedError, checkAssignment } from './errors.js';
import { COMPACTED, SOURCE_FILE, SOURCE_LINE, sourceFromHeaders, type KafkaSettings, type TopicSpec } from './log-layout.js';
import { platformaticErrors, protocolError } from './platformatic-errors.js';
import { RangeRead } from './range-read.js';
import { HEALTH_TIMEOUT_MS, HEARTBEAT_MS, SESSION_TIMEOUT_MS, withTimeout } from './timings.js';

type StringMessage = Message<string, string, string, string>;
type StringStream = MessagesStream<string, string, string, string>;
type StringConsumer = Consumer<string, string, string, string>;
type Connection = Omit<BaseOptions, 'clientId'>;

const REBALANCE_TIMEOUT_MS = 60_000;
/** How long a fetch waits on the broker for new records: also how soon a closing consumer lets go. */
const FETCH_WAIT_MS = 1_000;
/** Fetch sizes as kafkajs's defaults: at most 1 MB a partition, 10 MB a fetch. */
const FETCH_MAX_BYTES_PER_PARTITION = 1_048_576;
const FETCH_MAX_BYTES = 10 * 1_048_576;
/** A new topic's partitions get their leaders within this long. */
const LEADERS_WAIT_MS = 10_000;

/** Connection settings from the config: brokers, timeouts, retries (backing off as kafkajs does), TLS, SASL. */
export function platformaticConnection(settings: Pick<KafkaSettings, 'kafkaBrokers' | 'kafkaSasl' | 'kafkaTls' | 'kafkaCa'>, retries = 4): Connection {
  const connection: Connection = {
    bootstrapBrokers: settings.kafkaBrokers,
    connectTimeout: 3_000,
    requestTimeout: 30_000,
    retries,
    retryDelay: (_client, _operation, attempt) => Math.min(300 * 2 ** (attempt - 1), 3_000),
  };
  if (settings.kafkaTls || settings.kafkaCa) {
    // A private CA (MUSICFLOW_KAFKA_CA) replaces the system's list for these connections.
    connection.tls = settings.kafkaCa ? { ca: [readFileSync(settings.kafkaCa, 'utf8')] } : {};
    // SNI with each broker's host name, as kafkajs sends it; kafkajs leaves it out for IP addresses (RFC 6066).
    if (!settings.kafkaBrokers.some((broker) => isIP(broker.slice(0, broker.lastIndexOf(':'))))) connection.tlsServerName = true;
  }
  if (settings.kafkaSasl) {
    const { mechanism, username, password } = settings.kafkaSasl;
    connection.sasl = { mechanism: mechanism.toUpperCase() as 'PLAIN' | 'SCRAM-SHA-256' | 'SCRAM-SHA-512', username, password };
  }
  return connection;
}

export class PlatformaticDriver implements KafkaDriver {
  readonly client = '@platformatic/kafka';
  readonly errors = platformaticErrors;
  private readonly connection: Connection;
  private admin: Admin | null = null;
  private producer: Producer<string, string, string, string> | null = null;

  constructor(private readonly settings: KafkaSettings, private readonly clientId = 'musicflow') {
    this.connection = platformaticConnection(settings);
  }

  listTopics(): Promise<string[]> {
    return this.connectedAdmin().listTopics();
  }

  async createTopics(topics: TopicSpec[]): Promise<void> {
    const admin = this.connectedAdmin();
    for (const { topic, partitions, compacted } of topics) {
      try {
        await admin.createTopics({ topics: [topic], partitions, replicas: -1, configs: compacted ? [COMPACTED] : [] });
      } catch (err) {
        if (!protocolError(err, 'TOPIC_ALREADY_EXISTS')) throw err; // another worker created it first
      }
    }
    await this.leadersOf(topics.map((t) => t.topic));
  }

  /** Waits until every partition of `topics` has a leader (a fresh topic takes a moment). */
  private async leadersOf(topics: string[]): Promise<void> {
    const deadline = Date.now() + LEADERS_WAIT_MS;
    for (;;) {
      const metadata = await this.connectedAdmin().metadata({ topics, forceUpdate: true }).catch(() => null);
      const led = metadata !== null && topics.every((t) => {
        const partitions = metadata.topics.get(t)?.partitions ?? [];
        return partitions.length > 0 && partitions.every((p) => p.leader >= 0);
      });
      if (led || Date.now() > deadline) return;
      await sleep(100);
    }
  }

  async offsets(topic: string): Promise<PartitionEnds[]> {
    const admin = this.connectedAdmin();
    const metadata = await admin.metadata({ topics: [topic] });
    const count = metadata.topics.get(topic)?.partitionsCount ?? 0;
    const at = (timestamp: bigint) => admin.listOffsets({
      topics: [{ name: topic, partitions: Array.from({ length: count }, (_, partitionIndex) => ({ partitionIndex, timestamp })) }],
    });
    const [earliest, latest] = await Promise.all([at(-2n), at(-1n)]);
    const low = new Map((earliest[0]?.partitions ?? []).map((p) => [p.partitionIndex, Number(p.offset)]));
    return (latest[0]?.partitions ?? []).map((p) => ({ partition: p.partitionIndex, low: low.get(p.partitionIndex) ?? 0, high: Number(p.offset) }));
  }

  async committedOffsets(group: string, topic: string): Promise<Map<number, number>> {
    const groups = await this.connectedAdmin().listConsumerGroupOffsets({ groups: [group] });
    const partitions = groups[0]?.topics.find((t) => t.name === topic)?.partitions ?? [];
    return new Map(partitions.map((p) => [p.partitionIndex, Number(p.committedOffset)]));
  }

  async deleteGroup(group: string): Promise<'deleted' | 'absent' | 'in use'> {
    try {
      await this.connectedAdmin().deleteGroups({ groups: [group] });
      return 'deleted';
    } catch (err) {
      if (protocolError(err, 'GROUP_ID_NOT_FOUND')) return 'absent';
      if (protocolError(err, 'NON_EMPTY_GROUP')) return 'in use';
      throw err;
    }
  }

  async groupMembers(group: string): Promise<number> {
    return (await this.connectedAdmin().describeGroups({ groups: [group] })).get(group)?.members.size ?? 0;
  }

  async send(messages: KafkaMessage[]): Promise<void> {
    await this.connectedProducer().send({ messages });
  }

  /** Reads from the ranges' starts (a manual stream), as a group of its own. */
  async readRanges(group: string, ranges: PartitionRange[], signal: AbortSignal): Promise<FetchedRecord[]> {
    const read = new RangeRead(ranges);
    const consumer = this.consumer(group, {});
    let stream: StringStream | undefined;
    try {
      stream = await consumer.consume({
        topics: [...new Set(ranges.map((r) => r.topic))], mode: 'manual', autocommit: false,
        offsets: ranges.map((r) => ({ topic: r.topic, partition: r.partition, offset: BigInt(r.from) })),
      });
      const reading = stream;
      await new Promise<void>((resolve, reject) => {
        signal.addEventListener('abort', () => resolve(), { once: true });
        reading.on('error', reject);
        reading.on('data', (m: StringMessage) => {
          if (read.offer({ topic: m.topic, partition: m.partition, offset: Number(m.offset), key: m.key ?? '', value: m.value ?? '', headers: new Map(m.headers) })) resolve();
        });
      });
    } finally {
      await stream?.close().catch(() => undefined);
      await consumer.close().catch(() => undefined);
    }
    return read.records;
  }

  async join(options: JoinOptions): Promise<GroupMember> {
    const consumer = this.consumer(options.group, {
      rebalanceTimeout: REBALANCE_TIMEOUT_MS,
      // kafkajs's name for round robin: workers on either client can share one group (both encode the standard
      // subscription and assignment, and the group leader's client assigns).
      protocols: [{ name: 'RoundRobinAssigner', version: 0 }],
      maxBytesPerPartition: FETCH_MAX_BYTES_PER_PARTITION,
      maxBytes: FETCH_MAX_BYTES,
    });
    const member = new PlatformaticMember(consumer, options);
    try {
      await member.start();
    } catch (err) {
      await consumer.close().catch(() => undefined);
      throw err;
    }
    return member;
  }

  async cluster(topic: string): Promise<ClusterFacts> {
    const admin = this.connectedAdmin();
    const topics = await withTimeout(admin.listTopics(), HEALTH_TIMEOUT_MS, 'listing topics');
    const exists = topics.includes(topic);
    const metadata = await withTimeout(admin.metadata({ topics: exists ? [topic] : [] }), HEALTH_TIMEOUT_MS, 'reading metadata');
    return {
      brokers: [...metadata.brokers.values()].map((b) => `${b.host}:${b.port}`),
      controller: metadata.controllerId,
      partitions: exists ? metadata.topics.get(topic)?.partitionsCount ?? null : null,
    };
  }

  async close(): Promise<void> {
    const producer = this.producer;
    const admin = this.admin;
    this.producer = null;
    this.admin = null;
    await Promise.allSettled([producer?.close(), admin?.close()]);
  }

  private consumer(group: string, options: Partial<ConsumerOptions<string, string, string, string>>): StringConsumer {
    return new Consumer<string, string, string, string>({
      ...this.connection, clientId: this.clientId, groupId: group, deserializers: stringDeserializers, autocommit: false,
      sessionTimeout: SESSION_TIMEOUT_MS,
      heartbeatInterval: HEARTBEAT_MS, // heartbeats run on their own timer, also while a batch waits for a sink
      maxWaitTime: FETCH_WAIT_MS,
      ...options,
    });
  }

  /** One admin client per instance, created on first use; it connects on its first request. */
  private connectedAdmin(): Admin {
    this.admin ??= new Admin({ ...this.connection, clientId: this.clientId });
    return this.admin;
  }

  private connectedProducer(): Producer<string, string, string, string> {
    this.producer ??= new Producer<string, string, string, string>({
      ...platformaticConnection(this.settings, 8),
      clientId: this.clientId,
      serializers: stringSerializers,
      idempotent: true, // a retried send never writes a record twice
      acks: ProduceAcks.ALL,
      // gzip, as the kafkajs driver writes: kafkajs reads lz4, snappy and zstd only with codecs it does not ship.
      compression: 'gzip',
      partitioner: compatibilityPartitioner, // murmur2 of the key as the Java client and kafkajs: same partitions
      autocreateTopics: false,
    });
    return this.producer;
  }
}

/**
 * A member reading the group's topic through a stream in 'committed' mode: after each rebalance the stream
 * starts every partition it is given at the committed offset, else the oldest record.
 */
class PlatformaticMember implements GroupMember {
  private stream!: StringStream;
  /** The library's message behind each record handed out, to commit through it. */
  private readonly messages = new WeakMap<ConsumedRecord, StringMessage>();
  private wake: (() => void) | null = null;

  constructor(private readonly consumer: StringConsumer, private readonly options: JoinOptions) {}

  async start(): Promise<void> {
    // Before the first join, which consume() makes.
    this.consumer.on('consumer:group:join', (event: { assignments?: Array<{ topic: string; partitions: number[] }> }) => {
      checkAssignment(this.options, event.assignments ?? []);
    });
    this.stream = await this.openStream();
  }

  private async openStream(): Promise<StringStream> {
    const stream = await this.consumer.consume({
      topics: [this.options.topic], mode: 'committed', fallbackMode: 'earliest', autocommit: false,
      highWaterMark: Math.min(Math.max(this.options.maxBatch, 1_024), 20_000),
    });
    stream.on('readable', () => this.rouse());
    stream.on('close', () => this.rouse());
    stream.on('error', (err) => { if (stream === this.stream) this.options.onFailure(err); });
    return stream;
  }

  private rouse(): void {
    const waiting = this.wake;
    this.wake = null;
    waiting?.();
  }

  /** What the stream holds now, at most maxBatch records a partition, waiting for some when it holds none. */
  async next(signal: AbortSignal): Promise<Fetched | null> {
    const abort = () => this.rouse();
    signal.addEventListener('abort', abort, { once: true });
    try {
      for (;;) {
        if (signal.aborted) return null;
        const records = this.take();
        if (records.length > 0) {
          const assigned = this.consumer.assignments?.find((a) => a.topic === this.options.topic)?.partitions ?? [];
          return { generation: this.consumer.generationId, assigned: new Set(assigned), records };
        }
        if (this.stream.destroyed || this.stream.readableEnded) throw new ConsumerStoppedError(this.options.topic);
        await new Promise<void>((resolve) => { this.wake = resolve; });
      }
    } finally {
      signal.removeEventListener('abort', abort);
    }
  }

  private take(): ConsumedRecord[] {
    const out: ConsumedRecord[] = [];
    while (out.length < this.options.maxBatch * this.options.partitions) {
      const message = this.stream.read() as StringMessage | null;
      if (message === null) break;
      const record = recordOf(message);
      this.messages.set(record, message);
      out.push(record);
    }
    return out;
  }

  holds(generation: number): boolean {
    return generation === this.consumer.generationId;
  }

  async commit(last: ConsumedRecord): Promise<void> {
    await this.messages.get(last)!.commit();
  }

  /**
   * Opens a new stream, which starts at the committed offsets: at or before each position, as every batch is
   * committed after it is handed out. The new stream is opened before the old one closes, so the consumer keeps
   * its subscription and the group does not rebalance.
   */
  async rewind(): Promise<void> {
    const stale = this.stream;
    this.stream = await this.openStream();
    await stale.close().catch(() => undefined);
  }

  async close(): Promise<void> {
    await this.stream.close().catch(() => undefined);
    await this.consumer.close();
  }
}

function recordOf(message: StringMessage): ConsumedRecord {
  return {
    key: message.key ?? '',
    value: message.value ?? '',
    partition: message.partition,
    offset: Number(message.offset),
    appendedAt: Number(message.timestamp),
    source: sourceFromHeaders(message.headers.get(SOURCE_FILE), message.headers.get(SOURCE_LINE)),
  };
}
