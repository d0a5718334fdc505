// The generated listening log (tracks.csv): sessions of consecutive plays, started hour by hour following a
// daily and weekly rhythm, each on one device and in one place, emitted in time order with a little jitter.
import type { Daypart, PlayEvent } from '../records.js';
import { DAY, HOUR, daypartOf } from '../pipeline/time.js';
import type { Catalogue } from './catalogue.js';
import type { ZipAtlas } from './geography.js';
import type { Listener } from './people.js';
import { apportion, Random, WeightedPicker } from './random.js';

/** Relative plays per hour of day (UTC wall clock), weekdays: quiet nights, a commute bump, an evening peak. */
export const WEEKDAY_HOURS = [
  1.4, 0.9, 0.6, 0.45, 0.45, 0.8, 1.8, 3.2, 3.8, 3.4, 3.2, 3.4,
  3.9, 3.6, 3.4, 3.6, 4.2, 4.8, 5.2, 5.8, 6.2, 5.9, 4.4, 2.6,
];
/** Weekends: later mornings, a fuller afternoon, later nights. */
export const WEEKEND_HOURS = [
  2.2, 1.6, 1.1, 0.7, 0.5, 0.5, 0.8, 1.3, 2.0, 2.9, 3.8, 4.3,
  4.6, 4.7, 4.7, 4.6, 4.7, 4.9, 5.2, 5.5, 5.7, 5.4, 4.3, 3.2,
];
/** Relative plays per day of week, Sunday first. */
export const WEEKDAY_VOLUME = [1.0, 0.93, 0.95, 0.97, 1.0, 1.08, 1.12];

const DAYPART_INDEX: Record<Daypart, number> = { morning: 0, afternoon: 1, evening: 2, night: 3 };

const MEAN_SESSION_PLAYS = 8;
const MAX_SESSION_PLAYS = 60;
const SKIP_CHANCE = 0.15; // a play cut short
const OWN_ZIP_CHANCE = 0.88; // else elsewhere in the home state (7%) or anywhere (5%)
const SAME_STATE_CHANCE = 0.07;
const SWAP_CHANCE = 0.004; // neighbouring lines that reach the log out of order
/**
 * Sessions per customer per day at which a listener's repeatChance applies as is (about the default sizes).
 * Busier logs scale it down, so listeners go "on repeat" on a similar share of days whatever --events is.
 */
const REPEAT_REFERENCE_SESSIONS_PER_DAY = 0.2;

export function dayOfWeek(time: number): number {
  return (Math.floor(time / DAY) + 4) % 7; // 1970-01-01 was a Thursday
}

function isWeekend(time: number): boolean {
  const dow = dayOfWeek(time);
  return dow === 0 || dow === 6;
}

/** How much likelier a phone is at this hour: commutes and bed up, office hours down. */
function mobileShift(hour: number, weekend: boolean): number {
  if (hour < 6) return 0.1;
  if (weekend) return 0.05;
  if (hour < 9) return 0.15;
  if (hour < 17) return -0.15;
  if (hour < 19) return 0.12;
  return hour >= 22 ? 0.08 : 0;
}

/** Plays per hour of the period, summing exactly to `events`. */
export function hourlyQuotas(start: number, days: number, events: number): number[] {
  const weights: number[] = [];
  for (let h = 0; h < days * 24; h++) {
    const time = start + h * HOUR;
    const curve = isWeekend(time) ? WEEKEND_HOURS : WEEKDAY_HOURS;
    weights.push(WEEKDAY_VOLUME[dayOfWeek(time)] * curve[h % 24]);
  }
  return apportion(weights, events);
}

export interface ListeningPlan {
  start: number; // epoch ms, midnight UTC
  days: number;
  events: number;
}

/**
 * Yields the plays in chunks, in time order but for a few swapped neighbours, event ids counting up from 0.
 * Exactly `plan.events` plays, all inside the period.
 */
