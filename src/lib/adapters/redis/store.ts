// The store over Redis: customers, tracks, clicks, live state, models, predictions, targets and the SMS
// queue under the key scheme of keys.ts (docs/redis-keys.md). A batch's effects go in with one Lua script
// guarded by the partition's watermark, so concurrent workers and redelivered batches change nothing twice.
import type { Redis } from 'ioredis';
import { MusicflowError } from '../../errors.js';
import {
  WatermarkConflict,
  type AdDecision, type BatchState, type BatchStateRequest, type CustomerState, type Health, type ModelRecord, type OfferFacts, type Prediction,
  SMS_CLAIM_TIMEOUT_MS, type FailedSms, type SmsFailure, type SmsMessage, type SmsQueueStats, type Store, type StoreBatch, type StoreCounter, type StoreCounts,
} from '../../ports.js';
import { GOLD, type Click, type Customer, type Interest, type ListenPair, type PlayEvent, type Profile, type Track } from '../../records.js';
import { RedisConnection, chunked, redactedUrl, replies } from './client.js';
import { decodeRecentPlays, encodeRecentPlays } from '../recent-plays.js';
import { PartitionKeys, RedisKeys, SMS_GROUP, partitionName, type PartitionName } from './keys.js';
import { APPLY_STORE_BATCH, RECORD_OFFER, REQUEUE_SMS, SETTLE_SMS, UPSERT_CUSTOMERS, luaSource, packData, pushGroups, scriptArgs } from './scripts.js';

/** Commands per pipeline round trip when loading files. */
const PIPELINE_CHUNK = 5_000;
/** Customers per upsert script call. */
const SEED_CHUNK = 1_000;
/** Customers remembered as being in the live-state directory, at most (then forgotten, to be written again). */
const KNOWN_CUSTOMERS_MAX = 1_000_000;
/** Keys per DEL / MSET / SADD command in the model deployment. */
const ARGS_CHUNK = 1_000;

type ApplyReply = [string, string];
interface ScriptedRedis extends Redis {
  applyStoreBatch(...args: [number, ...Array<string | number>]): Promise<ApplyReply>;
  upsertCustomers(...args: [number, ...Array<string | number>]): Promise<number>;
  recordOffer(...args: [number, ...Array<string | number>]): Promise<number>;
  settleSms(...args: [number, ...Array<string | number>]): Promise<number>;
  requeueSms(...args: [number, ...Array<string | number>]): Promise<number>;
}

const flag = (b: boolean) => (b ? '1' : '0');

/** The keys a script call names after its fixed ones; the data refers to each by its index in KEYS. */
class ScriptKeys {
  readonly list: string[] = [];
  private readonly named = { profile: new Map<number, number>(), listens: new Map<number, number>(), interests: new Map<number, number>(), ads: new Map<number, number>() };
  constructor(private readonly fixed: number, private readonly partition?: PartitionKeys) {}

  add(key: string): number {
    this.list.push(key);
    return this.fixed + this.list.length;
  }

  /** A customer's key of the partition, named once however often it is asked for. */
  of(kind: CustomerKey, customerId: number): number {
    const named = this.named[kind];
    let at = named.get(customerId);
    if (at === undefined) named.set(customerId, (at = this.add(this.partition![kind](customerId))));
    return at;
  }

  /** The customers whose keys were named. */
  customers(): Set<number> {
    const all = new Set(this.named.profile.keys());
    for (const kind of ['listens', 'interests', 'ads'] as const) for (const id of this.named[kind].keys()) all.add(id);
    return all;
  }
}

type CustomerKey = 'profile' | 'listens' | 'interests' | 'ads';

/** A customer hash's fields, in the order pushCustomerValues writes them; the phone last, as it is optional. */
const CUSTOMER_FIELDS = ['name', 'gender', 'address', 'zip', 'sign_date', 'active', 'level', 'campaign', 'linked_with_apps', 'age', 'age_source', 'phone'];

/**
 * What the upsert script is told a chunk writes: every field when a customer of the chunk has a phone (phone '' for
 * those without), else every field but the phone, which the script then removes from customers seeded before, so
 * an upsert replaces a phone seeded before as on embedded. Most files have no Phone column, and a field fewer in
 * every hash made seed on Redis ~5% faster.
 */
const customerLayout = (withPhone: boolean) => (withPhone
  ? { 'customer fields': CUSTOMER_FIELDS.join(','), 'cleared fields': '' }
  : { 'customer fields': CUSTOMER_FIELDS.slice(0, -1).join(','), 'cleared fields': 'phone' });

/** A customer's values in CUSTOMER_FIELDS order, with or without the phone (one push, not a call per field: seed writes 100,000s of these). */
function pushCustomerValues(values: Array<string | number>, c: Customer, withPhone: boolean): void {
  values.push(c.name, c.gender, c.address, c.zip, c.signDate, flag(c.active), c.level, c.campaign, flag(c.linkedWithApps), c.age, c.ageSource);
  if (withPhone) values.push(c.phone ?? '');
}

/** A prediction from its two keys: the label (GET) and "<probability>|<model version>" (the predictions hash). */
function toPrediction(customerId: number, label: string | null, detail: string | null): Prediction | null {
  if (label === null || detail === null) return null;
  const [probability, modelVersion] = detail.split('|').map(Number);
  return { customerId, probability, label: label === '1' ? 1 : 0, modelVersion };
}

