// End to end in a real browser: Debian's Chromium, driven by playwright-core, opens the dashboard over the
// generator's data processed by the stream, and checks what a person would see: charts and the map drawn with the index's
// numbers, live updates without a reload, names with markup shown as text, a clean console.
import assert from 'node:assert/strict';
import { existsSync, mkdirSync } from 'node:fs';
import { after, before, describe, it } from 'node:test';
import { chromium, type BrowserContext, type Page } from 'playwright-core';
import { mapPoint } from '../../src/lib/dashboard/assets.js';
import { startDashboard, type RunningDashboard } from '../../src/lib/dashboard/server.js';
import { tempDir } from '../support/fixtures.js';
import { placeOf } from '../../src/lib/geo.js';
import { MARKUP_CUSTOMER, appendPlays, generatedBackends, markupCustomerPlays, showServerError, type Generated } from './setup.js';

const CHROMIUM = '/usr/bin/chromium';
const skip = existsSync(CHROMIUM) ? false : `${CHROMIUM} not found: install Debian's chromium package (apt-get install chromium) to run the browser test`;
const ARTIFACTS = 'test-artifacts';
/** How long a polling wait may take before the test fails (the page updates within ~2 s). */
const WAIT_MS = 20_000;
/** Charts animate changes for 300 ms; screenshots wait that long so they show the settled picture. */
const CHART_ANIMATION_MS = 600;

const pct = (part: number, whole: number) => `${((part / whole) * 100).toFixed(1)}%`;
const int = (n: number) => n.toLocaleString('en-US');

