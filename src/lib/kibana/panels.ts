// The dashboard's panels, each described once in plain terms: what it shows, from which documents, grouped how and
// counted how. The Kibana saved objects (saved-objects.ts) and the Elasticsearch aggregation each panel stands for
// (PANELS[i].aggregation) are both derived from these descriptions, so the two cannot drift apart.
import { MAPPINGS, TIME_FIELD, type DocumentKind } from '../adapters/elasticsearch/mapping.js';

/** How a panel draws: a line over time, stacked bars over time, top values, a breakdown, a share, a map. */
export type PanelKind = 'time_series' | 'split_time_series' | 'top_terms' | 'breakdown' | 'share' | 'map';

export type Bucket =
  | { by: 'time'; field: string; interval: string } // a date histogram with a fixed interval
  | { by: 'terms'; field: string; size: number } // the top values by number of documents
  | { by: 'geotile'; field: string; precision: number }; // map cells (Kibana's map picks the precision from the zoom)

export interface Metric {
  id: string;
  label: string;
  op: 'count' | 'unique_count';
  field?: string; // unique_count counts distinct values of this field
  where?: { field: string; value: boolean | string }; // count only documents whose field has this value
}

export interface Panel {
  id: string;
  title: string;
  kind: PanelKind;
  data: DocumentKind;
  x: Bucket;
  split?: Bucket; // a second grouping inside each x bucket (series colours)
  metrics: Metric[];
  /** Every document field the panel uses. */
  fields: string[];
  /** The Elasticsearch aggregation the panel stands for: put it under any name in a search's `aggs`. */
  aggregation: Record<string, unknown>;
}

/** A field of a kind's documents, checked against its mapping when this module loads: a misspelling fails at once. */
function field(kind: DocumentKind, name: string): string {
  if (!(name in MAPPINGS[kind])) throw new Error(`kibana panels: "${name}" is not a field of ${kind} documents (see mapping.ts)`);
  return name;
}

const plays = (name: string): string => field('plays', name);
const HOURLY = { by: 'time', field: TIME_FIELD.plays, interval: '1h' } as const;
const playCount: Metric = { id: 'plays', label: 'Plays', op: 'count' };

type PanelSpec = Omit<Panel, 'fields' | 'aggregation'>;

const SPECS: PanelSpec[] = [
  {
    id: 'plays-over-time', title: 'Plays, mobile plays and distinct listeners per hour', kind: 'time_series', data: 'plays', x: HOURLY,
    metrics: [
      playCount,
      { id: 'mobile_plays', label: 'Mobile plays', op: 'count', where: { field: plays('mobile'), value: true } },
      { id: 'listeners', label: 'Distinct listeners', op: 'unique_count', field: plays('customer_id') },
    ],
  },
  { id: 'plays-by-gender', title: 'Plays per hour by gender', kind: 'split_time_series', data: 'plays', x: HOURLY, split: { by: 'terms', field: plays('gender'), size: 5 }, metrics: [playCount] },
  { id: 'plays-by-level', title: 'Plays per hour by membership level', kind: 'split_time_series', data: 'plays', x: HOURLY, split: { by: 'terms', field: plays('level'), size: 3 }, metrics: [playCount] },
  { id: 'plays-by-zip', title: 'Plays by listening zip (top 20)', kind: 'top_terms', data: 'plays', x: { by: 'terms', field: plays('zip'), size: 20 }, metrics: [playCount] },
  { id: 'plays-by-customer', title: 'Plays by customer (top 20)', kind: 'top_terms', data: 'plays', x: { by: 'terms', field: plays('customer_id'), size: 20 }, metrics: [playCount] },
  { id: 'plays-by-linked-apps', title: 'Plays by listeners linked with apps', kind: 'share', data: 'plays', x: { by: 'terms', field: plays('linked_with_apps'), size: 2 }, metrics: [playCount] },
  { id: 'age-by-level', title: 'Plays by age range and level', kind: 'breakdown', data: 'plays', x: { by: 'terms', field: plays('age_band'), size: 10 }, split: { by: 'terms', field: plays('level'), size: 3 }, metrics: [playCount] },
  { id: 'mobile-share', title: 'Mobile share of plays', kind: 'share', data: 'plays', x: { by: 'terms', field: plays('device'), size: 2 }, metrics: [playCount] },
  { id: 'top-tracks', title: 'Top tracks', kind: 'top_terms', data: 'plays', x: { by: 'terms', field: plays('title'), size: 10 }, metrics: [playCount] },
  { id: 'top-artists', title: 'Top artists', kind: 'top_terms', data: 'plays', x: { by: 'terms', field: plays('artist'), size: 10 }, metrics: [playCount] },
  { id: 'plays-map', title: 'Plays by location', kind: 'map', data: 'plays', x: { by: 'geotile', field: plays('location'), precision: 5 }, metrics: [playCount] },
  {
    id: 'interests-over-time', title: 'Interests detected per day', kind: 'time_series', data: 'interests',
    x: { by: 'time', field: TIME_FIELD.interests, interval: '1d' },
    metrics: [
      { id: 'interests', label: 'Interests', op: 'count' },
      { id: 'listeners', label: 'Listeners with an interest', op: 'unique_count', field: field('interests', 'customer_id') },
    ],
  },
  {
    id: 'ad-decisions-over-time', title: 'Gold offers shown per day', kind: 'time_series', data: 'ad-decisions',
    x: { by: 'time', field: TIME_FIELD['ad-decisions'], interval: '1d' },
    metrics: [{ id: 'offers', label: 'Offers shown', op: 'count' }],
  },
];

function bucketAggregation(bucket: Bucket): Record<string, unknown> {
  switch (bucket.by) {
    case 'time': return { date_histogram: { field: bucket.field, fixed_interval: bucket.interval } };
    case 'terms': return { terms: { field: bucket.field, size: bucket.size, order: { _count: 'desc' } } };
    case 'geotile': return { geotile_grid: { field: bucket.field, precision: bucket.precision } };
  }
}

/** Sub-aggregations for the metrics; a plain count is each bucket's doc_count and needs none. */
function metricAggregations(metrics: Metric[]): Record<string, unknown> {
  const aggs: Record<string, unknown> = {};
  for (const m of metrics) {
    if (m.op === 'unique_count') aggs[m.id] = { cardinality: { field: m.field } };
    else if (m.where) aggs[m.id] = { filter: { term: { [m.where.field]: m.where.value } } };
  }
  return aggs;
}

function withAggs(agg: Record<string, unknown>, aggs: Record<string, unknown>): Record<string, unknown> {
  return Object.keys(aggs).length === 0 ? agg : { ...agg, aggs };
}

function aggregationOf(spec: PanelSpec): Record<string, unknown> {
  const metrics = metricAggregations(spec.metrics);
  const inner = spec.split ? { [spec.split.field]: withAggs(bucketAggregation(spec.split), metrics) } : metrics;
  return withAggs(bucketAggregation(spec.x), inner);
}

function fieldsOf(spec: PanelSpec): string[] {
  const named = [spec.x.field, spec.split?.field, ...spec.metrics.flatMap((m) => [m.field, m.where?.field])];
  return [...new Set(named.filter((f): f is string => f !== undefined))];
}

export const PANELS: readonly Panel[] = SPECS.map((spec) => ({ ...spec, fields: fieldsOf(spec), aggregation: aggregationOf(spec) }));
