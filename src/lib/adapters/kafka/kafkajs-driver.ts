// The Kafka driver on kafkajs (checked against Kafka 4.x brokers, which dropped the pre-2.1 protocol versions:
// kafkajs speaks newer ones for everything used here). kafkajs pushes each fetched batch to eachBatch; the
// member holds it there until the event log asks for the next, so kafkajs fetches on only when the log is ready.
import { readFileSync } from 'node:fs';
import kafkajs from 'kafkajs';
import type { Admin, Consumer, EachBatchPayload, KafkaConfig, KafkaMessage as KafkajsMessage, Producer, SASLOptions } from 'kafkajs';
import type { Config } from '../../config.js';
import type { ConsumedRecord } from '../../ports.js';
import { sleep } from '../../sleep.js';
import type {
  ClusterFacts, Fetched, FetchedRecord, GroupMember, JoinOptions, KafkaDriver, KafkaMessage, PartitionEnds, PartitionRange,
} from './driver.js';
import { GroupSharedError } from './errors.js';
import { groupErrorTypes, kafkajsErrors } from './kafkajs-errors.js';
import { COMPACTED, SOURCE_FILE, SOURCE_LINE, sourceFromHeaders, type KafkaSettings, type TopicSpec } from './log-layout.js';
import { RangeRead } from './range-read.js';
import { HEALTH_TIMEOUT_MS, HEARTBEAT_MS, SESSION_TIMEOUT_MS, withTimeout } from './timings.js';

const { Kafka, CompressionTypes, Partitioners, logLevel } = kafkajs;

/** A fetch waits this long for new records when caught up; leaving the group waits for that fetch to end. */
const FETCH_WAIT_MS = 500;
/** Asking a new topic's offsets while its partitions get their leaders (offsets()). */
const OFFSETS_ATTEMPTS = 5;
const LEADER_MOVING = new Set(['NOT_LEADER_FOR_PARTITION', 'LEADER_NOT_AVAILABLE']);
/**
 * How often a held batch asks kafkajs for a heartbeat. kafkajs sends one only when HEARTBEAT_MS have passed since
 * its last request, so asking often costs nothing and notices a rebalance soon after it begins.
 */
const HEARTBEAT_ASK_MS = 100;

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

export class KafkajsDriver implements KafkaDriver {
  readonly client = 'kafkajs';
  readonly errors = kafkajsErrors;
  private readonly kafka: InstanceType<typeof Kafka>;
  private admin: Promise<Admin> | null = null;
  private producer: Promise<Producer> | null = null;

  constructor(settings: KafkaSettings, clientId = 'musicflow') {
    this.kafka = new Kafka(kafkaClientConfig(settings, clientId));
  }

  async listTopics(): Promise<string[]> {
    return (await this.connectedAdmin()).listTopics();
  }

  async createTopics(topics: TopicSpec[]): Promise<void> {
    const admin = await this.connectedAdmin();
    try {
      await admin.createTopics({
        topics: topics.map((t) => ({ topic: t.topic, numPartitions: t.partitions, configEntries: t.compacted ? [COMPACTED] : [] })),
        waitForLeaders: true,
      });
    } catch (err) {
      // Another worker created them first.
      if ((err as { type?: string }).type !== 'TOPIC_ALREADY_EXISTS') throw err;
    }
  }

  /**
   * kafkajs's fetchTopicOffsets gives up at once on an error the broker calls retriable: right after a topic is
   * created (its leaders known from metadata) the broker may still answer NOT_LEADER_FOR_PARTITION for a moment,
   * which on a busy machine failed a first replay (reading the file positions). Asked again a few times, backing off.
   */
  async offsets(topic: string): Promise<PartitionEnds[]> {
    const admin = await this.connectedAdmin();
    for (let attempt = 1; ; attempt += 1) {
      try {
        const ends = await admin.fetchTopicOffsets(topic);
        return ends.map((p) => ({ partition: p.partition, low: Number(p.low), high: Number(p.high) }));
      } catch (err) {
        if (attempt >= OFFSETS_ATTEMPTS || !LEADER_MOVING.has((err as { type?: string }).type ?? '')) throw err;
        await sleep(100 * 2 ** attempt);
      }
    }
  }

  async committedOffsets(group: string, topic: string): Promise<Map<number, number>> {
    const topics = await (await this.connectedAdmin()).fetchOffsets({ groupId: group, topics: [topic] });
    return new Map((topics[0]?.partitions ?? []).map((p) => [p.partition, Number(p.offset)]));
  }

  async deleteGroup(group: string): Promise<'deleted' | 'absent' | 'in use'> {
    try {
      await (await this.connectedAdmin()).deleteGroups([group]);
      return 'deleted';
    } catch (err) {
      const types = groupErrorTypes(err);
      if (types.includes('GROUP_ID_NOT_FOUND')) return 'absent';
      if (types.includes('NON_EMPTY_GROUP')) return 'in use';
      throw err;
    }
  }

