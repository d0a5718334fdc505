// The event log over Kafka on @platformatic/kafka (1.x, the line that runs on Node 20), chosen with
// `--kafka-client platformatic`. Same topics, keys, partitioner, headers, offsets, messages and errors as the
// kafkajs log in kafka.ts (what they share is in kafka-common.ts), so either client reads what the other wrote.
// Workers of one consumer group share the partitions and commit a batch's offsets only after its effects
// are durable (onBatch resolved).
import { readFileSync } from 'node:fs';
import { isIP } from 'node:net';
import {
  Admin, Consumer, ProduceAcks, Producer, compatibilityPartitioner, stringDeserializers, stringSerializers,
  type BaseOptions, type Message, type MessagesStream,
} from '@platformatic/kafka';
import type { ConsumeOptions, ConsumedRecord, DeadLetterCounts, EventLog, FileProgress, FileStep, Health, LogBatch, LogRecord, PartitionLag } from '../ports.js';
import { countDistinct, distinctDeadLetters } from '../dead-letters.js';
import type { DeadLetter } from '../records.js';
import { sleep } from '../sleep.js';
import {
  COMPACTED, DEAD_LETTER_READ_MS, HEALTH_TIMEOUT_MS, HEARTBEAT_MS, SESSION_TIMEOUT_MS, SOURCE_FILE, SOURCE_LINE, chunked, readerGroup,
  deadLetterTopicOf, deadLettersTooSlow, groupHasWorkers, kafkaHealth, kafkaUnavailable, lagOf, sourceFromHeaders, sourceHeaders,
  topicsOf, KafkaFilePositions, SendQueue, watchLag, withTimeout, type FetchedRecord, type KafkaMessage, type KafkaSettings, type PartitionRange,
} from './kafka-common.js';

type StringMessage = Message<string, string, string, string>;
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

export class PlatformaticKafkaEventLog implements EventLog {
  readonly name: string;
  readonly deadLetterTopic: string;
  private readonly connection: Connection;
  private admin: Admin | null = null;
  private producer: Producer<string, string, string, string> | null = null;
  private topicsReady: Promise<void> | null = null;
  private readonly sends: SendQueue;
  private readonly files: KafkaFilePositions;

  constructor(private readonly settings: KafkaSettings, private readonly clientId = 'musicflow') {
    this.name = settings.topic;
    this.deadLetterTopic = deadLetterTopicOf(settings.topic);
    this.connection = platformaticConnection(settings);
    this.sends = new SendQueue(settings.kafkaBrokers);
    this.files = new KafkaFilePositions({
      offsets: async (topics) => {
        await this.ensureTopics();
        const ranges = await Promise.all(topics.map(async (topic) => (await this.offsetRange(this.connectedAdmin(), topic)).map((r) => ({ topic, ...r }))));
        return ranges.flat();
      },
      send: (messages) => this.send(messages),
      read: (ranges) => this.read(ranges),
    }, settings.topic, settings.kafkaBrokers);
  }

  appendFromFile(step: FileStep): Promise<void> {
    return this.files.append(step);
  }

  fileProgress(fileId: string): Promise<FileProgress | null> {
    return this.files.progress(fileId);
  }

  async append(records: LogRecord[]): Promise<void> {
    if (records.length === 0) return;
    await this.send(records.map((r) => ({ topic: this.settings.topic, key: r.key, value: r.value, headers: sourceHeaders(r.source) })));
  }

  async appendDeadLetters(letters: DeadLetter[]): Promise<void> {
    if (letters.length === 0) return;
    await this.send(letters.map((l) => ({ topic: this.deadLetterTopic, key: l.source, value: JSON.stringify(l) })));
  }

  private async send(messages: KafkaMessage[]): Promise<void> {
    await this.sends.run(async () => {
      await this.ensureTopics();
      await this.connectedProducer().send({ messages });
    });
  }

