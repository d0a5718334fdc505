// The indices behind the aliases: an index template per kind, a first index that holds each alias as its
// write index, the watermark index, and rollover. Everything here is safe to run again (`musicflow es setup`
// runs it; the index adapter runs it once before its first write).
import type { Client } from '@elastic/elasticsearch';
import type { ElasticsearchConfig } from '../../config.js';
import { errorTypeOf } from './connection.js';
import { DOCUMENT_KINDS, MAPPINGS, aliasOf, type DocumentKind } from './mapping.js';

/** The index that keeps each partition's watermark document: small, never rolled over. */
export function watermarkIndexOf(prefix: string): string {
  return `${prefix}watermarks`;
}

/** The first concrete index of a kind; rollover counts up from it (`musicflow-plays-000002`, ...). */
function firstIndexOf(prefix: string, kind: DocumentKind): string {
  return `${aliasOf(prefix, kind)}-000001`;
}

function settingsOf(config: ElasticsearchConfig) {
  // One shard: a single index of plays answers the dashboard's terms aggregations exactly; rollover adds more.
  return { number_of_shards: 1, number_of_replicas: config.replicas, refresh_interval: '1s' };
}

export interface SetupStep {
  kind: DocumentKind | 'watermarks';
  template: 'created' | 'updated' | null;
  alias: string;
  index: string; // the write index
  created: boolean; // the write index was made now
}

/** Creates or updates every template, alias and index musicflow writes to. */
export async function setUpIndices(client: Client, config: ElasticsearchConfig): Promise<SetupStep[]> {
  const steps: SetupStep[] = [];
  for (const kind of DOCUMENT_KINDS) {
    const alias = aliasOf(config.prefix, kind);
    const existed = await client.indices.existsIndexTemplate({ name: alias });
    await client.indices.putIndexTemplate({
      name: alias,
      index_patterns: [`${alias}-*`],
      template: { settings: settingsOf(config), mappings: { dynamic: 'strict', properties: MAPPINGS[kind] } },
      _meta: { managed_by: 'musicflow', description: `musicflow ${kind}, written through the alias ${alias}` },
    });
    const template = existed ? 'updated' : 'created';
    const current = await writeIndexOf(client, alias);
    if (current) {
      // Fields added since the index was made reach it too (a template only shapes indices made after it).
      await client.indices.putMapping({ index: current, properties: MAPPINGS[kind] });
      steps.push({ kind, template, alias, index: current, created: false });
      continue;
    }
    const index = firstIndexOf(config.prefix, kind);
    const created = await createIfMissing(client, index, { aliases: { [alias]: { is_write_index: true } } });
    steps.push({ kind, template, alias, index, created });
  }
  const watermarks = watermarkIndexOf(config.prefix);
  const created = await createIfMissing(client, watermarks, {
    settings: settingsOf(config),
    mappings: { dynamic: false, properties: { log: { type: 'keyword' }, partition: { type: 'integer' }, applied: { type: 'long' } } },
  });
  steps.push({ kind: 'watermarks', template: null, alias: watermarks, index: watermarks, created });
  return steps;
}

/** Another worker creating the same index at the same moment is no failure. */
async function createIfMissing(client: Client, index: string, body: Record<string, unknown>): Promise<boolean> {
  try {
    await client.indices.create({ index, ...body });
    return true;
  } catch (err) {
    if (errorTypeOf(err) === 'resource_already_exists_exception') return false;
    throw err;
  }
}

/** The concrete index an alias writes to, or null when the alias does not exist. */
export async function writeIndexOf(client: Client, alias: string): Promise<string | null> {
  const exists = await client.indices.existsAlias({ name: alias });
  if (!exists) return null;
  const answer = await client.indices.getAlias({ name: alias });
  const entries = Object.entries(answer);
  const writer = entries.find(([, v]) => (v.aliases[alias] as { is_write_index?: boolean } | undefined)?.is_write_index);
  // An alias on one index without the flag writes to that index.
  return writer?.[0] ?? (entries.length === 1 ? entries[0][0] : null);
}

export interface RolloverResult {
  alias: string;
  rolledOver: boolean;
  oldIndex: string;
  newIndex: string;
  conditions: Record<string, boolean>;
}

/** Rolls each alias over when its write index is older or bigger than configured (or always, with `force`). */
export async function rollOver(client: Client, config: ElasticsearchConfig, force: boolean): Promise<RolloverResult[]> {
  const results: RolloverResult[] = [];
  for (const kind of DOCUMENT_KINDS) {
    const alias = aliasOf(config.prefix, kind);
    const answer = await client.indices.rollover({
      alias,
      ...(force ? {} : { conditions: { max_age: config.rolloverMaxAge, max_primary_shard_size: config.rolloverMaxPrimaryShardSize } }),
    });
    results.push({ alias, rolledOver: answer.rolled_over, oldIndex: answer.old_index, newIndex: answer.new_index, conditions: answer.conditions ?? {} });
  }
  return results;
}
