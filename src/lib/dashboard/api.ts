// The dashboard's read-only JSON API: every answer is an aggregate read through the Index and Store
// ports (so it works on any adapter set), sized for a chart or a short list, never raw events in bulk.
// The answers' shapes are in responses.ts, which the page reads too.
import { placeOf } from '../geo.js';
import { DIMENSION_GRAIN, type BreakdownRow, type ModelRecord, type SeriesPoint } from '../ports.js';
import { AGE_BANDS, CAMPAIGN_NAMES, LEVEL_NAMES } from '../records.js';
import { mapPoint } from './assets.js';
import {
  GRAIN_MS, atGrain, parseFilter, seriesGrain, stateCode, wholeNumber, type DashboardFilter, type Newest,
} from './filters.js';
import type { Pulse, PulseSample } from './pulse.js';
import type {
  AgeSources, BreakdownDimension, BreakdownResponse, CustomerResponse, HoursResponse, InterestsResponse, LiveMessage, ModelView,
  OverviewResponse, PipelineResponse, PulseView, SeriesResponse, StateCustomersResponse, TrackRow, ZipRow,
} from './responses.js';
import type { DashboardSources } from './sources.js';

export class NotFoundError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'NotFoundError';
  }
}

/** Categories drawn even when they have no plays, so bars keep their places as numbers move. */
const FIXED_VALUES: Partial<Record<BreakdownDimension, readonly string[]>> = {
  gender: ['female', 'male'], age_band: AGE_BANDS, level: LEVEL_NAMES, campaign: CAMPAIGN_NAMES,
};
const DEFAULT_LIMIT: Record<BreakdownDimension, number> = {
  gender: 10, age_band: 10, level: 10, campaign: 10, state: 60, track: 10, artist: 10, zip: 25,
};

/** Dimensions the page breaks plays down by (every one has a default limit). */
export const BREAKDOWNS = Object.keys(DEFAULT_LIMIT) as BreakdownDimension[];
const MAX_LIMIT = 100;

function limitParam(params: URLSearchParams, fallback: number): number {
  const raw = params.get('limit');
  if (raw === null || raw === '') return fallback;
  return wholeNumber('limit', raw, 1, MAX_LIMIT);
}

const share = (part: number, whole: number) => (whole > 0 ? part / whole : null);

export class DashboardApi {
  constructor(private readonly backends: DashboardSources, readonly pulse: Pulse) {}

  private async filterOf(params: URLSearchParams): Promise<{ filter: DashboardFilter; newest: Newest }> {
    const newest = (await this.pulse.current()).indexed;
    return { filter: parseFilter(params, newest), newest };
  }

  /** Plays and the mobile share for the filter. */
  async overview(params: URLSearchParams): Promise<OverviewResponse> {
    const { filter } = await this.filterOf(params);
    const totals = await this.backends.index.totals(atGrain(filter, 'minute'));
    return {
      filter,
      plays: totals.plays,
      mobilePlays: totals.mobilePlays,
      pcPlays: totals.plays - totals.mobilePlays,
      mobileShare: share(totals.mobilePlays, totals.plays),
      first: totals.first,
      last: totals.last,
    };
  }

  /** Plays per minute or hour, mobile and PC. */
  async series(params: URLSearchParams): Promise<SeriesResponse> {
    const { filter, newest } = await this.filterOf(params);
    const grain = seriesGrain(params.get('grain'), filter, newest);
    const points = await this.backends.index.series(atGrain(filter, grain), grain);
    return { filter, grain, points: withEmptyBuckets(points, GRAIN_MS[grain]) };
  }

  /** Plays by hour of the day (UTC wall-clock, as the log's times are read). */
  async hours(params: URLSearchParams): Promise<HoursResponse> {
    const { filter } = await this.filterOf(params);
    const hours = Array.from({ length: 24 }, (_, hour) => ({ hour, plays: 0, mobilePlays: 0 }));
    for (const p of await this.backends.index.series(atGrain(filter, 'hour'), 'hour')) {
      const h = hours[new Date(p.bucket).getUTCHours()];
      h.plays += p.plays;
      h.mobilePlays += p.mobilePlays;
    }
    return { filter, hours };
  }

