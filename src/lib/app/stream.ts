// Running the pipeline over the event log with the configured backends, shared by `stream` and `demo`.
import type { Backends } from './backends.js';
import { Catalog } from '../pipeline/catalog.js';
import { runStream, type StreamTotals } from '../pipeline/run.js';
import { BackendUnavailableError } from '../errors.js';
import type { PartitionLag } from '../ports.js';

export interface StreamRunOptions {
  group: string;
  fromBeginning: boolean;
  untilIdle: boolean;
  maxBatch: number;
  signal: AbortSignal;
  /** How far past the wall clock a play may be dated (default one day). */
  maxAheadMs?: number;
}

/** Where a run stands: what it processed so far and how far the log is ahead of it. */
export interface StreamStanding {
  eventsProcessed: number;
  /** Records (plays and dead letters) per second since the run started. */
  recordsPerSec: number;
  lag: number;
  deadLetters: number;
  newInterests: number;
}

/** What a stream run reports as it goes; the caller decides what to show and how often. */
export type StreamProgress =
  | { kind: 'batch'; standing: StreamStanding }
  /** The run is over (caught up with --until-idle, or asked to stop); the report follows. */
  | { kind: 'stopped'; standing: StreamStanding }
  /** A backend failed; nothing is committed until the retry succeeds. */
  | { kind: 'paused'; problem: string; attempt: number; retryInMs: number };

export interface StreamReport {
  events_processed: number;
  dead_letters: number;
  new_interests: number;
  interests: number;
  profiles: number;
  lag: number;
  eligible_customers: number;
  targeted_customers: number;
  ad_decisions: number;
  sms_queued: number;
  targeting: string;
  elapsed_ms: number;
  events_per_sec: number;
  /** From the first batch's arrival to the last one durable: the rate without start-up and idle wait. */
  busy: { from: number | null; to: number | null; events_per_sec: number | null };
  /** Log append -> effects durable, over the records this run processed (ms). */
  latency_ms: { p50: number | null; p99: number | null; max: number | null; samples: number };
  /** The index: the group it follows the log in (null: it takes each batch with the store), what it took, how far it trails. */
  index: { group: string | null; events_indexed: number; trailing: number | null; busy: { from: number | null; to: number | null; events_per_sec: number | null } };
  backend: string;
}

/** From the first batch's arrival to the last one durable, and the rate over that window. */
function busyWindow(from: number | null, to: number | null, events: number): StreamReport['busy'] {
  return { from, to, events_per_sec: from === null || to === null ? null : Math.round(events / Math.max((to - from) / 1000, 0.001)) };
}

/** Consumer group of an index that follows the log on its own. */
export function indexGroupOf(group: string): string {
  return `${group}.index`;
}

/** Records past the index's watermark, per partition of the log: how far the index trails it (null: the index does not answer). */
export async function indexTrailing(backends: Backends, lag: PartitionLag[]): Promise<Array<{ partition: number; trailing: number }> | null> {
  try {
    return await Promise.all(lag.map(async (p) => ({
      partition: p.partition, trailing: Math.max(0, p.end - 1 - await backends.index.watermark(backends.log.name, p.partition)),
    })));
  } catch (err) {
    if (err instanceof BackendUnavailableError) return null;
    throw err;
  }
}

/** The records the index lacks in all, or null when it does not answer. */
export function totalTrailing(trails: Array<{ trailing: number }> | null): number | null {
  return trails === null ? null : trails.reduce((sum, p) => sum + p.trailing, 0);
}

export async function streamLog(backends: Backends, options: StreamRunOptions, onProgress: (event: StreamProgress) => void = () => {}): Promise<StreamReport> {
  const started = Date.now();
  const standing = (totals: StreamTotals): StreamStanding => ({
    eventsProcessed: totals.eventsProcessed,
    recordsPerSec: Math.round(totals.records / Math.max((Date.now() - started) / 1000, 0.001)),
    lag: totals.lag,
    deadLetters: totals.deadLetters,
    newInterests: totals.interests,
  });
  const totals = await runStream(
    { log: backends.log, store: backends.store, index: backends.index, catalog: new Catalog(backends.store), maxAheadMs: options.maxAheadMs },
    {
      group: options.group,
      fromBeginning: options.fromBeginning,
      untilIdle: options.untilIdle,
      maxBatch: options.maxBatch,
      signal: options.signal,
      indexGroup: backends.indexFollows ? indexGroupOf(options.group) : undefined,
      onBatch: (_outcome, t) => onProgress({ kind: 'batch', standing: standing(t) }),
      onRetry: (err, attempt, delayMs) => onProgress({ kind: 'paused', problem: err.message, attempt, retryInMs: delayMs }),
    },
  );
  onProgress({ kind: 'stopped', standing: standing(totals) });
  const counts = await backends.store.counts();
  const deployed = await backends.store.deployedModel();
  const elapsed = Date.now() - started;
  const lag = await backends.log.lag(options.group);
  return {
    events_processed: totals.eventsProcessed,
    dead_letters: totals.deadLetters,
    new_interests: totals.interests,
    interests: counts.interests,
    profiles: counts.profiles,
    lag: lag.reduce((sum, p) => sum + p.lag, 0),
    eligible_customers: counts.eligibleCustomers,
    targeted_customers: counts.targetedCustomers,
    ad_decisions: counts.adDecisions,
    sms_queued: counts.smsQueued,
    targeting: deployed
      ? `model v${deployed.version} deployed: ${counts.targetedCustomers} of ${counts.eligibleCustomers} eligible customers targeted`
      : 'no model deployed, so nobody is targeted: run `musicflow train --threshold 0.1`',
    elapsed_ms: elapsed,
    events_per_sec: Math.round(totals.records / Math.max(elapsed / 1000, 0.001)),
    busy: busyWindow(totals.firstBatchAt, totals.lastDurableAt, totals.records),
    latency_ms: totals.latency.summary(),
    index: {
      group: backends.indexFollows ? indexGroupOf(options.group) : null,
      events_indexed: totals.indexed,
      trailing: totalTrailing(await indexTrailing(backends, lag)),
      busy: busyWindow(totals.firstIndexedAt, totals.lastIndexedAt, totals.indexed),
    },
    backend: backends.kind,
  };
}
