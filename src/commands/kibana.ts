import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { basename } from 'node:path';
import type { Command } from 'commander';
import chalk from 'chalk';
import { DEFAULT_INDEX_PREFIX } from '../lib/adapters/elasticsearch/mapping.js';
import { example, output, run } from '../lib/cli/kit.js';
import { checkedCaFile, resolveConfig } from '../lib/config.js';
import { InputFileError, UsageError } from '../lib/errors.js';
import { authFromEnv, importSavedObjects, type ObjectResult } from '../lib/kibana/import.js';
import { savedObjects, toNdjson } from '../lib/kibana/saved-objects.js';

const STATUS_COLOUR = { created: chalk.green, updated: chalk.cyan, failed: chalk.red } as const;

function objectLine(o: ObjectResult): string {
  const what = `${STATUS_COLOUR[o.status](o.status.padEnd(7))} ${o.type} ${o.id}${o.title ? ` "${o.title}"` : ''}`;
  const moved = o.destination_id ? ` (as ${o.destination_id})` : '';
  return o.status === 'failed' ? `${what}: ${o.error}${o.detail ? `: ${o.detail}` : ''}` : `${what}${moved}`;
}

/** The user's file as Kibana wants it: its text and a name ending in .ndjson. */
function userFile(path: string): { ndjson: string; filename: string } {
  if (!existsSync(path)) throw new InputFileError(path, 'no such file (write one with `musicflow kibana export --out FILE`)');
  const name = basename(path);
  return { ndjson: readFileSync(path, 'utf8'), filename: name.endsWith('.ndjson') ? name : `${name}.ndjson` };
}

export function register(program: Command): void {
  const kibana = program.command('kibana').description('Kibana dashboards as code: export our saved objects, import them into Kibana');

  const exportCmd = kibana.command('export')
    .description('write the data views, Lens panels, map and dashboard as Kibana 8.x saved objects (NDJSON)')
    .requiredOption('--out <file>', 'where to write the NDJSON; - for stdout')
    .option('--prefix <prefix>', 'index prefix of the Elasticsearch aliases the data views read', DEFAULT_INDEX_PREFIX);
  example(exportCmd, 'musicflow kibana export --out musicflow-kibana.ndjson', 'musicflow kibana export --out - --prefix staging-musicflow-');
  exportCmd.action((opts: { out: string; prefix: string }) => run(async () => {
    const objects = savedObjects(opts.prefix);
    const ndjson = toNdjson(objects);
    if (opts.out === '-') {
      process.stdout.write(ndjson);
      return;
    }
    writeFileSync(opts.out, ndjson);
    process.stderr.write(`${objects.length} saved objects written to ${opts.out}; import them with \`musicflow kibana import --file ${opts.out}\`\n`);
  }));

  const importCmd = kibana.command('import')
    .description('send our saved objects (or a --file) to Kibana\'s saved objects import API and report each object')
    .option('--kibana <url>', 'Kibana\'s URL (env MUSICFLOW_KIBANA_URL, config file key "kibana")')
    .option('--space <id>', 'Kibana space to import into (default: the default space)')
    .option('--overwrite', 'update objects that already exist instead of reporting a conflict')
    .option('--file <file>', 'an NDJSON file of saved objects to send instead of ours')
    .option('--prefix <prefix>', `index prefix of the aliases our data views read (default ${DEFAULT_INDEX_PREFIX}); not with --file`)
    .option('--config <file>', 'JSON config file (env MUSICFLOW_CONFIG)')
    .option('--json', 'print one JSON object on stdout; notes go to stderr');
  importCmd.addHelpText('after', '\nCredentials from env only: MUSICFLOW_KIBANA_API_KEY (an encoded API key), or MUSICFLOW_KIBANA_USERNAME and\n'
    + 'MUSICFLOW_KIBANA_PASSWORD. MUSICFLOW_KIBANA_CA names the PEM file of the CA that signed Kibana\'s certificate.\n');
  example(importCmd,
    'MUSICFLOW_KIBANA_URL=http://127.0.0.1:5601 musicflow kibana import',
    'MUSICFLOW_KIBANA_API_KEY=... musicflow kibana import --kibana https://my-deployment.kb.us-east-1.aws.elastic-cloud.com --space analysts --overwrite --json',
    'musicflow kibana import --file my-dashboards.ndjson --overwrite');
  importCmd.action((opts: { kibana?: string; space?: string; overwrite?: boolean; file?: string; prefix?: string; config?: string; json?: boolean }) => run(async () => {
    const out = output(Boolean(opts.json));
    if (opts.file !== undefined && opts.prefix !== undefined) throw new UsageError('--prefix shapes our objects; a --file is sent as it is: use one or the other');
    const kibanaUrl = opts.kibana ?? resolveConfig({ config: opts.config }).kibana;
    if (!kibanaUrl) throw new UsageError('name Kibana with --kibana URL or MUSICFLOW_KIBANA_URL (or "kibana" in the config file)');
    const { ndjson, filename } = opts.file !== undefined
      ? userFile(opts.file)
      : { ndjson: toNdjson(savedObjects(opts.prefix ?? DEFAULT_INDEX_PREFIX)), filename: 'musicflow-kibana.ndjson' };
    const outcome = await importSavedObjects({
      kibanaUrl,
      space: opts.space ?? '',
      overwrite: Boolean(opts.overwrite),
      ndjson,
      filename,
      auth: authFromEnv(process.env),
      caFile: checkedCaFile(process.env.MUSICFLOW_KIBANA_CA ?? '', 'env MUSICFLOW_KIBANA_CA', 'Kibana'),
    }, out.note);
    const failed = outcome.objects.filter((o) => o.status === 'failed');
    const report = {
      ok: outcome.success,
      kibana: kibanaUrl,
      space: opts.space ?? 'default',
      overwrite: Boolean(opts.overwrite),
      file: opts.file ?? null,
      success_count: outcome.successCount,
      failed_count: failed.length,
      attempts: outcome.attempts,
      objects: outcome.objects,
    };
    out.report(report, () => [
      ...outcome.objects.map(objectLine),
      `${outcome.successCount} imported into ${report.space === 'default' ? 'the default space' : `space ${report.space}`} of ${kibanaUrl}`
        + (failed.length > 0 ? `, ${failed.length} failed` : ''),
    ]);
    return outcome.success ? 0 : 1;
  }));
}
