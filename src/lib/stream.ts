// Running the pipeline over the event log with the configured backends, shared by `stream` and `demo`.
import type { Backends } from './backends.js';
import type { Output } from './cli-kit.js';
import { Catalog } from './pipeline/catalog.js';
import { runStream, type StreamTotals } from './pipeline/run.js';

export interface StreamRunOptions {
  group: string;
  fromBeginning: boolean;
  untilIdle: boolean;
  maxBatch: number;
  signal: AbortSignal;
  /** Live one-line status on stderr. */
  status: boolean;
  /** How far past the wall clock a play may be dated (default one day). */
  maxAheadMs?: number;
}

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
  backend: string;
}

export async function streamLog(backends: Backends, options: StreamRunOptions, out: Output): Promise<StreamReport> {
  const started = Date.now();
  const tty = Boolean(process.stderr.isTTY);
  let lastPrint = 0;
  let interestsSoFar = 0;
  const status = (totals: StreamTotals, force = false) => {
    const now = Date.now();
    if (!options.status || (!force && now - lastPrint < (tty ? 500 : 5000))) return;
    lastPrint = now;
    const rate = Math.round(totals.records / Math.max((now - started) / 1000, 0.001));
    const line = `stream: ${totals.eventsProcessed} events (${rate}/s) | lag ${totals.lag} | dead letters ${totals.deadLetters} | interests +${interestsSoFar}`;
    process.stderr.write(tty ? `\r${line}\x1b[K` : `${line}\n`);
  };
  const totals = await runStream(
    { log: backends.log, store: backends.store, index: backends.index, catalog: new Catalog(backends.store), maxAheadMs: options.maxAheadMs },
    {
      group: options.group,
      fromBeginning: options.fromBeginning,
      untilIdle: options.untilIdle,
      maxBatch: options.maxBatch,
      signal: options.signal,
      onBatch: (_outcome, t) => {
        interestsSoFar = t.interests;
        status(t);
      },
      onRetry: (err, attempt, delayMs) => out.warn(`stream: ${err.message}; paused, retry ${attempt} in ${delayMs} ms (nothing is committed meanwhile)`),
    },
  );
  status(totals, true);
  if (options.status && tty) process.stderr.write('\n');
  const counts = await backends.store.counts();
  const deployed = await backends.store.deployedModel();
  const elapsed = Date.now() - started;
  return {
    events_processed: totals.eventsProcessed,
    dead_letters: totals.deadLetters,
    new_interests: totals.interests,
    interests: counts.interests,
    profiles: counts.profiles,
    lag: (await backends.log.lag(options.group)).reduce((sum, p) => sum + p.lag, 0),
    eligible_customers: counts.eligibleCustomers,
    targeted_customers: counts.targetedCustomers,
    ad_decisions: counts.adDecisions,
    sms_queued: counts.smsQueued,
    targeting: deployed
      ? `model v${deployed.version} deployed: ${counts.targetedCustomers} of ${counts.eligibleCustomers} eligible customers targeted`
      : 'no model deployed, so nobody is targeted: run `musicflow train --threshold 0.1`',
    elapsed_ms: elapsed,
    events_per_sec: Math.round(totals.records / Math.max(elapsed / 1000, 0.001)),
    busy: {
      from: totals.firstBatchAt,
      to: totals.lastDurableAt,
      events_per_sec: totals.firstBatchAt === null || totals.lastDurableAt === null ? null
        : Math.round(totals.records / Math.max((totals.lastDurableAt - totals.firstBatchAt) / 1000, 0.001)),
    },
    latency_ms: totals.latency.summary(),
    backend: backends.kind,
  };
}