function toCustomer(id: number, h: Record<string, string>): Customer {
  return {
    id, name: h.name, gender: h.gender as Customer['gender'], address: h.address, zip: h.zip, signDate: h.sign_date,
    active: h.active === '1', level: Number(h.level) as Customer['level'], campaign: Number(h.campaign) as Customer['campaign'],
    linkedWithApps: h.linked_with_apps === '1', age: Number(h.age), ageSource: h.age_source as Customer['ageSource'],
    ...(h.phone ? { phone: h.phone } : {}),
  };
}

/** A profile hash's fields and the Profile member each holds: the one definition the script is given too. */
export const PROFILE_LAYOUT: ReadonlyArray<readonly [string, Exclude<keyof Profile, 'customerId'>]> = [
  ['plays', 'plays'], ['mobile_plays', 'mobilePlays'], ['morning', 'morning'], ['afternoon', 'afternoon'], ['evening', 'evening'],
  ['night', 'night'], ['unique_tracks', 'uniqueTracks'], ['first_seen', 'firstSeen'], ['last_seen', 'lastSeen'],
];

/** What the script is told of the layout: the fields, then `recent` (the capped plays kept in the same hash). */
const PROFILE_FIELDS = [...PROFILE_LAYOUT.map(([field]) => field), 'recent'].join(',');

function toProfile(customerId: number, h: Record<string, string>): Profile {
  const p = { customerId } as Profile;
  for (const [field, member] of PROFILE_LAYOUT) p[member] = Number(h[field]);
  return p;
}

/** Fields of the counters hash. */
const COUNTER_FIELDS: Record<StoreCounter, string> = { eventsProcessed: 'events_processed', deadLetters: 'dead_letters' };
/** Kept by the script as it adds ad decisions. */
const AD_DECISIONS_FIELD = 'ad_decisions';

/** A listen pair as one hash field value: "<plays>|<interest at or empty>|<recent times, comma separated>". */
export function encodePair(p: ListenPair): string {
  return `${p.plays}|${p.interestAt ?? ''}|${p.recent.join(',')}`;
}

export function decodePair(customerId: number, trackId: number, value: string): ListenPair {
  const [plays, interestAt, recent] = value.split('|');
  return {
    customerId, trackId, plays: Number(plays),
    recent: recent ? recent.split(',').map(Number) : [],
    interestAt: interestAt === '' ? null : Number(interestAt),
  };
}

export class RedisStore implements Store {
  readonly keys: RedisKeys;
  private readonly connection: RedisConnection;
  /** Partitions whose SMS stream has the senders' group. */
  private readonly smsGroups = new Set<PartitionName>();
  /** Partitions this process put in the partition set, and customers it put in the directory (under that partition). */
  private readonly knownPartitions = new Set<PartitionName>();
  private readonly knownCustomers = new Map<number, PartitionName>();

  /** smsClaimTimeoutMs: how long a claimed SMS stays with its sender before another may take it. */
  constructor(url: string, prefix: string, private readonly smsClaimTimeoutMs = SMS_CLAIM_TIMEOUT_MS) {
    this.keys = new RedisKeys(prefix);
    // No auto-pipelining: it made seed's and the stream's big script calls wait for each other (seed took 1.4x
    // as long), and its pipelines made the offer API's collector pauses long (see offerFacts).
    this.connection = new RedisConnection(url);
    this.connection.client.defineCommand('applyStoreBatch', { lua: luaSource(APPLY_STORE_BATCH.file) });
    this.connection.client.defineCommand('upsertCustomers', { lua: luaSource(UPSERT_CUSTOMERS.file) });
    this.connection.client.defineCommand('recordOffer', { lua: luaSource(RECORD_OFFER.file) });
    this.connection.client.defineCommand('settleSms', { lua: luaSource(SETTLE_SMS.file) });
    this.connection.client.defineCommand('requeueSms', { lua: luaSource(REQUEUE_SMS.file) });
  }

  private run<T>(work: (redis: ScriptedRedis) => Promise<T>): Promise<T> {
    return this.connection.run((redis) => work(redis as ScriptedRedis));
  }

  // ---------------------------------------------------------------- catalogue

  async upsertCustomers(customers: Customer[]): Promise<void> {
    const k = this.keys;
    await this.run(async (redis) => {
      // All chunks are sent at once (pipelined on the connection); Redis applies them in order.
      await Promise.all(chunked(customers, SEED_CHUNK).map((part) => {
        const args: Array<string | number> = [];
        const keys = new ScriptKeys(UPSERT_CUSTOMERS.keys.length);
        const withPhone = part.some((c) => c.phone !== undefined);
        for (const c of part) {
          args.push(keys.add(k.customer(c.id)), c.id, flag(c.active && c.level < GOLD));
          pushCustomerValues(args, c, withPhone);
        }
        const [data, values] = packData(args);
        return redis.upsertCustomers(...scriptArgs(UPSERT_CUSTOMERS,
          { customers: k.customers, 'eligible customers': k.eligibleCustomers },
          { ...customerLayout(withPhone), data, values }, keys.list));
      }));
    });
  }