  /** Reads the ranges from their starts with a throwaway group. */
  private async read(ranges: PartitionRange[]): Promise<FetchedRecord[]> {
    const unread = new Map(ranges.filter((r) => r.from < r.to).map((r) => [`${r.topic}:${r.partition}`, r]));
    const records: FetchedRecord[] = [];
    if (unread.size === 0) return records;
    const group = readerGroup();
    const consumer = new Consumer<string, string, string, string>({
      ...this.connection, clientId: this.clientId, groupId: group, deserializers: stringDeserializers, autocommit: false,
      sessionTimeout: SESSION_TIMEOUT_MS, heartbeatInterval: HEARTBEAT_MS, maxWaitTime: FETCH_WAIT_MS,
    });
    const topics = [...new Set(ranges.map((r) => r.topic))];
    let stream: MessagesStream<string, string, string, string> | undefined;
    try {
      stream = await consumer.consume({
        topics, mode: 'manual', autocommit: false,
        offsets: ranges.map((r) => ({ topic: r.topic, partition: r.partition, offset: BigInt(r.from) })),
      });
      const reading = stream;
      await new Promise<void>((resolve, reject) => {
        const timer = setTimeout(() => reject(new Error(`reading ${topics.join(', ')}: no end within ${DEAD_LETTER_READ_MS / 1000} s`)), DEAD_LETTER_READ_MS);
        reading.on('error', (err) => { clearTimeout(timer); reject(err); });
        reading.on('data', (message: StringMessage) => {
          const range = unread.get(`${message.topic}:${message.partition}`);
          const offset = Number(message.offset);
          if (range === undefined || offset < range.from) return;
          if (offset < range.to) {
            records.push({
              topic: message.topic, partition: message.partition, offset, key: message.key ?? '', value: message.value ?? '', headers: new Map(message.headers),
            });
          }
          if (offset >= range.to - 1) unread.delete(`${message.topic}:${message.partition}`);
          if (unread.size === 0) {
            clearTimeout(timer);
            resolve();
          }
        });
      });
    } finally {
      await stream?.close().catch(() => undefined);
      await consumer.close().catch(() => undefined);
      await this.connectedAdmin().deleteGroups({ groups: [group] }).catch(() => undefined);
    }
    return records;
  }

  async consume(options: ConsumeOptions): Promise<void> {
    await this.ensureTopics();
    const admin = this.connectedAdmin();
    if (options.fromBeginning) await this.forgetGroup(admin, options.group);
    const consumer = new Consumer<string, string, string, string>({
      ...this.connection,
      clientId: this.clientId,
      groupId: options.group,
      deserializers: stringDeserializers,
      autocommit: false,
      sessionTimeout: SESSION_TIMEOUT_MS,
      heartbeatInterval: HEARTBEAT_MS, // heartbeats run on their own timer, also while a batch waits for a sink
      rebalanceTimeout: REBALANCE_TIMEOUT_MS,
      // kafkajs's name for round robin: workers on either client can share one group (both encode the standard
      // subscription and assignment, and the group leader's client assigns).
      protocols: [{ name: 'RoundRobinAssigner', version: 0 }],
      maxWaitTime: FETCH_WAIT_MS,
      maxBytesPerPartition: FETCH_MAX_BYTES_PER_PARTITION,
      maxBytes: FETCH_MAX_BYTES,
    });
    let failure: unknown = null;
    let stopping = false;
    let wake: (() => void) | null = null;
    const rouse = () => {
      const waiting = wake;
      wake = null;
      waiting?.();
    };
    const finish = () => {
      stopping = true;
      rouse();
    };
    let busy = false;
    let stream: MessagesStream<string, string, string, string> | undefined;
    let lagWatch: ReturnType<typeof watchLag> | undefined;

    options.signal.addEventListener('abort', finish, { once: true });
    if (options.signal.aborted) finish();
    try {
      // A new group starts at the oldest record: the sinks' watermarks make re-reading harmless, skipping is not.
      stream = await consumer.consume({
        topics: [this.settings.topic], mode: 'committed', fallbackMode: 'earliest', autocommit: false,
        highWaterMark: Math.min(Math.max(options.maxBatch, 1_024), 20_000),
      });
      const opened = stream;
      opened.on('readable', rouse);
      opened.on('close', rouse);
      opened.on('error', (err) => {
        failure ??= err;
        finish();
      });
      const cursor = new GenerationCursor(consumer, opened, this.settings.topic, () => this.lagWith(admin, options.group));
      lagWatch = watchLag({
        lag: () => this.lagWith(admin, options.group), busy: () => busy, untilIdle: options.untilIdle, onLag: options.onLag, onIdle: finish,
      });
      // Reads what the stream holds (it fetches ahead), hands it out a partition at a time, commits after each batch.
      while (!stopping) {
        const taken = take(opened, options.maxBatch * this.settings.partitions);
        if (taken.length === 0) {
          if (opened.destroyed || opened.readableEnded) {
            failure ??= new Error(`the consumer of ${this.settings.topic} stopped reading`);
            break;
          }
          await new Promise<void>((resolve) => { wake = resolve; });
          continue;
        }
        busy = true;
        lagWatch.active();
        try {
          for (const batch of await cursor.batches(taken, options.maxBatch)) {
            if (stopping || !cursor.current()) break;
            await options.onBatch(batch.batch);
            cursor.handedOut(batch.batch);
            // A rebalance meanwhile makes the commit fail: the effects are durable and guarded by watermarks,
            // so the partition's new owner re-reading these records changes nothing.
            await Promise.resolve(batch.last.commit()).catch(() => undefined);
          }
        } finally {
          busy = false;
        }
      }
    } catch (err) {
      failure ??= err;
    } finally {
      lagWatch?.stop();
      options.signal.removeEventListener('abort', finish);
      await stream?.close().catch(() => undefined);
      // Leaves the group: its partitions go to the other workers at once instead of after the session timeout.
      await consumer.close().catch(() => undefined);
    }
    if (failure) throw kafkaUnavailable(failure, this.settings.kafkaBrokers);
  }

