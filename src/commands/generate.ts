import type { Command } from 'commander';
import { example, output, run, wholeNumberOption } from '../lib/cli/kit.js';
import { UsageError } from '../lib/errors.js';
import { isoDateMillis, parseCalendarDate } from '../lib/formats/datetime.js';
import { generateDataSet } from '../lib/generate/dataset.js';

export function register(program: Command): void {
  const cmd = program.command('generate')
    .description('write realistic synthetic cust.csv, music.csv, tracks.csv and clicks.csv in the reference formats (same --seed, same bytes)')
    .option('--customers <n>', 'customers in cust.csv', '5000')
    .option('--tracks <n>', 'tracks in music.csv', '1750')
    .option('--events <n>', 'plays in tracks.csv', '200000')
    .option('--days <n>', 'days the listening log spans', '30')
    .option('--start <date>', 'first day of the log, YYYY-MM-DD (UTC)', '2014-10-01')
    .option('--seed <n>', 'random seed: the same seed gives the same files', '42')
    .option('--out <dir>', 'folder for the four files', './data/generated')
    .option('--json', 'print one JSON object on stdout; notes go to stderr');
  example(cmd,
    'musicflow generate',
    'musicflow generate --customers 5000 --tracks 1750 --events 1000000 --days 60 --seed 7 --out data/generated/big --json');
  cmd.action((opts) => run(async () => {
    const out = output(Boolean(opts.json));
    const customers = wholeNumberOption('--customers', opts.customers, 5000, 1);
    const tracks = wholeNumberOption('--tracks', opts.tracks, 1750, 1);
    const events = wholeNumberOption('--events', opts.events, 200_000, 0);
    const days = wholeNumberOption('--days', opts.days, 30, 1);
    const seed = wholeNumberOption('--seed', opts.seed, 42, 0);
    const startDate = parseCalendarDate(String(opts.start));
    if (startDate === null) throw new UsageError(`--start: expected a date YYYY-MM-DD, got "${opts.start}"`);
    const started = performance.now();
    const bar = out.progress('tracks.csv', events);
    let summary;
    try {
      summary = await generateDataSet({
        customers, tracks, events, days, seed, start: isoDateMillis(startDate), out: String(opts.out),
        onPlays: (written) => bar.update(written),
      });
    } finally {
      bar.stop();
    }
    const report = { ...summary, elapsed_ms: Math.round(performance.now() - started) };
    out.report(report, () => [
      `wrote ${report.out}/`,
      `  ${report.files.customers}  ${report.customers} customers`,
      `  ${report.files.music}  ${report.tracks} tracks`,
      `  ${report.files.tracks}  ${report.events} plays over ${report.days} days from ${report.start}`,
      `  ${report.files.clicks}  ${report.clicks} ad clicks (${report.offer_clicks} of ${report.offered} offered customers clicked ADV_REDUCED_1DAY)`,
      `seed ${report.seed}, took ${report.elapsed_ms} ms`,
      `next: musicflow seed --customers ${report.files.customers} --music ${report.files.music} --clicks ${report.files.clicks}`,
    ]);
  }));
}