  async upsertTracks(tracks: Track[]): Promise<void> {
    const k = this.keys;
    await this.run(async (redis) => {
      for (const part of chunked(tracks, PIPELINE_CHUNK)) {
        const pipe = redis.pipeline();
        for (const t of part) pipe.hset(k.track(t.id), { title: t.title, artist: t.artist, length_sec: t.lengthSec });
        pipe.sadd(k.tracks, ...part.map((t) => t.id));
        replies(await pipe.exec());
      }
    });
  }

  async addClicks(clicks: Click[]): Promise<void> {
    const k = this.keys;
    await this.run(async (redis) => {
      for (const part of chunked(clicks, PIPELINE_CHUNK)) {
        const pipe = redis.pipeline();
        for (const c of part) {
          pipe.hset(k.clicks, String(c.eventId), `${c.customerId}|${c.ad}|${c.time}`);
          pipe.sadd(k.clicksOf(c.customerId), c.eventId);
        }
        replies(await pipe.exec());
      }
    });
  }

  async getCustomers(ids: number[]): Promise<Map<number, Customer>> {
    const hashes = await this.hashes(ids.map((id) => this.keys.customer(id)));
    const out = new Map<number, Customer>();
    ids.forEach((id, i) => { if (hashes[i]) out.set(id, toCustomer(id, hashes[i]!)); });
    return out;
  }

  async getTracks(ids: number[]): Promise<Map<number, Track>> {
    const hashes = await this.hashes(ids.map((id) => this.keys.track(id)));
    const out = new Map<number, Track>();
    ids.forEach((id, i) => {
      const h = hashes[i];
      if (h) out.set(id, { id, title: h.title, artist: h.artist, lengthSec: Number(h.length_sec) });
    });
    return out;
  }

  /** HGETALL of many keys in one round trip; null where the key does not exist. */
  private async hashes(keys: string[]): Promise<Array<Record<string, string> | null>> {
    if (keys.length === 0) return [];
    if (keys.length === 1) { // one key (an access's customer): no pipeline of its own, so it leaves with the tick's other commands
      const h = await this.run((redis) => redis.hgetall(keys[0]));
      return [Object.keys(h).length > 0 ? h : null];
    }
    return this.run(async (redis) => {
      const pipe = redis.pipeline();
      for (const key of keys) pipe.hgetall(key);
      return (replies(await pipe.exec()) as Array<Record<string, string>>).map((h) => (Object.keys(h).length > 0 ? h : null));
    });
  }

  // ---------------------------------------------------------------- live state

  async loadBatchState(log: string, partition: number, request: BatchStateRequest): Promise<BatchState> {
    const k = this.keys.partition(partitionName(log, partition));
    return this.run(async (redis) => {
      // The watermark first: any write after this read moves it, and applyBatch's compare-and-set then fails.
      const stored = await redis.get(k.watermark);
      const watermark = stored === null ? -1 : Number(stored);
      const pipe = redis.pipeline();
      for (const id of request.customers) pipe.hgetall(k.profile(id)).hgetall(k.listens(id));
      if (request.targeting.length > 0) pipe.smismember(this.keys.targeted, ...request.targeting.map(String));
      const r = replies(await pipe.exec());
      const customers = new Map<number, CustomerState>();
      request.customers.forEach((id, i) => {
        const profile = r[2 * i] as Record<string, string>;
        const listens = r[2 * i + 1] as Record<string, string>;
        customers.set(id, {
          profile: Object.keys(profile).length > 0 ? toProfile(id, profile) : null,
          recent: decodeRecentPlays(id, profile.recent),
          pairs: new Map(Object.entries(listens).map(([track, value]) => [Number(track), decodePair(id, Number(track), value)])),
        });
      });
      const targeted = new Set<number>();
      if (request.targeting.length > 0) {
        const members = r[2 * request.customers.length] as number[];
        request.targeting.forEach((id, i) => { if (members[i] === 1) targeted.add(id); });
      }
      const decided = new Set<string>();
      if (targeted.size > 0 && request.days.length > 0) {
        const ads = redis.pipeline();
        for (const id of targeted) ads.hmget(k.ads(id), ...request.days);
        const found = replies(await ads.exec()) as Array<Array<string | null>>;
        [...targeted].forEach((id, i) => request.days.forEach((day, j) => { if (found[i][j] !== null) decided.add(`${id}:${day}`); }));
      }
      return { watermark, customers, targeted, decided };
    });
  }

