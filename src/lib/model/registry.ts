// What a registered model holds (the store keeps it opaque: ModelRecord.body), and the registry's rules:
// which models may score the store's customers, and which version a rollback returns to.
import { MusicflowError, UsageError } from '../errors.js';
import type { ModelRecord } from '../ports.js';
import type { FittedModel } from './fit.js';
import { storeFeatureColumns, type TimeWindow } from './features.js';
import type { Evaluation } from './metrics.js';
import type { Scaler } from './scaler.js';

export interface ModelBody {
  kind: 'logistic-regression';
  /** 'store': profiles + customers + clicks; 'libsvm': a features file, whose rows are not the store's customers. */
  source: 'store' | 'libsvm';
  sourceFile: string | null;
  features: string[];
  scaler: Scaler;
  weights: number[]; // per standardised feature, in `features` order
  intercept: number;
  cutoff: number;
  metrics: Evaluation;
  gate: { threshold: number; passed: boolean; reason: string };
  data: {
    window: TimeWindow | null; // event time of the data (null for a libsvm file)
    windowMs: number | null; // --window; null = all
    trainRows: number;
    testRows: number;
    positives: number;
    trainShare: number;
    seed: number;
  };
  training: { optimiser: 'newton-l2'; l2: number; iterations: number; converged: boolean; elapsedMs: number };
}

/** A registered model that may not be deployed (failed its gate, or features the store does not compute). */
export class NotDeployableError extends MusicflowError {}

/** A model that failed to load from the registry: the store holds something this version cannot read. */
export class CorruptModelError extends MusicflowError {}

export function modelBody(
  fitted: FittedModel,
  source: { kind: ModelBody['source']; file: string | null; features: readonly string[]; cutoff: number },
  data: Pick<ModelBody['data'], 'window' | 'windowMs' | 'trainShare' | 'seed'>,
  threshold: number,
  elapsedMs: number,
): ModelBody {
  return {
    kind: 'logistic-regression',
    source: source.kind,
    sourceFile: source.file,
    features: [...source.features],
    scaler: fitted.scaler,
    weights: fitted.model.weights,
    intercept: fitted.model.intercept,
    cutoff: source.cutoff,
    metrics: fitted.evaluation,
    gate: { threshold, ...fitted.gate },
    data: { ...data, trainRows: fitted.trainRows, testRows: fitted.testRows, positives: fitted.positives },
    training: { optimiser: 'newton-l2', l2: fitted.optimiser.l2, iterations: fitted.optimiser.iterations, converged: fitted.optimiser.converged, elapsedMs },
  };
}

const numbers = (v: unknown, length: number): boolean => Array.isArray(v) && v.length === length && v.every(Number.isFinite);

/** Checks the parts scoring and reporting rely on. */
export function readModelBody(record: ModelRecord): ModelBody {
  const b = record.body as Partial<ModelBody>;
  const n = Array.isArray(b.features) ? b.features.length : -1;
  const ok = b.kind === 'logistic-regression' && n > 0 && numbers(b.weights, n) && Number.isFinite(b.intercept)
    && numbers(b.scaler?.mean, n) && numbers(b.scaler?.scale, n) && typeof b.metrics?.error === 'number' && typeof b.gate?.passed === 'boolean';
  if (!ok) {
    throw new CorruptModelError(`model v${record.version} in the registry is not a logistic-regression model this version can read; `
      + 'train a new one with `musicflow train`');
  }
  return b as ModelBody;
}

/** Why a model may not be deployed, or null if it may. */
export function deployBlocker(record: ModelRecord, body: ModelBody): string | null {
  if (!body.gate.passed) return `model v${record.version} failed its gate (${body.gate.reason})`;
  // A libsvm file's six shares are the store's first six features, computed from each live profile.
  if (storeFeatureColumns(body.features) === null) {
    return `model v${record.version} uses features the store does not compute (${body.features.join(', ')}), so it cannot score the store's customers`;
  }
  return null;
}

/**
 * The version `model rollback` returns to: the one asked for, else the model deployed before the current
 * one (latest deployedAt among the others). Throws a UsageError naming the fix when there is none.
 */
export function rollbackTarget(models: readonly ModelRecord[], requested: number | null): ModelRecord {
  if (requested !== null) {
    const found = models.find((m) => m.version === requested);
    if (!found) {
      throw new UsageError(`model rollback ${requested}: no such version (registered: ${models.map((m) => m.version).join(', ') || 'none'}; see \`musicflow model list\`)`);
    }
    return found;
  }
  const earlier = models
    .filter((m) => !m.deployed && m.deployedAt !== null)
    .sort((a, b) => (b.deployedAt ?? 0) - (a.deployedAt ?? 0) || b.version - a.version);
  if (earlier.length === 0) {
    throw new UsageError('model rollback: no model was deployed before the current one; name a version (`musicflow model list`)');
  }
  return earlier[0];
}
