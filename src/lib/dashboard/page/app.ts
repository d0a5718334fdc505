// The dashboard page: reads the JSON API with the chosen filters, draws the panels, and listens to the
// server's live pulse (server-sent events) to redraw whenever new plays have been processed.
import type * as Echarts from 'echarts';
import type {
  BreakdownResponse, BreakdownRow as Row, CustomerResponse, ErrorResponse, HoursResponse, InterestsResponse, LiveMessage, OverviewResponse,
  PipelineResponse, SeriesResponse, StateCustomersResponse, TrackRow,
} from '../responses.js';
import { COLORS, categoryOption, donutOption, mapOption, rateOption, seriesOption, topOption } from './charts.js';
import { byId, el, fillFacts, fmtInt, fmtPct, fmtTime, setText } from './dom.js';

declare const echarts: typeof Echarts;
declare const topojson: {
  feature(topology: unknown, object: unknown): { type: 'FeatureCollection'; features: Array<{ properties: { name: string; code: string } }> };
};

// ------------------------------------------------------------------ API (the answers' shapes: ../responses.ts)

class ApiError extends Error {}

async function getJson<T>(path: string): Promise<T> {
  const res = await fetch(path, { headers: { Accept: 'application/json' } });
  const body = await res.json() as T & Partial<ErrorResponse>;
  if (!res.ok) throw new ApiError(body.error ?? `${path}: HTTP ${res.status}`);
  return body;
}

// ------------------------------------------------------------------ filters

const filter = { range: 'all', device: 'all', level: 'all', grain: 'auto', state: '' };

function query(): string {
  const params = new URLSearchParams();
  for (const [k, v] of Object.entries(filter)) if (v !== '' && v !== 'all' && v !== 'auto') params.set(k, v);
  const s = params.toString();
  return s ? `?${s}` : '';
}

const stateNames = new Map<string, string>();

function setState(code: string): void {
  filter.state = filter.state === code ? '' : code;
  const chip = byId('f-state');
  chip.textContent = filter.state ? `${stateNames.get(filter.state) ?? filter.state} (${filter.state})` : 'all states';
  chip.classList.toggle('set', filter.state !== '');
  byId('f-state-clear').hidden = filter.state === '';
  byId('state-title').textContent = filter.state ? stateNames.get(filter.state) ?? filter.state : 'a state';
  void requestRefresh();
}

// ------------------------------------------------------------------ charts

const charts = new Map<string, Echarts.ECharts>();

function chart(id: string): Echarts.ECharts {
  let c = charts.get(id);
  if (!c) {
    c = echarts.init(byId(id), undefined, { renderer: 'canvas' });
    charts.set(id, c);
  }
  return c;
}

/** Marks a panel empty (with the reason shown over its chart) or not. */
function emptyPanel(panel: string, empty: boolean, reason = 'waiting for plays'): void {
  const card = document.querySelector<HTMLElement>(`[data-panel="${panel}"]`);
  if (!card) return;
  card.classList.toggle('is-empty', empty);
  card.querySelector<HTMLElement>('.chart')?.setAttribute('data-empty', reason);
}

const CAMPAIGN_LABELS: Record<string, string> = {
  NONE: 'none', '30DAYFREE': '30 days free', SUPERBOWL: 'Super Bowl', RETAILSTORE: 'retail store', WEBOFFER: 'web offer',
};

const label = {
  gender: (v: string) => v,
  age: (v: string) => v,
  level: (v: string) => v,
  campaign: (v: string) => CAMPAIGN_LABELS[v] ?? v,
};

let mapReady = false;

async function loadMap(): Promise<void> {
  const topology = await getJson<{ objects: { states: unknown } }>('/assets/us-states.json');
  const shapes = topojson.feature(topology, topology.objects.states);
  for (const f of shapes.features) {
    stateNames.set(f.properties.code, f.properties.name);
    f.properties.name = f.properties.code; // regions are named by postal code, as the API names states
  }
  echarts.registerMap('usa', shapes as unknown as Parameters<typeof echarts.registerMap>[1]);
  mapReady = true;
  chart('chart-map').on('click', (params) => {
    const p = params as { componentType?: string; seriesType?: string; name?: string };
    if ((p.componentType === 'geo' || p.seriesType === 'map') && p.name) setState(p.name);
  });
}

