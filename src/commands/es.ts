import type { Command } from 'commander';
import { openIndexAdmin } from '../lib/wiring/backends.js';
import { configOf, example, output, run, withGlobals } from '../lib/cli/kit.js';

export function register(program: Command): void {
  const es = program.command('es').description('Elasticsearch index maintenance: templates, aliases, rollover');

  const setup = es.command('setup')
    .description('create or update the index templates, the write aliases (plays, interests, ad decisions) and the watermark index; safe to run again');
  withGlobals(setup);
  example(setup, 'musicflow es setup --elasticsearch http://127.0.0.1:9200', 'MUSICFLOW_ELASTICSEARCH_CLOUD_ID=... MUSICFLOW_ELASTICSEARCH_API_KEY=... musicflow es setup --json');
  setup.action((opts) => run(async () => {
    const out = output(Boolean(opts.json));
    const admin = openIndexAdmin(configOf(opts));
    try {
      const steps = await admin.setup();
      out.report({ steps }, () => steps.map((s) => `${s.alias}: ${s.template ? `template ${s.template}, ` : ''}write index ${s.index}${s.created ? ' (created)' : ''}`));
    } finally {
      await admin.close();
    }
  }));

  const rollover = es.command('rollover')
    .description('start a new write index for each alias whose current one is past the rollover age or size (env MUSICFLOW_ELASTICSEARCH_ROLLOVER_AGE, _SIZE)')
    .option('--force', 'roll over now, whatever the age and size');
  withGlobals(rollover);
  example(rollover, 'musicflow es rollover', 'musicflow es rollover --force --json');
  rollover.action((opts) => run(async () => {
    const out = output(Boolean(opts.json));
    const admin = openIndexAdmin(configOf(opts));
    try {
      const results = await admin.rollover(Boolean(opts.force));
      out.report({ results }, () => results.map((r) => r.rolledOver
        ? `${r.alias}: rolled over from ${r.oldIndex} to ${r.newIndex}`
        : `${r.alias}: kept ${r.oldIndex} (conditions not met: ${Object.keys(r.conditions).join(', ') || 'none'})`));
    } finally {
      await admin.close();
    }
  }));
}