  async applyBatch({ position, writes }: StoreBatch): Promise<void> {
    const k = this.keys.partition(partitionName(position.log, position.partition));
    const keys = new ScriptKeys(APPLY_STORE_BATCH.keys.length, k);
    // A customer's capped plays go in with its profile (one HSET) when the batch sets both.
    const recentOf = new Map<number, string>();
    for (const l of writes.cappedList.recentPlays) recentOf.set(l.customerId, encodeRecentPlays(l.items));
    const profiles: Array<string | number> = [];
    for (const p of writes.set.profiles) {
      const recent = recentOf.get(p.customerId);
      profiles.push(keys.of('profile', p.customerId), p.customerId, PROFILE_LAYOUT.length + (recent === undefined ? 0 : 1));
      for (const [, member] of PROFILE_LAYOUT) profiles.push(p[member]);
      if (recent !== undefined) {
        profiles.push(recent);
        recentOf.delete(p.customerId);
      }
    }
    const recentLists: Array<string | number> = [];
    for (const [customerId, recent] of recentOf) recentLists.push(keys.of('profile', customerId), recent);
    const pairsOf = new Map<number, Array<[number, string]>>();
    for (const p of writes.set.pairs) {
      const list = pairsOf.get(p.customerId);
      if (list) list.push([p.trackId, encodePair(p)]);
      else pairsOf.set(p.customerId, [[p.trackId, encodePair(p)]]);
    }
    const pairs: Array<string | number> = [];
    let pairGroups = 0;
    for (const [customerId, list] of pairsOf) pairGroups += pushGroups(pairs, keys.of('listens', customerId), list);
    const { interests, adDecisions } = writes.addToSet;
    const { sms } = writes.enqueueOnce;
    const increments = (Object.entries(writes.increment) as Array<[StoreCounter, number]>).filter(([, by]) => by !== 0);
    const [data, values] = packData(profiles.concat(
      recentLists, pairs,
      interests.flatMap((i) => [keys.of('interests', i.customerId), i.trackId, `${i.customerId}:${i.trackId}`, i.detectedAt]),
      adDecisions.flatMap((d) => [keys.of('ads', d.customerId), d.day, `${d.eventId}|${d.at}`]),
      sms.flatMap((m) => [m.id, m.customerId, m.day, m.text, m.at]),
      increments.flatMap(([name, by]) => [COUNTER_FIELDS[name], by]),
    ));
    // Where readers find this state: written first and outside the script (other slots), never taken back; an entry
    // whose script then fails points at state not there yet, which reads as none.
    const newcomers = new Set<number>();
    for (const id of keys.customers()) if (this.knownCustomers.get(id) !== k.name) newcomers.add(id);
    for (const m of sms) if (this.knownCustomers.get(m.customerId) !== k.name) newcomers.add(m.customerId);
    const register = (redis: ScriptedRedis) => Promise.all([
      this.knownPartitions.has(k.name) ? null : redis.sadd(this.keys.livePartitions, k.name),
      newcomers.size === 0 ? null : redis.hset(this.keys.liveCustomers, ...[...newcomers].flatMap((id) => [id, k.name])),
    ]);
    const [, reply] = await this.run((redis) => Promise.all([register(redis), redis.applyStoreBatch(...scriptArgs(APPLY_STORE_BATCH, {
      watermark: k.watermark, counters: k.counters, profiles: k.profiles,
      'interests by time': k.interestsByTime, sms: k.sms, 'sms entries': k.smsEntries,
    }, {
      expected: position.expected, next: position.next, 'profile fields': PROFILE_FIELDS,
      profiles: writes.set.profiles.length, 'recent lists': recentOf.size, 'pair groups': pairGroups, interests: interests.length,
      'ad decisions': adDecisions.length, sms: sms.length, counters: increments.length, data, values,
    }, keys.list))]));
    this.knownPartitions.add(k.name);
    for (const id of newcomers) this.knowCustomer(id, k.name);
    if (reply[0] === 'conflict') throw new WatermarkConflict(position, Number(reply[1]));
  }

  private knowCustomer(customerId: number, partition: PartitionName): void {
    if (this.knownCustomers.size >= KNOWN_CUSTOMERS_MAX) this.knownCustomers.clear();
    this.knownCustomers.set(customerId, partition);
  }

  /** The keys of the partition that holds this customer's live state, or null (no state). */
  private async partitionOf(customerId: number): Promise<PartitionKeys | null> {
    const name = await this.run((redis) => redis.hget(this.keys.liveCustomers, String(customerId)));
    return name === null ? null : this.keys.partition(name);
  }

  /** Every partition that holds live state. */
  private async partitions(): Promise<PartitionKeys[]> {
    const names = await this.run((redis) => redis.smembers(this.keys.livePartitions));
    return names.sort().map((name) => this.keys.partition(name));
  }

  async getProfile(customerId: number): Promise<Profile | null> {
    const k = await this.partitionOf(customerId);
    const [h] = k ? await this.hashes([k.profile(customerId)]) : [null];
    return h ? toProfile(customerId, h) : null;
  }

  async recentPlays(customerId: number, limit: number): Promise<PlayEvent[]> {
    const k = await this.partitionOf(customerId);
    const text = k ? await this.run((redis) => redis.hget(k.profile(customerId), 'recent')) : null;
    return decodeRecentPlays(customerId, text).slice(0, limit);
  }

  async listProfiles(afterCustomerId: number, limit: number): Promise<Profile[]> {
    const parts = await this.partitions();
    // Each partition's first `limit` ids after the given one; of those, the first `limit` overall.
    const pages = await this.run(async (redis) => {
      const pipe = redis.pipeline();
      for (const k of parts) pipe.zrangebyscore(k.profiles, `(${afterCustomerId}`, '+inf', 'LIMIT', 0, limit);
      return replies(await pipe.exec()) as string[][];
    });
    const ids = pages.flatMap((page, i) => page.map((id) => ({ id: Number(id), k: parts[i] })))
      .sort((a, b) => a.id - b.id).slice(0, limit);
    const hashes = await this.hashes(ids.map(({ id, k }) => k.profile(id)));
    return ids.flatMap(({ id }, i) => (hashes[i] ? [toProfile(id, hashes[i]!)] : []));
  }

