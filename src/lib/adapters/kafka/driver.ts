// What a Kafka client library must provide the event log (event-log.ts): a few admin requests, sends, reading a
// range of records, and a consumer group member that hands out what it fetched. Everything else (the consume
// loop, commits after durable effects, lag, file positions, dead letters, error messages) is the event log's,
// once for every library. Drivers: kafkajs-driver.ts, platformatic-driver.ts.
import type { ConsumedRecord } from '../../ports.js';
import type { ClientErrors } from './errors.js';
import type { TopicSpec } from './log-layout.js';

export interface KafkaMessage { topic: string; key: string; value: string; headers?: Record<string, string> }
export interface PartitionRange { topic: string; partition: number; from: number; to: number }
export interface FetchedRecord { topic: string; partition: number; offset: number; key: string; value: string; headers: Map<string, string> }
/** A partition's first offset and the next to be written. */
export interface PartitionEnds { partition: number; low: number; high: number }

export interface ClusterFacts {
  brokers: string[]; // host:port of each
  controller: number | null;
  partitions: number | null; // of the topic asked about; null: not created yet
}

export interface KafkaDriver {
  /** The library's name, for health reports. */
  readonly client: string;
  readonly errors: ClientErrors;
  listTopics(): Promise<string[]>;
  /** Creates the topics (another worker creating one first is no error) and resolves once they have leaders. */
  createTopics(topics: TopicSpec[]): Promise<void>;
  offsets(topic: string): Promise<PartitionEnds[]>;
  /** The group's committed offset per partition of `topic` (absent or negative: none). */
  committedOffsets(group: string, topic: string): Promise<Map<number, number>>;
  /** Drops a group and its committed offsets; 'in use' while it has members. */
  deleteGroup(group: string): Promise<'deleted' | 'absent' | 'in use'>;
  /** Members that hold a part of the group's assignment. */
  groupMembers(group: string): Promise<number>;
  /**
   * Sends in order and resolves when every message is acknowledged by all replicas; idempotent, gzip, keys
   * partitioned by murmur2 as the Java client does.
   */
  send(messages: KafkaMessage[]): Promise<void>;
  /**
   * The records of each range [from, to) (none empty), read as consumer group `group`, until all are read or
   * `signal` aborts (then what was read so far). The caller deletes the group.
   */
  readRanges(group: string, ranges: PartitionRange[], signal: AbortSignal): Promise<FetchedRecord[]>;
  /** Joins `group` on `topic`; the member starts at the committed offsets, else at the oldest records. */
  join(options: JoinOptions): Promise<GroupMember>;
  /** Each step gives up after HEALTH_TIMEOUT_MS. */
  cluster(topic: string): Promise<ClusterFacts>;
  close(): Promise<void>;
}

export interface JoinOptions {
  group: string;
  topic: string;
  /** Records a batch holds at most, and the topic's partitions: a driver that fetches ahead hands out their product at most. */
  maxBatch: number;
  partitions: number;
  /** The member failed for good: the consume loop ends with this error. */
  onFailure: (err: unknown) => void;
}

/** Records a member fetched, in the order they came (each partition's in offset order, unless the fetch is stale). */
export interface Fetched {
  /** The group's generation they were fetched in: a rebalance starts a new one. */
  generation: number;
  /** Partitions of the topic this member was assigned in that generation. */
  assigned: ReadonlySet<number>;
  records: ConsumedRecord[];
}

export interface GroupMember {
  /** The next records fetched, waiting for some; null once `signal` aborts. The previous fetch is done with. */
  next(signal: AbortSignal): Promise<Fetched | null>;
  /** Whether the member still holds the assignment of `generation` (false once a rebalance began). */
  holds(generation: number): boolean;
  /** Commits the offset after `last`, a record of the latest fetch. */
  commit(last: ConsumedRecord): Promise<void>;
  /** Fetch these partitions again from at most these offsets (records before them are dropped by the caller). */
  rewind(positions: ReadonlyMap<number, number>): Promise<void>;
  /** Leaves the group: its partitions go to the other members at once instead of after the session timeout. */
  close(): Promise<void>;
}