  async groupMembers(group: string): Promise<number> {
    const { groups } = await (await this.connectedAdmin()).describeGroups([group]);
    return groups[0]?.members.length ?? 0;
  }

  /** Messages to any topics, in one request. */
  async send(messages: KafkaMessage[]): Promise<void> {
    const byTopic = new Map<string, KafkaMessage[]>();
    for (const m of messages) {
      const list = byTopic.get(m.topic);
      if (list) list.push(m);
      else byTopic.set(m.topic, [m]);
    }
    await (await this.connectedProducer()).sendBatch({
      topicMessages: [...byTopic].map(([topic, list]) => ({ topic, messages: list.map(({ key, value, headers }) => ({ key, value, headers })) })),
      acks: -1, compression: CompressionTypes.GZIP,
    });
  }

  /** kafkajs takes a seek only once the consumer runs: records fetched before it took effect are passed over. */
  async readRanges(group: string, ranges: PartitionRange[], signal: AbortSignal): Promise<FetchedRecord[]> {
    const read = new RangeRead(ranges);
    const consumer = this.kafka.consumer({ groupId: group, sessionTimeout: SESSION_TIMEOUT_MS, heartbeatInterval: HEARTBEAT_MS, maxWaitTimeInMs: FETCH_WAIT_MS });
    try {
      await consumer.connect();
      await consumer.subscribe({ topics: [...new Set(ranges.map((r) => r.topic))], fromBeginning: true });
      await new Promise<void>((resolve, reject) => {
        signal.addEventListener('abort', () => resolve(), { once: true });
        consumer.run({
          autoCommit: false,
          eachMessage: async ({ topic, partition, message }) => {
            const headers = new Map(Object.entries(message.headers ?? {}).map(([name, v]) => [name, headerText(v) ?? '']));
            if (read.offer({ topic, partition, offset: Number(message.offset), key: textOf(message.key), value: textOf(message.value), headers })) resolve();
          },
        })
          .then(() => { for (const r of ranges) consumer.seek({ topic: r.topic, partition: r.partition, offset: String(r.from) }); })
          .catch(reject);
      });
    } finally {
      await consumer.disconnect().catch(() => undefined);
    }
    return read.records;
  }

  async join(options: JoinOptions): Promise<GroupMember> {
    const consumer = this.kafka.consumer({
      groupId: options.group,
      sessionTimeout: SESSION_TIMEOUT_MS,
      heartbeatInterval: HEARTBEAT_MS,
      allowAutoTopicCreation: false,
      maxWaitTimeInMs: FETCH_WAIT_MS,
    });
    const member = new KafkajsMember(consumer, options);
    try {
      await member.start();
    } catch (err) {
      await consumer.disconnect().catch(() => undefined);
      throw err;
    }
    return member;
  }

  async cluster(topic: string): Promise<ClusterFacts> {
    const admin = await withTimeout(this.connectedAdmin(), HEALTH_TIMEOUT_MS, 'connecting');
    const cluster = await withTimeout(admin.describeCluster(), HEALTH_TIMEOUT_MS, 'describing the cluster');
    const topics = await withTimeout(admin.listTopics(), HEALTH_TIMEOUT_MS, 'listing topics');
    let partitions: number | null = null;
    if (topics.includes(topic)) {
      const meta = await admin.fetchTopicMetadata({ topics: [topic] });
      partitions = meta.topics[0]?.partitions.length ?? null;
    }
    return { brokers: cluster.brokers.map((b) => `${b.host}:${b.port}`), controller: cluster.controller, partitions };
  }

  async close(): Promise<void> {
    await Promise.allSettled([this.producer?.then((p) => p.disconnect()), this.admin?.then((a) => a.disconnect())]);
    this.producer = null;
    this.admin = null;
  }

  /** One admin client per instance, created on first use (concurrent callers share it). */
  private connectedAdmin(): Promise<Admin> {
    this.admin ??= connected(this.kafka.admin()).catch((err) => {
      this.admin = null;
      throw err;
    });
    return this.admin;
  }

  private connectedProducer(): Promise<Producer> {
    this.producer ??= connected(this.kafka.producer({
      idempotent: true, // a retried send never writes a record twice
      maxInFlightRequests: 1,
      allowAutoTopicCreation: false,
      createPartitioner: Partitioners.DefaultPartitioner, // murmur2 of the key, as the Java client
      retry: { retries: 8, initialRetryTime: 300, maxRetryTime: 5_000 },
    })).catch((err) => {
      this.producer = null;
      throw err;
    });
    return this.producer;
  }
}

async function connected<T extends { connect(): Promise<void> }>(client: T): Promise<T> {
  await client.connect();
  return client;
}

/** A batch eachBatch holds until the event log is done with it. */
interface HeldBatch {
  payload: EachBatchPayload;
  release: () => void;
}

