// From labelled feature rows to an evaluated model: stratified split, scaler fitted on the training part,
// logistic regression, metrics on the held-out part, and the gate's verdict.
import { MusicflowError } from '../errors.js';
import { applyGate, type GateDecision } from './gate.js';
import { evaluate, type Evaluation } from './metrics.js';
import { fitScaler, standardise, type Scaler } from './scaler.js';
import { stratifiedSplit } from './split.js';
import { clickProbability, DEFAULT_FIT, fitLogistic, type FitResult, type LogisticModel } from './train.js';
import type { LabeledRow } from '../records.js';

/** Training data that cannot give a model (one class only, too few rows): exit 1 with what to load. */
export class NotEnoughDataError extends MusicflowError {}

/** Data whose values make the fit overflow: no model comes of it (a periodic retrain skips the round, as for too little data). */
export class OverflowingDataError extends NotEnoughDataError {}

/** One training example: the same shape as a features.txt line. */
export type LabelledRow = LabeledRow;

export interface FitSettings {
  trainShare: number; // e.g. 0.7
  seed: number;
  threshold: number; // the gate's maximum error
  l2?: number;
}

/** Scores at or above this probability are predicted clicks. */
export const CLICK_CUTOFF = 0.5;

export interface FittedModel {
  scaler: Scaler;
  model: LogisticModel;
  evaluation: Evaluation;
  gate: GateDecision;
  trainRows: number;
  testRows: number;
  positives: number; // clickers among all rows
  optimiser: Pick<FitResult, 'iterations' | 'converged' | 'loss'> & { l2: number };
}

export function fitAndEvaluate(rows: readonly LabelledRow[], settings: FitSettings, what: string): FittedModel {
  const positives = rows.filter((r) => r.label === 1).length;
  if (positives < 2 || rows.length - positives < 2) {
    throw new NotEnoughDataError(`${what}: ${rows.length} customers of whom ${positives} clicked ADV_REDUCED_1DAY; `
      + 'training needs at least 2 clickers and 2 non-clickers (load clicks with `musicflow seed --clicks FILE`, '
      + 'stream more plays, or widen --window)');
  }
  const { train, test } = stratifiedSplit(rows, (r) => r.label, settings.trainShare, settings.seed);
  if (test.length === 0 || train.length === 0) {
    throw new NotEnoughDataError(`${what}: --split ${settings.trainShare} leaves ${train.length} training and ${test.length} test rows; use a split nearer 0.7`);
  }
  const scaler = fitScaler(train.map((r) => r.features));
  const trainLabels = train.map((r) => r.label);
  const l2 = settings.l2 ?? DEFAULT_FIT.l2;
  const fit = fitLogistic(train.map((r) => standardise(scaler, r.features)), trainLabels, { ...DEFAULT_FIT, l2 });
  if (![...scaler.mean, ...scaler.scale, ...fit.model.weights, fit.model.intercept].every(Number.isFinite)) {
    throw new OverflowingDataError(`${what}: training gave non-finite weights or scaling (features too large or degenerate); `
      + 'no model was registered; check the feature values');
  }
  const probabilities = test.map((r) => clickProbability(fit.model, standardise(scaler, r.features)));
  const evaluation = evaluate(test.map((r) => r.label), probabilities, trainLabels, CLICK_CUTOFF);
  return {
    scaler,
    model: fit.model,
    evaluation,
    gate: applyGate(evaluation.error, evaluation.baselineError, settings.threshold),
    trainRows: train.length,
    testRows: test.length,
    positives,
    optimiser: { iterations: fit.iterations, converged: fit.converged, loss: fit.loss, l2 },
  };
}
