import type { Command } from 'commander';
import { openBackends } from '../lib/wiring/backends.js';
import { configOf, serverErrorNote, example, output, run, wholeNumberOption, withGlobals } from '../lib/cli/kit.js';
import { startDashboard } from '../lib/dashboard/server.js';
import { UsageError } from '../lib/errors.js';
import { stopSignal } from '../lib/cli/signals.js';

export function register(program: Command): void {
  const cmd = program.command('dashboard')
    .description('serve the live dashboard (charts, US map, pipeline health, customer drill-down) and /metrics')
    .option('--port <n>', 'TCP port (0 picks a free one)', '8080')
    .option('--host <address>', 'address to listen on; the default serves this machine only', '127.0.0.1');
  withGlobals(cmd);
  example(cmd, 'musicflow dashboard            # then open http://127.0.0.1:8080/', 'musicflow dashboard --port 9090 --json');
  cmd.action((opts) => run(async () => {
    const out = output(Boolean(opts.json));
    const config = configOf(opts);
    const port = wholeNumberOption('--port', opts.port, 8080, 0);
    if (port > 65535) throw new UsageError(`--port: expected a whole number from 0 to 65535, got "${opts.port}"`);
    const host = String(opts.host);
    const backends = await openBackends(config, { readOnly: true });
    const stop = stopSignal(out, 'dashboard');
    try {
      const dashboard = await startDashboard(backends, { port, host, group: config.group, onError: serverErrorNote(out, 'dashboard') });
      out.report({ url: dashboard.url, metrics: `${dashboard.url}metrics`, backend: backends.kind, data_dir: config.dataDir }, () => [
        `dashboard: ${dashboard.url} (metrics at ${dashboard.url}metrics), ${backends.kind} backends`,
        'Ctrl-C to stop',
      ]);
      if (host !== '127.0.0.1' && host !== 'localhost' && host !== '::1') {
        out.warn(`--host ${host}: the dashboard shows customer names and has no login; anyone who can reach this address can read it`);
      }
      await new Promise<void>((resolve) => stop.signal.addEventListener('abort', () => resolve(), { once: true }));
      await dashboard.close();
    } finally {
      stop.dispose();
      await backends.close();
    }
  }));
}
