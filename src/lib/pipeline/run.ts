// Drives the stages over one batch of the event log and hands the effects to the index and the store.
// Each sink applies a batch only if its watermark for the partition is what we read (compare and set),
// so a redelivered batch, a restarted worker or a second worker on the same partition changes nothing.
import { BackendUnavailableError } from '../errors.js';
import { DEFAULT_MAX_AHEAD_MS, parseTrackLine } from '../formats/tracks.js';
import { LatencyHistogram } from '../latency.js';
import { sleep } from '../sleep.js';
import {
  WatermarkConflict, pairKey,
  type AdDecision, type ConsumedRecord, type EventLog, type Index, type IndexEffects, type LogBatch, type PartitionLag,
  type LiveState, type SmsMessage, type StoreWrites,
} from '../ports.js';
import type { DeadLetter, DetectedInterest, EnrichedPlay, ListenPair, PlayEvent, Profile } from '../records.js';
import { Catalog } from './catalog.js';
import { enrich } from './enrich.js';
import { DEFAULT_INTEREST_RULE, advancePair, type InterestRule } from './interest.js';
import { liveCacheOf, loadLiveState } from './live-cache.js';
import { advanceProfile } from './profile.js';
import { latestPlays } from './recent-plays.js';
import { decideOffer } from './target.js';
import { dayOf } from './time.js';

export interface PipelineDeps {
  log: EventLog;
  store: LiveState;
  index: Index;
  catalog: Catalog;
  rule?: InterestRule;
  now?: () => number;
  /** How far past `now` a play may be dated (default one day); later ones are dead letters. */
  maxAheadMs?: number;
}

interface ParsedRecord { record: ConsumedRecord; event: PlayEvent }
interface OffsetPlay { offset: number; play: EnrichedPlay }

export interface BatchOutcome {
  partition: number;
  records: number;
  processed: number; // plays newly applied to the store
  deadLetters: number; // records newly dead-lettered
  interests: DetectedInterest[];
  adDecisions: AdDecision[];
  sms: SmsMessage[];
}

/** Parse and validate: a record that is not a play goes to the dead letters with its reason. */
export function parseBatch(records: ConsumedRecord[], log: string, now: number, maxAheadMs = DEFAULT_MAX_AHEAD_MS): { parsed: ParsedRecord[]; dead: Array<{ record: ConsumedRecord; letter: DeadLetter }> } {
  const parsed: ParsedRecord[] = [];
  const dead: Array<{ record: ConsumedRecord; letter: DeadLetter }> = [];
  for (const record of records) {
    // Judged against when the log took the record, so a redelivery or another consumer group reaches the same verdict.
    const result = parseTrackLine(record.value, record.appendedAt, maxAheadMs);
    if (result.ok) {
      parsed.push({ record, event: result.value });
      continue;
    }
    const where = record.source ? `${record.source.file}` : `${log}/${record.partition}@${record.offset}`;
    dead.push({
      record,
      letter: { source: where, line: record.source?.line ?? null, reason: result.reason, raw: record.value, stage: 'stream', at: now },
    });
  }
  return { parsed, dead };
}

/** Records per store step: bounds one Lua script's run (Redis serves nobody else meanwhile) and its arguments. */
const STORE_STEP = 5000;

/** The batch's good records joined with their customers and tracks. */
async function enrichBatch(parsed: ParsedRecord[], catalog: Catalog): Promise<OffsetPlay[]> {
  const { customers, tracks } = await catalog.lookup(parsed.map((p) => p.event.customerId), parsed.map((p) => p.event.trackId));
  return parsed.map(({ record, event }) => ({
    offset: record.offset,
    play: enrich(event, customers.get(event.customerId), tracks.get(event.trackId)),
  }));
}

/**
 * One batch through every stage into the store and, unless the index follows the log in a group of its own
 * (`withIndex` false), the index.
 */