  /** `--from-beginning`: the group's committed offsets are dropped, so it starts at the oldest record. */
  private async forgetGroup(admin: Admin, group: string): Promise<void> {
    const deadline = Date.now() + SESSION_TIMEOUT_MS + 2_000;
    for (;;) {
      try {
        await admin.deleteGroups({ groups: [group] });
        return;
      } catch (err) {
        if (protocolError(err, 'GROUP_ID_NOT_FOUND')) return;
        if (!protocolError(err, 'NON_EMPTY_GROUP')) throw kafkaUnavailable(err, this.settings.kafkaBrokers);
        // Only members holding the group are running workers. A join whose answer was lost (a busy machine)
        // leaves a pending member behind that the broker drops within the session timeout: wait for that.
        const members = (await admin.describeGroups({ groups: [group] })).get(group)?.members.size ?? 0;
        if (members > 0 || Date.now() > deadline) throw groupHasWorkers(group);
        await sleep(500);
      }
    }
  }

  async lag(group: string): Promise<PartitionLag[]> {
    try {
      await this.ensureTopics();
      return await this.lagWith(this.connectedAdmin(), group);
    } catch (err) {
      throw kafkaUnavailable(err, this.settings.kafkaBrokers);
    }
  }

  private async lagWith(admin: Admin, group: string): Promise<PartitionLag[]> {
    const [ends, groups] = await Promise.all([
      this.offsetRange(admin, this.settings.topic),
      admin.listConsumerGroupOffsets({ groups: [group] }),
    ]);
    const partitions = groups[0]?.topics.find((t) => t.name === this.settings.topic)?.partitions ?? [];
    const committed = new Map(partitions.map((p) => [p.partitionIndex, Number(p.committedOffset)]));
    return lagOf(ends, committed);
  }

  /** Each partition's first and next offsets. */
  private async offsetRange(admin: Admin, topic: string): Promise<Array<{ partition: number; low: number; high: number }>> {
    const metadata = await admin.metadata({ topics: [topic] });
    const count = metadata.topics.get(topic)?.partitionsCount ?? 0;
    const at = (timestamp: bigint) => admin.listOffsets({
      topics: [{ name: topic, partitions: Array.from({ length: count }, (_, partitionIndex) => ({ partitionIndex, timestamp })) }],
    });
    const [earliest, latest] = await Promise.all([at(-2n), at(-1n)]);
    const low = new Map((earliest[0]?.partitions ?? []).map((p) => [p.partitionIndex, Number(p.offset)]));
    return (latest[0]?.partitions ?? []).map((p) => ({ partition: p.partitionIndex, low: low.get(p.partitionIndex) ?? 0, high: Number(p.offset) }));
  }

  /**
   * Dead letters are deduplicated on read: a re-seeded file or a repeated stream step appends its letters again,
   * and a topic cannot refuse a record it holds already. Counting reads the whole topic (status, deadletters).
   */
  async deadLetterCounts(): Promise<DeadLetterCounts> {
    return countDistinct(await this.readAllDeadLetters());
  }

  async readDeadLetters(limit: number): Promise<DeadLetter[]> {
    return distinctDeadLetters(await this.readAllDeadLetters()).slice(0, limit);
  }

