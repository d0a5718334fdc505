import type { Command } from 'commander';
import { openBackends } from '../lib/wiring/backends.js';
import { configOf, durationOption, example, numberOption, type Output, output, run, wholeNumberOption, withGlobals } from '../lib/cli/kit.js';
import { rejectNote } from '../lib/cli/printable.js';
import { UsageError } from '../lib/errors.js';
import { DEFAULT_TRAIN, retrainEvery, trainAndDeploy, trainFromLibsvm, type TrainOptions, type TrainReport } from '../lib/app/train.js';
import { stopSignal } from '../lib/cli/signals.js';

/** Exit code when the gate rejects the new model (the deployed one, if any, stays). Documented in docs/model.md. */
export const GATE_REJECTED_EXIT = 3;

/** How many unreadable libsvm lines are named one by one before only counting. */
const SHOWN_REJECTS = 20;


const pct = (x: number): string => `${(x * 100).toFixed(2)}%`;

function humanReport(r: TrainReport): string[] {
  return [
    `model v${r.model_version} (${r.source === 'libsvm' ? `libsvm ${r.file}` : 'store'}, ${r.features.length} features): `
      + `error ${pct(r.error)} (majority baseline ${pct(r.baseline_error)}), AUC ${r.auc === null ? 'n/a' : r.auc.toFixed(4)}, `
      + `precision ${r.precision.toFixed(3)}, recall ${r.recall.toFixed(3)}, F1 ${r.f1.toFixed(3)}`,
    `confusion: tp ${r.confusion.tp}, fp ${r.confusion.fp}, tn ${r.confusion.tn}, fn ${r.confusion.fn} | `
      + `train ${r.train_rows} / test ${r.test_rows} rows (split ${r.split}, seed ${r.seed}), ${r.positives} clickers`
      + (r.window ? ` | data ${r.window.from ?? 'start'} .. ${r.window.to}` : ''),
    r.deployed ? `${r.reason}; scored ${r.scored_customers} eligible customers, ${r.targeted_customers} targeted` : r.reason,
    `took ${r.elapsed_ms} ms`,
  ];
}

function trainOptions(opts: Record<string, string | undefined>): TrainOptions {
  const trainShare = numberOption('--split', opts.split, DEFAULT_TRAIN.trainShare, 0);
  if (!(trainShare > 0 && trainShare < 1)) throw new UsageError(`--split: the training share must be between 0 and 1 (e.g. 0.7), got "${opts.split}"`);
  const seed = wholeNumberOption('--seed', opts.seed, DEFAULT_TRAIN.seed, 0);
  const threshold = numberOption('--threshold', opts.threshold, DEFAULT_TRAIN.threshold, 0);
  if (threshold > 1) throw new UsageError(`--threshold: the maximum error rate is a share between 0 and 1 (e.g. 0.1), got "${opts.threshold}"`);
  const window = opts.window === undefined || opts.window === 'all' ? null : durationOption('--window', opts.window);
  return { threshold, trainShare, seed, windowMs: window };
}

async function trainPeriodically(out: Output, opts: Record<string, string | undefined>, options: TrainOptions): Promise<number> {
  const everyMs = durationOption('--every', String(opts.every));
  const backends = await openBackends(configOf(opts));
  const stop = stopSignal(out, 'train --every');
  try {
    out.note(`train: retraining every ${opts.every} on ${opts.window ?? 'all'} of the data until Ctrl-C`);
    const rounds = await retrainEvery(backends.store, options, everyMs, stop.signal, (round) => {
      if ('skipped' in round) out.warn(`train: round skipped: ${round.skipped.message}`);
      else out.report(round.report, () => humanReport(round.report));
    });
    out.note(`train: stopped after ${rounds} round${rounds === 1 ? '' : 's'}`);
    return 0;
  } finally {
    stop.dispose();
    await backends.close();
  }
}

export function register(program: Command): void {
  const cmd = program.command('train')
    .description('train the ad-click model; deploy it (and rescore eligible customers) only if it passes the error gate')
    .option('--threshold <rate>', 'deploy only if the held-out error is at most this (and below the majority baseline)', '0.1')
    .option('--split <share>', 'share of customers in the training part (stratified)', '0.7')
    .option('--seed <n>', 'seed of the train/test split', '1')
    .option('--window <duration>', 'train on the most recent window of event time, e.g. 30d (default: all)')
    .option('--libsvm <file>', 'train on a features.txt (libsvm) file of the six reference shares instead of the store; deployed if it passes, scoring customers from their live profiles')
    .option('--every <duration>', 'retrain in the foreground every period, e.g. 30m, until Ctrl-C (one report per round)');
  withGlobals(cmd);
  example(cmd,
    'musicflow train --threshold 0.1',
    'musicflow train --libsvm features.txt --split 0.7 --seed 7 --json   # a libsvm features file, such as the reference design\'s',
    'musicflow train --threshold 0.1 --window 30d --every 30m');
  cmd.addHelpText('after', `\nExit codes: 0 trained and deployed, ${GATE_REJECTED_EXIT} the gate rejected the model `
    + '(the deployed model stays), 1 failure, 2 usage.\n');
  cmd.action((opts) => run(async () => {
    const out = output(Boolean(opts.json));
    const options = trainOptions(opts);
    if (opts.every !== undefined) {
      if (opts.libsvm !== undefined) throw new UsageError('train: --every retrains on the store; it does not go with --libsvm');
      return trainPeriodically(out, opts, options);
    }
    if (opts.libsvm !== undefined && opts.window !== undefined) {
      throw new UsageError('train: --window selects event time in the store; a --libsvm file has none (drop one of them)');
    }
    const backends = await openBackends(configOf(opts));
    let shownRejects = 0;
    try {
      const report = opts.libsvm === undefined
        ? await trainAndDeploy(backends.store, options)
        : await trainFromLibsvm(backends.store, opts.libsvm, options, (l) => {
          if (shownRejects++ < SHOWN_REJECTS) out.warn(`${rejectNote(l)} (line skipped)`);
        });
      if (shownRejects > SHOWN_REJECTS) out.warn(`... and ${shownRejects - SHOWN_REJECTS} more lines skipped`);
      out.report(report, () => humanReport(report));
      return report.gate_passed ? 0 : GATE_REJECTED_EXIT;
    } finally {
      await backends.close();
    }
  }));
}
