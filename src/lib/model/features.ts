// Per-customer features for the ad-click model, computed from the live profile and the customer record,
// and labels from ad clicks. Every feature is documented in docs/model.md; none reads the clicks.
import type { Click, Customer, Profile } from '../records.js';
import { AGE_BANDS, CAMPAIGN_NAMES, GOLD } from '../records.js';
import { ageBand } from '../demographics.js';
import { DAY } from '../pipeline/time.js';

/** The ad whose clicks are the label: the one-day Gold upgrade offer. */
export const OFFER_AD = 'ADV_REDUCED_1DAY';

/** The reference design's six features, in features.txt column order. */
export const REFERENCE_FEATURES: readonly string[] = [
  'morning_share', 'afternoon_share', 'evening_share', 'night_share', 'mobile_share', 'unique_share',
];

/** What a model trained from the store sees: the reference six, then the extras. */
export const STORE_FEATURES: readonly string[] = [
  ...REFERENCE_FEATURES,
  'log_plays',
  'plays_per_day',
  'level',
  'tenure_days',
  'linked_apps',
  'gender_female',
  'gender_male',
  ...AGE_BANDS.map((band) => `age_${band}`),
  ...CAMPAIGN_NAMES.map((name) => `campaign_${name}`),
];

const share = (part: number, whole: number): number => (whole > 0 ? part / whole : 0);

/**
 * Where each named feature sits in a STORE_FEATURES vector, or null when one of them is not a store feature.
 * A model trained on any subset of the store's features (the reference six of a libsvm file, say) scores the
 * store's customers with these columns of their vectors.
 */
export function storeFeatureColumns(names: readonly string[]): number[] | null {
  const columns = names.map((name) => STORE_FEATURES.indexOf(name));
  return columns.every((c) => c >= 0) && new Set(columns).size === columns.length ? columns : null;
}

/**
 * The feature vector of one customer, in STORE_FEATURES order. `asOf` is the data's end (event time).
 * The reference six are what features.txt holds, from the same plays: each daypart's plays (night before 5h,
 * morning before 12h, afternoon before 17h, evening before 22h, night after; see dayPart), the mobile plays
 * and the distinct tracks, each divided by all the customer's plays.
 */
export function customerFeatures(profile: Profile, customer: Customer, asOf: number): number[] {
  const { plays } = profile;
  // The listening span counts whole days, at least one: a customer seen once has played on one day.
  const spanDays = plays > 0 ? Math.max(1, Math.ceil((profile.lastSeen - profile.firstSeen + 1) / DAY)) : 1;
  const signed = Date.parse(customer.signDate);
  const tenureDays = Number.isNaN(signed) ? 0 : Math.max(0, (asOf - signed) / DAY);
  // A derived age is a guess from the customer id, not a fact: it gets no age band.
  const band = customer.ageSource === 'file' ? ageBand(customer.age) : null;
  return [
    share(profile.morning, plays),
    share(profile.afternoon, plays),
    share(profile.evening, plays),
    share(profile.night, plays),
    share(profile.mobilePlays, plays),
    share(profile.uniqueTracks, plays),
    Math.log1p(plays),
    plays / spanDays,
    customer.level,
    tenureDays,
    customer.linkedWithApps ? 1 : 0,
    customer.gender === 'female' ? 1 : 0,
    customer.gender === 'male' ? 1 : 0,
    ...AGE_BANDS.map((b) => (b === band ? 1 : 0)),
    ...CAMPAIGN_NAMES.map((_, i) => (customer.campaign === i ? 1 : 0)),
  ];
}

/** Who may be shown the offer: active listeners below Gold. */
export function isEligible(customer: Customer): boolean {
  return customer.active && customer.level < GOLD;
}

/** A stretch of event time; `from` null means since the beginning. */
export interface TimeWindow {
  from: number | null;
  to: number;
}

/** The most recent `windowMs` of the data (all of it when null), ending at the last play. */
export function recentWindow(profiles: Iterable<Profile>, windowMs: number | null): TimeWindow {
  let to = -Infinity;
  for (const p of profiles) if (p.lastSeen > to) to = p.lastSeen;
  if (to === -Infinity) to = 0;
  return { from: windowMs === null ? null : to - windowMs, to };
}

/** Customers who clicked the offer inside the window (clicks after its end count too: they are the newest). */
export function offerClickers(clicks: Iterable<Click>, window: TimeWindow): Set<number> {
  const clickers = new Set<number>();
  for (const c of clicks) {
    if (c.ad === OFFER_AD && (window.from === null || c.time >= window.from)) clickers.add(c.customerId);
  }
  return clickers;
}

export interface Example {
  customerId: number;
  features: number[];
  label: 0 | 1;
}

export interface ExampleSet {
  examples: Example[];
  window: TimeWindow;
  /** Profiles whose customer is not in the store (no level, age, ... to compute features from). */
  unknownCustomers: number;
}

/**
 * One example per customer who listened inside the window, labelled 1 if they clicked the offer in it.
 * Customers are joined by id; profiles without a customer record are counted, not used.
 */
export function buildExamples(profiles: Profile[], customers: Map<number, Customer>, clicks: Iterable<Click>, windowMs: number | null): ExampleSet {
  const window = recentWindow(profiles, windowMs);
  const clickers = offerClickers(clicks, window);
  const examples: Example[] = [];
  let unknownCustomers = 0;
  for (const profile of profiles) {
    if (window.from !== null && profile.lastSeen < window.from) continue;
    const customer = customers.get(profile.customerId);
    if (!customer) {
      unknownCustomers += 1;
      continue;
    }
    examples.push({
      customerId: profile.customerId,
      features: customerFeatures(profile, customer, window.to),
      label: clickers.has(profile.customerId) ? 1 : 0,
    });
  }
  return { examples, window, unknownCustomers };
}