  /** Every record of the dead-letter topic, oldest first, read by a throwaway consumer group that is deleted afterwards. */
  private async readAllDeadLetters(): Promise<DeadLetter[]> {
    await this.ensureTopics();
    const admin = this.connectedAdmin();
    const ranges = await this.offsetRange(admin, this.deadLetterTopic).catch((err) => { throw kafkaUnavailable(err, this.settings.kafkaBrokers); });
    const wanted = ranges.reduce((sum, p) => sum + p.high - p.low, 0);
    if (wanted <= 0) return [];
    const group = readerGroup();
    const consumer = new Consumer<string, string, string, string>({
      ...this.connection, clientId: this.clientId, groupId: group, deserializers: stringDeserializers, autocommit: false,
      sessionTimeout: SESSION_TIMEOUT_MS, heartbeatInterval: HEARTBEAT_MS, maxWaitTime: FETCH_WAIT_MS,
    });
    const letters: Array<{ partition: number; offset: number; letter: DeadLetter }> = [];
    let stream: MessagesStream<string, string, string, string> | undefined;
    try {
      stream = await consumer.consume({ topics: [this.deadLetterTopic], mode: 'earliest', autocommit: false });
      const reading = stream;
      await new Promise<void>((resolve, reject) => {
        const timer = setTimeout(() => reject(deadLettersTooSlow(this.settings.kafkaBrokers, this.deadLetterTopic, letters.length, wanted)), DEAD_LETTER_READ_MS);
        reading.on('error', (err) => { clearTimeout(timer); reject(err); });
        reading.on('data', (message: StringMessage) => {
          if (letters.length >= wanted) return;
          letters.push({ partition: message.partition, offset: Number(message.offset), letter: JSON.parse(message.value) as DeadLetter });
          if (letters.length >= wanted) {
            clearTimeout(timer);
            resolve();
          }
        });
      });
    } catch (err) {
      throw kafkaUnavailable(err, this.settings.kafkaBrokers);
    } finally {
      await stream?.close().catch(() => undefined);
      await consumer.close().catch(() => undefined);
      await admin.deleteGroups({ groups: [group] }).catch(() => undefined);
    }
    return letters.sort((a, b) => a.partition - b.partition || a.offset - b.offset).map((l) => l.letter);
  }

  async health(): Promise<Health> {
    const brokers = this.settings.kafkaBrokers.join(',');
    try {
      const admin = this.connectedAdmin();
      const topics = await withTimeout(admin.listTopics(), HEALTH_TIMEOUT_MS, `Kafka ${brokers}`);
      const exists = topics.includes(this.settings.topic);
      const metadata = await withTimeout(admin.metadata({ topics: exists ? [this.settings.topic] : [] }), HEALTH_TIMEOUT_MS, `Kafka ${brokers}`);
      return kafkaHealth({
        client: '@platformatic/kafka',
        settings: this.settings,
        brokers: [...metadata.brokers.values()].map((b) => `${b.host}:${b.port}`),
        controller: metadata.controllerId,
        partitions: exists ? metadata.topics.get(this.settings.topic)?.partitionsCount ?? null : null,
      });
    } catch (err) {
      return { backend: 'kafka', ok: false, detail: `${brokers}: ${(kafkaUnavailable(err, this.settings.kafkaBrokers)).message}` };
    }
  }

  async close(): Promise<void> {
    const producer = this.producer;
    const admin = this.admin;
    this.producer = null;
    this.admin = null;
    await Promise.allSettled([producer?.close(), admin?.close()]);
  }

  /** Creates the topic (config.partitions) and its dead-letter topic when missing, and waits for their leaders; once per instance. */
  ensureTopics(): Promise<void> {
    this.topicsReady ??= (async () => {
      const admin = this.connectedAdmin();
      const existing = new Set(await admin.listTopics());
      const missing = topicsOf(this.settings).filter((t) => !existing.has(t.topic));
      for (const { topic, partitions, compacted } of missing) {
        try {
          await admin.createTopics({ topics: [topic], partitions, replicas: -1, configs: compacted ? [COMPACTED] : [] });
        } catch (err) {
          if (!protocolError(err, 'TOPIC_ALREADY_EXISTS')) throw err; // another worker created it first
        }
      }
      if (missing.length > 0) await this.leadersOf(admin, missing.map((t) => t.topic));
    })().catch((err) => {
      this.topicsReady = null;
      throw kafkaUnavailable(err, this.settings.kafkaBrokers);
    });
    return this.topicsReady;
  }

  /** Waits until every partition of `topics` has a leader (a fresh topic takes a moment). */
  private async leadersOf(admin: Admin, topics: string[]): Promise<void> {
    const deadline = Date.now() + LEADERS_WAIT_MS;
    for (;;) {
      const metadata = await admin.metadata({ topics, forceUpdate: true }).catch(() => null);
      const led = metadata !== null && topics.every((t) => {
        const partitions = metadata.topics.get(t)?.partitions ?? [];
        return partitions.length > 0 && partitions.every((p) => p.leader >= 0);
      });
      if (led || Date.now() > deadline) return;
      await sleep(100);
    }
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
      // gzip, as the kafkajs log writes: kafkajs reads lz4, snappy and zstd only with codecs it does not ship.
      compression: 'gzip',
      partitioner: compatibilityPartitioner, // murmur2 of the key as the Java client and kafkajs: same partitions
      autocreateTopics: false,
    });
    return this.producer;
  }
}