  async breakdown(dim: string, params: URLSearchParams): Promise<BreakdownResponse> {
    if (!(BREAKDOWNS as readonly string[]).includes(dim)) {
      throw new NotFoundError(`no breakdown "${dim}": use one of ${BREAKDOWNS.join(', ')}`);
    }
    const d = dim as BreakdownDimension;
    const { filter } = await this.filterOf(params);
    const limit = limitParam(params, DEFAULT_LIMIT[d]);
    const grain = DIMENSION_GRAIN[d];
    const query = atGrain(filter, grain);
    let rows: BreakdownRow[] = await this.backends.index.breakdown(query, d, limit);
    const fixed = FIXED_VALUES[d];
    if (fixed) {
      const byValue = new Map(rows.map((r) => [r.value, r]));
      rows = [...fixed.map((value) => byValue.get(value) ?? { value, plays: 0, mobilePlays: 0 }), ...rows.filter((r) => !fixed.includes(r.value))];
    }
    const answer = { filter, dim: d, grain, since: query.from ?? null };
    if (d === 'track') return { ...answer, rows: await this.withTitles(rows) };
    if (d === 'zip') return { ...answer, rows: rows.map(withPlace) };
    if (d === 'age_band') return { ...answer, rows, ages: await this.ageSources() };
    return { ...answer, rows };
  }

  private async withTitles(rows: BreakdownRow[]): Promise<TrackRow[]> {
    const tracks = await this.backends.catalog.getTracks(rows.map((r) => Number(r.value)).filter(Number.isInteger));
    return rows.map((r) => {
      const track = tracks.get(Number(r.value));
      return { ...r, title: track?.title ?? null, artist: track?.artist ?? null };
    });
  }

  /** Whether the ages shown come from the customer file or were derived (a sample of listeners). */
  private async ageSources(): Promise<AgeSources> {
    const profiles = await this.backends.live.listProfiles(0, 200);
    const customers = await this.backends.catalog.getCustomers(profiles.map((p) => p.customerId));
    let derived = 0;
    for (const c of customers.values()) if (c.ageSource === 'derived') derived += 1;
    return { derived, fromFile: customers.size - derived };
  }

  /** Who listens in a state: customer ids, names and play counts for the filter. */
  async customersInState(code: string, params: URLSearchParams): Promise<StateCustomersResponse> {
    const state = stateCode(code);
    const { filter } = await this.filterOf(params);
    const query = atGrain(filter, 'minute');
    delete query.state; // the state asked about replaces any state filter
    const rows = await this.backends.index.customersInState(state, query, limitParam(params, 20));
    const customers = await this.backends.catalog.getCustomers(rows.map((r) => r.customerId));
    return {
      filter, state,
      customers: rows.map((r) => ({ customerId: r.customerId, name: customers.get(r.customerId)?.name ?? null, plays: r.plays })),
    };
  }

  /** One customer: who, what they played, what they like, and what the model and the ads think. */
  async customer(rawId: string): Promise<CustomerResponse> {
    const id = wholeNumber('customer id', rawId);
    const { catalog, live, models } = this.backends;
    const [customers, profile, plays, interests, prediction, targeted, adDecisions] = await Promise.all([
      catalog.getCustomers([id]), live.getProfile(id), live.recentPlays(id, 20), live.interestsOf(id),
      models.prediction(id), models.isTargeted(id), models.adDecisionsOf(id),
    ]);
    const customer = customers.get(id) ?? null;
    if (!customer && !profile && plays.length === 0) {
      throw new NotFoundError(`customer ${id}: not in the store and no plays indexed (load customers with \`musicflow seed\`)`);
    }
    const tracks = await catalog.getTracks([...interests.map((i) => i.trackId), ...plays.map((p) => p.trackId)]);
    const home = customer ? placeOf(customer.zip) : null;
    return {
      customerId: id,
      customer: customer && {
        name: customer.name, gender: customer.gender, age: customer.age, ageSource: customer.ageSource,
        zip: customer.zip, city: home?.city ?? null, state: home?.state ?? null, signDate: customer.signDate,
        active: customer.active, level: LEVEL_NAMES[customer.level], campaign: CAMPAIGN_NAMES[customer.campaign],
        linkedWithApps: customer.linkedWithApps,
      },
      profile,
      recentPlays: plays.map((p) => {
        const place = placeOf(p.zip);
        return {
          eventId: p.eventId, time: p.time, trackId: p.trackId, title: tracks.get(p.trackId)?.title ?? null, artist: tracks.get(p.trackId)?.artist ?? null,
          mobile: p.mobile, zip: p.zip, city: place?.city ?? null, state: place?.state ?? 'unknown',
        };
      }),
      interests: interests.map((i) => ({ ...i, title: tracks.get(i.trackId)?.title ?? null, artist: tracks.get(i.trackId)?.artist ?? null })),
      prediction,
      targeted,
      adDecisions: adDecisions.slice(-20),
      adDecisionCount: adDecisions.length,
    };
  }

