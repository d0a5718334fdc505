// The index over Redis: pre-merged play counts for the dashboard, written with the store's batch in one
// watermark-guarded Lua script (lua/applyIndexEffects-2.lua). Each log partition keeps its own keys under one
// hash tag (keys.ts: indexPart), so the script is valid on Redis Cluster; queries read every part and sum.
// Three shapes answer every query without scanning all plays:
//  - the plain count per minute and hour: unfiltered timelines;
//  - facets, play counts per (grain, dimension, bucket) split by device and level: breakdowns (summed
//    over the facets the filter allows) and timelines filtered by device or level;
//  - each state's plays in a sorted set by time: queries filtered by state, and who listens there.
import {
  DIMENSION_GRAIN, WatermarkConflict,
  type BreakdownRow, type Dimension, type Grain, type Health, type Index, type IndexEffects, type IndexFilter,
  type SeriesPoint,
} from '../../ports.js';
import {
  FACETS, countCells, dimensionValue, facetLevel, facetMobile, facetSelection, levelName, onlyTime,
} from '../../pipeline/aggregate.js';
import { DAY, GRAIN_MS, floorTo } from '../../pipeline/time.js';
import type { EnrichedPlay } from '../../records.js';
import type { ChainableCommander, Redis } from 'ioredis';
import { RedisConnection, replies } from './client.js';
import { RedisKeys } from './keys.js';
import { APPLY_INDEX_EFFECTS, luaSource, packData, pushGroups, scriptArgs } from './scripts.js';
import { redisHealth } from './store.js';

/** Separates the fields of a play in a state's sorted set (no dimension value contains it). */
const SEP = '\x1f';

type ApplyReply = [string, string];
interface ScriptedRedis extends Redis {
  applyIndexEffects(...args: [number, ...Array<string | number>]): Promise<ApplyReply>;
}

/** The fields of a play that state-filtered queries need, in the order they are joined with SEP. */
interface StatePlay {
  time: number;
  eventId: number;
  customerId: number;
  mobile: boolean;
  level: string;
  gender: string;
  ageBand: string;
  campaign: string;
  trackId: number;
  zip: string;
  artist: string;
}

function encodeStatePlay(p: EnrichedPlay): string {
  return [p.eventId, p.customerId, p.mobile ? 1 : 0, dimensionValue(p, 'level'), dimensionValue(p, 'gender'), dimensionValue(p, 'age_band'),
    dimensionValue(p, 'campaign'), p.trackId, p.zip, dimensionValue(p, 'artist')].join(SEP);
}

function decodeStatePlay(member: string, score: string): StatePlay {
  const f = member.split(SEP);
  return {
    time: Number(score), eventId: Number(f[0]), customerId: Number(f[1]), mobile: f[2] === '1', level: f[3], gender: f[4], ageBand: f[5],
    campaign: f[6], trackId: Number(f[7]), zip: f[8], artist: f.slice(9).join(SEP),
  };
}

function statePlayValue(p: StatePlay, dim: Exclude<Dimension, 'all'>, state: string): string {
  switch (dim) {
    case 'state': return state;
    case 'gender': return p.gender;
    case 'age_band': return p.ageBand;
    case 'level': return p.level;
    case 'campaign': return p.campaign;
    case 'track': return String(p.trackId);
    case 'artist': return p.artist;
    case 'zip': return p.zip;
  }
}

const inRange = (f: IndexFilter, bucket: number) => (f.from === undefined || bucket >= f.from) && (f.to === undefined || bucket < f.to);
/** A facet field's "<mobile>:<level>" part, by facet. */
const FACET_FIELDS = Array.from({ length: FACETS }, (_, facet) => `${facetMobile(facet)}:${facetLevel(facet)}`);

/** Whether a facet field's device and level are among those the filter allows. */
function facetMatcher(f: IndexFilter): (mobile: string, level: string) => boolean {
  const { mobiles, levels } = facetSelection(f);
  return (mobile, level) => mobiles.includes(mobile === '1' ? 1 : 0) && levels.includes(level);
}

/** Splits "a:b:rest" into a, b and the rest (which may itself contain ':'). */
function splitFacetField(field: string): [string, string, string] {
  const first = field.indexOf(':');
  const second = field.indexOf(':', first + 1);
  return [field.slice(0, first), field.slice(first + 1, second), field.slice(second + 1)];
}

function sortRows(rows: Map<string, BreakdownRow>, limit: number): BreakdownRow[] {
  return [...rows.values()]
    .filter((r) => r.plays > 0)
    .sort((a, b) => b.plays - a.plays || (a.value < b.value ? -1 : a.value > b.value ? 1 : 0))
    .slice(0, limit);
}

