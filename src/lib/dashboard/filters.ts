// Query-string filters of the dashboard API -> the index's IndexFilter. Time ranges are relative to the
// newest indexed play (so a replayed 2014 log reads like a live one), and each query's start is
// floored to the grain its aggregates are kept at, so pre-aggregated and raw answers cover the same plays.
import { LEVEL_NAMES } from '../records.js';
import type { Grain, IndexFilter } from '../ports.js';
import { DAY, GRAIN_MS, HOUR, MINUTE } from '../pipeline/time.js';
import { wholeNumberOf } from '../whole-number.js';

export class BadRequestError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'BadRequestError';
  }
}

export { GRAIN_MS };

/** Presets the page offers, by the `range` parameter. */
export const RANGES: Record<string, number | null> = {
  all: null, '15m': 15 * MINUTE, '1h': HOUR, '6h': 6 * HOUR, '24h': DAY, '7d': 7 * DAY, '30d': 30 * DAY,
};
/** Longest span drawn per minute; longer spans are drawn per hour. */
export const MAX_MINUTE_SPAN = 2 * DAY;
const AUTO_MINUTE_SPAN = 6 * HOUR;

export interface DashboardFilter {
  from?: number;
  to?: number;
  mobile?: boolean;
  level?: number;
  state?: string;
}

export interface Newest { first: number | null; last: number | null }

/** Reads range/from/to/device/level/state; `newest` is the index's first and last minute bucket. */
export function parseFilter(params: URLSearchParams, newest: Newest): DashboardFilter {
  const filter: DashboardFilter = {};
  const range = params.get('range') ?? 'all';
  if (!Object.hasOwn(RANGES, range)) throw new BadRequestError(`range: expected one of ${Object.keys(RANGES).join(', ')}, got "${range}"`);
  const span = RANGES[range];
  if (span !== null && newest.last !== null) filter.from = newest.last + MINUTE - span;
  const from = epochParam(params, 'from');
  const to = epochParam(params, 'to');
  if (from !== undefined) filter.from = from;
  if (to !== undefined) filter.to = to;
  if (filter.from !== undefined && filter.to !== undefined && filter.from >= filter.to) {
    throw new BadRequestError(`from (${filter.from}) must be before to (${filter.to})`);
  }
  const device = params.get('device') ?? 'all';
  if (device === 'mobile') filter.mobile = true;
  else if (device === 'pc') filter.mobile = false;
  else if (device !== 'all') throw new BadRequestError(`device: expected all, mobile or pc, got "${device}"`);
  const level = params.get('level');
  if (level !== null && level !== '' && level !== 'all') {
    const byName = LEVEL_NAMES.findIndex((name) => name.toLowerCase() === level.toLowerCase());
    const n = byName >= 0 ? byName : /^\d$/.test(level) ? Number(level) : NaN;
    if (!(n >= 0 && n < LEVEL_NAMES.length)) {
      throw new BadRequestError(`level: expected ${LEVEL_NAMES.join(', ')} (or 0-${LEVEL_NAMES.length - 1}), got "${level}"`);
    }
    filter.level = n;
  }
  const state = params.get('state');
  if (state !== null && state !== '') filter.state = stateCode(state);
  return filter;
}

/** A whole number written as plain digits: Number() alone would also take " ", "0x30", "1e3" and "-0". */
export function wholeNumber(name: string, raw: string, min = 0, max = Number.MAX_SAFE_INTEGER): number {
  const n = wholeNumberOf(raw);
  if (n === null || n < min || n > max) throw new BadRequestError(`${name}: expected a whole number (digits only) from ${min} to ${max}, got "${raw}"`);
  return n;
}

/** A path segment percent-decoded, or a 400 when its escapes are malformed. */
export function pathSegment(name: string, raw: string): string {
  try {
    return decodeURIComponent(raw);
  } catch {
    throw new BadRequestError(`${name}: malformed percent-encoding in "${raw}"`);
  }
}

export function stateCode(value: string): string {
  if (!/^[A-Za-z]{2}$/.test(value)) throw new BadRequestError(`state: expected a two-letter code such as CA, got "${value}"`);
  return value.toUpperCase();
}

function epochParam(params: URLSearchParams, name: string): number | undefined {
  const raw = params.get(name);
  if (raw === null || raw === '') return undefined;
  return wholeNumber(`${name} (epoch milliseconds)`, raw);
}

/** The filter as one index query at `grain` sees it: whole buckets, start floored and end rounded up. */
export function atGrain(filter: DashboardFilter, grain: Grain): IndexFilter {
  const unit = GRAIN_MS[grain];
  const out: IndexFilter = { ...filter };
  if (filter.from !== undefined) out.from = Math.floor(filter.from / unit) * unit;
  if (filter.to !== undefined) out.to = Math.ceil(filter.to / unit) * unit;
  return out;
}

/** Minute or hour for the plays-over-time chart: `requested` if given and sensible, else by span. */
export function seriesGrain(requested: string | null, filter: DashboardFilter, newest: Newest): Grain {
  if (requested !== null && requested !== '' && requested !== 'auto' && requested !== 'minute' && requested !== 'hour') {
    throw new BadRequestError(`grain: expected auto, minute or hour, got "${requested}"`);
  }
  const start = filter.from ?? newest.first;
  const end = filter.to ?? (newest.last === null ? null : newest.last + MINUTE);
  const span = start === null || end === null ? 0 : end - start;
  if (requested === 'hour') return 'hour';
  if (requested === 'minute') return span <= MAX_MINUTE_SPAN ? 'minute' : 'hour';
  return span <= AUTO_MINUTE_SPAN ? 'minute' : 'hour';
}