  /** The newest interests (3 plays of a track within 30 minutes), with names and titles. */
  async interests(params: URLSearchParams): Promise<InterestsResponse> {
    const { catalog, live } = this.backends;
    const interests = await live.recentInterests(limitParam(params, 15));
    const [customers, tracks] = await Promise.all([
      catalog.getCustomers(interests.map((i) => i.customerId)), catalog.getTracks(interests.map((i) => i.trackId)),
    ]);
    return {
      interests: interests.map((i) => ({
        ...i, name: customers.get(i.customerId)?.name ?? null, title: tracks.get(i.trackId)?.title ?? null, artist: tracks.get(i.trackId)?.artist ?? null,
      })),
    };
  }

  /** Pipeline health, ad and SMS counters, and the deployed model. */
  async pipeline(): Promise<PipelineResponse> {
    const [sample, model] = await Promise.all([this.pulse.current(), this.backends.models.deployedModel()]);
    return { backend: this.backends.kind, ...pulseView(sample), model: modelView(model) };
  }

  /** The live message: the pulse, plus a version that changes whenever the data does. */
  async live(): Promise<LiveMessage> {
    const sample = await this.pulse.current();
    return { version: `${sample.counts.eventsProcessed}:${sample.indexed.plays}:${sample.deadLetters}`, ...pulseView(sample) };
  }
}

/** Most buckets a series is filled out to; past that the points are sent as they are. */
const MAX_FILLED_BUCKETS = 20_000;

/** The series with a zero point for every bucket between its first and last, so a chart draws no slope across a gap. */
function withEmptyBuckets(points: SeriesPoint[], unit: number): SeriesPoint[] {
  if (points.length < 2) return points;
  const first = points[0].bucket;
  const count = (points[points.length - 1].bucket - first) / unit + 1;
  if (count > MAX_FILLED_BUCKETS) return points;
  const byBucket = new Map(points.map((p) => [p.bucket, p]));
  return Array.from({ length: count }, (_, i) => {
    const bucket = first + i * unit;
    const p = byBucket.get(bucket);
    return { bucket, plays: p?.plays ?? 0, mobilePlays: p?.mobilePlays ?? 0 };
  });
}

function withPlace(row: BreakdownRow): ZipRow {
  const place = placeOf(row.value);
  return {
    ...row, city: place?.city ?? null, state: place?.state ?? null, lat: place?.lat ?? null, lon: place?.lon ?? null,
    point: place ? mapPoint(place.lon, place.lat) : null,
  };
}

export function pulseView(s: PulseSample): PulseView {
  return {
    at: s.at,
    eventsPerSec: s.eventsPerSec,
    lag: s.lag,
    partitions: s.partitions,
    deadLetters: s.deadLetters,
    counts: s.counts,
    indexed: { ...s.indexed, mobileShare: share(s.indexed.mobilePlays, s.indexed.plays) },
  };
}

/** The registry keeps a model's held-out metrics and gate in its body (src/lib/model/registry.ts, ModelBody). */
export function modelView(model: ModelRecord | null): ModelView | null {
  if (!model) return null;
  const part = (key: string) => {
    const value = model.body[key];
    return typeof value === 'object' && value !== null ? (value as Record<string, unknown>) : {};
  };
  const metrics = part('metrics');
  const numberOr = (value: unknown) => (typeof value === 'number' ? value : null);
  return {
    version: model.version,
    createdAt: model.createdAt,
    deployedAt: model.deployedAt,
    error: numberOr(metrics.error),
    baselineError: numberOr(metrics.baselineError),
    auc: numberOr(metrics.auc),
    threshold: numberOr(part('gate').threshold),
  };
}