// ------------------------------------------------------------------ refresh

let refreshing = false;
let refreshAgain = false;
let lastPipeline: PipelineResponse | null = null;

async function requestRefresh(): Promise<void> {
  if (refreshing) {
    refreshAgain = true;
    return;
  }
  refreshing = true;
  try {
    await refresh();
  } catch (err) {
    showProblem((err as Error).message);
  } finally {
    refreshing = false;
    if (refreshAgain) {
      refreshAgain = false;
      void requestRefresh();
    }
  }
}

async function refresh(): Promise<void> {
  const q = query();
  const [overview, series, hours, gender, age, level, campaign, states, tracks, artists, zips, interests, pipeline] = await Promise.all([
    getJson<OverviewResponse>(`/api/overview${q}`),
    getJson<SeriesResponse>(`/api/series${q}`),
    getJson<HoursResponse>(`/api/hours${q}`),
    getJson<BreakdownResponse<'gender'>>(`/api/breakdown/gender${q}`),
    getJson<BreakdownResponse<'age_band'>>(`/api/breakdown/age_band${q}`),
    getJson<BreakdownResponse<'level'>>(`/api/breakdown/level${q}`),
    getJson<BreakdownResponse<'campaign'>>(`/api/breakdown/campaign${q}`),
    getJson<BreakdownResponse<'state'>>(`/api/breakdown/state${q}`),
    getJson<BreakdownResponse<'track'>>(`/api/breakdown/track${q}`),
    getJson<BreakdownResponse<'artist'>>(`/api/breakdown/artist${q}`),
    getJson<BreakdownResponse<'zip'>>(`/api/breakdown/zip${q}`),
    getJson<InterestsResponse>('/api/interests'),
    getJson<PipelineResponse>('/api/pipeline'),
  ]);
  lastPipeline = pipeline;
  const none = overview.plays === 0;
  const reason = lastPulse && lastPulse.indexed.plays > 0 ? 'no plays match the filters' : 'waiting for plays';

  setText('kpi-plays', fmtInt(overview.plays));
  setText('kpi-plays-sub', overview.first === null ? 'in the selection' : `${fmtTime(overview.first)} – ${fmtTime(overview.last)} UTC`);
  setText('kpi-mobile-share', fmtPct(overview.mobileShare));
  setText('kpi-mobile-sub', `${fmtInt(overview.mobilePlays)} mobile · ${fmtInt(overview.pcPlays)} PC`);
  setText('range-note', overview.first === null ? '' : `showing ${fmtTime(overview.first)} to ${fmtTime(overview.last)} UTC`);

  setText('series-unit', `mobile vs PC, plays per ${series.grain}, UTC`);
  chart('chart-series').setOption(seriesOption(series.points, series.grain), { notMerge: true });
  emptyPanel('series', none, reason);

  chart('chart-mobile').setOption(donutOption([
    { name: 'mobile', value: overview.mobilePlays, color: COLORS.mobile },
    { name: 'PC', value: overview.pcPlays, color: COLORS.pc },
  ], fmtPct(overview.mobileShare), 'on mobile'), { notMerge: true });
  emptyPanel('mobile', none, reason);

  const hourRows: Row[] = hours.hours.map((h) => ({ value: String(h.hour).padStart(2, '0'), plays: h.plays, mobilePlays: h.mobilePlays }));
  chart('chart-hours').setOption(categoryOption(hourRows, (v) => v, 'hour of day (UTC)'), { notMerge: true });
  emptyPanel('hours', none, reason);

  const genderColor: Record<string, string> = { female: COLORS.female, male: COLORS.male };
  const genderTotal = gender.rows.reduce((sum, r) => sum + r.plays, 0);
  const female = gender.rows.find((r) => r.value === 'female')?.plays ?? 0;
  chart('chart-gender').setOption(donutOption(
    gender.rows.map((r) => ({ name: label.gender(r.value), value: r.plays, color: genderColor[r.value] ?? COLORS.unknown })),
    fmtPct(genderTotal ? female / genderTotal : null, 0), 'female',
  ), { notMerge: true });
  emptyPanel('gender', none, reason);

  chart('chart-age').setOption(categoryOption(age.rows, label.age, 'age band (years)'), { notMerge: true });
  setText('age-note', age.ages && age.ages.derived > 0
    ? (age.ages.fromFile === 0 ? 'ages derived from customer ids: the customer file has none' : 'some ages derived: missing in the customer file')
    : 'plays by listener age');
  emptyPanel('age', none, reason);

  chart('chart-level').setOption(categoryOption(level.rows, label.level, 'membership level'), { notMerge: true });
  emptyPanel('level', none, reason);
  chart('chart-campaign').setOption(categoryOption(campaign.rows, label.campaign, 'sign-up campaign'), { notMerge: true });
  emptyPanel('campaign', none, reason);

  const trackLabel = (r: Row) => (r as TrackRow).title ?? `track ${r.value}`;
  chart('chart-tracks').setOption(topOption(tracks.rows, trackLabel, (r) => `${(r as TrackRow).artist ?? 'unknown artist'} · track id ${r.value}`), { notMerge: true });
  emptyPanel('tracks', tracks.rows.length === 0, reason);
  setText('tracks-since', sinceNote(tracks));
  chart('chart-artists').setOption(topOption(artists.rows, (r) => r.value, () => 'artist'), { notMerge: true });
  emptyPanel('artists', artists.rows.length === 0, reason);
  setText('artists-since', sinceNote(artists));

  if (mapReady) chart('chart-map').setOption(mapOption(states.rows, zips.rows, filter.state || null, stateNames), { notMerge: true });
  emptyPanel('map', none, reason);
  renderZips(zips);
  renderInterests(interests.interests);
  renderAds(pipeline);
  await renderStateCustomers();
}