  async interestsOf(customerId: number): Promise<Interest[]> {
    const k = await this.partitionOf(customerId);
    if (!k) return [];
    return this.run(async (redis) => {
      const tracks = (await redis.smembers(k.interests(customerId))).map(Number);
      if (tracks.length === 0) return [];
      const times = await redis.zmscore(k.interestsByTime, ...tracks.map((t) => `${customerId}:${t}`));
      return tracks
        .map((trackId, i) => ({ customerId, trackId, detectedAt: Number(times[i]) }))
        .sort((a, b) => a.detectedAt - b.detectedAt || a.trackId - b.trackId);
    });
  }

  async recentInterests(limit: number): Promise<Interest[]> {
    if (limit <= 0) return [];
    const parts = await this.partitions();
    const out: Interest[] = [];
    await this.run(async (redis) => {
      for (const k of parts) {
        const newest = await redis.zrevrange(k.interestsByTime, 0, limit - 1, 'WITHSCORES');
        if (newest.length === 0) continue;
        // Everything down to the last time shown, so ties at the edge are ordered like the other stores do.
        const edge = newest[newest.length - 1];
        const rows = await redis.zrevrangebyscore(k.interestsByTime, '+inf', edge, 'WITHSCORES');
        for (let i = 0; i < rows.length; i += 2) {
          const [c, t] = rows[i].split(':').map(Number);
          out.push({ customerId: c, trackId: t, detectedAt: Number(rows[i + 1]) });
        }
      }
    });
    return out.sort((a, b) => b.detectedAt - a.detectedAt || a.customerId - b.customerId || a.trackId - b.trackId).slice(0, limit);
  }

  async clicksOf(customerIds: number[]): Promise<Click[]> {
    if (customerIds.length === 0) return [];
    return this.run(async (redis) => {
      const pipe = redis.pipeline();
      for (const id of customerIds) pipe.smembers(this.keys.clicksOf(id));
      const eventIds = (replies(await pipe.exec()) as string[][]).flat();
      if (eventIds.length === 0) return [];
      const values = await redis.hmget(this.keys.clicks, ...eventIds);
      return eventIds
        .flatMap((id, i) => (values[i] === null ? [] : [decodeClick(id, values[i]!)]))
        .sort((a, b) => a.eventId - b.eventId);
    });
  }

  async allClicks(): Promise<Click[]> {
    const all = await this.run((redis) => redis.hgetall(this.keys.clicks));
    return Object.entries(all).map(([id, value]) => decodeClick(id, value)).sort((a, b) => a.eventId - b.eventId);
  }

  // ---------------------------------------------------------------- models and targeting

  async saveModel(body: Record<string, unknown>): Promise<ModelRecord> {
    const k = this.keys;
    const createdAt = Date.now();
    const version = await this.run(async (redis) => {
      const v = await redis.incr(k.modelSequence);
      replies(await redis.multi()
        .hset(k.model(v), { created_at: createdAt, body: JSON.stringify(body) })
        .zadd(k.models, v, String(v))
        .exec());
      return v;
    });
    return { version, createdAt, deployed: false, deployedAt: null, body };
  }

  async listModels(): Promise<ModelRecord[]> {
    return this.run(async (redis) => {
      const versions = (await redis.zrange(this.keys.models, 0, -1)).map(Number);
      const deployed = await redis.get(this.keys.deployedModel);
      const hashes = await this.hashes(versions.map((v) => this.keys.model(v)));
      return versions.flatMap((v, i) => (hashes[i] ? [toModel(v, hashes[i]!, deployed)] : []));
    });
  }

  async getModel(version: number): Promise<ModelRecord | null> {
    const [h] = await this.hashes([this.keys.model(version)]);
    if (!h) return null;
    return toModel(version, h, await this.run((redis) => redis.get(this.keys.deployedModel)));
  }

  async deployModel(version: number, predictions: Prediction[], targeted: number[]): Promise<void> {
    const k = this.keys;
    // WATCH needs a connection of its own: on the shared one another caller's EXEC would clear it.
    const redis = this.connection.client.duplicate();
    redis.on('error', () => undefined);
    try {
      await this.run(async () => {
        for (let attempt = 1; ; attempt++) {
          await redis.watch(k.predictions, k.deployedModel);
          if (!(await redis.exists(k.model(version)))) {
            await redis.unwatch();
            throw new MusicflowError(`model v${version} does not exist in ${redactedUrl(this.connection.url)} (list them with \`musicflow model list\`)`);
          }
          const previous = await redis.hkeys(k.predictions);
          const kept = new Set(predictions.map((p) => String(p.customerId)));
          const tx = redis.multi();
          for (const part of chunked(previous.filter((id) => !kept.has(id)), ARGS_CHUNK)) tx.del(...part.map((id) => k.predEvent(Number(id))));
          tx.del(k.predictions, k.targeted);
          for (const part of chunked(predictions, ARGS_CHUNK)) {
            tx.mset(...part.flatMap((p) => [k.predEvent(p.customerId), String(p.label)]));
            tx.hset(k.predictions, ...part.flatMap((p) => [String(p.customerId), `${p.probability}|${p.modelVersion}`]));
          }
          for (const part of chunked(targeted, ARGS_CHUNK)) tx.sadd(k.targeted, ...part);
          tx.hset(k.model(version), 'deployed_at', Date.now());
          tx.set(k.deployedModel, String(version));
          const result = await tx.exec();
          if (result) {
            replies(result);
            return;
          }
          if (attempt >= 5) throw new MusicflowError(`deploying model v${version}: another deployment kept changing the predictions; retry`);
        }
      });
    } finally {
      redis.disconnect();
    }
  }