/** Whether `err` (or an error inside it) is Kafka's error `id`, e.g. NON_EMPTY_GROUP. */
function protocolError(err: unknown, id: string): boolean {
  const search = (err as { findBy?: (property: string, value: unknown) => unknown } | null)?.findBy;
  return typeof search === 'function' && Boolean(search.call(err, 'apiId', id));
}

/** What the stream holds now, at most `limit` records, without waiting. */
function take(stream: MessagesStream<string, string, string, string>, limit: number): StringMessage[] {
  const out: StringMessage[] = [];
  while (out.length < limit) {
    const message = stream.read() as StringMessage | null;
    if (message === null) break;
    out.push(message);
  }
  return out;
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

/** A gap seen this many times at the same place is real (offsets a transaction marker or compaction took). */
const REAL_GAP_REPEATS = 3;

/**
 * Keeps what is handed out contiguous per partition. The stream fetches ahead, and after a rebalance it may
 * still deliver what it fetched for the old assignment, or from an old position: records of partitions no
 * longer ours are dropped (their new owner starts at the committed offset), repeats are dropped, and a gap
 * (records past the next one due) moves the stream back to the next one due. A sink applies a partition's
 * records past its watermark only, so handing out a later record before an earlier one would lose the earlier.
 */
class GenerationCursor {
  private generation = -1;
  /** Next offset due per partition, in this generation. */
  private next = new Map<number, number>();
  /** The last gap seen per partition: where the stream was sent back to, what came instead, how often. */
  private gaps = new Map<number, { due: number; came: number; times: number }>();

  constructor(
    private readonly consumer: Consumer<string, string, string, string>,
    private readonly stream: MessagesStream<string, string, string, string>,
    private readonly topic: string,
    private readonly positions: () => Promise<PartitionLag[]>,
  ) {}

  /** False once the group has rebalanced since the positions were read: the rest of a pass waits for new ones. */
  current(): boolean {
    return this.generation === this.consumer.generationId;
  }

  /** The usable records of `messages` as batches of at most `size`, a partition at a time. */
  async batches(messages: StringMessage[], size: number): Promise<Array<{ batch: LogBatch; last: StringMessage }>> {
    if (!this.current()) await this.readPositions();
    const assigned = new Set(this.consumer.assignments?.find((a) => a.topic === this.topic)?.partitions ?? []);
    const kept = new Map<number, StringMessage[]>();
    const due = new Map<number, number>(); // per partition: the next offset this pass takes
    const stalled = new Set<number>(); // a gap this pass: the rest of the partition waits for the refetch
    for (const message of messages) {
      const partition = message.partition;
      const expected = due.get(partition) ?? this.next.get(partition);
      if (!assigned.has(partition) || expected === undefined || stalled.has(partition)) continue;
      const offset = Number(message.offset);
      if (offset < expected) continue;
      if (offset > expected && !this.realGap(partition, expected, offset)) {
        stalled.add(partition);
        this.stream.offsetsToFetch.set(`${this.topic}:${partition}`, BigInt(expected));
        continue;
      }
      const list = kept.get(partition) ?? [];
      list.push(message);
      kept.set(partition, list);
      due.set(partition, offset + 1);
    }
    const out: Array<{ batch: LogBatch; last: StringMessage }> = [];
    for (const [partition, list] of kept) {
      for (const piece of chunked(list, size)) {
        out.push({ batch: { partition, records: piece.map(recordOf) }, last: piece[piece.length - 1] });
      }
    }
    return out;
  }

  /** A batch was processed: its partition continues after it. */
  handedOut(batch: LogBatch): void {
    this.next.set(batch.partition, batch.records[batch.records.length - 1].offset + 1);
  }

  /** Counts a gap; true once the same one came REAL_GAP_REPEATS times (a stale fetch does not repeat itself). */
  private realGap(partition: number, due: number, came: number): boolean {
    const last = this.gaps.get(partition);
    const times = last && last.due === due && last.came === came ? last.times + 1 : 1;
    this.gaps.set(partition, { due, came, times });
    return times >= REAL_GAP_REPEATS;
  }

  /** Where each partition starts in this generation: the committed offset, else the oldest record. */
  private async readPositions(): Promise<void> {
    const generation = this.consumer.generationId;
    const lag = await this.positions();
    this.next = new Map(lag.map((p) => [p.partition, p.end - p.lag]));
    this.gaps.clear();
    this.generation = generation;
  }
}
