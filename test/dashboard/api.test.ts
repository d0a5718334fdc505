// The dashboard's HTTP API, endpoint by endpoint, on the embedded backends with the small fixture
// processed by the real stream: answers must agree with the fixture and with the index.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { request } from 'node:http';
import { startDashboard, type RunningDashboard } from '../../src/lib/dashboard/server.js';
import { LEVEL_NAMES } from '../../src/lib/records.js';
import { T0 } from '../support/fixtures.js';
import { MARKUP_CUSTOMER, appendPlays, loadedBackends, markupCustomerPlays, showServerError, type Loaded } from './setup.js';

let loaded: Loaded;
let dashboard: RunningDashboard;

async function get(path: string, init: RequestInit = {}): Promise<Response> {
  return fetch(new URL(path, dashboard.url), init);
}

async function json<T = Record<string, unknown>>(path: string): Promise<T> {
  const res = await get(path);
  assert.equal(res.status, 200, `${path}: ${res.status} ${await res.clone().text()}`);
  assert.match(res.headers.get('content-type') ?? '', /^application\/json/);
  return res.json() as Promise<T>;
}

interface Row { value: string; plays: number; mobilePlays: number }

describe('dashboard API', { concurrency: false }, () => {
  before(async () => {
    loaded = await loadedBackends();
    dashboard = await startDashboard(loaded.backends, { port: 0, host: '127.0.0.1', onError: showServerError });
  });
  after(async () => {
    await dashboard?.close();
    await loaded?.backends.close();
  });

  const goodEvents = () => loaded.fx.goodEvents;
  // Fixture customers' levels (cust.csv): 1 Free, 2 Silver, 3 Gold, 4 Free; 9 is unknown.
  const LEVEL_OF: Record<number, number> = { 1: 0, 2: 1, 3: 2, 4: 0 };

  it('GET /api/overview: plays and mobile share, as the index counts them', async () => {
    const all = await json<{ plays: number; mobilePlays: number; pcPlays: number; mobileShare: number }>('/api/overview');
    const mobile = goodEvents().filter((e) => e.mobile).length;
    assert.equal(all.plays, goodEvents().length);
    assert.equal(all.mobilePlays, mobile);
    assert.equal(all.pcPlays, goodEvents().length - mobile);
    assert.equal(all.mobileShare, mobile / goodEvents().length);
    const totals = await loaded.backends.index.totals({});
    assert.equal(all.mobileShare, totals.mobilePlays / totals.plays);
  });

  it('GET /api/overview filters by device, level, state and time range', async () => {
    assert.equal((await json<Row>('/api/overview?device=mobile')).plays, goodEvents().filter((e) => e.mobile).length);
    assert.equal((await json<Row>('/api/overview?device=pc')).plays, goodEvents().filter((e) => !e.mobile).length);
    assert.equal((await json<Row>('/api/overview?level=Free')).plays, goodEvents().filter((e) => LEVEL_OF[e.customerId] === 0).length);
    assert.equal((await json<Row>(`/api/overview?level=${LEVEL_NAMES.indexOf('Gold')}`)).plays, 1);
    assert.equal((await json<Row>('/api/overview?state=ca')).plays, goodEvents().filter((e) => e.zip === '94103').length);
    // Ranges end with the newest play's minute (T0 + 12 h): the last hour starts 59 minutes before it.
    const newestMinute = Math.max(...goodEvents().map((e) => e.time));
    assert.equal((await json<Row>('/api/overview?range=1h')).plays, goodEvents().filter((e) => e.time >= newestMinute + 60_000 - 3_600_000).length);
    assert.equal((await json<Row>(`/api/overview?from=${T0 + 30 * 60_000}`)).plays, goodEvents().filter((e) => e.time >= T0 + 30 * 60_000).length);
  });

  it('rejects bad filters with 400 naming the parameter', async () => {
    for (const [path, word] of [['/api/overview?range=2y', 'range'], ['/api/overview?device=tablet', 'device'], ['/api/overview?level=Platinum', 'level'],
      ['/api/overview?state=California', 'state'], ['/api/overview?from=soon', 'from'], ['/api/series?grain=week', 'grain'],
      ['/api/breakdown/track?limit=5000', 'limit'], [`/api/overview?from=${T0 + 1}&to=${T0}`, 'before']]) {
      const res = await get(path);
      assert.equal(res.status, 400, path);
      assert.match(((await res.json()) as { error: string }).error, new RegExp(word), path);
    }
  });

  it('GET /api/series: plays per hour (auto) or minute add up to the total, mobile included', async () => {
    const auto = await json<{ grain: string; points: Array<{ bucket: number; plays: number; mobilePlays: number }> }>('/api/series');
    assert.equal(auto.grain, 'hour', 'the fixture spans 12 hours');
    assert.equal(auto.points.reduce((s, p) => s + p.plays, 0), goodEvents().length);
    assert.equal(auto.points.reduce((s, p) => s + p.mobilePlays, 0), goodEvents().filter((e) => e.mobile).length);
    const minute = await json<{ grain: string; points: Array<{ bucket: number; plays: number }> }>('/api/series?grain=minute&device=mobile');
    assert.equal(minute.grain, 'minute');
    assert.deepEqual(minute.points.filter((p) => p.plays > 0).map((p) => p.bucket),
      [...new Set(goodEvents().filter((e) => e.mobile).map((e) => Math.floor(e.time / 60_000) * 60_000))].sort((a, b) => a - b));
    assert.ok(minute.points.every((p, i) => i === 0 || p.bucket - minute.points[i - 1].bucket === 60_000), 'empty minutes are sent as zeros, not skipped');
  });

  it('GET /api/hours: 24 hours of the day (UTC)', async () => {
    const { hours } = await json<{ hours: Array<{ hour: number; plays: number }> }>('/api/hours');
    assert.equal(hours.length, 24);
    const expected = Array.from({ length: 24 }, (_, h) => goodEvents().filter((e) => new Date(e.time).getUTCHours() === h).length);
    assert.deepEqual(hours.map((h) => h.plays), expected);
  });

  it('GET /api/breakdown/<dim>: the index\'s rows, categories in a fixed order', async () => {
    for (const dim of ['gender', 'age_band', 'level', 'campaign', 'state', 'track', 'artist', 'zip'] as const) {
      const answer = await json<{ rows: Row[] }>(`/api/breakdown/${dim}`);
      assert.equal(answer.rows.reduce((s, r) => s + r.plays, 0), goodEvents().length, dim);
      const fromIndex = await loaded.backends.index.breakdown({}, dim, 100);
      for (const row of fromIndex) {
        const shown = answer.rows.find((r) => r.value === row.value);
        assert.deepEqual(shown && { value: shown.value, plays: shown.plays, mobilePlays: shown.mobilePlays }, row, `${dim} ${row.value}`);
      }
    }
    const levels = await json<{ rows: Row[] }>('/api/breakdown/level');
    assert.deepEqual(levels.rows.slice(0, 3).map((r) => r.value), ['Free', 'Silver', 'Gold']);
    const genders = await json<{ rows: Row[] }>('/api/breakdown/gender?device=mobile');
    assert.deepEqual(genders.rows.slice(0, 2).map((r) => r.value), ['female', 'male']);
  });

  it('GET /api/breakdown/track names tracks from the store; zip places them on the map', async () => {
    const tracks = await json<{ rows: Array<Row & { title: string | null; artist: string | null }> }>('/api/breakdown/track');
    assert.deepEqual(tracks.rows.slice(0, 2).map((r) => [r.value, r.plays, r.title, r.artist]), [
      ['11', 4, 'Hold On Loosely', '.38 Special'],
      ['10', 3, 'Caught Up In You', '.38 Special'],
    ]);
    const zips = await json<{ rows: Array<Row & { city: string | null; state: string | null; point: [number, number] | null }> }>('/api/breakdown/zip');
    const ny = zips.rows.find((r) => r.value === '10001')!;
    assert.equal(ny.state, 'NY');
    assert.ok(ny.point && ny.point[0] > 800 && ny.point[0] < 975 && ny.point[1] > 0 && ny.point[1] < 610, `New York lies east on the 975x610 map: ${ny.point}`);
    const sf = zips.rows.find((r) => r.value === '94103')!;
    assert.ok(sf.point && sf.point[0] < 150, `San Francisco lies west: ${sf.point}`);
    assert.equal(zips.rows.find((r) => r.value === '99999')?.point, null, 'an unknown zip has no point');
  });

  it('GET /api/breakdown/age_band says whether ages are derived', async () => {
    const age = await json<{ ages: { derived: number; fromFile: number } }>('/api/breakdown/age_band');
    assert.ok(age.ages.derived > 0, 'the fixture\'s customer file has no ages');
  });

  it('GET /api/breakdown/<unknown> is 404', async () => {
    assert.equal((await get('/api/breakdown/shoe_size')).status, 404);
  });

  it('GET /api/states/<code>/customers: who listens there, with names', async () => {
    const ca = await json<{ state: string; customers: Array<{ customerId: number; name: string; plays: number }> }>('/api/states/CA/customers');
    assert.equal(ca.state, 'CA');
    assert.deepEqual(ca.customers, [{ customerId: 2, name: 'Bob Brown', plays: 3 }]);
    const mobileOnly = await json<{ customers: Array<{ plays: number }> }>('/api/states/CA/customers?device=pc');
    assert.deepEqual(mobileOnly.customers.map((c) => c.plays), [1]);
    assert.equal((await get('/api/states/Calif/customers')).status, 400);
  });

  it('GET /api/customers/<id>: profile, recent plays, interests, prediction, target status', async () => {
    const c = await json<{
      customer: { name: string; level: string; ageSource: string }; profile: { plays: number };
      recentPlays: Array<{ time: number; title: string }>; interests: Array<{ trackId: number; title: string }>;
      prediction: unknown; targeted: boolean; adDecisions: unknown[];
    }>('/api/customers/1');
    assert.equal(c.customer.name, 'Ann <b>Bold</b>', 'names are data: sent as they are, escaped by the page');
    assert.equal(c.customer.level, 'Free');
    assert.equal(c.customer.ageSource, 'derived');
    const plays = goodEvents().filter((e) => e.customerId === 1);
    assert.equal(c.profile.plays, plays.length);
    assert.deepEqual(c.recentPlays.map((p) => p.time), plays.map((p) => p.time).sort((a, b) => b - a));
    assert.deepEqual(c.interests.map((i) => [i.trackId, i.title]), [[10, 'Caught Up In You']]);
    assert.equal(c.prediction, null);
    assert.equal(c.targeted, false);
    assert.deepEqual(c.adDecisions, []);
    assert.equal((await get('/api/customers/424242')).status, 404);
    assert.equal((await get('/api/customers/abc')).status, 400);
    const unknown = await json<{ customer: null; recentPlays: unknown[] }>('/api/customers/9');
    assert.equal(unknown.customer, null, 'a customer with plays but no record still answers');
    assert.equal(unknown.recentPlays.length, 1);
  });

  it('GET /api/interests: newest interests with names and titles', async () => {
    const { interests } = await json<{ interests: Array<{ customerId: number; trackId: number; name: string; title: string; detectedAt: number }> }>('/api/interests');
    assert.deepEqual(interests.map((i) => [i.customerId, i.trackId, i.name, i.title, i.detectedAt]), [[1, 10, 'Ann <b>Bold</b>', 'Caught Up In You', T0 + 25 * 60_000]]);
  });

  it('GET /api/pipeline: counters, lag, dead letters, and the model once one is deployed', async () => {
    const before = await json<{ backend: string; lag: number; deadLetters: number; counts: { eventsProcessed: number }; model: unknown }>('/api/pipeline');
    assert.equal(before.backend, 'embedded');
    assert.equal(before.counts.eventsProcessed, goodEvents().length);
    assert.equal(before.deadLetters, loaded.fx.badLines);
    assert.equal(before.lag, 0);
    assert.equal(before.model, null);
    const model = await loaded.backends.store.saveModel({ metrics: { error: 0.0091, baselineError: 0.052, auc: 0.97 }, gate: { threshold: 0.1, passed: true } });
    await loaded.backends.store.deployModel(model.version, [], []);
    const after = await json<{ model: { version: number; error: number; baselineError: number; threshold: number; deployedAt: number } }>('/api/pipeline');
    assert.equal(after.model.version, model.version);
    assert.equal(after.model.error, 0.0091);
    assert.equal(after.model.baselineError, 0.052);
    assert.equal(after.model.threshold, 0.1);
    assert.equal(typeof after.model.deployedAt, 'number');
  });

  it('GET /metrics: Prometheus text, every name prefixed musicflow_', async () => {
    const res = await get('/metrics');
    assert.equal(res.status, 200);
    assert.match(res.headers.get('content-type') ?? '', /^text\/plain; version=0\.0\.4/);
    const text = await res.text();
    const samples = text.split('\n').filter((l) => l && !l.startsWith('#'));
    for (const line of samples) assert.match(line, /^musicflow_[a-z_]+(\{[a-z_]+="[^"]*"(,[a-z_]+="[^"]*")*\})? -?\d+(\.\d+)?(e[+-]?\d+)?$/, line);
    for (const name of ['events_processed_total', 'consumer_lag', 'dead_letters_total', 'interests_total', 'targeted_customers', 'sms_queued_total']) {
      assert.ok(text.includes(`# TYPE musicflow_${name} `), name);
    }
    assert.match(text, new RegExp(`^musicflow_events_processed_total ${goodEvents().length}$`, 'm'));
    assert.match(text, new RegExp(`^musicflow_dead_letters_total ${loaded.fx.badLines}$`, 'm'));
    assert.match(text, /^musicflow_interests_total 1$/m);
  });

  it('is read-only: other methods get 405 with Allow', async () => {
    for (const method of ['POST', 'PUT', 'DELETE', 'PATCH']) {
      const res = await get('/api/overview', { method });
      assert.equal(res.status, 405, method);
      assert.equal(res.headers.get('allow'), 'GET, HEAD');
    }
    const head = await get('/api/overview', { method: 'HEAD' });
    assert.equal(head.status, 200);
    assert.equal(await head.text(), '');
  });

  it('serves the page and its assets from this machine only, with a strict content policy', async () => {
    const res = await get('/');
    assert.equal(res.status, 200);
    const csp = res.headers.get('content-security-policy') ?? '';
    assert.match(csp, /default-src 'self'/);
    assert.match(csp, /script-src 'self'(;|$)/, 'no inline script, no eval');
    assert.equal(res.headers.get('x-content-type-options'), 'nosniff');
    const html = await res.text();
    assert.doesNotMatch(html, /(src|href)="(https?:)?\/\//, 'nothing loaded from elsewhere');
    const referenced = [...html.matchAll(/(?:src|href)="(\/[^"]+)"/g)].map((m) => m[1]);
    assert.ok(referenced.includes('/vendor/echarts.min.js') && referenced.includes('/assets/app.js'));
    for (const path of [...referenced, '/assets/charts.js', '/assets/dom.js']) {
      const asset = await get(path);
      assert.equal(asset.status, 200, path);
      assert.doesNotMatch(await asset.text(), /\beval\(/, `${path} has no eval`);
    }
    const shapes = await json<{ objects: { states: { geometries: Array<{ properties: { code: string } }> } } }>('/assets/us-states.json');
    const codes = shapes.objects.states.geometries.map((g) => g.properties.code);
    for (const code of ['CA', 'NY', 'TX', 'AK', 'HI', 'DC']) assert.ok(codes.includes(code), code);
    assert.equal((await get('/nope')).status, 404);
  });

  it('answers only to loopback host names when bound to loopback (no DNS rebinding)', async () => {
    const status = await new Promise<number>((resolve, reject) => {
      const url = new URL(dashboard.url);
      request({ host: url.hostname, port: url.port, path: '/api/overview', headers: { Host: 'attacker.example' } }, (res) => {
        res.resume();
        resolve(res.statusCode ?? 0);
      }).on('error', reject).end();
    });
    assert.equal(status, 421);
  });

  it('GET /api/live: server-sent pulses whose version changes when new plays are processed', async () => {
    const controller = new AbortController();
    const res = await get('/api/live', { signal: controller.signal });
    assert.match(res.headers.get('content-type') ?? '', /^text\/event-stream/);
    const reader = res.body!.pipeThrough(new TextDecoderStream()).getReader();
    let buffer = '';
    const nextPulse = async (): Promise<{ version: string; indexed: { plays: number } }> => {
      for (;;) {
        const end = buffer.indexOf('\n\n');
        if (end >= 0) {
          const message = buffer.slice(0, end);
          buffer = buffer.slice(end + 2);
          const data = message.split('\n').find((l) => l.startsWith('data: '));
          if (message.includes('event: pulse') && data) return JSON.parse(data.slice(6));
          continue;
        }
        const { value, done } = await reader.read();
        assert.ok(!done, 'the live stream ended');
        buffer += value;
      }
    };
    try {
      const first = await nextPulse();
      assert.equal(first.indexed.plays, goodEvents().length);
      await appendPlays(loaded.backends, markupCustomerPlays(3));
      let pulse = await nextPulse();
      while (pulse.version === first.version) pulse = await nextPulse(); // pulses keep coming each second
      assert.equal(pulse.indexed.plays, goodEvents().length + 3);
    } finally {
      controller.abort();
      await reader.cancel().catch(() => undefined);
    }
    const withMarkup = await json<{ customers: Array<{ name: string }> }>('/api/states/CA/customers');
    assert.ok(withMarkup.customers.some((c) => c.name === MARKUP_CUSTOMER.name));
  });
});
