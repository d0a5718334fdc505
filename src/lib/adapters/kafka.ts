// The event log over Kafka (kafkajs; checked against Kafka 4.x brokers, which dropped the pre-2.1
// protocol versions: kafkajs speaks newer ones for everything used here). One topic holds the plays,
// keyed by customer id so a customer's plays stay in order in one partition; `<topic>.deadletters`
// holds the lines that could not be used, as JSON. Workers of one consumer group share the partitions
// and commit a batch's offsets only after its effects are durable (onBatch resolved).
// kafka-platformatic.ts is the same log on @platformatic/kafka; kafka-common.ts holds what they share.
import { readFileSync } from 'node:fs';
import kafkajs from 'kafkajs';
import type { Admin, Batch, EachBatchPayload, KafkaConfig, Producer, SASLOptions } from 'kafkajs';
import type { Config } from '../config.js';
import type { ConsumeOptions, ConsumedRecord, DeadLetterCounts, EventLog, FileProgress, FileStep, Health, LogRecord, PartitionLag } from '../ports.js';
import { countDistinct, distinctDeadLetters } from '../dead-letters.js';
import type { DeadLetter } from '../records.js';
import {
  COMPACTED, DEAD_LETTER_READ_MS, HEALTH_TIMEOUT_MS, HEARTBEAT_MS, SESSION_TIMEOUT_MS, SOURCE_FILE, SOURCE_LINE, chunked, readerGroup,
  deadLetterTopicOf, deadLettersTooSlow, groupHasWorkers, kafkaHealth, kafkaUnavailable, lagOf, sourceFromHeaders, sourceHeaders, topicsOf, watchLag,
  KafkaFilePositions, SendQueue, withTimeout, type FetchedRecord, type KafkaMessage, type KafkaSettings, type PartitionRange,
} from './kafka-common.js';

const { Kafka, CompressionTypes, Partitioners, logLevel } = kafkajs;

/** A fetch waits this long for new records when caught up; leaving the group waits for that fetch to end. */
const FETCH_WAIT_MS = 500;

/** kafkajs logs its own retries loudly; MUSICFLOW_KAFKA_LOG=error|warn|info|debug shows them on stderr. */
function kafkaLogLevel(): number {
  const wanted = (process.env.MUSICFLOW_KAFKA_LOG ?? '').toLowerCase();
  const levels: Record<string, number> = { error: logLevel.ERROR, warn: logLevel.WARN, info: logLevel.INFO, debug: logLevel.DEBUG };
  return levels[wanted] ?? logLevel.NOTHING;
}

export function kafkaClientConfig(settings: Pick<Config, 'kafkaBrokers' | 'kafkaSasl' | 'kafkaTls' | 'kafkaCa'>, clientId: string): KafkaConfig {
  const config: KafkaConfig = {
    clientId,
    brokers: settings.kafkaBrokers,
    connectionTimeout: 3_000,
    requestTimeout: 30_000,
    retry: { retries: 4, initialRetryTime: 300, maxRetryTime: 3_000 },
    logLevel: kafkaLogLevel(),
    // A private CA (MUSICFLOW_KAFKA_CA) replaces the system's list for these connections.
    ssl: settings.kafkaCa ? { ca: [readFileSync(settings.kafkaCa, 'utf8')] } : settings.kafkaTls,
  };
  if (settings.kafkaSasl) {
    const { mechanism, username, password } = settings.kafkaSasl;
    config.sasl = { mechanism, username, password } as SASLOptions;
  }
  return config;
}

export class KafkaEventLog implements EventLog {
  readonly name: string;
  readonly deadLetterTopic: string;
  private readonly kafka: InstanceType<typeof Kafka>;
  private admin: Promise<Admin> | null = null;
  private producer: Promise<Producer> | null = null;
  private topicsReady: Promise<void> | null = null;
  private readonly sends: SendQueue;
  private readonly files: KafkaFilePositions;

