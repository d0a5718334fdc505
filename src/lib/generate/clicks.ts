// The generated clicks.csv. Whether an eligible customer clicks the one-day Gold offer (ADV_REDUCED_1DAY)
// follows a documented logistic rule in their listening behaviour and account (docs/generator.md), so a
// model trained on per-customer features can learn it. Other ads are clicked at low rates, unrelated to it.
import { isoDateMillis } from '../formats/datetime.js';
import { OFFER_AD } from '../model/features.js';
import { sigmoid } from '../model/train.js';
import { DAY, daypartOf } from '../pipeline/time.js';
import { GOLD, type Click, type Customer, type Daypart, type PlayEvent } from '../records.js';
import { Random } from './random.js';

/** What each customer's plays add up to, counted as the plays are written. */
export class ListeningTally {
  readonly plays: Int32Array;
  readonly dayparts: Int32Array; // 4 per customer: morning, afternoon, evening, night
  readonly mobile: Int32Array;
  readonly uniqueTracks: Int32Array;
  readonly firstSeen: Float64Array;
  readonly lastSeen: Float64Array;
  lastPlay = -Infinity;
  private readonly heard = new Set<number>();

  constructor(customers: number, private readonly tracks: number) {
    this.plays = new Int32Array(customers);
    this.dayparts = new Int32Array(customers * 4);
    this.mobile = new Int32Array(customers);
    this.uniqueTracks = new Int32Array(customers);
    this.firstSeen = new Float64Array(customers).fill(Infinity);
    this.lastSeen = new Float64Array(customers).fill(-Infinity);
  }

  add(play: PlayEvent): void {
    const c = play.customerId;
    this.plays[c] += 1;
    this.dayparts[c * 4 + DAYPART_INDEX[daypartOf(play.time)]] += 1;
    if (play.mobile) this.mobile[c] += 1;
    const key = c * this.tracks + play.trackId;
    if (!this.heard.has(key)) {
      this.heard.add(key);
      this.uniqueTracks[c] += 1;
    }
    if (play.time < this.firstSeen[c]) this.firstSeen[c] = play.time;
    if (play.time > this.lastSeen[c]) this.lastSeen[c] = play.time;
    if (play.time > this.lastPlay) this.lastPlay = play.time;
  }
}

const DAYPART_INDEX: Record<Daypart, number> = { morning: 0, afternoon: 1, evening: 2, night: 3 };

/** The inputs of the offer rule, for one customer with at least one play. */
export interface OfferFeatures {
  eveningShare: number;
  nightShare: number;
  mobileShare: number;
  uniqueShare: number;
  logPlays: number; // ln(1 + plays)
  level: number; // 0 Free, 1 Silver
  linkedWithApps: boolean;
  tenureYears: number; // from SignDate to the last play of the log
  campaign: number;
}

export function offerFeatures(customer: Customer, tally: ListeningTally): OfferFeatures {
  const c = customer.id;
  const plays = tally.plays[c];
  return {
    eveningShare: tally.dayparts[c * 4 + 2] / plays,
    nightShare: tally.dayparts[c * 4 + 3] / plays,
    mobileShare: tally.mobile[c] / plays,
    uniqueShare: tally.uniqueTracks[c] / plays,
    logPlays: Math.log1p(plays),
    level: customer.level,
    linkedWithApps: customer.linkedWithApps,
    tenureYears: (tally.lastPlay - isoDateMillis(customer.signDate)) / (365.25 * DAY),
    campaign: customer.campaign,
  };
}

/** The rule's weights (per unit of each input); the intercept is set per data set to hit OFFER_CLICK_RATE. */
export const OFFER_WEIGHTS = {
  eveningShare: 10,
  nightShare: 10,
  mobileShare: 9,
  uniqueShare: -8,
  logPlays: 0.8,
  level: -1.3,
  linkedWithApps: 1,
  tenureYears: -1,
  campaign: [0, 1, 0.4, -0.6, 0.8], // NONE, 30DAYFREE, SUPERBOWL, RETAILSTORE, WEBOFFER
} as const;

/** Expected share of offered customers who click. */
export const OFFER_CLICK_RATE = 0.15;

/** The rule's logit without the intercept. */
export function offerScore(f: OfferFeatures): number {
  const w = OFFER_WEIGHTS;
  return w.eveningShare * f.eveningShare + w.nightShare * f.nightShare + w.mobileShare * f.mobileShare
    + w.uniqueShare * f.uniqueShare + w.logPlays * f.logPlays + w.level * f.level
    + (f.linkedWithApps ? w.linkedWithApps : 0) + w.tenureYears * f.tenureYears + w.campaign[f.campaign];
}

/** The intercept that makes the mean click probability over `scores` equal `rate` (bisection). */
export function calibrateIntercept(scores: readonly number[], rate: number): number {
  let lo = -100;
  let hi = 100;
  for (let i = 0; i < 80; i++) {
    const mid = (lo + hi) / 2;
    let mean = 0;
    for (const s of scores) mean += sigmoid(mid + s);
    if (mean / scores.length < rate) lo = mid;
    else hi = mid;
  }
  return (lo + hi) / 2;
}

/** Offered the one-day Gold pass: active, below Gold, and listened at least once. */
export function isOffered(customer: Customer, tally: ListeningTally): boolean {
  return customer.active && customer.level < GOLD && tally.plays[customer.id] > 0;
}

/** Other ads: clicked now and then by anyone who listens, a second time sometimes, whatever their habits. */
const OTHER_ADS: ReadonlyArray<{ ad: string; chance: (c: Customer) => number }> = [
  { ad: 'ADV_FREE_REFERRAL', chance: (c) => (c.linkedWithApps ? 0.07 : 0.04) },
  { ad: 'ADV_DONATION', chance: (c) => (c.level === GOLD ? 0.05 : 0.015) },
  { ad: 'ADV_CONCERT_TICKETS', chance: () => 0.03 },
];

export interface ClickOutcome {
  clicks: Click[]; // in time order, event ids from 0
  offered: number;
  offerClicks: number;
  intercept: number;
}

export function generateClicks(customers: Customer[], tally: ListeningTally, random: Random): ClickOutcome {
  const offered = customers.filter((c) => isOffered(c, tally));
  const scores = offered.map((c) => offerScore(offerFeatures(c, tally)));
  const intercept = offered.length > 0 ? calibrateIntercept(scores, OFFER_CLICK_RATE) : 0;
  const clicks: Click[] = [];
  // A click lands while the customer is around: somewhere between their first and last play, on the second.
  const when = (c: Customer): number => {
    const from = tally.firstSeen[c.id];
    return from + Math.floor((random.next() * (tally.lastSeen[c.id] - from)) / 1000) * 1000;
  };
  offered.forEach((customer, i) => {
    if (random.chance(sigmoid(intercept + scores[i]))) clicks.push({ eventId: -1, customerId: customer.id, ad: OFFER_AD, time: when(customer) });
  });
  const offerClicks = clicks.length;
  for (const customer of customers) {
    if (tally.plays[customer.id] === 0) continue;
    for (const other of OTHER_ADS) {
      if (!random.chance(other.chance(customer))) continue;
      clicks.push({ eventId: -1, customerId: customer.id, ad: other.ad, time: when(customer) });
      if (random.chance(0.2)) clicks.push({ eventId: -1, customerId: customer.id, ad: other.ad, time: when(customer) });
    }
  }
  clicks.sort((a, b) => a.time - b.time || a.customerId - b.customerId);
  clicks.forEach((click, i) => { click.eventId = i; });
  return { clicks, offered: offered.length, offerClicks, intercept };
}
