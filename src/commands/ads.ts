import type { Command } from 'commander';
import { openStore } from '../lib/wiring/backends.js';
import { configOf, example, output, run, serverErrorNote, wholeNumberOption, withGlobals } from '../lib/cli/kit.js';
import { startAdsServer } from '../lib/ads/server.js';
import { UsageError } from '../lib/errors.js';
import { checkOffer } from '../lib/model/offer.js';
import { stopSignal } from '../lib/cli/signals.js';

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
    .description('show the one-day Gold offer to this customer now? (one store read, fast enough before a play)');
  withGlobals(check);
  example(check, 'musicflow ads check 109 --json');
  check.action((idText: string, opts) => run(async () => {
    const out = output(Boolean(opts.json));
    const customerId = wholeNumberOption('customer id', idText, 0);
    const { store } = openStore(configOf(opts), { readOnly: true });
    try {
      const started = performance.now();
      const answer = await checkOffer(store, customerId);
      const report = { ...answer, lookup_ms: Number((performance.now() - started).toFixed(3)) };
      out.report(report, () => [
        `${answer.show_offer ? 'SHOW' : 'do not show'} ${answer.offer} to customer ${customerId}: ${EXPLAIN[answer.reason]}`
          + (answer.probability === null ? '' : ` (p = ${answer.probability.toFixed(3)}, model v${answer.model_version})`),
      ]);
    } finally {
      await store.close();
    }
  }));

  const serve = ads.command('serve')
    .description('serve the offer API: GET /offers/<customer_id> answers the one-day Gold offer (and records the day\'s ad decision and SMS once), '
      + 'GET /health, GET /metrics; needs MUSICFLOW_ADS_TOKEN, the bearer token callers send')
    .option('--port <n>', 'TCP port (0 picks a free one)', '8090')
    .option('--host <address>', 'address to listen on; the default serves this machine only', '127.0.0.1');
  withGlobals(serve);
  example(serve, 'MUSICFLOW_ADS_TOKEN=$(openssl rand -hex 16) musicflow ads serve --port 8090',
    'curl -H "Authorization: Bearer $MUSICFLOW_ADS_TOKEN" http://127.0.0.1:8090/offers/109');
  serve.action((opts) => run(async () => {
    const out = output(Boolean(opts.json));
    const token = process.env.MUSICFLOW_ADS_TOKEN ?? '';
    if (token.length < 16) throw new UsageError('ads serve: set MUSICFLOW_ADS_TOKEN to the bearer token callers will send (16 characters or more, e.g. `openssl rand -hex 16`)');
    const port = wholeNumberOption('--port', opts.port, 8090, 0);
    if (port > 65535) throw new UsageError(`--port: expected a whole number from 0 to 65535, got "${opts.port}"`);
    const host = String(opts.host);
    // The store alone: the offer API needs no log, and an index thread would compete for the server's core.
    const { store, kind } = openStore(configOf(opts));
    const stop = stopSignal(out, 'ads serve');
    try {
      const server = await startAdsServer(store, { port, host, token, onError: serverErrorNote(out, 'ads serve') });
      out.report({ url: server.url, offers: `${server.url}offers/<customer_id>`, metrics: `${server.url}metrics`, backend: kind }, () => [
        `ads serve: ${server.url}offers/<customer_id> (health at ${server.url}health, metrics at ${server.url}metrics), ${kind}`,
        'Ctrl-C to stop',
      ]);
      await new Promise<void>((resolve) => stop.signal.addEventListener('abort', () => resolve(), { once: true }));
      await server.close();
    } finally {
      stop.dispose();
      await store.close();
    }
  }));
}
