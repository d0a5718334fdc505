// The reference flow on Kafka + Redis + Elasticsearch, end to end: seed, replay and stream the generator's data,
// then the dashboard on Elasticsearch must show what the dashboard on the embedded default shows.
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { Client } from '@elastic/elasticsearch';
import { aliasOf } from '../../src/lib/adapters/elasticsearch/mapping.js';
import { openBackends, type Backends } from '../../src/lib/backends.js';
import { resolveConfig, type Config } from '../../src/lib/config.js';
import { BREAKDOWNS } from '../../src/lib/dashboard/api.js';
import { startDashboard, type RunningDashboard } from '../../src/lib/dashboard/server.js';
import { generateDataSet, type GeneratedFiles } from '../../src/lib/generate/dataset.js';
import { replayFile } from '../../src/lib/replay.js';
import { seedFiles } from '../../src/lib/seed.js';
import { streamLog } from '../../src/lib/stream.js';
import { tempDir } from '../support/fixtures.js';
import { silentOutput } from '../support/output.js';

const brokers = process.env.MUSICFLOW_KAFKA_BROKERS;
const redis = process.env.MUSICFLOW_REDIS_URL;
const elasticsearch = process.env.MUSICFLOW_ELASTICSEARCH_URL;
const skip = brokers && redis && elasticsearch ? false
  : 'MUSICFLOW_KAFKA_BROKERS / MUSICFLOW_REDIS_URL / MUSICFLOW_ELASTICSEARCH_URL are unset: start the stack with `npm run stack:up` (npm test does)';
const never = new AbortController().signal;
const cli = fileURLToPath(new URL('../../src/cli.js', import.meta.url));

interface Deployment { config: Config; backends: Backends; dashboard: RunningDashboard; events: number }

async function deploy(config: Config, files: GeneratedFiles): Promise<Deployment> {
  const backends = await openBackends(config);
  await seedFiles(backends, { customers: files.customers, music: files.music }, silentOutput);
  await replayFile(backends.log, { file: files.tracks, retime: false, follow: false, loop: false, signal: never });
  const stream = await streamLog(backends, { group: config.group, fromBeginning: false, untilIdle: true, maxBatch: 1000, signal: never, status: false }, silentOutput);
  const dashboard = await startDashboard(backends, { port: 0, host: '127.0.0.1', group: config.group });
  return { config, backends, dashboard, events: stream.events_processed };
}

async function answer(d: Deployment, path: string): Promise<unknown> {
  const res = await fetch(new URL(path, d.dashboard.url));
  assert.equal(res.status, 200, `${path}: ${await res.clone().text()}`);
  return res.json();
}

describe('Kafka + Redis + Elasticsearch, end to end', { skip, concurrency: false }, () => {
  let embedded: Deployment;
  let servers: Deployment;
  let serverEnv: Record<string, string>;

  before(async () => {
    const dir = tempDir('musicflow-es-e2e-');
    const gen = await generateDataSet({ customers: 200, tracks: 150, events: 4000, days: 3, seed: 13, start: Date.UTC(2014, 9, 20), out: dir });
    const id = randomUUID();
    serverEnv = {
      MUSICFLOW_KAFKA_BROKERS: brokers!, MUSICFLOW_REDIS_URL: redis!, MUSICFLOW_ELASTICSEARCH_URL: elasticsearch!,
      MUSICFLOW_TOPIC: `musicflow.test.${id}`, MUSICFLOW_GROUP: `musicflow-test-${id}`, MUSICFLOW_REDIS_PREFIX: `musicflow-test:${id}:`,
      MUSICFLOW_ELASTICSEARCH_PREFIX: `musicflow-test-${id}-`, MUSICFLOW_ELASTICSEARCH_REPLICAS: '0', MUSICFLOW_HOME: join(dir, 'servers'),
    };
    embedded = await deploy(resolveConfig({ dataDir: join(dir, 'embedded') }, {}), gen.files);
    servers = await deploy(resolveConfig({}, serverEnv), gen.files);
  });
  after(async () => {
    for (const d of [embedded, servers]) {
      await d?.dashboard.close();
      await d?.backends.close();
    }
  });

  it('leaves every play in the plays alias once', async () => {
    assert.equal(servers.events, embedded.events);
    const client = new Client({ node: elasticsearch! });
    try {
      const alias = aliasOf(servers.config.elasticsearch!.prefix, 'plays');
      await client.indices.refresh({ index: alias });
      assert.equal((await client.count({ index: alias })).count, embedded.events);
    } finally {
      await client.close();
    }
  });

  it('the dashboard on Elasticsearch shows what the embedded default shows', async () => {
    const top = ((await answer(embedded, '/api/breakdown/state?limit=1')) as { rows: Array<{ value: string }> }).rows[0].value;
    const paths = [
      '/api/overview', '/api/overview?device=mobile&level=Free', '/api/series?grain=hour', '/api/series?grain=hour&device=pc', '/api/hours',
      '/api/series?range=24h', `/api/states/${top}/customers`, `/api/states/${top}/customers?level=Silver`,
      ...BREAKDOWNS.flatMap((dim) => [`/api/breakdown/${dim}`, `/api/breakdown/${dim}?device=mobile`, `/api/breakdown/${dim}?level=Gold&range=7d`, `/api/breakdown/${dim}?state=${top}`]),
    ];
    for (const path of paths) {
      assert.deepEqual(await answer(servers, path), await answer(embedded, path), path);
    }
  });

  it('status says the index trails the log by nothing', () => {
    const inherited = Object.fromEntries(Object.entries(process.env).filter(([k]) => !k.startsWith('MUSICFLOW_')));
    const run = spawnSync(process.execPath, [cli, 'status', '--json'], { env: { ...inherited, ...serverEnv }, encoding: 'utf8' });
    assert.equal(run.status, 0, run.stderr);
    const report = JSON.parse(run.stdout) as { backend: string; index_trailing: number; lag: number; health: Array<{ backend: string; ok: boolean }> };
    assert.equal(report.backend, 'kafka+redis+elasticsearch');
    assert.equal(report.lag, 0);
    assert.equal(report.index_trailing, 0);
    assert.ok(report.health.some((h) => h.backend.startsWith('Elasticsearch') && h.ok));
  });
});