  constructor(private readonly settings: KafkaSettings, clientId = 'musicflow') {
    this.name = settings.topic;
    this.deadLetterTopic = deadLetterTopicOf(settings.topic);
    this.kafka = new Kafka(kafkaClientConfig(settings, clientId));
    this.sends = new SendQueue(settings.kafkaBrokers);
    this.files = new KafkaFilePositions({
      offsets: (topics) => this.offsets(topics),
      send: (messages) => this.sendAll(messages),
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
    const messages = records.map((r) => ({
      key: r.key,
      value: r.value,
      headers: sourceHeaders(r.source),
    }));
    await this.send(this.settings.topic, messages);
  }

  async appendDeadLetters(letters: DeadLetter[]): Promise<void> {
    if (letters.length === 0) return;
    await this.send(this.deadLetterTopic, letters.map((l) => ({ key: l.source, value: JSON.stringify(l) })));
  }

  private async send(topic: string, messages: Array<{ key: string; value: string; headers?: Record<string, string> }>): Promise<void> {
    const producer = await this.connectedProducer();
    await this.sends.run(() => producer.send({ topic, messages, acks: -1, compression: CompressionTypes.GZIP }));
  }

  /** Messages to any topics, in one request, acknowledged by all replicas. */
  private async sendAll(messages: KafkaMessage[]): Promise<void> {
    const byTopic = new Map<string, KafkaMessage[]>();
    for (const m of messages) byTopic.set(m.topic, [...(byTopic.get(m.topic) ?? []), m]);
    const producer = await this.connectedProducer();
    await this.sends.run(() => producer.sendBatch({
      topicMessages: [...byTopic].map(([topic, list]) => ({ topic, messages: list.map(({ key, value, headers }) => ({ key, value, headers })) })),
      acks: -1, compression: CompressionTypes.GZIP,
    }));
  }

  private async offsets(topics: string[]): Promise<Array<{ topic: string; partition: number; low: number; high: number }>> {
    await this.ensureTopics();
    const admin = await this.connectedAdmin();
    const all = await Promise.all(topics.map(async (topic) => (await admin.fetchTopicOffsets(topic))
      .map((p) => ({ topic, partition: p.partition, low: Number(p.low), high: Number(p.high) }))));
    return all.flat();
  }

  /** Reads the ranges with a throwaway group that seeks to their starts (kafkajs takes a seek once running). */
  private async read(ranges: PartitionRange[]): Promise<FetchedRecord[]> {
    const admin = await this.connectedAdmin();
    const group = readerGroup();
    const topics = [...new Set(ranges.map((r) => r.topic))];
    const unread = new Map(ranges.filter((r) => r.from < r.to).map((r) => [`${r.topic}:${r.partition}`, r]));
    const records: FetchedRecord[] = [];
    if (unread.size === 0) return records;
    const consumer = this.kafka.consumer({ groupId: group, sessionTimeout: SESSION_TIMEOUT_MS, heartbeatInterval: HEARTBEAT_MS, maxWaitTimeInMs: FETCH_WAIT_MS });
    try {
      await consumer.connect();
      await consumer.subscribe({ topics, fromBeginning: true });
      await new Promise<void>((resolve, reject) => {
        const timer = setTimeout(() => reject(new Error(`reading ${topics.join(', ')}: no end within ${DEAD_LETTER_READ_MS / 1000} s`)), DEAD_LETTER_READ_MS);
        consumer.run({
          autoCommit: false,
          eachMessage: async ({ topic, partition, message }) => {
            const range = unread.get(`${topic}:${partition}`);
            const offset = Number(message.offset);
            if (range === undefined || offset < range.from) return; // fetched before the seek took effect
            if (offset < range.to) {
              const headers = new Map(Object.entries(message.headers ?? {}).map(([name, v]) => [name, headerText(v) ?? '']));
              records.push({ topic, partition, offset, key: message.key ? String(message.key) : '', value: message.value ? String(message.value) : '', headers });
            }
            if (offset >= range.to - 1) unread.delete(`${topic}:${partition}`);
            if (unread.size === 0) {
              clearTimeout(timer);
              resolve();
            }
          },
        })
          .then(() => { for (const r of ranges) consumer.seek({ topic: r.topic, partition: r.partition, offset: String(r.from) }); })
          .catch((err) => { clearTimeout(timer); reject(err); });
      });
    } finally {
      await consumer.disconnect().catch(() => undefined);
      await admin.deleteGroups([group]).catch(() => undefined);
    }
    return records;
  }

  async consume(options: ConsumeOptions): Promise<void> {
    await this.ensureTopics();
    const admin = await this.connectedAdmin();
    if (options.fromBeginning) await this.forgetGroup(admin, options.group);
    const consumer = this.kafka.consumer({
      groupId: options.group,
      sessionTimeout: SESSION_TIMEOUT_MS,
      heartbeatInterval: HEARTBEAT_MS,
      allowAutoTopicCreation: false,
      maxWaitTimeInMs: FETCH_WAIT_MS,
    });
    let failure: unknown = null;
    let stopping = false;
    let finish!: () => void;
    const finished = new Promise<void>((resolve) => {
      finish = () => {
        stopping = true;
        resolve();
      };
    });
    let inFlight = 0;
    const inHand = new Set<Promise<void>>(); // batches being processed: committed before leaving the group
    let lagWatch: ReturnType<typeof watchLag> | undefined;
    // Set when a heartbeat says the group is rebalancing (a worker joined or left): the rest of this fetch is
    // left unprocessed (uncommitted) so kafkajs rejoins at once instead of after the whole fetch, which
    // holds up to a megabyte per partition. Whoever owns those records next reads them again.
    let rebalancing = false;
    const beat = (heartbeat: () => Promise<void>) => heartbeat().catch((err: { type?: string }) => {
      if (err.type === 'REBALANCE_IN_PROGRESS') rebalancing = true;
    });

    const handleBatch = async ({ batch, resolveOffset, heartbeat, isRunning, isStale }: EachBatchPayload): Promise<void> => {
      inFlight += 1;
      lagWatch?.active();
      try {
        for (const chunk of chunks(batch, options.maxBatch)) {
          await beat(heartbeat);
          if (!isRunning() || isStale() || stopping || rebalancing) return;
          const beating = setInterval(() => { void beat(heartbeat); }, HEARTBEAT_MS);
          try {
            await options.onBatch({ partition: batch.partition, records: chunk });
          } finally {
            clearInterval(beating);
          }
          const last = chunk[chunk.length - 1].offset;
          resolveOffset(String(last));
          try {
            await consumer.commitOffsets([{ topic: batch.topic, partition: batch.partition, offset: String(last + 1) }]);
          } catch {
            // The group rebalanced meanwhile: the effects are durable and guarded by watermarks, so the
            // new owner re-reading these records changes nothing. Leave the rest to it.
            return;
          }
        }
      } catch (err) {
        failure ??= err;
        finish();
      } finally {
        inFlight -= 1;
      }
    };

    options.signal.addEventListener('abort', finish, { once: true });
    if (options.signal.aborted) finish();
    try {
      await consumer.connect();
      consumer.on(consumer.events.GROUP_JOIN, () => { rebalancing = false; });
      consumer.on(consumer.events.CRASH, (event) => {
        // kafkajs restarts itself after retriable errors; anything else ends the run.
        if (!event.payload.restart) {
          failure ??= event.payload.error;
          finish();
        }
      });
      // A new group starts at the oldest record: the sinks' watermarks make re-reading harmless, skipping is not.
      await consumer.subscribe({ topic: this.settings.topic, fromBeginning: true });
      await consumer.run({
        autoCommit: false,
        eachBatchAutoResolve: false,
        eachBatch: (payload) => {
          if (stopping) return Promise.resolve();
          const work = handleBatch(payload);
          inHand.add(work);
          return work.finally(() => inHand.delete(work));
        },
      });
      lagWatch = watchLag({
        lag: () => this.lagWith(admin, options.group), busy: () => inFlight > 0, untilIdle: options.untilIdle, onLag: options.onLag, onIdle: finish,
      });
      await finished;
      await Promise.all(inHand);
    } catch (err) {
      failure ??= err;
    } finally {
      lagWatch?.stop();
      options.signal.removeEventListener('abort', finish);
      // Leaves the group: its partitions go to the other workers at once instead of after the session timeout.
      await consumer.disconnect().catch(() => undefined);
    }
    if (failure) throw kafkaUnavailable(failure, this.settings.kafkaBrokers);
  }

  /** `--from-beginning`: the group's committed offsets are dropped, so it starts at the oldest record. */
  private async forgetGroup(admin: Admin, group: string): Promise<void> {
    try {
      await admin.deleteGroups([group]);
    } catch (err) {
      const codes = ((err as { groups?: Array<{ error?: { type?: string } }> }).groups ?? []).map((g) => g.error?.type);
      if (codes.includes('GROUP_ID_NOT_FOUND')) return;
      if (codes.includes('NON_EMPTY_GROUP')) {
        throw groupHasWorkers(group);
      }
      throw kafkaUnavailable(err, this.settings.kafkaBrokers);
    }
  }

  async lag(group: string): Promise<PartitionLag[]> {
    try {
      await this.ensureTopics();
      return await this.lagWith(await this.connectedAdmin(), group);
    } catch (err) {
      throw kafkaUnavailable(err, this.settings.kafkaBrokers);
    }
  }

  private async lagWith(admin: Admin, group: string): Promise<PartitionLag[]> {
    const [ends, committedTopics] = await Promise.all([
      admin.fetchTopicOffsets(this.settings.topic),
      admin.fetchOffsets({ groupId: group, topics: [this.settings.topic] }),
    ]);
    const committed = new Map((committedTopics[0]?.partitions ?? []).map((p) => [p.partition, Number(p.offset)]));
    return lagOf(ends.map((p) => ({ partition: p.partition, low: Number(p.low), high: Number(p.high) })), committed);
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
    const admin = await this.connectedAdmin();
    const ends = await admin.fetchTopicOffsets(this.deadLetterTopic);
    const wanted = ends.reduce((sum, p) => sum + Number(p.high) - Number(p.low), 0);
    if (wanted <= 0) return [];
    const group = readerGroup();
    const consumer = this.kafka.consumer({ groupId: group, sessionTimeout: SESSION_TIMEOUT_MS, heartbeatInterval: HEARTBEAT_MS });
    const letters: Array<{ partition: number; offset: number; letter: DeadLetter }> = [];
    try {
      await consumer.connect();
      await consumer.subscribe({ topic: this.deadLetterTopic, fromBeginning: true });
      await new Promise<void>((resolve, reject) => {
        const timer = setTimeout(() => reject(deadLettersTooSlow(this.settings.kafkaBrokers, this.deadLetterTopic, letters.length, wanted)), DEAD_LETTER_READ_MS);
        consumer.run({
          autoCommit: false,
          eachMessage: async ({ partition, message }) => {
            if (letters.length >= wanted) return;
            letters.push({ partition, offset: Number(message.offset), letter: JSON.parse(String(message.value)) as DeadLetter });
            if (letters.length >= wanted) {
              clearTimeout(timer);
              resolve();
            }
          },
        }).catch((err) => { clearTimeout(timer); reject(err); });
      });
    } finally {
      await consumer.disconnect().catch(() => undefined);
      await admin.deleteGroups([group]).catch(() => undefined);
    }
    return letters.sort((a, b) => a.partition - b.partition || a.offset - b.offset).map((l) => l.letter);
  }

  async health(): Promise<Health> {
    const brokers = this.settings.kafkaBrokers.join(',');
    try {
      const admin = await withTimeout(this.connectedAdmin(), HEALTH_TIMEOUT_MS, `Kafka ${brokers}`);
      const cluster = await withTimeout(admin.describeCluster(), HEALTH_TIMEOUT_MS, `Kafka ${brokers}`);
      const topics = await withTimeout(admin.listTopics(), HEALTH_TIMEOUT_MS, `Kafka ${brokers}`);
      let partitions: number | null = null;
      if (topics.includes(this.settings.topic)) {
        const meta = await admin.fetchTopicMetadata({ topics: [this.settings.topic] });
        partitions = meta.topics[0]?.partitions.length ?? null;
      }
      return kafkaHealth({
        client: 'kafkajs',
        settings: this.settings,
        brokers: cluster.brokers.map((b) => `${b.host}:${b.port}`),
        controller: cluster.controller,
        partitions,
      });
    } catch (err) {
      return { backend: 'kafka', ok: false, detail: `${brokers}: ${(err as Error).message}` };
    }
  }

  async close(): Promise<void> {
    await Promise.allSettled([this.producer?.then((p) => p.disconnect()), this.admin?.then((a) => a.disconnect())]);
    this.producer = null;
    this.admin = null;
  }

  /** Creates the topic (config.partitions) and its dead-letter topic when missing; once per instance. */
  ensureTopics(): Promise<void> {
    this.topicsReady ??= (async () => {
      const admin = await this.connectedAdmin();
      const existing = new Set(await admin.listTopics());
      const missing = topicsOf(this.settings)
        .filter((t) => !existing.has(t.topic))
        .map((t) => ({ topic: t.topic, numPartitions: t.partitions, configEntries: t.compacted ? [COMPACTED] : [] }));
      if (missing.length > 0) {
        try {
          await admin.createTopics({ topics: missing, waitForLeaders: true });
        } catch (err) {
          // Another worker created them first.
          if ((err as { type?: string }).type !== 'TOPIC_ALREADY_EXISTS') throw err;
        }
      }
    })().catch((err) => {
      this.topicsReady = null;
      throw kafkaUnavailable(err, this.settings.kafkaBrokers);
    });
    return this.topicsReady;
  }

  /** One admin client per instance, created on first use (concurrent callers share it). */
  private connectedAdmin(): Promise<Admin> {
    this.admin ??= this.connect(this.kafka.admin()).catch((err) => {
      this.admin = null;
      throw err;
    });
    return this.admin;
  }

  private connectedProducer(): Promise<Producer> {
    this.producer ??= this.ensureTopics()
      .then(() => this.connect(this.kafka.producer({
        idempotent: true, // a retried send never writes a record twice
        maxInFlightRequests: 1,
        allowAutoTopicCreation: false,
        createPartitioner: Partitioners.DefaultPartitioner, // murmur2 of the key, as the Java client
        retry: { retries: 8, initialRetryTime: 300, maxRetryTime: 5_000 },
      })))
      .catch((err) => {
        this.producer = null;
        throw err;
      });
    return this.producer;
  }

  private async connect<T extends { connect(): Promise<void> }>(client: T): Promise<T> {
    try {
      await client.connect();
      return client;
    } catch (err) {
      throw kafkaUnavailable(err, this.settings.kafkaBrokers);
    }
  }
}

/** A fetched batch as port records, cut into pieces of at most `size`. */
function chunks(batch: Batch, size: number): ConsumedRecord[][] {
  const records: ConsumedRecord[] = batch.messages.map((m) => ({
    key: m.key ? String(m.key) : '',
    value: m.value ? String(m.value) : '',
    partition: batch.partition,
    offset: Number(m.offset),
    appendedAt: Number(m.timestamp),
    source: sourceFromHeaders(headerText(m.headers?.[SOURCE_FILE]), headerText(m.headers?.[SOURCE_LINE])),
  }));
  return chunked(records, size);
}

/** kafkajs hands header values as Buffers (or arrays of them when a name repeats): the first, as text. */
function headerText(value: Buffer | string | Array<Buffer | string> | undefined): string | undefined {
  const first = Array.isArray(value) ? value[0] : value;
  return first === undefined ? undefined : String(first);
}