function sinceNote(b: BreakdownResponse): string {
  return b.since === null ? 'plays' : `plays since ${fmtTime(b.since)} UTC (whole ${b.grain}s)`;
}

function customerLink(id: number, text: string): HTMLElement {
  const link = el('button', { className: 'link', text, title: `show customer ${id}` });
  link.type = 'button';
  link.addEventListener('click', () => void lookUp(id));
  return link;
}

function renderZips(zips: BreakdownResponse<'zip'>): void {
  setText('zips-since', zips.since === null ? '' : `since ${fmtTime(zips.since)} UTC`);
  byId('table-zips').querySelector('tbody')!.replaceChildren(...zips.rows.map((z) => el('tr', {},
    el('td', { text: z.value }),
    el('td', { text: z.city ? `${z.city}, ${z.state}` : 'unknown place' }),
    el('td', { className: 'num', text: fmtInt(z.plays) }))));
}

const seenInterests = new Set<string>();

function renderInterests(list: InterestsResponse['interests']): void {
  const first = seenInterests.size === 0;
  byId('table-interests').querySelector('tbody')!.replaceChildren(...list.map((i) => {
    const key = `${i.customerId}:${i.trackId}`;
    const row = el('tr', { className: !first && !seenInterests.has(key) ? 'new' : '' },
      el('td', { text: fmtTime(i.detectedAt) }),
      el('td', {}, customerLink(i.customerId, i.name ?? `#${i.customerId}`)),
      el('td', { text: i.title ? `${i.title} — ${i.artist ?? 'unknown artist'}` : `track ${i.trackId}` }));
    seenInterests.add(key);
    return row;
  }));
  if (list.length === 0) byId('table-interests').querySelector('tbody')!.replaceChildren(el('tr', {}, el('td', { className: 'muted', text: 'no interests detected yet' })));
}

function renderAds(p: PipelineResponse): void {
  const m = p.model;
  fillFacts(byId('facts-ads'), [
    ['Ad decisions', fmtInt(p.counts.adDecisions)],
    ['SMS queued', fmtInt(p.counts.smsQueued)],
    ['Targeted', `${fmtInt(p.counts.targetedCustomers)} of ${fmtInt(p.counts.eligibleCustomers)} eligible`],
    [null, 'Model'],
    ...(m
      ? [
        ['Deployed version', `v${m.version}`],
        ['Error rate', fmtPct(m.error, 2)],
        ['Baseline error', fmtPct(m.baselineError, 2)],
        ['Gate threshold', fmtPct(m.threshold, 1)],
        ['ROC AUC', m.auc === null ? '–' : m.auc.toFixed(3)],
        ['Deployed at', m.deployedAt === null ? '–' : `${fmtTime(m.deployedAt)} UTC`],
      ] as Array<[string, string]>
      : [['State', 'none deployed yet']] as Array<[string, string]>),
  ]);
}

