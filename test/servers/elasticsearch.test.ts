// The Elasticsearch index against a real node (the test stack: `npm run stack:up` starts one on loopback).
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { Client } from '@elastic/elasticsearch';
import { ElasticsearchIndex } from '../../src/lib/adapters/elasticsearch/index.js';
import { MAPPINGS, aliasOf } from '../../src/lib/adapters/elasticsearch/mapping.js';
import { resolveConfig, type ElasticsearchConfig } from '../../src/lib/config.js';
import { MusicflowError } from '../../src/lib/errors.js';
import { enrich } from '../../src/lib/pipeline/enrich.js';
import { WatermarkConflict, type IndexEffects } from '../../src/lib/ports.js';
import type { Customer } from '../../src/lib/records.js';
import { T0 } from '../support/fixtures.js';
import { SERVER_TEST } from '../support/timeouts.js';

const url = process.env.MUSICFLOW_ELASTICSEARCH_URL;
const skip = url ? false : 'MUSICFLOW_ELASTICSEARCH_URL is unset: start the stack with `npm run stack:up` (npm test does)';

const cli = fileURLToPath(new URL('../../src/cli.js', import.meta.url));

/** The CLI in a child process, with only the musicflow settings of `env`. */
function musicflow(env: Record<string, string>, ...args: string[]): { code: number | null; stdout: string; stderr: string } {
  const inherited = Object.fromEntries(Object.entries(process.env).filter(([k]) => !k.startsWith('MUSICFLOW_')));
  const result = spawnSync(process.execPath, [cli, ...args], { env: { ...inherited, ...env }, encoding: 'utf8', input: '' });
  return { code: result.status, stdout: result.stdout, stderr: result.stderr };
}

function freshConfig(env: Record<string, string> = {}): ElasticsearchConfig {
  const config = resolveConfig({ elasticsearch: url }, { MUSICFLOW_ELASTICSEARCH_PREFIX: `mf-test-${randomUUID()}-`, MUSICFLOW_ELASTICSEARCH_REPLICAS: '0', ...env });
  return config.elasticsearch!;
}

const CUSTOMER: Customer = {
  id: 1, name: 'Ann Example', gender: 'female', address: '1 Main St', zip: '10001', signDate: '2013-01-15', active: true, level: 0, campaign: 1,
  linkedWithApps: true, age: 30, ageSource: 'derived',
};

/** Plays at offsets from..to of partition 0, one a minute. */
function effects(expected: number, from: number, to: number): IndexEffects {
  const offsets = Array.from({ length: to - from + 1 }, (_v, i) => from + i);
  const plays = offsets.map((o) => enrich({ eventId: o, customerId: 1, trackId: 10, time: T0 + o * 60_000, mobile: o % 2 === 0, zip: '10001' }, CUSTOMER, undefined));
  return { position: { log: 'plays', partition: 0, expected, next: to }, plays, offsets };
}

async function documentsIn(client: Client, index: string): Promise<Array<{ index: string; id: string; source: Record<string, unknown> }>> {
  await client.indices.refresh({ index });
  const answer = await client.search({ index, size: 1000, query: { match_all: {} } });
  return answer.hits.hits.map((h) => ({ index: h._index, id: h._id!, source: h._source as Record<string, unknown> }));
}

