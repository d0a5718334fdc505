// The Index port over Elasticsearch: one document per enriched play, written through the plays alias, and
// the dashboard's totals, series and breakdowns as aggregations at query time (nothing pre-aggregated).
//
// Compare and set: each log partition has a watermark document, changed only with if_seq_no/if_primary_term.
// Before a batch's plays are written, the document reserves the concrete index they go to; a retry of any
// part of that range (after a crash, or by a second worker) finds the reservation and writes to the same index,
// so a play's id (its log position) can never land in two indices, even when the alias rolls over between.
// Elasticsearch writes no two documents atomically: a writer that loses after its claim (another took the
// partition over mid-batch) may have written plays, but only the ones the winner writes too, under the same ids.
import type { estypes } from '@elastic/elasticsearch';
import type { ElasticsearchConfig } from '../../config.js';
import { BackendUnavailableError } from '../../errors.js';
import { MINUTE, floorTo } from '../../pipeline/time.js';
import {
  WatermarkConflict,
  type BreakdownRow, type Decisions, type Dimension, type Grain, type Health, type Index, type IndexAdmin, type IndexEffects, type IndexFilter,
  type SeriesPoint, type SourcePosition,
} from '../../ports.js';
import { LEVEL_NAMES } from '../../records.js';
import { ElasticsearchConnection, reasonOf, statusOf } from './connection.js';
import { adDecisionDocument, adDecisionId, interestDocument, interestId, playDocument, playId } from './documents.js';
import { rollOver, setUpIndices, watermarkIndexOf, writeIndexOf } from './indices.js';
import { aliasOf, type DocumentKind } from './mapping.js';

/** The play field each dashboard dimension counts. */
const DIMENSION_FIELD: Record<Exclude<Dimension, 'all'>, string> = {
  state: 'state', gender: 'gender', age_band: 'age_band', level: 'level', campaign: 'campaign', track: 'track_id', artist: 'artist', zip: 'zip',
};
const INTERVAL: Record<Grain, string> = { minute: '1m', hour: '1h', day: '1d' };

/** Plays per bulk request: a few MB of JSON, so a request neither times out nor holds much memory. */
const BULK_DOCS = 5_000;
/** Bulk requests in flight at once for one batch. */
const BULK_PARALLEL = 2;
/** How long a looked-up write index is trusted: a stale one is harmless (the reservation records where plays went). */
const WRITE_INDEX_TTL_MS = 30_000;

/** A partition's watermark document: `applied` is the last offset held; offsets up to `reserved` may be in `index`. */
interface WatermarkDoc {
  log: string;
  partition: number;
  applied: number;
  reserved: number;
  index: string;
}

interface Versioned { doc: WatermarkDoc | null; seqNo?: number; primaryTerm?: number }

interface AggBucket { key: number | string; key_as_string?: string; doc_count: number; mobile: { value: number } }

export class ElasticsearchIndex implements Index, IndexAdmin {
  private readonly es: ElasticsearchConnection;
  private ready: Promise<void> | null = null;
  private readonly writeIndexCache = new Map<DocumentKind, { name: string; at: number }>();
  private rolloverCheckedAt = Date.now();

  constructor(private readonly config: ElasticsearchConfig) {
    this.es = new ElasticsearchConnection(config);
  }

  private alias(kind: DocumentKind): string {
    return aliasOf(this.config.prefix, kind);
  }

  /** Templates, aliases and the watermark index, once per process before the first write. */
  private ensureReady(): Promise<void> {
    this.ready ??= this.es.run(async (client) => { await setUpIndices(client, this.config); }).catch((err: unknown) => {
      this.ready = null;
      throw err;
    });
    return this.ready;
  }

  private async currentWriteIndex(kind: DocumentKind): Promise<string> {
    const cached = this.writeIndexCache.get(kind);
    if (cached && Date.now() - cached.at < WRITE_INDEX_TTL_MS) return cached.name;
    const name = await this.es.run((client) => writeIndexOf(client, this.alias(kind)));
    if (!name) throw new Error(`Elasticsearch alias ${this.alias(kind)} has no write index: run \`musicflow es setup\``);
    this.writeIndexCache.set(kind, { name, at: Date.now() });
    return name;
  }

