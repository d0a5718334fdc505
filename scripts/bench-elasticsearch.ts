// The Elasticsearch part of `npm run bench -- --servers` (with MUSICFLOW_ELASTICSEARCH_URL exported, e.g. by
// `npm run stack:up`): stream the generated log on Kafka + Redis + Elasticsearch with one worker (the index follows
// the log in its own consumer group), the client's bulk helper writing the same documents as the raw rate to
// compare with, and the dashboard API's latency answered by Elasticsearch aggregations over the same plays.
import { randomUUID } from 'node:crypto';
import { Client } from '@elastic/elasticsearch';
import { playDocument } from '../src/lib/adapters/elasticsearch/documents.js';
import { MAPPINGS } from '../src/lib/adapters/elasticsearch/mapping.js';
import { openBackends } from '../src/lib/wiring/backends.js';
import { resolveConfig } from '../src/lib/config.js';
import { readRecords } from '../src/lib/formats/read.js';
import { enrich } from '../src/lib/pipeline/enrich.js';
import type { Customer, Track } from '../src/lib/records.js';
import { timeDashboard } from './bench-dashboard.js';
import type { ServersBenchOptions } from './bench-servers.js';

async function all<T>(batches: AsyncIterable<{ values: Array<{ value: T }> }>): Promise<T[]> {
  const out: T[] = [];
  for await (const b of batches) for (const v of b.values) out.push(v.value);
  return out;
}

/** The documents the index writes for the file's plays, made the same way (enrich, then playDocument). */
async function* documentsOf(files: ServersBenchOptions['files']): AsyncGenerator<Record<string, unknown>> {
  const customers = new Map((await all<Customer>(readRecords(files.customers, 'customers', 'seed'))).map((c) => [c.id, c]));
  const tracks = new Map((await all<Track>(readRecords(files.music, 'music', 'seed'))).map((t) => [t.id, t]));
  let offset = 0;
  for await (const batch of readRecords(files.tracks, 'tracks', 'replay')) {
    for (const { value } of batch.values) {
      yield playDocument(enrich(value, customers.get(value.customerId), tracks.get(value.trackId)), 'bench', 0, offset++, false);
    }
  }
}

/** The client's bulk helper with its defaults, into an index mapped like the plays: what a plain loader reaches. */
async function rawBulk(client: Client, index: string, files: ServersBenchOptions['files']): Promise<Record<string, unknown>> {
  await client.indices.create({ index, settings: { number_of_shards: 1, number_of_replicas: 0 }, mappings: { dynamic: 'strict', properties: MAPPINGS.plays } });
  const started = performance.now();
  const stats = await client.helpers.bulk({ datasource: documentsOf(files), onDocument: () => ({ index: { _index: index } }) });
  const wall = performance.now() - started;
  await client.indices.delete({ index });
  return { documents: stats.successful, failed: stats.failed, docs_per_sec: Math.round(stats.successful / (wall / 1000)), wall_ms: Math.round(wall) };
}

export async function benchElasticsearch(options: ServersBenchOptions): Promise<Record<string, unknown>> {
  const url = process.env.MUSICFLOW_ELASTICSEARCH_URL;
  if (!url) throw new Error('the Elasticsearch bench needs MUSICFLOW_ELASTICSEARCH_URL: run `npm run stack:up` and export the lines it prints');
  const { files, runCli, log } = options;
  const id = randomUUID().slice(0, 8);
  const esPrefix = `musicflow-bench-${id}-`;
  const env: NodeJS.ProcessEnv = {
    ...process.env, MUSICFLOW_TOPIC: `musicflow.bench.${id}.es`, MUSICFLOW_PARTITIONS: '6', MUSICFLOW_REDIS_PREFIX: `musicflow:bench:${id}:es:`,
    MUSICFLOW_GROUP: `bench-${id}-es`, MUSICFLOW_ELASTICSEARCH_PREFIX: esPrefix, MUSICFLOW_ELASTICSEARCH_REPLICAS: '0',
  };
  const client = new Client({ node: url });
  try {
    log('elasticsearch: seed and replay (Kafka + Redis)');
    await runCli(['seed', '--customers', files.customers, '--music', files.music], env);
    await runCli(['replay', '--file', files.tracks], env);
    log('elasticsearch: stream with 1 worker, the index in its own consumer group');
    const stream = await runCli(['stream', '--until-idle'], env);
    const index = stream.report.index as { events_indexed: number; trailing: number; busy: { from: number; to: number; events_per_sec: number } };
    const storeBusy = stream.report.busy as { from: number; to: number; events_per_sec: number };
    log('elasticsearch: the bulk helper writing the same documents');
    const raw = await rawBulk(client, `${esPrefix}raw-plays`, files);
    log('elasticsearch: dashboard API latency on the streamed plays');
    const backends = await openBackends(resolveConfig({}, env));
    const dashboard = await timeDashboard(backends, [42, 1234, 4999], 10).finally(() => backends.close());
    return {
      stream: {
        events: stream.report.events_processed,
        events_per_sec: stream.report.events_per_sec,
        store_busy_events_per_sec: storeBusy.events_per_sec,
        index_busy_events_per_sec: index.busy.events_per_sec,
        events_indexed: index.events_indexed,
        // How much later than the store the index was done: what following the log in its own group bought.
        index_done_after_store_ms: index.busy.to - storeBusy.to,
        index_trailing_at_end: index.trailing,
        wall_ms: stream.wall_ms,
        peak_rss_mb: stream.peak_rss_mb,
      },
      bulk_helper: raw,
      index_vs_bulk_helper: Number((index.busy.events_per_sec / Number(raw.docs_per_sec)).toFixed(2)),
      dashboard: { p50_ms: dashboard.p50_ms, p95_ms: dashboard.p95_ms, requests: dashboard.requests, events: dashboard.events },
    };
  } finally {
    await client.indices.delete({ index: `${esPrefix}*` }).catch(() => {});
    await client.close();
  }
}