describe('Elasticsearch index', { skip, concurrency: false }, () => {
  const client = new Client({ node: url ?? 'http://127.0.0.1:1' });

  it('applies a batch only when the watermark is what the writer read', SERVER_TEST, async () => {
    const config = freshConfig();
    const index = new ElasticsearchIndex(config);
    try {
      assert.equal(await index.watermark('plays', 0), -1);
      await index.applyEffects(effects(-1, 0, 4));
      assert.equal(await index.watermark('plays', 0), 4);
      // A redelivery and a stale writer both find the watermark at 4, and write nothing.
      await assert.rejects(index.applyEffects(effects(-1, 0, 4)), (e: Error) => e instanceof WatermarkConflict && e.actual === 4);
      await assert.rejects(index.applyEffects(effects(2, 3, 9)), (e: Error) => e instanceof WatermarkConflict && e.actual === 4);
      assert.equal((await index.totals({})).plays, 5);
      // Two writers with the same expected watermark: one wins, the plays count once.
      const results = await Promise.allSettled([index.applyEffects(effects(4, 5, 9)), new ElasticsearchIndex(config).applyEffects(effects(4, 5, 9))]);
      assert.equal(results.filter((r) => r.status === 'fulfilled').length, 1, JSON.stringify(results.map((r) => r.status)));
      assert.ok(results.some((r) => r.status === 'rejected' && r.reason instanceof WatermarkConflict));
      assert.deepEqual(await index.totals({}), { plays: 10, mobilePlays: 5, first: T0, last: T0 + 9 * 60_000 });
      assert.equal(await index.watermark('plays', 0), 9);
    } finally {
      await index.close();
    }
  });

  it('a batch cut short before its watermark moved is redone into the same index, even after a rollover', SERVER_TEST, async () => {
    const config = freshConfig();
    const crashing = new ElasticsearchIndex(config);
    const alias = aliasOf(config.prefix, 'plays');
    try {
      await crashing.applyEffects(effects(-1, 0, 2));
      // The worker dies after its plays are written but before the watermark says so.
      const writes = crashing as unknown as { writeWatermark: (...args: unknown[]) => Promise<unknown> };
      const real = writes.writeWatermark.bind(crashing);
      writes.writeWatermark = async (...args: unknown[]) => {
        if ((args[2] as { applied: number }).applied === 9) throw new Error('killed');
        return real(...args);
      };
      await assert.rejects(crashing.applyEffects(effects(2, 3, 9)), /killed/);
      const rolled = await crashing.rollover(true);
      assert.ok(rolled.every((r) => r.rolledOver));
      // Another worker takes the partition over with a smaller batch, then a batch that reaches past the
      // reserved range (it still goes where the reservation points), then one wholly past it.
      const next = new ElasticsearchIndex(config);
      await next.applyEffects(effects(2, 3, 5));
      await next.applyEffects(effects(5, 6, 12));
      await next.applyEffects(effects(12, 13, 14));
      await next.close();
      const docs = await documentsIn(client, alias);
      assert.equal(docs.length, 15, 'every play once');
      const firstIndex = `${alias}-000001`;
      const where = (from: number, to: number) => docs.filter((d) => Number(d.source.log_offset) >= from && Number(d.source.log_offset) <= to).map((d) => d.index);
      assert.deepEqual(where(0, 12), Array(13).fill(firstIndex), 'the reserved range stays where it was written');
      assert.deepEqual(where(13, 14), Array(2).fill(`${alias}-000002`), 'later batches go to the new write index');
      assert.equal((await crashing.totals({})).plays, 15);
    } finally {
      await crashing.close();
    }
  });

  it('keeps interests and ad decisions once, across retries and a rollover', SERVER_TEST, async () => {
    const config = freshConfig();
    const index = new ElasticsearchIndex(config);
    try {
      const decisions = {
        interests: [{ customerId: 1, trackId: 10, detectedAt: T0 + 25 * 60_000, windowStart: T0 }],
        adDecisions: [{ customerId: 1, day: '2014-10-20', eventId: 7, at: T0 }],
      };
      await index.recordDecisions(decisions);
      await index.recordDecisions(decisions);
      await index.rollover(true);
      await index.recordDecisions(decisions);
      const interests = await documentsIn(client, aliasOf(config.prefix, 'interests'));
      assert.deepEqual(interests.map((d) => [d.id, d.source]), [['1:10', { detected_at: T0 + 25 * 60_000, window_start: T0, customer_id: 1, track_id: 10 }]]);
      const ads = await documentsIn(client, aliasOf(config.prefix, 'ad-decisions'));
      assert.deepEqual(ads.map((d) => [d.id, d.source]), [['1:2014-10-20', { decided_at: T0, day: '2014-10-20', customer_id: 1, event_id: 7 }]]);
    } finally {
      await index.close();
    }
  });

  it('documents carry ids, not names or addresses, unless asked', SERVER_TEST, async () => {
    for (const [env, named] of [[{}, false], [{ MUSICFLOW_INDEX_NAMES: '1' }, true]] as const) {
      const config = freshConfig(env);
      const index = new ElasticsearchIndex(config);
      try {
        await index.applyEffects(effects(-1, 0, 0));
        const [doc] = await documentsIn(client, aliasOf(config.prefix, 'plays'));
        assert.equal(doc.id, 'plays:0:0');
        assert.equal(doc.source.customer_id, 1);
        assert.equal(doc.source.customer_name, named ? 'Ann Example' : undefined);
        assert.equal(doc.source.customer_address, named ? '1 Main St' : undefined);
        assert.deepEqual(doc.source.location, { lat: 40.7484, lon: -73.9967 });
        assert.equal(doc.source.state, 'NY');
        assert.equal(doc.source.age_derived, true);
      } finally {
        await index.close();
      }
    }
  });

  it('es setup is safe to run twice and leaves every field mapped as declared', SERVER_TEST, async () => {
    const config = freshConfig();
    const env = { MUSICFLOW_ELASTICSEARCH_URL: url!, MUSICFLOW_ELASTICSEARCH_PREFIX: config.prefix, MUSICFLOW_ELASTICSEARCH_REPLICAS: '0' };
    const first = musicflow(env, 'es', 'setup', '--json');
    assert.equal(first.code, 0, first.stderr);
    const second = musicflow(env, 'es', 'setup', '--json');
    assert.equal(second.code, 0, second.stderr);
    const steps = (r: typeof first) => (JSON.parse(r.stdout) as { steps: Array<{ alias: string; created: boolean; template: string | null }> }).steps;
    assert.deepEqual(steps(first).map((s) => s.created), [true, true, true, true]);
    assert.deepEqual(steps(second).map((s) => [s.created, s.template]), [[false, 'updated'], [false, 'updated'], [false, 'updated'], [false, null]]);
    for (const [kind, mapping] of Object.entries(MAPPINGS)) {
      const answer = await client.indices.getMapping({ index: aliasOf(config.prefix, kind as keyof typeof MAPPINGS) });
      const properties = Object.values(answer)[0].mappings.properties ?? {};
      assert.deepEqual(Object.fromEntries(Object.entries(properties).map(([k, v]) => [k, v.type])), Object.fromEntries(Object.entries(mapping).map(([k, v]) => [k, v.type])), kind);
    }
    const rolled = musicflow(env, 'es', 'rollover', '--json');
    assert.equal(rolled.code, 0, rolled.stderr);
    assert.ok((JSON.parse(rolled.stdout) as { results: Array<{ rolledOver: boolean }> }).results.every((r) => !r.rolledOver), 'young indices are kept');
  });

  it('says which env vars to set when the node refuses the credentials', SERVER_TEST, async () => {
    const index = new ElasticsearchIndex(freshConfig());
    const connection = (index as unknown as { es: { explained(err: unknown): unknown } }).es;
    const { errors } = await import('@elastic/elasticsearch');
    const refused = new errors.ResponseError({ statusCode: 401, body: { error: { type: 'security_exception', reason: 'missing authentication' } }, headers: {}, warnings: null, meta: {} as never });
    const explained = connection.explained(refused) as Error;
    assert.ok(explained instanceof MusicflowError);
    assert.match(explained.message, /MUSICFLOW_ELASTICSEARCH_API_KEY, or MUSICFLOW_ELASTICSEARCH_USERNAME and MUSICFLOW_ELASTICSEARCH_PASSWORD/);
    await index.close();
  });

  it('closes its client', SERVER_TEST, async () => {
    await client.close();
  });
});