  async deployedModel(): Promise<ModelRecord | null> {
    const deployed = await this.run((redis) => redis.get(this.keys.deployedModel));
    return deployed === null ? null : this.getModel(Number(deployed));
  }

  async prediction(customerId: number): Promise<Prediction | null> {
    const [label, detail] = await this.run((redis) => Promise.all([
      redis.get(this.keys.predEvent(customerId)), redis.hget(this.keys.predictions, String(customerId)),
    ]));
    return toPrediction(customerId, label, detail);
  }

  async offerFacts(customerId: number): Promise<OfferFacts> {
    // Four plain commands at once, not a pipeline: an ioredis Pipeline per access left so much for the young
    // generation's collector to copy that its pauses (8 ms every 80 ms at 5,000 accesses/s) set the p99.
    const [[active, level], label, detail, deployed] = await this.run((redis) => Promise.all([
      redis.hmget(this.keys.customer(customerId), 'active', 'level'), redis.get(this.keys.predEvent(customerId)),
      redis.hget(this.keys.predictions, String(customerId)), redis.exists(this.keys.deployedModel),
    ]));
    return {
      customer: active === null ? null : { active: active === '1', level: Number(level) as Customer['level'] },
      prediction: toPrediction(customerId, label, detail),
      modelDeployed: deployed === 1,
    };
  }

  async isTargeted(customerId: number): Promise<boolean> {
    return (await this.run((redis) => redis.sismember(this.keys.targeted, String(customerId)))) === 1;
  }

  async adDecisionsOf(customerId: number): Promise<AdDecision[]> {
    const k = await this.partitionOf(customerId);
    const all = k ? await this.run((redis) => redis.hgetall(k.ads(customerId))) : {};
    return Object.entries(all)
      .map(([day, value]) => {
        const [eventId, at] = value.split('|').map(Number);
        return { customerId, day, eventId, at };
      })
      .sort((a, b) => a.day.localeCompare(b.day));
  }

  /**
   * Under the customer's partition, where a play of theirs records the same decision. A customer the stream has
   * never seen has no partition yet and is never targeted (scoring needs a profile): nothing is recorded.
   */
  async recordOffer(decision: AdDecision, sms: SmsMessage): Promise<boolean> {
    const k = await this.partitionOf(decision.customerId);
    if (!k) return false;
    const recorded = await this.run((redis) => redis.recordOffer(...scriptArgs(RECORD_OFFER,
      { ads: k.ads(decision.customerId), counters: k.counters, sms: k.sms, 'sms entries': k.smsEntries },
      { day: decision.day, decision: `${decision.eventId}|${decision.at}`, 'sms id': sms.id, 'customer id': sms.customerId, text: sms.text, at: sms.at })));
    return recorded === 1;
  }

  // ---------------------------------------------------------------- SMS queue (a Redis Stream)

  /** Each partition's stream in turn (the order of their names), until `limit` messages are claimed. */
  async claimSms(consumer: string, limit: number, claimTimeoutMs = this.smsClaimTimeoutMs): Promise<SmsMessage[]> {
    const out: SmsMessage[] = [];
    for (const k of await this.partitions()) {
      if (out.length >= limit) break;
      out.push(...await this.claimFrom(k, consumer, limit - out.length, claimTimeoutMs));
    }
    return out;
  }

  private async claimFrom(k: PartitionKeys, consumer: string, limit: number, claimTimeoutMs: number): Promise<SmsMessage[]> {
    return this.run(async (redis) => {
      if (!this.smsGroups.has(k.name)) {
        try {
          // From the stream's start ("0"), so messages queued before the first sender are delivered too.
          await redis.xgroup('CREATE', k.sms, SMS_GROUP, '0', 'MKSTREAM');
        } catch (err) {
          if (!/BUSYGROUP/.test((err as Error).message)) throw err;
        }
        this.smsGroups.add(k.name);
      }
      // Messages a sender claimed but never acknowledged (it died) come back first.
      const [, reclaimed] = (await redis.xautoclaim(k.sms, SMS_GROUP, consumer, claimTimeoutMs, '0-0', 'COUNT', limit)) as
        [string, Array<[string, string[]] | null>];
      const entries = reclaimed.filter((e): e is [string, string[]] => e !== null);
      if (entries.length < limit) {
        const fresh = (await redis.xreadgroup('GROUP', SMS_GROUP, consumer, 'COUNT', limit - entries.length, 'STREAMS', k.sms, '>')) as
          Array<[string, Array<[string, string[]]>]> | null;
        for (const [, list] of fresh ?? []) entries.push(...list);
      }
      return entries.map(([, fields]) => smsOf(fields));
    });
  }