function addRow(rows: Map<string, BreakdownRow>, value: string, plays: number, mobilePlays: number): void {
  const row = rows.get(value);
  if (row) {
    row.plays += plays;
    row.mobilePlays += mobilePlays;
  } else {
    rows.set(value, { value, plays, mobilePlays });
  }
}

export class RedisIndex implements Index {
  readonly keys: RedisKeys;
  private readonly connection: RedisConnection;
  /** Parts this client has named in the registry of parts (indexParts) that queries read. */
  private readonly registered = new Set<string>();

  constructor(url: string, prefix: string) {
    this.keys = new RedisKeys(prefix);
    this.connection = new RedisConnection(url);
    this.connection.client.defineCommand('applyIndexEffects', { lua: luaSource(APPLY_INDEX_EFFECTS.file) });
  }

  private run<T>(work: (redis: ScriptedRedis) => Promise<T>): Promise<T> {
    return this.connection.run((redis) => work(redis as ScriptedRedis));
  }

  /** Runs `command` (one or more commands) for every part the registry names, pipelined: the parts and all replies, in order. */
  private async perPart(command: (pipe: ChainableCommander, part: string) => void): Promise<{ parts: string[]; results: unknown[] }> {
    return this.run(async (redis) => {
      const parts = await redis.smembers(this.keys.indexParts);
      if (parts.length === 0) return { parts, results: [] };
      const pipe = redis.pipeline();
      for (const part of parts) command(pipe, part);
      return { parts, results: replies(await pipe.exec()) };
    });
  }

  async watermark(log: string, partition: number): Promise<number> {
    const value = await this.run((redis) => redis.get(this.keys.indexWatermark(log, partition)));
    return value === null ? -1 : Number(value);
  }

  async applyEffects(e: IndexEffects): Promise<void> {
    const k = this.keys;
    const { position } = e;
    const part = k.indexPart(position.log, position.partition);
    // Every key the script touches is in KEYS; the data names them by their position there.
    const groupKeys: string[] = [];
    const positions = new Map<string, number>();
    const at = (key: string) => {
      let i = positions.get(key);
      if (i === undefined) positions.set(key, (i = 3 + groupKeys.push(key) - 1));
      return i;
    };
    // Increment groups (field, by) come first in the data, add groups (score, member) after them.
    const increments = new Map<string, Array<[string, number]>>();
    const adds = new Map<string, Set<number>>();
    const fieldsOf = (key: string) => {
      let fields = increments.get(key);
      if (!fields) increments.set(key, (fields = []));
      return fields;
    };
    for (const c of countCells(e.plays)) {
      // The plain count keeps every bucket in one hash per grain; a dimension's facets, one hash per bucket.
      const plain = c.dim === 'all';
      const facetKey = plain ? k.facet(part, c.grain, 'all', 0) : k.facet(part, c.grain, c.dim, c.bucket);
      const facetFields = fieldsOf(facetKey);
      const name = plain ? c.bucket : c.value;
      for (let facet = 0; facet < FACETS; facet++) {
        if (c.facets[facet] > 0) facetFields.push([`${FACET_FIELDS[facet]}:${name}`, c.facets[facet]]);
      }
      if (plain) {
        const fields = fieldsOf(k.plainCounts(part, c.grain));
        fields.push([`p:${c.bucket}`, c.plays]);
        if (c.mobilePlays > 0) fields.push([`m:${c.bucket}`, c.mobilePlays]);
      }
      const bucketsKey = k.buckets(part, c.grain, c.dim);
      const buckets = adds.get(bucketsKey) ?? new Set<number>();
      adds.set(bucketsKey, buckets.add(c.bucket));
    }
    const args: Array<string | number> = [];
    let incrementGroups = 0;
    for (const [key, fields] of increments) incrementGroups += pushGroups(args, at(key), fields);
    let addGroups = 0;
    for (const [key, buckets] of adds) addGroups += pushGroups(args, at(key), [...buckets].map((b) => [b, String(b)]));
    let mobilePlays = 0;
    const byState = new Map<string, Array<[number, string]>>();
    for (const p of e.plays) {
      if (p.mobile) mobilePlays += 1;
      const state = dimensionValue(p, 'state');
      const list = byState.get(state);
      const member: [number, string] = [p.time, encodeStatePlay(p)];
      if (list) list.push(member);
      else byState.set(state, [member]);
    }
    for (const [state, members] of byState) addGroups += pushGroups(args, at(k.statePlays(part, state)), members);

    const [data, values] = packData(args);
    const call = scriptArgs(APPLY_INDEX_EFFECTS, { watermark: k.indexWatermark(position.log, position.partition), counters: k.indexCounters(part) }, {
      expected: position.expected, next: position.next, plays: e.plays.length, 'mobile plays': mobilePlays,
      'increment groups': incrementGroups, 'add groups': addGroups, data, 'data values': values,
    }, groupKeys);
    const [status, actual] = await this.run(async (redis) => {
      // Named before its first write (outside the script: the registry is in no partition's slot); naming a
      // part that then stays empty costs queries nothing.
      if (!this.registered.has(part)) {
        await redis.sadd(k.indexParts, part);
        this.registered.add(part);
      }
      return redis.applyIndexEffects(...call);
    });
    if (status === 'conflict') throw new WatermarkConflict(position, Number(actual));
  }