  private async readWatermark(log: string, partition: number): Promise<Versioned> {
    await this.ensureReady();
    return this.es.run(async (client) => {
      const answer = await client.get<WatermarkDoc>({ index: watermarkIndexOf(this.config.prefix), id: `${log}:${partition}` }, { ignore: [404] });
      if (!answer.found || !answer._source) return { doc: null };
      return { doc: answer._source, seqNo: answer._seq_no, primaryTerm: answer._primary_term };
    });
  }

  /** Replaces the watermark document only if nobody changed it since `seen` was read; else WatermarkConflict. */
  private async writeWatermark(position: SourcePosition, seen: Versioned, doc: WatermarkDoc): Promise<Versioned> {
    try {
      const answer = await this.es.run((client) => client.index({
        index: watermarkIndexOf(this.config.prefix),
        id: `${doc.log}:${doc.partition}`,
        document: doc,
        ...(seen.doc ? { if_seq_no: seen.seqNo, if_primary_term: seen.primaryTerm } : { op_type: 'create' as const }),
      }));
      return { doc, seqNo: answer._seq_no, primaryTerm: answer._primary_term };
    } catch (err) {
      if (statusOf(err) !== 409) throw err;
      const now = await this.readWatermark(position.log, position.partition);
      throw new WatermarkConflict(position, now.doc?.applied ?? -1);
    }
  }

  async watermark(log: string, partition: number): Promise<number> {
    return (await this.readWatermark(log, partition)).doc?.applied ?? -1;
  }

  async applyEffects(e: IndexEffects): Promise<void> {
    const { log, partition, expected, next } = e.position;
    let seen = await this.readWatermark(log, partition);
    const applied = seen.doc?.applied ?? -1;
    if (applied !== expected) throw new WatermarkConflict(e.position, applied);
    // Offsets past `applied` may already sit in the reserved index from an attempt that did not finish: keep it.
    const pending = seen.doc !== null && seen.doc.reserved > applied;
    const index = pending ? seen.doc!.index : await this.currentWriteIndex('plays');
    const reserved = Math.max(seen.doc?.reserved ?? -1, next);
    // Claimed before anything is written, even when the reservation stands already: of writers that read the same
    // watermark, only one gets past this line.
    seen = await this.writeWatermark(e.position, seen, { log, partition, applied, reserved, index });
    await this.bulkPlays(index, e);
    await this.writeWatermark(e.position, seen, { log, partition, applied: next, reserved, index });
    // ILM is not on every cluster (nor on the test stack): the writers roll the aliases over past the configured age or size.
    if (Date.now() - this.rolloverCheckedAt > ROLLOVER_CHECK_MS) {
      this.rolloverCheckedAt = Date.now();
      await this.rollover(false);
    }
  }

  async setup() {
    const steps = await this.es.run((client) => setUpIndices(client, this.config));
    this.ready = Promise.resolve();
    return steps;
  }

  async rollover(force: boolean) {
    await this.ensureReady();
    const results = await this.es.run((client) => rollOver(client, this.config, force));
    this.writeIndexCache.clear();
    return results;
  }

  private async bulkPlays(index: string, e: IndexEffects): Promise<void> {
    const { log, partition } = e.position;
    const bodies: string[] = [];
    for (let from = 0; from < e.plays.length; from += BULK_DOCS) {
      let body = '';
      for (let i = from; i < Math.min(from + BULK_DOCS, e.plays.length); i++) {
        const offset = e.offsets[i];
        body += `{"index":{"_id":${JSON.stringify(playId(log, partition, offset))}}}\n`;
        body += `${JSON.stringify(playDocument(e.plays[i], log, partition, offset, this.config.indexNames))}\n`;
      }
      bodies.push(body);
    }
    // Visible to queries when the batch counts as done, as the other indexes' writes are: the last requests wait
    // for the refresh, which shows the earlier ones' documents too.
    for (let i = 0; i < bodies.length; i += BULK_PARALLEL) {
      const last = i + BULK_PARALLEL >= bodies.length;
      await Promise.all(bodies.slice(i, i + BULK_PARALLEL).map((body) => this.bulk(index, body, last)));
    }
  }