async function renderStateCustomers(): Promise<void> {
  const body = byId('table-state-customers').querySelector('tbody')!;
  byId('state-customers-hint').hidden = filter.state !== '';
  if (!filter.state) {
    body.replaceChildren();
    return;
  }
  const answer = await getJson<StateCustomersResponse>(
    `/api/states/${encodeURIComponent(filter.state)}/customers${query()}`,
  );
  body.replaceChildren(...answer.customers.map((c) => el('tr', {},
    el('td', {}, customerLink(c.customerId, `#${c.customerId}`)),
    el('td', { text: c.name ?? 'unknown customer' }),
    el('td', { className: 'num', text: fmtInt(c.plays) }))));
  if (answer.customers.length === 0) body.replaceChildren(el('tr', {}, el('td', { className: 'muted', text: 'nobody listened here in the selection' })));
}

// ------------------------------------------------------------------ live pulse

let lastPulse: LiveMessage | null = null;
let lastVersion = '';
const rateHistory: Array<[number, number]> = [];
const RATE_POINTS = 120;

function onPulse(p: LiveMessage): void {
  lastPulse = p;
  const live = byId('live');
  live.className = 'live';
  void live.offsetWidth; // restart the heartbeat animation
  live.className = 'live on';
  setText('live-text', `live · ${fmtTime(p.at, true)} UTC`);
  setText('kpi-rate', p.eventsPerSec === null ? 'measuring' : fmtInt(p.eventsPerSec));
  setText('kpi-lag', fmtInt(p.lag));
  setText('kpi-dead', fmtInt(p.deadLetters));
  setText('kpi-interests', fmtInt(p.counts.interests));
  setText('kpi-targeted', fmtInt(p.counts.targetedCustomers));
  setText('kpi-targeted-sub', `of ${fmtInt(p.counts.eligibleCustomers)} eligible`);
  setText('kpi-ads', fmtInt(p.counts.adDecisions));
  setText('kpi-sms', fmtInt(p.counts.smsQueued));
  byId('empty').hidden = p.indexed.plays > 0;

  rateHistory.push([p.at, p.eventsPerSec ?? 0]);
  if (rateHistory.length > RATE_POINTS) rateHistory.shift();
  chart('chart-rate').setOption(rateOption(rateHistory, RATE_POINTS * 1000), { notMerge: true });
  fillFacts(byId('facts-health'), [
    ['Backend', lastPipeline?.backend ?? '…'],
    ['Events processed', fmtInt(p.counts.eventsProcessed)],
    ['Plays indexed', fmtInt(p.indexed.plays)],
    ['Lag', `${fmtInt(p.lag)} (${p.partitions.length} partition${p.partitions.length === 1 ? '' : 's'})`],
    ['Dead letters', fmtInt(p.deadLetters)],
    ['Live profiles', fmtInt(p.counts.profiles)],
  ]);

  if (p.version !== lastVersion) {
    lastVersion = p.version;
    void requestRefresh();
  }
}

function showProblem(message: string): void {
  byId('live').className = 'live off';
  setText('live-text', `problem: ${message}`);
}

function connectLive(): void {
  const source = new EventSource('/api/live');
  source.addEventListener('pulse', (e) => onPulse(JSON.parse((e as MessageEvent<string>).data) as LiveMessage));
  source.addEventListener('problem', (e) => showProblem((JSON.parse((e as MessageEvent<string>).data) as ErrorResponse).error));
  source.addEventListener('error', () => {
    byId('live').className = 'live off';
    setText('live-text', 'reconnecting…');
  });
}

// ------------------------------------------------------------------ customer drill-down

async function lookUp(id: number): Promise<void> {
  (byId('lookup-id') as HTMLInputElement).value = String(id);
  const status = byId('lookup-status');
  status.textContent = `looking up customer ${id}…`;
  try {
    renderCustomer(await getJson<CustomerResponse>(`/api/customers/${id}`));
    status.textContent = '';
    byId('customer').scrollIntoView({ behavior: 'smooth', block: 'start' });
  } catch (err) {
    byId('customer-detail').hidden = true;
    status.textContent = (err as Error).message;
  }
}