  /** Ids are `<customer>:<day>`: each is settled on the stream of its customer's partition. */
  private async byPartition<T extends { id: string }>(items: T[]): Promise<Array<{ k: PartitionKeys; items: T[] }>> {
    const groups = new Map<PartitionName, { k: PartitionKeys; items: T[] }>();
    for (const item of items) {
      const k = await this.partitionOf(Number(item.id.split(':')[0]));
      if (!k) continue;
      const group = groups.get(k.name) ?? { k, items: [] };
      group.items.push(item);
      groups.set(k.name, group);
    }
    return [...groups.values()];
  }

  private async settle(outcome: 'sent' | 'failed', failures: SmsFailure[], at: number): Promise<number> {
    let settled = 0;
    for (const { k, items } of await this.byPartition(failures)) {
      const [data, values] = packData(items.flatMap((f) => [f.id, f.reason.replace(/[\x00-\x1f]/g, ' ')]));
      settled += await this.run((redis) => redis.settleSms(...scriptArgs(SETTLE_SMS,
        { sms: k.sms, 'sms entries': k.smsEntries, 'sms failed': k.smsFailed, counters: k.counters },
        { group: SMS_GROUP, outcome, 'failed at': at, data, values })));
    }
    return settled;
  }

  async ackSms(ids: string[]): Promise<void> {
    await this.settle('sent', ids.map((id) => ({ id, reason: '' })), 0);
  }

  async failSms(failures: SmsFailure[], at: number): Promise<number> {
    return this.settle('failed', failures, at);
  }

  /** Handed to nobody, with a delivery time long past: the next XAUTOCLAIM of any sender takes them at once. */
  async releaseSms(ids: string[]): Promise<void> {
    for (const { k, items } of await this.byPartition(ids.map((id) => ({ id })))) {
      await this.run(async (redis) => {
        const entries = (await redis.hmget(k.smsEntries, ...items.map((i) => i.id))).filter((e): e is string => Boolean(e));
        if (entries.length > 0) await redis.xclaim(k.sms, SMS_GROUP, 'released', 0, ...entries, 'TIME', 0, 'JUSTID');
      });
    }
  }

  async failedSms(limit: number): Promise<FailedSms[]> {
    const out: FailedSms[] = [];
    for (const k of await this.partitions()) {
      const failed = await this.run(async (redis) => {
        const list = Object.entries(await redis.hgetall(k.smsFailed));
        if (list.length === 0) return [];
        const entries = await redis.hmget(k.smsEntries, ...list.map(([id]) => id));
        const pipe = redis.pipeline();
        for (const entry of entries) pipe.xrange(k.sms, entry ?? '0-0', entry ?? '0-0');
        const found = replies(await pipe.exec()) as Array<Array<[string, string[]]>>;
        return list.flatMap(([, value], i) => {
          const [first] = found[i];
          if (!first) return [];
          const bar = value.indexOf('|');
          return [{ message: smsOf(first[1]), failedAt: Number(value.slice(0, bar)), reason: value.slice(bar + 1) }];
        });
      });
      out.push(...failed);
    }
    return out.sort((a, b) => a.failedAt - b.failedAt || a.message.id.localeCompare(b.message.id)).slice(0, limit);
  }

  async requeueFailedSms(ids: string[] | 'all'): Promise<number> {
    const groups = ids === 'all'
      ? (await this.partitions()).map((k) => ({ k, items: [] as Array<{ id: string }> }))
      : await this.byPartition(ids.map((id) => ({ id })));
    let requeued = 0;
    for (const { k, items } of groups) {
      const [data, values] = packData(items.map((i) => i.id));
      requeued += await this.run((redis) => redis.requeueSms(...scriptArgs(REQUEUE_SMS,
        { sms: k.sms, 'sms entries': k.smsEntries, 'sms failed': k.smsFailed },
        { all: ids === 'all' ? '1' : '0', data, values })));
    }
    return requeued;
  }

  async countSmsRetries(tries: number): Promise<void> {
    if (tries > 0) await this.run((redis) => redis.incrby(this.keys.smsRetried, tries));
  }

  /**
   * pending = queued - sent - failed, each counted exactly (XACK settles an entry once). The oldest pending message
   * is the older of the group's oldest claimed entry and the first entry no sender has read; an entry id is the
   * time it was added.
   */
  async smsStats(): Promise<SmsQueueStats> {
    const parts = await this.partitions();
    return this.run(async (redis) => {
      const stats: SmsQueueStats = { queued: 0, sent: 0, failed: 0, pending: 0, retried: Number(await redis.get(this.keys.smsRetried) ?? 0), oldestPendingAt: null };
      for (const k of parts) {
        const [queued, failed, sent] = replies(await redis.pipeline().hlen(k.smsEntries).hlen(k.smsFailed).hget(k.counters, 'sms_sent').exec()) as [number, number, string | null];
        stats.queued += queued;
        stats.failed += failed;
        stats.sent += Number(sent ?? 0);
        const oldest = await this.oldestPendingEntry(redis, k);
        if (oldest !== null) stats.oldestPendingAt = Math.min(stats.oldestPendingAt ?? Infinity, oldest);
      }
      stats.pending = stats.queued - stats.sent - stats.failed;
      return stats;
    });
  }

