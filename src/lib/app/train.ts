// Training runs against the store: `musicflow train` (once or every period, or on a libsvm file), the demo's
// train step, and the redeploy behind `model rollback`. Models are always registered; one that passes the gate
// is deployed, which rescores every eligible customer from the live profiles atomically.
import { readRecords } from '../formats/read.js';
import type { CatalogStore, LiveState, ModelRecord, ModelRegistry } from '../ports.js';
import type { Customer, DeadLetter, Profile } from '../records.js';
import { sleep } from '../sleep.js';
import { buildExamples, recentWindow, REFERENCE_FEATURES, STORE_FEATURES, type TimeWindow } from '../model/features.js';
import { CLICK_CUTOFF, fitAndEvaluate, NotEnoughDataError, type FittedModel, type LabelledRow } from '../model/fit.js';
import type { Confusion } from '../model/metrics.js';
import { deployBlocker, modelBody, NotDeployableError, readModelBody, type ModelBody } from '../model/registry.js';
import { scoreEligible } from '../model/scoring.js';

/** What training reads and writes: profiles, customers and clicks in, models and predictions out. */
export type TrainingStore = LiveState & CatalogStore & ModelRegistry;

export interface TrainOptions {
  threshold: number; // the gate's maximum held-out error, e.g. 0.1
  trainShare: number; // e.g. 0.7
  seed: number;
  /** Train on customers who listened in the most recent window of event time, labelled by clicks in it; null = all. */
  windowMs: number | null;
}

export const DEFAULT_TRAIN: TrainOptions = { threshold: 0.1, trainShare: 0.7, seed: 1, windowMs: null };

/** What `musicflow train --json` prints (one object per training run). */
export interface TrainReport {
  source: 'store' | 'libsvm';
  file: string | null;
  error: number;
  baseline_error: number;
  auc: number | null;
  precision: number;
  recall: number;
  f1: number;
  confusion: Confusion;
  threshold: number;
  gate_passed: boolean;
  deployed: boolean;
  reason: string;
  model_version: number;
  previous_model_version: number | null; // the deployed model before this run (still deployed if this one was not)
  train_rows: number;
  test_rows: number;
  positives: number;
  features: string[];
  scored_customers: number;
  targeted_customers: number;
  rejected_lines: number; // libsvm lines that could not be read
  window: { from: string | null; to: string } | null;
  split: number;
  seed: number;
  iterations: number;
  elapsed_ms: number;
}

export interface Listeners {
  profiles: Profile[];
  customers: Map<number, Customer>;
}

const PAGE = 5000;

/** Every live profile with its customer record, page by page. */
export async function loadListeners(store: LiveState & CatalogStore): Promise<Listeners> {
  const profiles: Profile[] = [];
  const customers = new Map<number, Customer>();
  for (let after = -1; ;) {
    const page = await store.listProfiles(after, PAGE);
    if (page.length === 0) break;
    profiles.push(...page);
    for (const [id, c] of await store.getCustomers(page.map((p) => p.customerId))) customers.set(id, c);
    after = page[page.length - 1].customerId;
    if (page.length < PAGE) break;
  }
  return { profiles, customers };
}

const iso = (t: number): string => new Date(t).toISOString();

function reportOf(
  record: ModelRecord, body: ModelBody, fitted: FittedModel,
  outcome: { deployed: boolean; reason: string; previous: number | null; scored: number; targeted: number; rejected: number; window: TimeWindow | null },
  started: number,
): TrainReport {
  const e = fitted.evaluation;
  return {
    source: body.source,
    file: body.sourceFile,
    error: e.error,
    baseline_error: e.baselineError,
    auc: e.auc,
    precision: e.precision,
    recall: e.recall,
    f1: e.f1,
    confusion: e.confusion,
    threshold: body.gate.threshold,
    gate_passed: body.gate.passed,
    deployed: outcome.deployed,
    reason: outcome.reason,
    model_version: record.version,
    previous_model_version: outcome.previous,
    train_rows: fitted.trainRows,
    test_rows: fitted.testRows,
    positives: fitted.positives,
    features: body.features,
    scored_customers: outcome.scored,
    targeted_customers: outcome.targeted,
    rejected_lines: outcome.rejected,
    window: outcome.window ? { from: outcome.window.from === null ? null : iso(outcome.window.from), to: iso(outcome.window.to) } : null,
    split: body.data.trainShare,
    seed: body.data.seed,
    iterations: fitted.optimiser.iterations,
    elapsed_ms: Date.now() - started,
  };
}

/**
 * Trains on the store (profiles + customers + ADV_REDUCED_1DAY clicks), registers the model, and deploys it
 * (rescoring every eligible customer) only if it passes the gate. A rejected model leaves the deployed one
 * in place. This is what the demo calls after streaming.
 */