export async function processBatch(batch: LogBatch, deps: PipelineDeps, withIndex = true): Promise<BatchOutcome> {
  const now = (deps.now ?? Date.now)();
  const logName = deps.log.name;
  const { partition } = batch;
  const outcome: BatchOutcome = {
    partition, records: batch.records.length, processed: 0, deadLetters: 0, interests: [], adDecisions: [], sms: [],
  };
  const lastOffset = batch.records[batch.records.length - 1].offset;
  const { parsed, dead } = parseBatch(batch.records, logName, now, deps.maxAheadMs);
  // The index and the store keep their own watermarks, so they take the batch side by side: the index
  // gets the whole batch in one step (its counts merge best over many plays) while the store's steps run.
  const indexed = withIndex
    ? enrichBatch(parsed, deps.catalog).then((enriched) => applyToIndex(deps.index, logName, partition, lastOffset, enriched))
    : Promise.resolve();
  indexed.catch(() => {}); // awaited below, after the store's part
  for (let from = 0; from < parsed.length || from === 0; from += STORE_STEP) {
    const step = parsed.slice(from, from + STORE_STEP);
    // The last step also covers dead letters after the last good record, so the watermark reaches the batch's end.
    const stepEnd = from + STORE_STEP >= parsed.length ? lastOffset : step[step.length - 1].record.offset;
    const stepStart = from === 0 ? -Infinity : parsed[from - 1].record.offset;
    const stepDead = dead.filter((d) => d.record.offset > stepStart && d.record.offset <= stepEnd);
    // Dead letters first: at worst a crash repeats one step's in the dead-letter stream; the counts stay exact.
    if (stepDead.length > 0) await deps.log.appendDeadLetters(stepDead.map((d) => d.letter));
    mergeOutcome(outcome, await applyToStore(deps, logName, partition, stepEnd, step, stepDead.map((d) => d.record.offset)));
  }
  await indexed;
  return outcome;
}

/** One batch into the index alone, for an index that follows the log in its own consumer group; returns the plays it took. */
export async function indexBatch(batch: LogBatch, deps: PipelineDeps): Promise<number> {
  const { parsed } = parseBatch(batch.records, deps.log.name, (deps.now ?? Date.now)(), deps.maxAheadMs);
  const lastOffset = batch.records[batch.records.length - 1].offset;
  return applyToIndex(deps.index, deps.log.name, batch.partition, lastOffset, await enrichBatch(parsed, deps.catalog));
}

function mergeOutcome(into: BatchOutcome, step: BatchOutcome): void {
  into.processed += step.processed;
  into.deadLetters += step.deadLetters;
  into.interests.push(...step.interests);
  into.adDecisions.push(...step.adDecisions);
  into.sms.push(...step.sms);
}

/** What the index takes for the plays past its watermark `expected`, up to offset `next`. */
function indexEffects(log: string, partition: number, expected: number, next: number, enriched: OffsetPlay[]): IndexEffects {
  const pending = enriched.filter((e) => e.offset > expected);
  return { position: { log, partition, expected, next }, plays: pending.map((e) => e.play), offsets: pending.map((e) => e.offset) };
}

/**
 * Applies what the index lacks up to `lastOffset` and returns how many plays that was; another writer moving
 * the watermark meanwhile means re-read and retry.
 */
async function applyToIndex(index: Index, log: string, partition: number, lastOffset: number, enriched: OffsetPlay[]): Promise<number> {
  for (;;) {
    const expected = await index.watermark(log, partition);
    if (expected >= lastOffset) return 0; // already indexed
    try {
      const effects = indexEffects(log, partition, expected, lastOffset, enriched);
      await index.applyEffects(effects);
      return effects.plays.length;
    } catch (err) {
      if (!(err instanceof WatermarkConflict)) throw err;
    }
  }
}

