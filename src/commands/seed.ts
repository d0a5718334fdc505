import type { Command } from 'commander';
import { openBackends } from '../lib/wiring/backends.js';
import { configOf, example, output, run, withGlobals } from '../lib/cli/kit.js';
import { UsageError } from '../lib/errors.js';
import { seedFiles } from '../lib/app/seed.js';
import { seedWarnings } from '../lib/cli/progress.js';

export function register(program: Command): void {
  const cmd = program.command('seed')
    .description('load customers, tracks (and ad clicks) into the store: upsert, so running it again is safe')
    .option('--customers <file>', 'cust.csv: CustID,Name,Gender,Address,zip,SignDate,Status,Level,Campaign,LinkedWithApps[,Age|BirthDate]')
    .option('--music <file>', 'music.csv: TrackId,Title,Artist,Length')
    .option('--clicks <file>', 'clicks.csv: EventID,CustID,AdClicked,Localtime (labels for `musicflow train`)')
    .option('--strict', 'exit 1 if any line was rejected or a duplicate (the good lines are still loaded)');
  withGlobals(cmd);
  example(cmd,
    'musicflow seed --customers data/sample/cust.csv --music data/sample/music.csv --clicks data/sample/clicks.csv   # the sample in the repository',
    'musicflow seed --customers data/generated/cust.csv --strict --json   # after `musicflow generate`');
  cmd.action((opts) => run(async () => {
    const out = output(Boolean(opts.json));
    if (!opts.customers && !opts.music && !opts.clicks) {
      throw new UsageError('seed: name at least one of --customers, --music, --clicks (make sample files with `musicflow generate`)');
    }
    const backends = await openBackends(configOf(opts));
    try {
      const warnings = seedWarnings(out);
      const report = await seedFiles(backends, { customers: opts.customers, music: opts.music, clicks: opts.clicks }, warnings.onProgress);
      warnings.finish();
      out.report(report, () => [
        `customers loaded: ${report.customers_loaded}`,
        `tracks loaded:    ${report.tracks_loaded}`,
        `clicks loaded:    ${report.clicks_loaded}`,
        `lines read:       ${report.lines_read}`,
        `repaired lines:   ${report.repaired}`,
        `rejected lines:   ${report.rejected}${report.rejected ? ' (listed above; kept in the dead letters: `musicflow deadletters`)' : ''}`,
        `duplicate ids:    ${report.duplicates}${report.duplicates ? ' (the first line of each id is loaded; the others listed above and kept in the dead letters)' : ''}`,
        `took ${report.elapsed_ms} ms on ${backends.kind}`,
      ]);
      return opts.strict && report.rejected + report.duplicates > 0 ? 1 : 0;
    } finally {
      await backends.close();
    }
  }));
}