class KafkajsMember implements GroupMember {
  private generation = 0;
  private assigned = new Set<number>();
  /**
   * Set when a heartbeat says the group is rebalancing (a worker joined or left): the rest of a fetch is left
   * unprocessed (uncommitted) so kafkajs rejoins at once instead of after the whole fetch, which holds up to a
   * megabyte per partition. Whoever owns those records next reads them again.
   */
  private rebalancing = false;
  private waiting: HeldBatch | null = null;
  private held: HeldBatch | null = null;
  private closed = false;
  private wake: (() => void) | null = null;

  constructor(private readonly consumer: Consumer, private readonly options: JoinOptions) {}

  async start(): Promise<void> {
    const { consumer, options } = this;
    await consumer.connect();
    consumer.on(consumer.events.GROUP_JOIN, (event) => {
      this.generation += 1;
      this.assigned = new Set(event.payload.memberAssignment[options.topic] ?? []);
      this.rebalancing = false;
    });
    // kafkajs drops partitions of topics this member did not subscribe to from the assignment (GROUP_JOIN never
    // shows them) and says so with this event: the group is shared with another topic.
    consumer.on(consumer.events.RECEIVED_UNSUBSCRIBED_TOPICS, (event) => {
      options.onFailure(new GroupSharedError(options.group, options.topic, event.payload.topicsNotSubscribed));
    });
    consumer.on(consumer.events.CRASH, (event) => {
      // kafkajs restarts itself after retriable errors; anything else ends the run.
      if (!event.payload.restart) options.onFailure(event.payload.error);
    });
    await consumer.subscribe({ topic: options.topic, fromBeginning: true });
    await consumer.run({ autoCommit: false, eachBatchAutoResolve: false, eachBatch: (payload) => this.hold(payload) });
  }

  private async hold(payload: EachBatchPayload): Promise<void> {
    await this.beat(payload);
    if (this.closed) return;
    // Heartbeats go on while the event log works through the batch (a sink may wait for its server).
    const beating = setInterval(() => { void this.beat(payload); }, HEARTBEAT_ASK_MS);
    await new Promise<void>((resolve) => {
      this.waiting = { payload, release: resolve };
      this.rouse();
    });
    clearInterval(beating);
  }

  private beat(payload: EachBatchPayload): Promise<void> {
    return payload.heartbeat().catch((err: { type?: string }) => {
      if (err.type === 'REBALANCE_IN_PROGRESS') this.rebalancing = true;
    });
  }

  private rouse(): void {
    const waiting = this.wake;
    this.wake = null;
    waiting?.();
  }

  async next(signal: AbortSignal): Promise<Fetched | null> {
    this.release();
    const abort = () => this.rouse();
    signal.addEventListener('abort', abort, { once: true });
    try {
      while (this.waiting === null && !signal.aborted) await new Promise<void>((resolve) => { this.wake = resolve; });
    } finally {
      signal.removeEventListener('abort', abort);
    }
    if (signal.aborted) return null;
    this.held = this.waiting;
    this.waiting = null;
    const { batch } = this.held!.payload;
    return { generation: this.generation, assigned: this.assigned, records: batch.messages.map((m) => recordOf(batch.partition, m)) };
  }

  holds(generation: number): boolean {
    const payload = this.held?.payload;
    return generation === this.generation && !this.rebalancing && payload !== undefined && payload.isRunning() && !payload.isStale();
  }

  async commit(last: ConsumedRecord): Promise<void> {
    const payload = this.held!.payload;
    payload.resolveOffset(String(last.offset));
    await this.consumer.commitOffsets([{ topic: payload.batch.topic, partition: last.partition, offset: String(last.offset + 1) }]);
  }

  async rewind(positions: ReadonlyMap<number, number>): Promise<void> {
    for (const [partition, offset] of positions) this.consumer.seek({ topic: this.options.topic, partition, offset: String(offset) });
  }

  async close(): Promise<void> {
    this.closed = true;
    this.release();
    this.waiting?.release();
    this.waiting = null;
    await this.consumer.disconnect();
  }

  /** The batch in hand is done with: kafkajs goes on fetching. */
  private release(): void {
    this.held?.release();
    this.held = null;
  }
}

function recordOf(partition: number, m: KafkajsMessage): ConsumedRecord {
  return {
    key: textOf(m.key),
    value: textOf(m.value),
    partition,
    offset: Number(m.offset),
    appendedAt: Number(m.timestamp),
    source: sourceFromHeaders(headerText(m.headers?.[SOURCE_FILE]), headerText(m.headers?.[SOURCE_LINE])),
  };
}

function textOf(value: Buffer | null): string {
  return value ? String(value) : '';
}

/** kafkajs hands header values as Buffers (or arrays of them when a name repeats): the first, as text. */
function headerText(value: Buffer | string | Array<Buffer | string> | undefined): string | undefined {
  const first = Array.isArray(value) ? value[0] : value;
  return first === undefined ? undefined : String(first);
}
