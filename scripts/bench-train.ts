// Training time for 5,000 and 100,000 synthetic customers (goals: under 2 s and under 30 s), measured
// twice: the pure fit (features, split, scaler, Newton, metrics, scoring) and `trainAndDeploy` end to end
// on the embedded store (read profiles + customers + clicks, fit, register, rescore, deploy).
// --compare-library also fits ml-logistic-regression (its default 50,000 gradient steps) on the same rows,
// or on a libsvm file given with --libsvm, to show why the project fits by Newton's method instead.
// Run alone: npm run build && node dist/scripts/bench-train.js [--sizes 5000,100000] [--compare-library [--libsvm FILE]]
import { mkdtempSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { Matrix } from 'ml-matrix';
import { openBackends } from '../src/lib/wiring/backends.js';
import { resolveConfig } from '../src/lib/config.js';
import { readRecords } from '../src/lib/formats/read.js';
import { buildExamples, STORE_FEATURES } from '../src/lib/model/features.js';
import { fitAndEvaluate, type LabelledRow } from '../src/lib/model/fit.js';
import { evaluate } from '../src/lib/model/metrics.js';
import { fitScaler, standardise } from '../src/lib/model/scaler.js';
import { scoreEligible } from '../src/lib/model/scoring.js';
import { stratifiedSplit } from '../src/lib/model/split.js';
import { syntheticListeners } from '../src/lib/model/synthetic.js';
import { trainAndDeploy } from '../src/lib/app/train.js';

const GOALS_MS: Record<number, number> = { 5000: 2_000, 100_000: 30_000 };
const OPTIONS = { threshold: 0.1, trainShare: 0.7, seed: 1, windowMs: null };

export interface TrainBenchRow {
  customers: number;
  fit_ms: number; // pure: features + split + scaler + Newton + metrics + scoring
  end_to_end_ms: number; // trainAndDeploy on the embedded store
  goal_ms: number | null;
  ok: boolean | null;
  error: number;
  baseline_error: number;
  auc: number | null;
  iterations: number;
}

export async function benchTrain(sizes: number[], log: (line: string) => void = () => {}): Promise<TrainBenchRow[]> {
  const rows: TrainBenchRow[] = [];
  for (const count of sizes) {
    const data = syntheticListeners(count, 1);
    const customers = new Map(data.customers.map((c) => [c.id, c]));
    let started = performance.now();
    const set = buildExamples(data.profiles, customers, data.clicks, null);
    const fitted = fitAndEvaluate(set.examples, OPTIONS, 'bench');
    scoreEligible({ ...fitted.model, features: [...STORE_FEATURES], scaler: fitted.scaler, cutoff: 0.5 }, 1, data.profiles, customers, set.window.to);
    const fitMs = performance.now() - started;

    const dir = mkdtempSync(join(tmpdir(), 'musicflow-bench-train-'));
    const backends = await openBackends(resolveConfig({ dataDir: dir }, {}));
    try {
      await backends.store.upsertCustomers(data.customers);
      await backends.store.addClicks(data.clicks);
      await backends.store.applyBatch({
        position: { log: 'bench-train', partition: 0, expected: -1, next: 0 },
        writes: {
          set: { profiles: data.profiles, pairs: [] }, cappedList: { recentPlays: [] }, addToSet: { interests: [], adDecisions: [] },
          enqueueOnce: { sms: [] }, increment: {},
        },
      });
      started = performance.now();
      const report = await trainAndDeploy(backends.store, OPTIONS);
      const endToEndMs = performance.now() - started;
      const goal = GOALS_MS[count] ?? null;
      const row: TrainBenchRow = {
        customers: count,
        fit_ms: Math.round(fitMs),
        end_to_end_ms: Math.round(endToEndMs),
        goal_ms: goal,
        ok: goal === null ? null : endToEndMs < goal,
        error: report.error,
        baseline_error: report.baseline_error,
        auc: report.auc,
        iterations: report.iterations,
      };
      log(`train ${count} customers: fit ${row.fit_ms} ms, end to end ${row.end_to_end_ms} ms${goal ? ` (goal < ${goal} ms: ${row.ok ? 'met' : 'MISSED'})` : ''}; `
        + `error ${(report.error * 100).toFixed(2)}% vs baseline ${(report.baseline_error * 100).toFixed(2)}%, ${report.iterations} Newton iterations`);
      rows.push(row);
    } finally {
      await backends.close();
      rmSync(dir, { recursive: true, force: true });
    }
  }
  return rows;
}

interface LibraryModel {
  train(x: Matrix, y: Matrix): void;
  predict(x: Matrix): number[];
}
type LibraryConstructor = new (options: { numSteps: number; learningRate: number }) => LibraryModel;

/** The same split and scaler, fitted once by ml-logistic-regression (intercept as a column of ones) and once by Newton. */
export function compareWithLibrary(rows: LabelledRow[], steps: number, log: (line: string) => void): void {
  const LogisticRegression = createRequire(import.meta.url)('ml-logistic-regression') as LibraryConstructor;
  const { train, test } = stratifiedSplit(rows, (r) => r.label, OPTIONS.trainShare, OPTIONS.seed);
  const scaler = fitScaler(train.map((r) => r.features));
  const design = (part: LabelledRow[]) => new Matrix(part.map((r) => [...standardise(scaler, r.features), 1]));
  let started = performance.now();
  const library = new LogisticRegression({ numSteps: steps, learningRate: 5e-4 });
  library.train(design(train), Matrix.columnVector(train.map((r) => r.label)));
  const libraryMs = performance.now() - started;
  const predicted = library.predict(design(test));
  const libraryEval = evaluate(test.map((r) => r.label), predicted, train.map((r) => r.label));
  started = performance.now();
  const newton = fitAndEvaluate(rows, OPTIONS, 'bench');
  const newtonMs = performance.now() - started;
  const pct = (x: number) => `${(x * 100).toFixed(2)}%`;
  log(`${train.length} training rows, ${rows[0].features.length} features:`);
  log(`  ml-logistic-regression (${steps} steps, rate 5e-4): ${Math.round(libraryMs)} ms, error ${pct(libraryEval.error)}`);
  log(`  Newton + L2 1e-6 (musicflow):            ${Math.round(newtonMs)} ms, error ${pct(newton.evaluation.error)}, ${newton.optimiser.iterations} iterations`);
}

/** The rows of a libsvm file, read by the project's own reader (bad lines are skipped here: it is a benchmark). */
async function libsvmRows(file: string): Promise<LabelledRow[]> {
  const rows: LabelledRow[] = [];
  for await (const batch of readRecords(file, 'libsvm', 'seed')) rows.push(...batch.values.map((v) => v.value));
  return rows;
}

if (process.argv[1] && import.meta.url === pathToFileURL(resolve(process.argv[1])).href) {
  const args = process.argv.slice(2);
  const valueOf = (flag: string): string | undefined => {
    const at = args.indexOf(flag);
    return at >= 0 ? args[at + 1] : undefined;
  };
  const log = (line: string) => process.stderr.write(`${line}\n`);
  if (args.includes('--compare-library')) {
    const file = valueOf('--libsvm');
    const steps = Number(valueOf('--steps') ?? 50_000);
    const rows = file ? await libsvmRows(file) : (() => {
      const data = syntheticListeners(5000, 1);
      return buildExamples(data.profiles, new Map(data.customers.map((c) => [c.id, c])), data.clicks, null).examples;
    })();
    compareWithLibrary(rows, steps, log);
  } else {
    const sizes = (valueOf('--sizes') ?? '5000,100000').split(',').map(Number);
    process.stdout.write(`${JSON.stringify({ train: await benchTrain(sizes, log) })}\n`);
  }
}