async function applyToStore(
  deps: PipelineDeps, log: string, partition: number, lastOffset: number, parsed: ParsedRecord[], deadOffsets: number[],
): Promise<BatchOutcome> {
  const rule = deps.rule ?? DEFAULT_INTEREST_RULE;
  const customerIds = [...new Set(parsed.map((p) => p.event.customerId))];
  const days = [...new Set(parsed.map((p) => dayOf(p.event.time)))];
  const cache = liveCacheOf(deps.store);
  for (;;) {
    const state = await loadLiveState(deps.store, log, partition, customerIds, days);
    const outcome: BatchOutcome = {
      partition, records: 0, processed: 0, deadLetters: deadOffsets.filter((o) => o > state.watermark).length,
      interests: [], adDecisions: [], sms: [],
    };
    if (state.watermark >= lastOffset) return outcome;
    const profiles = new Map<number, Profile>();
    const pairState = new Map<string, ListenPair>();
    const applied: PlayEvent[] = [];
    const decided = new Set(state.decided);
    for (const { record, event } of parsed) {
      if (record.offset <= state.watermark) continue;
      const key = pairKey(event.customerId, event.trackId);
      const before = pairState.get(key) ?? state.customers.get(event.customerId)?.pairs.get(event.trackId);
      const { pair, detected } = advancePair(before, event, rule);
      pairState.set(key, pair);
      if (detected) outcome.interests.push(detected);
      const profile = profiles.get(event.customerId) ?? state.customers.get(event.customerId)?.profile ?? undefined;
      profiles.set(event.customerId, advanceProfile(profile, event, before === undefined));
      if (state.targeted.has(event.customerId)) {
        const offer = decideOffer(event, decided);
        if (offer) {
          outcome.adDecisions.push(offer.decision);
          outcome.sms.push(offer.sms);
        }
      }
      applied.push(event);
      outcome.processed += 1;
    }
    if (deps.index.recordDecisions && (outcome.interests.length > 0 || outcome.adDecisions.length > 0)) {
      await deps.index.recordDecisions({ interests: outcome.interests, adDecisions: outcome.adDecisions });
    }
    const recent = latestPlays(applied, (id) => state.customers.get(id)?.recent ?? []);
    const position = { log, partition, expected: state.watermark, next: lastOffset };
    const changed = { profiles: [...profiles.values()], pairs: [...pairState.values()], recent };
    try {
      await deps.store.applyBatch({ position, writes: storeWrites(changed, outcome) });
    } catch (err) {
      cache.clear(); // applied or not is unknown: read everything again
      if (!(err instanceof WatermarkConflict)) throw err;
      continue; // someone else applied part of this partition meanwhile: re-read and recompute the rest
    }
    cache.applied(`${log}/${partition}`, lastOffset, changed.profiles, changed.pairs, recent);
    return outcome;
  }
}

/** A step's store writes, from what its plays changed and decided. */
export function storeWrites(
  changed: { profiles: Profile[]; pairs: ListenPair[]; recent: Map<number, PlayEvent[]> },
  outcome: Pick<BatchOutcome, 'processed' | 'deadLetters' | 'interests' | 'adDecisions' | 'sms'>,
): StoreWrites {
  return {
    set: { profiles: changed.profiles, pairs: changed.pairs },
    cappedList: { recentPlays: [...changed.recent].map(([customerId, items]) => ({ customerId, items })) },
    addToSet: { interests: outcome.interests, adDecisions: outcome.adDecisions },
    enqueueOnce: { sms: outcome.sms },
    increment: { eventsProcessed: outcome.processed, deadLetters: outcome.deadLetters },
  };
}

// ---------------------------------------------------------------- the stream loop

export interface StreamTotals {
  batches: number;
  records: number;
  eventsProcessed: number;
  deadLetters: number;
  interests: number;
  adDecisions: number;
  smsQueued: number;
  lag: number;
  startedAt: number;
  /** When the first batch arrived and the last one was durable (epoch ms; null before any batch). */
  firstBatchAt: number | null;
  lastDurableAt: number | null;
  latency: LatencyHistogram; // log append -> effects durable, per record
  /** Plays the index took in its own group's loop (0 when the index goes with each batch), and when it was busy. */
  indexed: number;
  firstIndexedAt: number | null;
  lastIndexedAt: number | null;
}

