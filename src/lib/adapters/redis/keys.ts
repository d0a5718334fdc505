// The Redis key scheme, in one place (docs/redis-keys.md describes it for the systems that read it).
// Every key starts with the configured prefix (config.redisPrefix, default "musicflow:"). The names the
// reference design's other systems read — `pred_event:<customer_id>` and `1_day_event_users` — keep
// their names after the prefix; a deployment whose readers expect them bare sets the prefix to "".
//
// Live state is kept per log partition: every key the store's batch script touches (the partition's watermark,
// counters, profile index, interests by time, SMS stream and the per-customer profile, listens, interests and
// ads) carries the partition's hash tag `{mf:<log>:<partition>}`, so all of them hash to one slot and the script
// is valid on a Redis Cluster. A customer's plays all go to one partition (the log is keyed by customer id), so
// its state lives under one tag. Readers that start from a customer (the dashboard, `ads`) find the tag in the
// `live:customers` directory; readers over everyone (counts, training's profile pages, recent interests, SMS
// senders) go over the tags in `live:partitions`. Both are written before a batch's script, outside it.
import { UsageError } from '../../errors.js';
import type { Grain } from '../../ports.js';

/** A log partition that holds live state, as the directory and the partition set name it: `<log>:<partition>`. */
export type PartitionName = string;

export function partitionName(log: string, partition: number): PartitionName {
  return `${log}:${partition}`;
}

/** The keys of one log partition's live state, all under its hash tag. */
export class PartitionKeys {
  private readonly base: string;

  constructor(prefix: string, readonly name: PartitionName) {
    if (/[{}]/.test(prefix + name)) {
      throw new UsageError(`the Redis key prefix "${prefix}" and log partition "${name}" may hold no braces: they would move the hash tag `
        + 'that keeps a partition\'s keys in one slot (set MUSICFLOW_REDIS_PREFIX / redisPrefix without { or })');
    }
    this.base = `${prefix}{mf:${name}}:`;
  }

  get watermark(): string { return `${this.base}watermark:store`; }
  get counters(): string { return `${this.base}counters`; }
  get profiles(): string { return `${this.base}profiles`; }
  get interestsByTime(): string { return `${this.base}interests:by_time`; }
  get sms(): string { return `${this.base}sms`; }
  get smsEntries(): string { return `${this.base}sms:entries`; }
  /** The SMS dead-letter list: hash of SMS id -> "<failed at>|<reason>". */
  get smsFailed(): string { return `${this.base}sms:failed`; }
  profile(customerId: number): string { return `${this.base}profile:${customerId}`; }
  listens(customerId: number): string { return `${this.base}listens:${customerId}`; }
  interests(customerId: number): string { return `${this.base}interests:${customerId}`; }
  ads(customerId: number): string { return `${this.base}ads:${customerId}`; }
}

export class RedisKeys {
  constructor(readonly prefix: string) {}

  // catalogue
  customer(id: number): string { return `${this.prefix}customer:${id}`; }
  get customers(): string { return `${this.prefix}customers`; }
  get eligibleCustomers(): string { return `${this.prefix}customers:eligible`; }
  track(id: number): string { return `${this.prefix}track:${id}`; }
  get tracks(): string { return `${this.prefix}tracks`; }
  get clicks(): string { return `${this.prefix}clicks`; }
  /** The running count of SMS tries retried (after a timeout, 429 or 5xx). */
  get smsRetried(): string { return `${this.prefix}sms:retried`; }
  clicksOf(customerId: number): string { return `${this.prefix}clicks:${customerId}`; }

  // live state: per partition (PartitionKeys), found through these two
  partition(name: PartitionName): PartitionKeys { return new PartitionKeys(this.prefix, name); }
  /** Set of the partitions (PartitionName) that hold live state. */
  get livePartitions(): string { return `${this.prefix}live:partitions`; }
  /** Hash of customer id -> the partition (PartitionName) that holds its live state. */
  get liveCustomers(): string { return `${this.prefix}live:customers`; }

  // predictions and targeting (reference names)
  predEvent(customerId: number): string { return `${this.prefix}pred_event:${customerId}`; }
  get predictions(): string { return `${this.prefix}predictions`; }
  get targeted(): string { return `${this.prefix}1_day_event_users`; }

  // model registry
  model(version: number): string { return `${this.prefix}model:${version}`; }
  get models(): string { return `${this.prefix}models`; }
  get modelSequence(): string { return `${this.prefix}model:sequence`; }
  get deployedModel(): string { return `${this.prefix}model:deployed`; }

  // index: each log partition's keys start with its part, "index:{<log>:<partition>}:" (one hash tag, so one
  // cluster slot, per partition: a batch's script touches only its partition's keys); queries sum the parts.
  indexPart(log: string, partition: number): string { return `${this.prefix}index:{${log}:${partition}}:`; }
  get indexParts(): string { return `${this.prefix}index:parts`; }
  indexWatermark(log: string, partition: number): string { return `${this.indexPart(log, partition)}watermark`; }
  indexCounters(part: string): string { return `${part}counters`; }
  plainCounts(part: string, grain: Grain): string { return `${part}agg:${grain}`; }
  facet(part: string, grain: Grain, dim: string, bucket: number): string { return `${part}facet:${grain}:${dim}:${bucket}`; }
  buckets(part: string, grain: Grain, dim: string): string { return `${part}buckets:${grain}:${dim}`; }
  statePlays(part: string, state: string): string { return `${part}plays:state:${state}`; }
}

/** The consumer group of SMS senders on the `sms` stream. */
export const SMS_GROUP = 'senders';
