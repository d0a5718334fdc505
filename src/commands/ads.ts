import type { Command } from 'commander';
import { openBackends } from '../lib/wiring/backends.js';
import { configOf, example, output, run, wholeNumberOption, withGlobals } from '../lib/cli/kit.js';
import { checkOffer } from '../lib/model/offer.js';

const EXPLAIN: Record<string, string> = {
  predicted_click: 'the deployed model predicts a click',
  predicted_no_click: 'the deployed model predicts no click',
  unknown_customer: 'no such customer in the store (seed it with `musicflow seed --customers FILE`)',
  inactive: 'the account is not active',
  already_gold: 'the customer is already Gold',
  not_scored: 'the deployed model had no listening profile to score (no plays before it was trained)',
  no_model_deployed: 'no model is deployed: run `musicflow train --threshold 0.1`',
};

export function register(program: Command): void {
  const ads = program.command('ads').description('ad targeting at access time');
  const check = ads.command('check').argument('<customer_id>', 'customer id')
    .description('show the one-day Gold offer to this customer now? (two store reads, fast enough before a play)');
  withGlobals(check);
  example(check, 'musicflow ads check 109 --json');
  check.action((idText: string, opts) => run(async () => {
    const out = output(Boolean(opts.json));
    const customerId = wholeNumberOption('customer id', idText, 0);
    const backends = await openBackends(configOf(opts), { readOnly: true });
    try {
      const started = performance.now();
      const answer = await checkOffer(backends.store, customerId);
      const report = { ...answer, lookup_ms: Number((performance.now() - started).toFixed(3)) };
      out.report(report, () => [
        `${answer.show_offer ? 'SHOW' : 'do not show'} ${answer.offer} to customer ${customerId}: ${EXPLAIN[answer.reason]}`
          + (answer.probability === null ? '' : ` (p = ${answer.probability.toFixed(3)}, model v${answer.model_version})`),
      ]);
    } finally {
      await backends.close();
    }
  }));
}
