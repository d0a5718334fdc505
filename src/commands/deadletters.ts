import type { Command } from 'commander';
import { openBackends } from '../lib/wiring/backends.js';
import { configOf, example, output, run, wholeNumberOption, withGlobals } from '../lib/cli/kit.js';
import { printable, rejectNote, stageBreakdown } from '../lib/cli/printable.js';

export function register(program: Command): void {
  const cmd = program.command('deadletters')
    .description('list the lines that could not be used, with file, line and reason')
    .option('--limit <n>', 'how many to list', '50');
  withGlobals(cmd);
  example(cmd, 'musicflow deadletters --limit 10');
  cmd.action((opts) => run(async () => {
    const out = output(Boolean(opts.json));
    const backends = await openBackends(configOf(opts), { readOnly: true });
    try {
      const counts = await backends.log.deadLetterCounts();
      const letters = await backends.log.readDeadLetters(wholeNumberOption('--limit', opts.limit, 50, 1));
      out.report({ total: counts.total, by_stage: counts.byStage, dead_letters: letters }, () => [
        ...letters.map((l) => `${printable(rejectNote(l))} [${l.stage}]\n    ${printable(l.raw)}`),
        `${counts.total} dead letters in all (${stageBreakdown(counts)})`,
      ]);
    } finally {
      await backends.close();
    }
  }));
}