  async totals(f: IndexFilter): Promise<{ plays: number; mobilePlays: number; first: number | null; last: number | null }> {
    if (f.state !== undefined) {
      const plays = await this.statePlays(f.state, f);
      let mobilePlays = 0;
      let first: number | null = null;
      let last: number | null = null;
      for (const p of plays) {
        if (p.mobile) mobilePlays += 1;
        first = first === null ? p.time : Math.min(first, p.time);
        last = last === null ? p.time : Math.max(last, p.time);
      }
      return { plays: plays.length, mobilePlays, first, last };
    }
    if (onlyTime(f) && f.from === undefined && f.to === undefined) return this.grandTotals();
    const points = await this.allSeries(f, 'minute');
    let plays = 0;
    let mobilePlays = 0;
    for (const p of points) {
      plays += p.plays;
      mobilePlays += p.mobilePlays;
    }
    return { plays, mobilePlays, first: points[0]?.bucket ?? null, last: points[points.length - 1]?.bucket ?? null };
  }

  /** Everything: the running counters and the first and last minute, without reading any bucket. */
  private async grandTotals(): Promise<{ plays: number; mobilePlays: number; first: number | null; last: number | null }> {
    const k = this.keys;
    const { results } = await this.perPart((pipe, part) => pipe
      .hmget(k.indexCounters(part), 'plays', 'mobile_plays')
      .zrange(k.buckets(part, 'minute', 'all'), 0, 0)
      .zrange(k.buckets(part, 'minute', 'all'), -1, -1));
    const out = { plays: 0, mobilePlays: 0, first: null as number | null, last: null as number | null };
    for (let i = 0; i < results.length; i += 3) {
      const [counters, first, last] = results.slice(i, i + 3) as [Array<string | null>, string[], string[]];
      out.plays += Number(counters[0] ?? 0);
      out.mobilePlays += Number(counters[1] ?? 0);
      if (first.length > 0) out.first = Math.min(out.first ?? Infinity, Number(first[0]));
      if (last.length > 0) out.last = Math.max(out.last ?? -Infinity, Number(last[0]));
    }
    return out;
  }

  async series(f: IndexFilter, grain: Grain): Promise<SeriesPoint[]> {
    if (f.state !== undefined) {
      const unit = GRAIN_MS[grain];
      const byBucket = new Map<number, SeriesPoint>();
      for (const p of await this.statePlays(f.state, f)) {
        const bucket = floorTo(p.time, unit);
        const point = byBucket.get(bucket) ?? { bucket, plays: 0, mobilePlays: 0 };
        point.plays += 1;
        if (p.mobile) point.mobilePlays += 1;
        byBucket.set(bucket, point);
      }
      return [...byBucket.values()].sort((a, b) => a.bucket - b.bucket);
    }
    if (grain !== 'day') return this.allSeries(f, grain);
    // Days are not kept for the plain count: they are summed from the hours.
    const byDay = new Map<number, SeriesPoint>();
    for (const p of await this.allSeries(f, 'hour')) {
      const bucket = floorTo(p.bucket, DAY);
      const point = byDay.get(bucket) ?? { bucket, plays: 0, mobilePlays: 0 };
      point.plays += p.plays;
      point.mobilePlays += p.mobilePlays;
      byDay.set(bucket, point);
    }
    return [...byDay.values()].sort((a, b) => a.bucket - b.bucket);
  }