  private async oldestPendingEntry(redis: Redis, k: PartitionKeys): Promise<number | null> {
    const groups = (await redis.xinfo('GROUPS', k.sms).catch(() => [])) as Array<Array<string | number>>;
    const group = groups.map((g) => Object.fromEntries(chunked(g, 2))).find((g) => g.name === SMS_GROUP);
    const times: number[] = [];
    if (group) {
      const [count, smallest] = (await redis.xpending(k.sms, SMS_GROUP)) as [number, string | null];
      if (count > 0 && smallest) times.push(entryTime(smallest));
      const [next] = (await redis.xrange(k.sms, `(${group['last-delivered-id']}`, '+', 'COUNT', 1));
      if (next) times.push(entryTime(next[0]));
    } else {
      const [first] = await redis.xrange(k.sms, '-', '+', 'COUNT', 1);
      if (first) times.push(entryTime(first[0]));
    }
    return times.length > 0 ? Math.min(...times) : null;
  }

  // ---------------------------------------------------------------- status

  async counts(): Promise<StoreCounts> {
    const k = this.keys;
    const parts = await this.partitions();
    return this.run(async (redis) => {
      const pipe = redis.pipeline()
        .scard(k.customers).scard(k.tracks).scard(k.eligibleCustomers).scard(k.targeted).hlen(k.clicks);
      for (const p of parts) pipe.zcard(p.profiles).zcard(p.interestsByTime).hlen(p.smsEntries)
        .hmget(p.counters, COUNTER_FIELDS.eventsProcessed, COUNTER_FIELDS.deadLetters, AD_DECISIONS_FIELD);
      const r = replies(await pipe.exec());
      const [customers, tracks, eligibleCustomers, targetedCustomers, clicks] = r.slice(0, 5) as number[];
      const live = { profiles: 0, interests: 0, smsQueued: 0, eventsProcessed: 0, deadLetters: 0, adDecisions: 0 };
      parts.forEach((_p, i) => {
        const [profiles, interests, sms, counters] = r.slice(5 + 4 * i, 9 + 4 * i) as [number, number, number, Array<string | null>];
        const [eventsProcessed, deadLetters, adDecisions] = counters.map((v) => Number(v ?? 0));
        live.profiles += profiles;
        live.interests += interests;
        live.smsQueued += sms;
        live.eventsProcessed += eventsProcessed;
        live.deadLetters += deadLetters;
        live.adDecisions += adDecisions;
      });
      return {
        customers, tracks, profiles: live.profiles, interests: live.interests, eligibleCustomers, targetedCustomers,
        adDecisions: live.adDecisions, smsQueued: live.smsQueued, eventsProcessed: live.eventsProcessed, streamDeadLetters: live.deadLetters, clicks,
      };
    });
  }

  async health(): Promise<Health> {
    return redisHealth(this.connection, 'redis store', this.keys.prefix);
  }

  async close(): Promise<void> {
    await this.connection.close();
  }
}

function smsOf(fields: string[]): SmsMessage {
  const f: Record<string, string> = {};
  for (let i = 0; i < fields.length; i += 2) f[fields[i]] = fields[i + 1];
  return { id: f.id, customerId: Number(f.customer_id), day: f.day, text: f.text, at: Number(f.at) };
}

/** A stream entry id's first part is the time it was added (epoch ms). */
const entryTime = (entry: string) => Number(entry.split('-')[0]);

function decodeClick(eventId: string, value: string): Click {
  const [customerId, ad, time] = value.split('|');
  return { eventId: Number(eventId), customerId: Number(customerId), ad, time: Number(time) };
}

function toModel(version: number, h: Record<string, string>, deployed: string | null): ModelRecord {
  return {
    version,
    createdAt: Number(h.created_at),
    deployed: deployed === String(version),
    deployedAt: h.deployed_at ? Number(h.deployed_at) : null,
    body: JSON.parse(h.body) as Record<string, unknown>,
  };
}

/** PING plus the facts `status` shows: server version, memory, keys in the database. */
export async function redisHealth(connection: RedisConnection, backend: string, prefix: string): Promise<Health> {
  try {
    return await connection.run(async (redis) => {
      const [, info, keys] = replies(await redis.pipeline().ping().info('server').dbsize().exec()) as [string, string, number];
      const memory = await redis.info('memory');
      const field = (text: string, name: string) => new RegExp(`^${name}:(.*)$`, 'm').exec(text)?.[1]?.trim() ?? null;
      return {
        backend, ok: true,
        detail: `${redactedUrl(connection.url)} (redis ${field(info, 'redis_version')}, ${field(memory, 'used_memory_human')} used, ${keys} keys)`,
        facts: {
          url: redactedUrl(connection.url), prefix, version: field(info, 'redis_version'),
          usedMemoryBytes: Number(field(memory, 'used_memory')), usedMemory: field(memory, 'used_memory_human'), keys,
        },
      };
    });
  } catch (err) {
    return { backend, ok: false, detail: `${redactedUrl(connection.url)}: ${(err as Error).message}` };
  }
}