  /** One bulk request; any document it could not write fails the whole call (the batch is then retried). */
  private async bulk(index: string, body: string, visibleOnReturn: boolean): Promise<void> {
    const answer = await this.es.run((client) => client.transport.request<BulkAnswer>({
      method: 'POST',
      path: `/${encodeURIComponent(index)}/_bulk`,
      querystring: visibleOnReturn ? { refresh: 'wait_for' } : {},
      bulkBody: body,
    }));
    if (!answer.errors) return;
    const failed = answer.items.map((item) => Object.values(item)[0]).find((r) => r.error);
    if (!failed) return;
    if (failed.status === 429) throw new BackendUnavailableError(this.es.label, `bulk rejected (429 ${failed.error?.type}): the node is overloaded`);
    throw new Error(`${this.es.label} refused a document in ${index} (${failed.status} ${failed.error?.type}: ${failed.error?.reason})`);
  }

  async recordDecisions(d: Decisions): Promise<void> {
    await this.ensureReady();
    await this.writeOnce('interests', d.interests.map((i) => [interestId(i), interestDocument(i)]));
    await this.writeOnce('ad-decisions', d.adDecisions.map((a) => [adDecisionId(a), adDecisionDocument(a)]));
  }

  /**
   * Writes the documents the alias does not hold yet. Asking first keeps an id that an earlier attempt wrote
   * before a rollover from appearing again in the new write index.
   */
  private async writeOnce(kind: DocumentKind, docs: Array<[string, Record<string, unknown>]>): Promise<void> {
    if (docs.length === 0) return;
    const alias = this.alias(kind);
    // A multi-get in every index of the alias: unlike a search, it sees documents written since the last refresh.
    const held = await this.es.run(async (client) => {
      const indices = Object.keys(await client.indices.getAlias({ name: alias }));
      return client.mget({ docs: indices.flatMap((index) => docs.map(([id]) => ({ _index: index, _id: id, _source: false }))) });
    });
    const have = new Set(held.docs.filter((d) => 'found' in d && d.found).map((d) => d._id));
    const missing = docs.filter(([id]) => !have.has(id));
    if (missing.length === 0) return;
    const index = await this.currentWriteIndex(kind);
    // Not waiting for a refresh: the store's loop writes these, and the dashboard reads interests from the store.
    await this.bulk(index, missing.map(([id, doc]) => `{"index":{"_id":${JSON.stringify(id)}}}\n${JSON.stringify(doc)}\n`).join(''), false);
  }

  // ---------------------------------------------------------------- queries

  private query(f: IndexFilter): estypes.QueryDslQueryContainer {
    const filter: estypes.QueryDslQueryContainer[] = [];
    if (f.from !== undefined || f.to !== undefined) filter.push({ range: { event_time: { gte: f.from, lt: f.to } } });
    if (f.mobile !== undefined) filter.push({ term: { mobile: f.mobile } });
    if (f.level !== undefined) filter.push({ term: { level: LEVEL_NAMES[f.level] ?? String(f.level) } });
    if (f.state !== undefined) filter.push({ term: { state: f.state } });
    return { bool: { filter } };
  }

  /** A search over the plays alias; a missing alias (nothing indexed yet) answers as empty. */
  private async searchPlays<T>(f: IndexFilter, aggs: Record<string, estypes.AggregationsAggregationContainer>, extra: Partial<estypes.SearchRequest> = {}): Promise<{ total: number; aggs: T }> {
    const answer = await this.es.run((client) => client.search({
      index: this.alias('plays'), size: 0, query: this.query(f), aggs, ignore_unavailable: true, allow_no_indices: true, ...extra,
    }));
    const total = answer.hits.total;
    return { total: typeof total === 'number' ? total : total?.value ?? 0, aggs: (answer.aggregations ?? {}) as T };
  }

