import type { Command } from 'commander';
import { openBackends } from '../lib/wiring/backends.js';
import { configOf, example, output, run, wholeNumberOption, withGlobals } from '../lib/cli/kit.js';
import { UsageError } from '../lib/errors.js';
import type { ModelRecord } from '../lib/ports.js';
import { CorruptModelError, readModelBody, rollbackTarget } from '../lib/model/registry.js';
import { printable } from '../lib/cli/printable.js';
import { redeploy } from '../lib/app/train.js';

const iso = (t: number | null): string | null => (t === null ? null : new Date(t).toISOString());
const pct = (x: number): string => `${(x * 100).toFixed(2)}%`;

function versionArgument(text: string): number {
  return wholeNumberOption('model version (see `musicflow model list`)', text, 0, 1);
}

/** A registry entry this version cannot read, shown as such so the others are still listed. */
function unreadable(record: ModelRecord, err: CorruptModelError) {
  return { version: record.version, created_at: iso(record.createdAt), deployed: record.deployed, readable: false as const, problem: err.message };
}

function listed(record: ModelRecord) {
  try {
    return summary(record);
  } catch (err) {
    if (err instanceof CorruptModelError) return unreadable(record, err);
    throw err;
  }
}

function summary(record: ModelRecord) {
  const body = readModelBody(record);
  return {
    version: record.version,
    created_at: iso(record.createdAt),
    deployed: record.deployed,
    deployed_at: iso(record.deployedAt),
    readable: true as const,
    source: body.source,
    file: body.sourceFile,
    error: body.metrics.error,
    baseline_error: body.metrics.baselineError,
    auc: body.metrics.auc,
    gate_passed: body.gate.passed,
    threshold: body.gate.threshold,
    train_rows: body.data.trainRows,
    test_rows: body.data.testRows,
    features: body.features.length,
  };
}

export function register(program: Command): void {
  const model = program.command('model').description('the model registry: list, show, roll back');

  const list = model.command('list').description('every registered model, oldest first, with its held-out metrics and gate result');
  withGlobals(list);
  example(list, 'musicflow model list', 'musicflow model list --json');
  list.action((opts) => run(async () => {
    const out = output(Boolean(opts.json));
    const backends = await openBackends(configOf(opts), { readOnly: true });
    try {
      const models = (await backends.models.listModels()).map(listed);
      out.report({ models }, () => (models.length === 0 ? ['no models yet: run `musicflow train --threshold 0.1`'] : models.map((m) => (!m.readable
        ? `${m.deployed ? '* ' : '  '}v${m.version}  ${m.created_at}  unreadable: ${m.problem}`
        : `${m.deployed ? '* ' : '  '}v${m.version}  ${m.created_at}  ${m.source === 'libsvm' ? `libsvm ${printable(m.file ?? '')}` : 'store'}  `
        + `error ${pct(m.error)} (baseline ${pct(m.baseline_error)})  AUC ${m.auc === null ? 'n/a' : m.auc.toFixed(4)}  `
        + `gate ${m.gate_passed ? 'passed' : 'rejected'} at ${pct(m.threshold)}  ${m.train_rows}/${m.test_rows} rows`))));
    } finally {
      await backends.close();
    }
  }));

  const show = model.command('show').argument('<version>', 'model version').description('one model in full: metrics, gate, data window, weights per feature');
  withGlobals(show);
  example(show, 'musicflow model show 3 --json');
  show.action((versionText: string, opts) => run(async () => {
    const out = output(Boolean(opts.json));
    const version = versionArgument(versionText);
    const backends = await openBackends(configOf(opts), { readOnly: true });
    try {
      const record = await backends.models.getModel(version);
      if (!record) throw new UsageError(`model show ${version}: no such version (see \`musicflow model list\`)`);
      const body = readModelBody(record);
      const weights = Object.fromEntries(body.features.map((f, i) => [f, body.weights[i]]));
      const report = { ...summary(record), metrics: body.metrics, gate: body.gate, data: body.data, training: body.training, intercept: body.intercept, weights, scaler: body.scaler };
      out.report(report, () => [
        `model v${record.version}${record.deployed ? ' (deployed)' : ''}, created ${report.created_at}, ${body.source}${body.sourceFile ? ` ${body.sourceFile}` : ''}`,
        `gate: ${body.gate.passed ? 'passed' : 'rejected'}: ${body.gate.reason}`,
        `error ${pct(body.metrics.error)}, baseline ${pct(body.metrics.baselineError)}, AUC ${body.metrics.auc === null ? 'n/a' : body.metrics.auc.toFixed(4)}, `
          + `precision ${body.metrics.precision.toFixed(3)}, recall ${body.metrics.recall.toFixed(3)}, F1 ${body.metrics.f1.toFixed(3)}`,
        `rows: train ${body.data.trainRows}, test ${body.data.testRows}, clickers ${body.data.positives} (split ${body.data.trainShare}, seed ${body.data.seed})`,
        `training: ${body.training.optimiser}, l2 ${body.training.l2}, ${body.training.iterations} iterations, ${body.training.elapsedMs} ms`,
        'weights (per standardised feature):',
        ...body.features.map((f, i) => `  ${f.padEnd(18)} ${body.weights[i].toFixed(4)}`),
        `  ${'(intercept)'.padEnd(18)} ${body.intercept.toFixed(4)}`,
      ]);
    } finally {
      await backends.close();
    }
  }));

  const rollback = model.command('rollback').argument('[version]', 'version to deploy (default: the one deployed before the current)')
    .description('deploy an earlier model again and rescore every eligible customer with it');
  withGlobals(rollback);
  example(rollback, 'musicflow model rollback', 'musicflow model rollback 2 --json');
  rollback.action((versionText: string | undefined, opts) => run(async () => {
    const out = output(Boolean(opts.json));
    const requested = versionText === undefined ? null : versionArgument(versionText);
    const backends = await openBackends(configOf(opts));
    try {
      const target = rollbackTarget(await backends.models.listModels(), requested);
      const report = await redeploy(backends.store, target);
      out.report(report, () => [
        `model v${report.version} deployed${report.previous_version === null ? '' : ` (was v${report.previous_version})`}: `
          + `scored ${report.scored_customers} eligible customers, ${report.targeted_customers} targeted, in ${report.elapsed_ms} ms`,
      ]);
    } finally {
      await backends.close();
    }
  }));
}
