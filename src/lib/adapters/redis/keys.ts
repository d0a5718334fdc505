// The Redis key scheme, in one place (docs/redis-keys.md describes it for the systems that read it).
// Every key starts with the configured prefix (config.redisPrefix, default "musicflow:"). The names the
// reference design's other systems read — `pred_event:<customer_id>` and `1_day_event_users` — keep
// their names after the prefix; a deployment whose readers expect them bare sets the prefix to "".
import type { Grain } from '../../ports.js';

export class RedisKeys {
  constructor(readonly prefix: string) {}

  // catalogue
  customer(id: number): string { return `${this.prefix}customer:${id}`; }
  get customers(): string { return `${this.prefix}customers`; }
  get eligibleCustomers(): string { return `${this.prefix}customers:eligible`; }
  track(id: number): string { return `${this.prefix}track:${id}`; }
  get tracks(): string { return `${this.prefix}tracks`; }
  get clicks(): string { return `${this.prefix}clicks`; }
  clicksOf(customerId: number): string { return `${this.prefix}clicks:${customerId}`; }

  // live state
  profile(customerId: number): string { return `${this.prefix}profile:${customerId}`; }
  get profiles(): string { return `${this.prefix}profiles`; }
  listens(customerId: number): string { return `${this.prefix}listens:${customerId}`; }
  interests(customerId: number): string { return `${this.prefix}interests:${customerId}`; }
  get interestsByTime(): string { return `${this.prefix}interests:by_time`; }
  ads(customerId: number): string { return `${this.prefix}ads:${customerId}`; }
  get sms(): string { return `${this.prefix}sms`; }
  get smsEntries(): string { return `${this.prefix}sms:entries`; }
  get counters(): string { return `${this.prefix}counters`; }
  storeWatermark(log: string, partition: number): string { return `${this.prefix}watermark:store:${log}:${partition}`; }

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