  async totals(f: IndexFilter): Promise<{ plays: number; mobilePlays: number; first: number | null; last: number | null }> {
    const { total, aggs } = await this.searchPlays<{ mobile?: { value: number }; first?: { value: number | null }; last?: { value: number | null } }>(f, {
      mobile: MOBILE_PLAYS, first: { min: { field: 'event_time' } }, last: { max: { field: 'event_time' } },
    }, { track_total_hits: true });
    // The first and last minute, as the other indexes report them.
    const minute = (v: number | null | undefined) => (v === null || v === undefined ? null : floorTo(v, MINUTE));
    return { plays: total, mobilePlays: aggs.mobile?.value ?? 0, first: minute(aggs.first?.value), last: minute(aggs.last?.value) };
  }

  async series(f: IndexFilter, grain: Grain): Promise<SeriesPoint[]> {
    const { aggs } = await this.searchPlays<{ buckets?: { buckets: AggBucket[] } }>(f, {
      buckets: { date_histogram: { field: 'event_time', fixed_interval: INTERVAL[grain], min_doc_count: 1 }, aggs: { mobile: MOBILE_PLAYS } },
    });
    return (aggs.buckets?.buckets ?? []).map((b) => ({ bucket: Number(b.key), plays: b.doc_count, mobilePlays: b.mobile.value }));
  }

  async breakdown(f: IndexFilter, dim: Dimension, limit: number): Promise<BreakdownRow[]> {
    if (dim === 'all') {
      const t = await this.totals(f);
      return [{ value: '', plays: t.plays, mobilePlays: t.mobilePlays }];
    }
    // Ties are ordered by the value as text (as the other indexes do); track ids sort as numbers in
    // Elasticsearch, so a margin of tied rows is fetched and the cut made here.
    const { aggs } = await this.searchPlays<{ values?: { buckets: AggBucket[] } }>(f, {
      values: { terms: { field: DIMENSION_FIELD[dim], size: limit + TIE_MARGIN, order: [{ _count: 'desc' }, { _key: 'asc' }] }, aggs: { mobile: MOBILE_PLAYS } },
    });
    return (aggs.values?.buckets ?? [])
      .map((b) => ({ value: String(b.key_as_string ?? b.key), plays: b.doc_count, mobilePlays: b.mobile.value }))
      .sort((a, b) => b.plays - a.plays || (a.value < b.value ? -1 : a.value > b.value ? 1 : 0))
      .slice(0, limit);
  }

  async customersInState(state: string, f: IndexFilter, limit: number): Promise<Array<{ customerId: number; plays: number }>> {
    const { aggs } = await this.searchPlays<{ customers?: { buckets: AggBucket[] } }>({ ...f, state }, {
      customers: { terms: { field: 'customer_id', size: limit, order: [{ _count: 'desc' }, { _key: 'asc' }] } },
    });
    return (aggs.customers?.buckets ?? []).map((b) => ({ customerId: Number(b.key), plays: b.doc_count }));
  }

  async health(): Promise<Health> {
    try {
      return await this.es.run(async (client) => {
        const cluster = await client.cluster.health();
        const plays = await client.count({ index: this.alias('plays'), ignore_unavailable: true, allow_no_indices: true });
        const ok = cluster.status !== 'red';
        return {
          backend: this.es.label, ok,
          detail: `cluster ${cluster.cluster_name} ${cluster.status}, ${plays.count} plays in ${this.alias('plays')}`,
          facts: { cluster: cluster.cluster_name, status: cluster.status, nodes: cluster.number_of_nodes, plays: plays.count, prefix: this.config.prefix },
        };
      });
    } catch (err) {
      const e = err as Error;
      return { backend: this.es.label, ok: false, detail: e instanceof BackendUnavailableError ? e.message : `${e.name}: ${'body' in e ? reasonOf(e as never) : e.message}` };
    }
  }

  async close(): Promise<void> {
    await this.es.close();
  }
}

/** Mobile plays of a bucket: the boolean's doc values are 0 and 1, so their sum counts them without a sub-bucket. */
const MOBILE_PLAYS: estypes.AggregationsAggregationContainer = { sum: { field: 'mobile' } };
const TIE_MARGIN = 50;
/** How often a writer checks the rollover conditions. */
const ROLLOVER_CHECK_MS = 10 * 60_000;

interface BulkAnswer {
  errors: boolean;
  items: Array<Record<string, { status: number; error?: { type: string; reason: string } }>>;
}