  /** The plain count per bucket (minute or hour), from the aggregates or, when filtered, the facets. */
  private async allSeries(f: IndexFilter, grain: 'minute' | 'hour'): Promise<SeriesPoint[]> {
    const byBucket = new Map<number, SeriesPoint>();
    const point = (bucket: number) => {
      let p = byBucket.get(bucket);
      if (!p) byBucket.set(bucket, (p = { bucket, plays: 0, mobilePlays: 0 }));
      return p;
    };
    const plain = onlyTime(f);
    const { results } = await this.perPart((pipe, part) => pipe.hgetall(plain ? this.keys.plainCounts(part, grain) : this.keys.facet(part, grain, 'all', 0)));
    const hashes = results as Array<Record<string, string>>;
    if (plain) {
      for (const [field, value] of hashes.flatMap((fields) => Object.entries(fields))) {
        const bucket = Number(field.slice(2));
        if (!inRange(f, bucket)) continue;
        if (field.startsWith('p:')) point(bucket).plays += Number(value);
        else point(bucket).mobilePlays += Number(value);
      }
    } else {
      const facetMatches = facetMatcher(f);
      for (const [field, value] of hashes.flatMap((fields) => Object.entries(fields))) {
        const [mobile, level, rest] = splitFacetField(field);
        const bucket = Number(rest);
        if (!inRange(f, bucket) || !facetMatches(mobile, level)) continue;
        const p = point(bucket);
        p.plays += Number(value);
        if (mobile === '1') p.mobilePlays += Number(value);
      }
    }
    return [...byBucket.values()].filter((p) => p.plays > 0).sort((a, b) => a.bucket - b.bucket);
  }

  async breakdown(f: IndexFilter, dim: Dimension, limit: number): Promise<BreakdownRow[]> {
    if (dim === 'all') {
      const t = await this.totals(f);
      return [{ value: '', plays: t.plays, mobilePlays: t.mobilePlays }];
    }
    const rows = new Map<string, BreakdownRow>();
    if (f.state !== undefined) {
      for (const p of await this.statePlays(f.state, f)) addRow(rows, statePlayValue(p, dim, f.state), 1, p.mobile ? 1 : 0);
      return sortRows(rows, limit);
    }
    const grain = DIMENSION_GRAIN[dim];
    const k = this.keys;
    const { parts, results } = await this.perPart((pipe, part) =>
      pipe.zrangebyscore(k.buckets(part, grain, dim), f.from ?? '-inf', f.to === undefined ? '+inf' : `(${f.to}`));
    const hashes = await this.run(async (redis) => {
      const pipe = redis.pipeline();
      parts.forEach((part, i) => { for (const b of results[i] as string[]) pipe.hgetall(k.facet(part, grain, dim, Number(b))); });
      return pipe.length === 0 ? [] : replies(await pipe.exec()) as Array<Record<string, string>>;
    });
    const facetMatches = facetMatcher(f);
    for (const fields of hashes) {
      for (const [field, value] of Object.entries(fields)) {
        const [mobile, level, name] = splitFacetField(field);
        if (facetMatches(mobile, level)) addRow(rows, name, Number(value), mobile === '1' ? Number(value) : 0);
      }
    }
    return sortRows(rows, limit);
  }

  async customersInState(state: string, f: IndexFilter, limit: number): Promise<Array<{ customerId: number; plays: number }>> {
    const counts = new Map<number, number>();
    for (const p of await this.statePlays(state, f)) counts.set(p.customerId, (counts.get(p.customerId) ?? 0) + 1);
    return [...counts.entries()]
      .map(([customerId, plays]) => ({ customerId, plays }))
      .sort((a, b) => b.plays - a.plays || a.customerId - b.customerId)
      .slice(0, limit);
  }

  /** A state's plays in [from, to), filtered by device and level. */
  private async statePlays(state: string, f: IndexFilter): Promise<StatePlay[]> {
    const { results } = await this.perPart((pipe, part) => pipe.zrangebyscore(this.keys.statePlays(part, state), f.from ?? '-inf',
      f.to === undefined ? '+inf' : `(${f.to}`, 'WITHSCORES'));
    const rows = (results as string[][]).flat();
    const out: StatePlay[] = [];
    for (let i = 0; i < rows.length; i += 2) {
      const p = decodeStatePlay(rows[i], rows[i + 1]);
      if (f.mobile !== undefined && p.mobile !== f.mobile) continue;
      if (f.level !== undefined && p.level !== levelName(f.level)) continue;
      out.push(p);
    }
    return out;
  }

  async health(): Promise<Health> {
    const health = await redisHealth(this.connection, 'redis index', this.keys.prefix);
    if (!health.ok) return health;
    const plays = await this.perPart((pipe, part) => pipe.hget(this.keys.indexCounters(part), 'plays'))
      .then(({ results }) => results.reduce((sum: number, n) => sum + Number(n ?? 0), 0), () => null);
    return { ...health, facts: { ...health.facts, plays: plays ?? 0 } };
  }

  async close(): Promise<void> {
    await this.connection.close();
  }
}