export interface StreamOptions {
  group: string;
  fromBeginning: boolean;
  untilIdle: boolean;
  maxBatch: number;
  signal: AbortSignal;
  onBatch?: (outcome: BatchOutcome, totals: StreamTotals) => void;
  onRetry?: (err: Error, attempt: number, delayMs: number) => void;
  onLag?: (lag: PartitionLag[]) => void;
  /**
   * The index follows the log in this consumer group, at its own pace, instead of with each batch: a slower index
   * (a search cluster) then trails the stream by its own lag rather than holding it back.
   */
  indexGroup?: string;
}

/**
 * Consumes the log until stopped (or idle) and processes each batch. A sink that is unreachable
 * pauses the loop: the batch is retried with backoff and its offsets are not committed until done.
 */
export async function runStream(deps: PipelineDeps, options: StreamOptions): Promise<StreamTotals> {
  const totals: StreamTotals = {
    batches: 0, records: 0, eventsProcessed: 0, deadLetters: 0, interests: 0, adDecisions: 0, smsQueued: 0, lag: 0,
    startedAt: Date.now(), firstBatchAt: null, lastDurableAt: null, latency: new LatencyHistogram(), indexed: 0,
    firstIndexedAt: null, lastIndexedAt: null,
  };
  // Either loop failing stops the other: a worker runs both or neither.
  const stop = new AbortController();
  const stopped = AbortSignal.any([options.signal, stop.signal]);
  const common = { fromBeginning: options.fromBeginning, untilIdle: options.untilIdle, signal: stopped, maxBatch: options.maxBatch };
  const retry = { signal: stopped, onRetry: options.onRetry };
  const loops = [deps.log.consume({
    ...common,
    group: options.group,
    onLag: (lag) => {
      totals.lag = lag.reduce((sum, p) => sum + p.lag, 0);
      options.onLag?.(lag);
    },
    onBatch: async (batch) => {
      totals.firstBatchAt ??= Date.now();
      const outcome = await withRetry(() => processBatch(batch, deps, options.indexGroup === undefined), retry);
      const durableAt = Date.now();
      totals.lastDurableAt = durableAt;
      for (const record of batch.records) totals.latency.record(durableAt - record.appendedAt);
      totals.batches += 1;
      totals.records += outcome.records;
      totals.eventsProcessed += outcome.processed;
      totals.deadLetters += outcome.deadLetters;
      totals.interests += outcome.interests.length;
      totals.adDecisions += outcome.adDecisions.length;
      totals.smsQueued += outcome.sms.length;
      options.onBatch?.(outcome, totals);
    },
  })];
  if (options.indexGroup !== undefined) {
    loops.push(deps.log.consume({
      ...common,
      group: options.indexGroup,
      onBatch: async (batch) => {
        totals.firstIndexedAt ??= Date.now();
        totals.indexed += await withRetry(() => indexBatch(batch, deps), retry);
        totals.lastIndexedAt = Date.now();
      },
    }));
  }
  const ends = await Promise.allSettled(loops.map((loop) => loop.catch((err: unknown) => { stop.abort(); throw err; })));
  const failed = ends.find((end): end is PromiseRejectedResult => end.status === 'rejected');
  // Asked to stop while a sink was unreachable: the batch in hand stays uncommitted, as at any stop (the retries
  // have said why already).
  const stoppedWhileDown = options.signal.aborted && failed?.reason instanceof BackendUnavailableError;
  if (failed && !stoppedWhileDown) throw failed.reason;
  return totals;
}

async function withRetry<T>(work: () => Promise<T>, options: Pick<StreamOptions, 'signal' | 'onRetry'>): Promise<T> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await work();
    } catch (err) {
      if (!(err instanceof BackendUnavailableError) || options.signal.aborted) throw err;
      const delayMs = Math.min(200 * 2 ** (attempt - 1), 5_000);
      options.onRetry?.(err, attempt, delayMs);
      await sleep(delayMs, options.signal);
    }
  }
}