function renderCustomer(a: CustomerResponse): void {
  const c = a.customer;
  byId('customer-detail').hidden = false;
  setText('c-name', c ? `${c.name} (#${a.customerId})` : `unknown customer #${a.customerId}`);
  const tags = c
    ? [c.level, c.active ? 'active' : 'closed', c.gender, `${c.age} years${c.ageSource === 'derived' ? ' (derived)' : ''}`,
      c.city ? `${c.city}, ${c.state} ${c.zip}` : `zip ${c.zip}`, `campaign ${c.campaign}`, `since ${c.signDate}`, c.linkedWithApps ? 'linked apps' : 'no linked apps']
    : ['not in the customer file'];
  byId('c-tags').replaceChildren(...tags.map((t) => el('span', { className: 'tag', text: t })),
    el('span', { className: a.targeted ? 'tag yes' : 'tag', text: a.targeted ? 'targeted' : 'not targeted' }));
  const p = a.profile;
  fillFacts(byId('c-profile'), p
    ? [
      ['Plays', fmtInt(p.plays)], ['On mobile', fmtPct(p.plays ? p.mobilePlays / p.plays : null)], ['Unique tracks', fmtInt(p.uniqueTracks)],
      ['Morning / afternoon', `${fmtInt(p.morning)} / ${fmtInt(p.afternoon)}`], ['Evening / night', `${fmtInt(p.evening)} / ${fmtInt(p.night)}`],
      ['First seen', `${fmtTime(p.firstSeen)} UTC`], ['Last seen', `${fmtTime(p.lastSeen)} UTC`],
    ]
    : [['Profile', 'no plays processed yet']]);
  fillFacts(byId('c-model'), [
    ['Prediction', a.prediction ? `${a.prediction.label === 1 ? 'will click' : 'will not click'} (${fmtPct(a.prediction.probability)})` : 'none (no model deployed)'],
    ['Model', a.prediction ? `v${a.prediction.modelVersion}` : '–'],
    ['Targeted', a.targeted ? 'yes' : 'no'],
    ['Ad decisions', fmtInt(a.adDecisionCount)],
    ['Last offer', a.adDecisions.length ? a.adDecisions[a.adDecisions.length - 1].day : '–'],
  ]);
  byId('c-plays').querySelector('tbody')!.replaceChildren(...a.recentPlays.map((r) => el('tr', {},
    el('td', { text: fmtTime(r.time) }),
    el('td', { text: r.title ? `${r.title} — ${r.artist ?? 'unknown artist'}` : `track ${r.trackId}` }),
    el('td', { text: r.mobile ? 'mobile' : 'PC' }),
    el('td', { text: r.city ? `${r.city}, ${r.state}` : `zip ${r.zip}` }))));
  byId('c-interests').replaceChildren(...(a.interests.length
    ? a.interests.map((i) => el('li', { text: `${i.title ?? `track ${i.trackId}`}${i.artist ? ` — ${i.artist}` : ''} · ${fmtTime(i.detectedAt)}` }))
    : [el('li', { className: 'muted', text: 'none yet' })]));
}

// ------------------------------------------------------------------ start

function start(): void {
  const form = byId<HTMLFormElement>('filters');
  form.addEventListener('change', () => {
    filter.range = (byId('f-range') as HTMLSelectElement).value;
    filter.device = (byId('f-device') as HTMLSelectElement).value;
    filter.level = (byId('f-level') as HTMLSelectElement).value;
    filter.grain = (byId('f-grain') as HTMLSelectElement).value;
    void requestRefresh();
  });
  form.addEventListener('submit', (e) => e.preventDefault());
  byId('f-state-clear').addEventListener('click', () => setState(filter.state));
  byId('lookup-form').addEventListener('submit', (e) => {
    e.preventDefault();
    const id = Number((byId('lookup-id') as HTMLInputElement).value);
    if (Number.isInteger(id) && id >= 0) void lookUp(id);
  });
  window.addEventListener('resize', () => {
    for (const c of charts.values()) c.resize();
  });
  loadMap()
    .catch((err: Error) => showProblem(`map: ${err.message}`))
    .finally(() => {
      connectLive();
      void requestRefresh();
    });
}

start();