describe('dashboard in headless Chromium', { skip, concurrency: false }, () => {
  let loaded: Generated;
  let dashboard: RunningDashboard;
  let browser: BrowserContext;
  let page: Page;
  const consoleErrors: string[] = [];
  const foreignRequests: string[] = [];
  const dialogs: string[] = [];

  before(async () => {
    loaded = await generatedBackends();
    dashboard = await startDashboard(loaded.backends, { port: 0, host: '127.0.0.1', onError: showServerError });
    browser = await chromium.launchPersistentContext(tempDir('musicflow-chromium-'), {
      executablePath: CHROMIUM,
      headless: true,
      viewport: { width: 1600, height: 1000 },
      args: ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking',
        '--disable-component-update', '--disable-sync'],
    });
    page = await browser.newPage();
    page.on('console', (m) => {
      if (m.type() === 'error') consoleErrors.push(m.text());
    });
    page.on('pageerror', (err) => consoleErrors.push(`page error: ${err.message}`));
    page.on('request', (r) => {
      if (!r.url().startsWith(dashboard.url) && !r.url().startsWith('data:')) foreignRequests.push(r.url());
    });
    page.on('dialog', (d) => {
      dialogs.push(d.message());
      void d.dismiss();
    });
    await page.goto(dashboard.url);
  });

  after(async () => {
    await browser?.close();
    await dashboard?.close();
    await loaded?.backends.close();
  });

  /** Sum of every number a chart draws in series `seriesIndex` (the y of [x, y] pairs, the value of objects). */
  const chartTotal = (id: string, seriesIndex: number | 'all' = 'all') => page.evaluate(([chartId, which]) => {
    const charts = (window as unknown as { echarts: { getInstanceByDom(el: Element): { getOption(): { series: Array<{ data: unknown[] }> } } | undefined } }).echarts;
    const chart = charts.getInstanceByDom(document.getElementById(chartId as string)!);
    if (!chart) return -1;
    const series = chart.getOption().series.filter((_, i) => which === 'all' || i === which);
    const raw = (d: unknown) => (Array.isArray(d) ? Number(d[1]) : typeof d === 'object' && d !== null ? Number((d as { value: unknown }).value) : Number(d));
    // The map series lists every region; those without plays carry NaN.
    const valueOf = (d: unknown) => (Number.isFinite(raw(d)) ? raw(d) : 0);
    return series.reduce((sum, s) => sum + s.data.reduce((inner: number, d) => inner + valueOf(d), 0), 0);
  }, [id, seriesIndex] as const);

  it('shows the plays and the mobile share the index holds', async () => {
    const totals = await loaded.backends.index.totals({});
    await page.waitForFunction((expected) => document.getElementById('kpi-plays')?.textContent === expected, int(totals.plays), { timeout: WAIT_MS });
    assert.equal(await page.textContent('#kpi-mobile-share'), pct(totals.mobilePlays, totals.plays));
    assert.equal(await page.isHidden('#empty'), true, 'the empty state is gone once plays exist');
  });

  it('shows the counters `musicflow stream --json` reported', async () => {
    const { stream } = loaded;
    await page.waitForFunction((expected) => document.getElementById('kpi-interests')?.textContent === expected, int(stream.interests), { timeout: WAIT_MS });
    assert.equal(await page.textContent('#kpi-lag'), int(stream.lag));
    assert.equal(await page.textContent('#kpi-targeted'), int(stream.targeted_customers));
    assert.equal(await page.textContent('#kpi-ads'), int(stream.ad_decisions));
    assert.equal(await page.textContent('#kpi-sms'), int(stream.sms_queued));
    const facts = await page.$$eval('#facts-health dt, #facts-health dd', (cells) => cells.map((c) => c.textContent));
    assert.equal(facts[facts.indexOf('Events processed') + 1], int(stream.events_processed));
  });

  it('draws every chart with data that agree with the index', async () => {
    const totals = await loaded.backends.index.totals({});
    assert.equal(await chartTotal('chart-series'), totals.plays, 'plays over time: mobile + PC');
    assert.equal(await chartTotal('chart-series', 0), totals.mobilePlays, 'plays over time: the mobile series');
    assert.equal(await chartTotal('chart-hours'), totals.plays, 'hour of day');
    assert.equal(await chartTotal('chart-mobile'), totals.plays, 'mobile share donut');
    for (const id of ['chart-gender', 'chart-age', 'chart-level', 'chart-campaign']) assert.equal(await chartTotal(id), totals.plays, id);
    const tracks = await loaded.backends.index.breakdown({}, 'track', 10);
    assert.equal(await chartTotal('chart-tracks'), tracks.reduce((s, r) => s + r.plays, 0), 'top tracks');
    const artists = await loaded.backends.index.breakdown({}, 'artist', 10);
    assert.equal(await chartTotal('chart-artists'), artists.reduce((s, r) => s + r.plays, 0), 'top artists');
    const topTitle = (await loaded.backends.store.getTracks([Number(tracks[0].value)])).get(Number(tracks[0].value))!.title;
    const trackLabels = await page.evaluate(() => {
      const chart = (window as unknown as { echarts: { getInstanceByDom(el: Element): { getOption(): { yAxis: Array<{ data: string[] }> } } } })
        .echarts.getInstanceByDom(document.getElementById('chart-tracks')!);
      return chart.getOption().yAxis[0].data;
    });
    assert.ok(trackLabels.includes(topTitle), `track titles from the store: ${topTitle} in ${trackLabels}`);
  });

  it('draws the US map: states shaded by plays, top zips as points', async () => {
    const states = (await loaded.backends.index.breakdown({}, 'state', 100)).filter((r) => r.value !== 'unknown');
    assert.equal(await chartTotal('chart-map', 0), states.reduce((s, r) => s + r.plays, 0), 'choropleth: plays of known states');
    const drawn = await page.evaluate(() => {
      const w = window as unknown as { echarts: { getMap(name: string): { geoJSON: { features: unknown[] } } | undefined } };
      const canvas = document.querySelector<HTMLCanvasElement>('#chart-map canvas');
      return { regions: w.echarts.getMap('usa')?.geoJSON.features.length ?? 0, width: canvas?.width ?? 0 };
    });
    assert.ok(drawn.regions >= 51, `50 states and DC: ${drawn.regions}`);
    assert.ok(drawn.width > 0, 'the map canvas is drawn');
    const points = await page.evaluate(() => {
      const chart = (window as unknown as { echarts: { getInstanceByDom(el: Element): { getOption(): { series: Array<{ data: unknown[] }> } } } })
        .echarts.getInstanceByDom(document.getElementById('chart-map')!);
      return chart.getOption().series[1].data.length;
    });
    const zips = await loaded.backends.index.breakdown({}, 'zip', 25);
    const placed = zips.filter((z) => { const p = placeOf(z.value); return p !== null && mapPoint(p.lon, p.lat) !== null; });
    assert.ok(placed.length > 0);
    assert.equal(points, placed.length, 'every top zip with a place is a point');
    assert.ok(await page.locator('#table-zips tbody tr').count() > 0);
  });

  it('saves a screenshot of the loaded page', async () => {
    mkdirSync(ARTIFACTS, { recursive: true });
    await page.evaluate(() => window.scrollTo(0, 0));
    await page.waitForTimeout(CHART_ANIMATION_MS); // a picture, not an assertion: let the charts finish moving
    await page.screenshot({ path: `${ARTIFACTS}/dashboard.png`, fullPage: true });
    assert.ok(existsSync(`${ARTIFACTS}/dashboard.png`));
  });

  it('moves when new plays are processed, without a reload', async () => {
    const before = await loaded.backends.index.totals({});
    const interestsBefore = (await loaded.backends.store.counts()).interests;
    // Four plays of one track within minutes, after the generated days: the newest plays and a new interest.
    await appendPlays(loaded.backends, markupCustomerPlays(4, loaded.markupId, 1, loaded.end + 3_600_000));
    const after = await loaded.backends.index.totals({});
    assert.equal(after.plays, before.plays + 4);
    await page.waitForFunction((expected) => document.getElementById('kpi-plays')?.textContent === expected, int(after.plays), { timeout: WAIT_MS });
    assert.equal(await page.textContent('#kpi-mobile-share'), pct(after.mobilePlays, after.plays));
    await page.waitForFunction((expected) => document.getElementById('kpi-interests')?.textContent === expected, int(interestsBefore + 1), { timeout: WAIT_MS });
  });

  it('shows names with markup as text, never as markup', async () => {
    // The markup customer's 4 plays of one track within minutes made an interest: the feed names them.
    await page.waitForFunction((name) => [...document.querySelectorAll('#table-interests td')].some((td) => td.textContent === name), MARKUP_CUSTOMER.name, { timeout: WAIT_MS });
    await page.fill('#lookup-id', String(loaded.markupId));
    await page.click('#lookup-form button[type=submit]');
    await page.waitForFunction((expected) => document.getElementById('c-name')?.textContent === expected, `${MARKUP_CUSTOMER.name} (#${loaded.markupId})`, { timeout: WAIT_MS });
    assert.equal(await page.locator('img').count(), 0, 'no <img> element was made from a name');
    assert.equal(await page.evaluate(() => (window as unknown as { __pwned?: number }).__pwned), undefined);
    assert.deepEqual(dialogs, []);
    assert.equal(await page.locator('#c-plays tbody tr').count(), 4, 'the customer\'s recent plays');
    const title = (await loaded.backends.store.getTracks([1])).get(1)!.title;
    assert.ok((await page.textContent('#c-interests'))?.includes(title), 'the interest, by title');
  });

  it('filters by the state clicked on the map and lists who listens there', async () => {
    // A point inside California (Fresno), away from the San Francisco zip's marker.
    const [x, y] = mapPoint(-119.79, 36.74)!;
    const pixel = await page.evaluate(async ([px, py]) => {
      const el = document.getElementById('chart-map')!;
      // Instant, so it also ends the smooth scroll the customer lookup started: a page still scrolling moves the
      // map away from the point measured here before the click lands.
      el.scrollIntoView({ block: 'center', behavior: 'instant' });
      await new Promise((done) => requestAnimationFrame(() => requestAnimationFrame(done)));
      const chart = (window as unknown as { echarts: { getInstanceByDom(e: Element): { convertToPixel(finder: object, value: number[]): number[] } } })
        .echarts.getInstanceByDom(el);
      const [cx, cy] = chart.convertToPixel({ geoIndex: 0 }, [px, py]);
      const box = el.getBoundingClientRect();
      return [box.left + cx, box.top + cy];
    }, [x, y]);
    await page.mouse.click(pixel[0], pixel[1]);
    await page.waitForFunction(() => document.getElementById('f-state')?.textContent === 'California (CA)', undefined, { timeout: WAIT_MS });
    const ca = await loaded.backends.index.totals({ state: 'CA' });
    await page.waitForFunction((expected) => document.getElementById('kpi-plays')?.textContent === expected, int(ca.plays), { timeout: WAIT_MS });
    const listeners = await loaded.backends.index.customersInState('CA', {}, 20);
    const customers = await loaded.backends.store.getCustomers(listeners.map((l) => l.customerId));
    const expectedNames = listeners.map((l) => customers.get(l.customerId)?.name ?? 'unknown customer');
    await page.waitForFunction((n) => document.querySelectorAll('#table-state-customers tbody tr').length === n, listeners.length, { timeout: WAIT_MS });
    const names = await page.$$eval('#table-state-customers tbody tr td:nth-child(2)', (cells) => cells.map((c) => c.textContent));
    assert.deepEqual(names, expectedNames, 'who listens in California, most plays first');
    await page.evaluate(() => window.scrollTo(0, 0));
    await page.waitForTimeout(CHART_ANIMATION_MS);
    await page.screenshot({ path: `${ARTIFACTS}/dashboard-state.png`, fullPage: true });
  });

  it('loaded nothing from outside this server and logged no errors', () => {
    assert.deepEqual(foreignRequests, []);
    assert.deepEqual(consoleErrors, []);
  });
});
