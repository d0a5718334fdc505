// The offer API on the embedded default, against a store with a deployed model: what it answers, what it
// records (one decision and one SMS a customer a day, however many calls, servers or restarts), and who may call.
import assert from 'node:assert/strict';
import { request } from 'node:http';
import { after, before, describe, it } from 'node:test';
import { startAdsServer, type OfferResponse, type RunningAdsServer } from '../../src/lib/ads/server.js';
import type { Backends } from '../../src/lib/app/backends.js';
import { checkOffer } from '../../src/lib/model/offer.js';
import { trainAndDeploy } from '../../src/lib/app/train.js';
import { backendsWithListeners, closeOpened } from '../model/fixtures.js';

const TOKEN = 'test-token-0123456789';
const NOW = Date.UTC(2026, 11, 3, 9, 30);

interface Answer { status: number; headers: Record<string, string | string[] | undefined>; body: string }

function get(url: string, path: string, headers: Record<string, string> = { authorization: `Bearer ${TOKEN}` }): Promise<Answer> {
  return new Promise((resolve, reject) => {
    const req = request(new URL(path, url), { headers }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (chunk) => { body += chunk; });
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body }));
    });
    req.on('error', reject);
    req.end();
  });
}

const offerOf = async (url: string, id: number) => {
  const answer = await get(url, `/offers/${id}`);
  assert.equal(answer.status, 200, answer.body);
  return JSON.parse(answer.body) as OfferResponse;
};

describe('ads serve', () => {
  let backends: Backends;
  let server: RunningAdsServer;
  let clock = NOW;
  let targeted: number[];
  let others: number[];
  /** The targeted customers the first test asks about (the last one is kept for the second). */
  let firstAsked: number[];

  before(async () => {
    ({ backends } = await backendsWithListeners(600, 3));
    const report = await trainAndDeploy(backends.store, { threshold: 0.5, trainShare: 0.7, seed: 1, windowMs: null });
    assert.ok(report.targeted_customers > 5, `the model targets some listeners: ${report.reason}`);
    const ids = Array.from({ length: 600 }, (_, i) => i + 1);
    const flags = await Promise.all(ids.map((id) => backends.store.isTargeted(id)));
    targeted = ids.filter((_, i) => flags[i]);
    others = ids.filter((_, i) => !flags[i]);
    firstAsked = targeted.slice(0, Math.min(40, targeted.length - 1));
    server = await startAdsServer(backends.store, { port: 0, host: '127.0.0.1', token: TOKEN, now: () => clock, onError: (err) => { throw err; } });
  });

  after(async () => {
    await server?.close();
    await closeOpened();
  });

  it('answers what `ads check` answers, under concurrent requests', async () => {
    const ids = [...firstAsked, ...others.slice(0, 60), 999_999];
    const answers = await Promise.all(ids.map((id) => offerOf(server.url, id)));
    for (const [i, id] of ids.entries()) {
      const check = await checkOffer(backends.store, id);
      assert.deepEqual(
        [answers[i].customer_id, answers[i].offer !== null, answers[i].reason, answers[i].probability, answers[i].model_version],
        [id, check.show_offer, check.reason, check.probability, check.model_version], `customer ${id}`);
    }
    const shown = answers.find((a) => a.offer !== null)!;
    assert.deepEqual(shown.offer, { ad: 'ADV_REDUCED_1DAY', text: shown.offer!.text, valid_until: '2026-12-04T00:00:00.000Z' });
    assert.equal(answers.at(-1)!.reason, 'unknown_customer');
  });

  it('records one ad decision and one SMS a customer a day, however many calls, servers or days', async () => {
    const customer = targeted[targeted.length - 1];
    const before = await backends.store.counts();
    await Promise.all(Array.from({ length: 50 }, () => offerOf(server.url, customer)));
    // A second server (another instance, or this one restarted) remembers nothing of the first: the store decides.
    const second = await startAdsServer(backends.store, { port: 0, host: '127.0.0.1', token: TOKEN, now: () => clock, onError: (err) => { throw err; } });
    try {
      await Promise.all(Array.from({ length: 20 }, () => offerOf(second.url, customer)));
    } finally {
      await second.close();
    }
    assert.deepEqual((await backends.store.adDecisionsOf(customer)).map((d) => d.day), ['2026-12-03']);
    const mid = await backends.store.counts();
    assert.deepEqual([mid.adDecisions - before.adDecisions, mid.smsQueued - before.smsQueued], [1, 1]);
    clock = NOW + 86_400_000;
    await offerOf(server.url, customer);
    assert.deepEqual((await backends.store.adDecisionsOf(customer)).map((d) => d.day), ['2026-12-03', '2026-12-04']);
    clock = NOW;
    // Nobody else was decided for by the calls about someone who is not targeted.
    await offerOf(server.url, others[0]);
    assert.deepEqual(await backends.store.adDecisionsOf(others[0]), []);
  });

  it('needs the bearer token, except for /health', async () => {
    for (const headers of [{}, { authorization: `Bearer ${TOKEN}x` }, { authorization: TOKEN }] as Array<Record<string, string>>) {
      const answer = await get(server.url, `/offers/${targeted[0]}`, headers);
      assert.equal(answer.status, 401);
      assert.equal(answer.headers['www-authenticate'], 'Bearer');
    }
    const health = await get(server.url, '/health', {});
    assert.equal(health.status, 200);
    assert.equal(JSON.parse(health.body).ok, true);
  });

  it('refuses a foreign Host header, other methods and other paths', async () => {
    assert.equal((await get(server.url, `/offers/${targeted[0]}`, { authorization: `Bearer ${TOKEN}`, host: 'evil.example' })).status, 421);
    assert.equal((await get(server.url, '/offers/abc')).status, 404);
    assert.equal((await get(server.url, '/offers/')).status, 404);
  });

  it('reports requests, offers shown and decisions recorded at /metrics', async () => {
    const metrics = await get(server.url, '/metrics');
    assert.equal(metrics.status, 200);
    assert.match(String(metrics.headers['content-type']), /^text\/plain; version=0.0.4/);
    const value = (name: string) => Number(new RegExp(`^${name} (\\S+)$`, 'm').exec(metrics.body)?.[1]);
    // This server's calls: the first test's, 50 about one customer on one day, one the next day (20 went to the second server).
    assert.equal(value('musicflow_ads_offers_shown_total'), firstAsked.length + 50 + 1);
    assert.equal(value('musicflow_ads_decisions_recorded_total'), firstAsked.length + 1 + 1);
    assert.match(metrics.body, /^musicflow_ads_requests_total\{status="401"\} 3$/m);
    assert.match(metrics.body, /^musicflow_ads_offer_latency_ms\{quantile="p99"\} \d+$/m);
  });
});
