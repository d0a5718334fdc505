import type { Command } from 'commander';
import { openBackends } from '../lib/wiring/backends.js';
import { configOf, example, numberOption, output, run, wholeNumberOption, withGlobals } from '../lib/cli/kit.js';
import { latin1Warning } from '../lib/formats/lines.js';
import { rejectNote } from '../lib/cli/printable.js';
import { UsageError } from '../lib/errors.js';
import { replayFile } from '../lib/app/replay.js';
import { stopSignal } from '../lib/cli/signals.js';

export function register(program: Command): void {
  const cmd = program.command('replay')
    .description('send a tracks.csv listening log into the event log (what Logstash did in the reference design)')
    .requiredOption('--file <file>', 'tracks.csv: event_id,customer_id,track_id,"YYYY-MM-DD HH:MM:SS",ismobile,"zip" (no header)')
    .option('--rate <n>', 'events per second (default: as fast as possible)')
    .option('--speedup <x>', 'follow the log\'s own timestamps, x times faster')
    .option('--retime', 'move event times to now: with --rate alone each event gets the time it is sent; otherwise the first event is now and the log\'s gaps are kept (divided by --speedup)')
    .option('--follow', 'keep tailing the file as it grows')
    .option('--loop', 'start over at the end of the file (until Ctrl-C or --limit)')
    .option('--limit <n>', 'stop after sending n events')
    .option('--skip <n>', 'pass over the first n lines where the run starts')
    .option('--again', 'send the file from its first line although the log holds it already (without it, each line is sent once: a re-run resumes after the last line the log holds)');
  withGlobals(cmd);
  example(cmd,
    'musicflow replay --file data/sample/tracks.csv   # the sample in the repository',
    'musicflow replay --file tracks.csv --rate 500 --retime --loop',
    'musicflow replay --file /var/log/plays.csv --follow');
  cmd.action((opts) => run(async () => {
    const out = output(Boolean(opts.json));
    const rate = opts.rate === undefined ? undefined : numberOption('--rate', opts.rate, 0, 0.001);
    const speedup = opts.speedup === undefined ? undefined : numberOption('--speedup', opts.speedup, 1, 0.001);
    const limit = opts.limit === undefined ? undefined : wholeNumberOption('--limit', opts.limit, 0, 1);
    const skip = wholeNumberOption('--skip', opts.skip, 0, 0);
    if (opts.follow && opts.loop) throw new UsageError('replay: --follow and --loop do not go together (a followed file has no end to loop at)');
    const config = configOf(opts);
    const backends = await openBackends(config);
    const stop = stopSignal(out, 'replay');
    try {
      const report = await replayFile(backends.log, {
        file: opts.file, rate, speedup, limit, skip, retime: Boolean(opts.retime), follow: Boolean(opts.follow), loop: Boolean(opts.loop),
        again: Boolean(opts.again), signal: stop.signal,
        onReject: (l) => out.warn(rejectNote(l)),
        onProgress: (r) => { if (opts.follow || opts.loop || rate || speedup) out.note(`sent ${r.events_sent} events, ${r.rejected} rejected`); },
      });
      if (report.not_utf8 > 0) out.warn(latin1Warning(report.file, report.not_utf8));
      if (report.already_sent) {
        out.note(`${report.file}: the log holds every line already (sent before, up to line ${report.resumed_after_line}): nothing sent; --again sends it again`);
      } else if (report.resumed_after_line !== null) {
        out.note(`${report.file}: the log holds lines up to ${report.resumed_after_line} already: resumed after them`);
      }
      out.report({ ...report, backend: backends.kind }, () => [
        `events sent: ${report.events_sent} (${report.events_per_sec}/s)`,
        `rejected:    ${report.rejected}${report.rejected ? ' (kept in the dead letters: `musicflow deadletters`)' : ''}`,
        `lines read:  ${report.lines_read} in ${report.elapsed_ms} ms${report.repaired ? ` (${report.repaired} repaired)` : ''}`,
      ]);
    } finally {
      stop.dispose();
      await backends.close();
    }
  }));
}