export function* listeningLog(listeners: Listener[], catalogue: Catalogue, atlas: ZipAtlas, plan: ListeningPlan, random: Random): Generator<PlayEvent[]> {
  const end = plan.start + plan.days * DAY;
  const pickers = [0, 1, 2, 3].map((d) => new WeightedPicker(listeners.map((l) => l.activity * l.dayparts[d])));
  const quotas = hourlyQuotas(plan.start, plan.days, plan.events);
  let pending: PlayEvent[] = [];
  let nextEventId = 0;
  const sessionsPerCustomerDay = plan.events / (plan.days * Math.max(1, listeners.length) * MEAN_SESSION_PLAYS);
  const repeatScale = Math.min(1, REPEAT_REFERENCE_SESSIONS_PER_DAY / sessionsPerCustomerDay);

  const release = (before: number): PlayEvent[] => {
    const ready: PlayEvent[] = [];
    const later: PlayEvent[] = [];
    for (const play of pending) (play.time < before ? ready : later).push(play);
    pending = later;
    ready.sort((a, b) => a.time - b.time);
    for (let i = 0; i + 1 < ready.length; i++) {
      if (random.chance(SWAP_CHANCE)) [ready[i], ready[i + 1]] = [ready[i + 1], ready[i]];
    }
    for (const play of ready) play.eventId = nextEventId++;
    return ready;
  };

  const pickTrack = (listener: Listener): number => (random.chance(listener.favouriteChance)
    ? random.pick(listener.favourites)
    : catalogue.popularity.pick(random));

  const zipFor = (listener: Listener): string => {
    const u = random.next();
    if (u < OWN_ZIP_CHANCE) return listener.customer.zip;
    if (u < OWN_ZIP_CHANCE + SAME_STATE_CHANCE) return atlas.inState(random, listener.state).zip;
    return atlas.anywhere(random).zip;
  };

  /** One session from `start`, at most `budget` plays; returns how many it made. */
  const session = (listener: Listener, start: number, hour: number, weekend: boolean, budget: number): number => {
    let length = Math.min(MAX_SESSION_PLAYS, random.geometric(1 / MEAN_SESSION_PLAYS));
    // "On repeat": one track played again and again (sometimes only twice), favourites most often.
    let repeatFrom = Infinity;
    let repeatTrack = -1;
    let repeatsLeft = 0;
    if (random.chance(listener.repeatChance * repeatScale)) {
      repeatFrom = random.int(length);
      repeatTrack = random.chance(0.7) ? random.pick(listener.favourites) : catalogue.popularity.pick(random);
      repeatsLeft = random.chance(0.25) ? 2 : 3 + random.int(3);
      length = Math.max(length, repeatFrom + repeatsLeft);
    }
    length = Math.min(length, budget);
    const mobile = random.chance(listener.mobileBase + mobileShift(hour, weekend));
    const zip = zipFor(listener);
    const customerId = listener.customer.id;
    let time = start;
    let made = 0;
    while (made < length && time < end) {
      let trackId: number;
      if (made >= repeatFrom && repeatsLeft > 0) {
        trackId = repeatTrack;
        repeatsLeft -= 1;
      } else {
        trackId = pickTrack(listener);
      }
      pending.push({ eventId: -1, customerId, trackId, time, mobile, zip });
      made += 1;
      const full = catalogue.tracks[trackId].lengthSec;
      const played = random.chance(SKIP_CHANCE) ? Math.ceil(full * (0.1 + 0.5 * random.next())) : full;
      time += (played + random.int(8)) * 1000;
    }
    return made;
  };

  for (let h = 0; h < quotas.length; h++) {
    const hourStart = plan.start + h * HOUR;
    const ready = release(hourStart);
    if (ready.length > 0) yield ready;
    const picker = pickers[DAYPART_INDEX[daypartOf(hourStart)]];
    const weekend = isWeekend(hourStart);
    for (let left = quotas[h]; left > 0;) {
      const listener = listeners[picker.pick(random)];
      left -= session(listener, hourStart + random.int(3600) * 1000, h % 24, weekend, left);
    }
  }
  const rest = release(Infinity);
  if (rest.length > 0) yield rest;
}