export async function trainAndDeploy(store: TrainingStore, options: TrainOptions = DEFAULT_TRAIN): Promise<TrainReport> {
  const started = Date.now();
  const [listeners, clicks, previous] = await Promise.all([loadListeners(store), store.allClicks(), store.deployedModel()]);
  const set = buildExamples(listeners.profiles, listeners.customers, clicks, options.windowMs);
  const fitted = fitAndEvaluate(set.examples, { trainShare: options.trainShare, seed: options.seed, threshold: options.threshold }, 'train (store)');
  const body = modelBody(
    fitted,
    { kind: 'store', file: null, features: STORE_FEATURES, cutoff: CLICK_CUTOFF },
    { window: set.window, windowMs: options.windowMs, trainShare: options.trainShare, seed: options.seed },
    options.threshold,
    Date.now() - started,
  );
  const record = await store.saveModel(body as unknown as Record<string, unknown>);
  const outcome = await deployIfPassed(store, record, body, listeners, set.window.to, previous);
  return reportOf(record, body, fitted, { ...outcome, previous: previous?.version ?? null, rejected: 0, window: set.window }, started);
}

/** Deploys a model that passed its gate, scoring every eligible listener as of `asOf`; says why when it did not. */
async function deployIfPassed(
  store: ModelRegistry, record: ModelRecord, body: ModelBody, listeners: Listeners, asOf: number, previous: ModelRecord | null,
): Promise<{ deployed: boolean; reason: string; scored: number; targeted: number }> {
  if (!body.gate.passed) {
    const reason = `rejected: ${body.gate.reason}; ${previous ? `model v${previous.version} stays deployed` : 'no model is deployed'}`;
    return { deployed: false, reason, scored: 0, targeted: 0 };
  }
  return { deployed: true, reason: `deployed: ${body.gate.reason}`, ...await scoreAndDeploy(store, record.version, body, listeners, asOf) };
}

/** Scores every eligible listener with the model and makes it the deployed one, predictions and all, atomically. */
async function scoreAndDeploy(store: ModelRegistry, version: number, body: ModelBody, listeners: Listeners, asOf: number): Promise<{ scored: number; targeted: number }> {
  const scores = scoreEligible(body, version, listeners.profiles, listeners.customers, asOf);
  await store.deployModel(version, scores.predictions, scores.targeted);
  return { scored: scores.predictions.length, targeted: scores.targeted.length };
}

/**
 * Trains and evaluates on a libsvm features file (the reference six features: shares of a customer's plays by
 * daypart, on mobile, and of distinct tracks). The file's rows are not the store's customers, but its features
 * are the first six of the store's, so a model that passes the gate is deployed like one trained on the store:
 * it scores every eligible customer from the same six shares of their live profile.
 */
export async function trainFromLibsvm(store: TrainingStore, file: string, options: TrainOptions, onReject: (letter: DeadLetter) => void): Promise<TrainReport> {
  const started = Date.now();
  const rows: LabelledRow[] = [];
  let rejected = 0;
  for await (const batch of readRecords(file, 'libsvm', 'seed')) {
    for (const v of batch.values) rows.push(v.value);
    for (const letter of batch.rejects) onReject(letter);
    rejected += batch.rejects.length;
  }
  const fitted = fitAndEvaluate(rows, { trainShare: options.trainShare, seed: options.seed, threshold: options.threshold }, `train --libsvm ${file}`);
  const body = modelBody(
    fitted,
    { kind: 'libsvm', file, features: REFERENCE_FEATURES, cutoff: CLICK_CUTOFF },
    { window: null, windowMs: null, trainShare: options.trainShare, seed: options.seed },
    options.threshold,
    Date.now() - started,
  );
  const [record, previous, listeners] = await Promise.all([
    store.saveModel(body as unknown as Record<string, unknown>), store.deployedModel(), loadListeners(store),
  ]);
  const outcome = await deployIfPassed(store, record, body, listeners, recentWindow(listeners.profiles, null).to, previous);
  return reportOf(record, body, fitted, { ...outcome, previous: previous?.version ?? null, rejected, window: null }, started);
}

export interface Redeployment {
  version: number;
  previous_version: number | null;
  scored_customers: number;
  targeted_customers: number;
  elapsed_ms: number;
}

/** Deploys a registered model again (rollback): rescores today's customers with it. */
export async function redeploy(store: TrainingStore, record: ModelRecord): Promise<Redeployment> {
  const started = Date.now();
  const body = readModelBody(record);
  const blocker = deployBlocker(record, body);
  if (blocker !== null) throw new NotDeployableError(`${blocker}; pick another version from \`musicflow model list\``);
  const [listeners, previous] = await Promise.all([loadListeners(store), store.deployedModel()]);
  const asOf = recentWindow(listeners.profiles, null).to;
  const { scored, targeted } = await scoreAndDeploy(store, record.version, body, listeners, asOf);
  return {
    version: record.version,
    previous_version: previous?.version ?? null,
    scored_customers: scored,
    targeted_customers: targeted,
    elapsed_ms: Date.now() - started,
  };
}

/**
 * `train --every`: trains on the most recent window each period until the signal aborts. A round without
 * enough data is reported and skipped; the deployed model changes only when a new one passes the gate.
 */
export async function retrainEvery(
  store: TrainingStore, options: TrainOptions, everyMs: number, signal: AbortSignal,
  onRound: (outcome: { report: TrainReport } | { skipped: NotEnoughDataError }) => void,
): Promise<number> {
  let rounds = 0;
  while (!signal.aborted) {
    try {
      onRound({ report: await trainAndDeploy(store, options) });
    } catch (err) {
      if (!(err instanceof NotEnoughDataError)) throw err;
      onRound({ skipped: err });
    }
    rounds += 1;
    await sleep(everyMs, signal);
  }
  return rounds;
}
