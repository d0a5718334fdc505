// The live per-customer profile: plays by daypart, mobile plays, unique tracks, first and last seen.
import type { PlayEvent, Profile } from '../records.js';
import { daypartOf } from './time.js';

export function emptyProfile(customerId: number): Profile {
  return {
    customerId, plays: 0, mobilePlays: 0, morning: 0, afternoon: 0, evening: 0, night: 0,
    uniqueTracks: 0, firstSeen: Number.POSITIVE_INFINITY, lastSeen: Number.NEGATIVE_INFINITY,
  };
}

/** `newTrack`: the customer had never played this track before. */
export function advanceProfile(profile: Profile | undefined, event: PlayEvent, newTrack: boolean): Profile {
  const p = copyProfile(profile ?? emptyProfile(event.customerId));
  p.plays += 1;
  if (event.mobile) p.mobilePlays += 1;
  p[daypartOf(event.time)] += 1;
  if (newTrack) p.uniqueTracks += 1;
  p.firstSeen = Math.min(p.firstSeen, event.time);
  p.lastSeen = Math.max(p.lastSeen, event.time);
  return p;
}

/** A field-by-field copy: object spread is several times slower on this per-event path. */
function copyProfile(p: Profile): Profile {
  return {
    customerId: p.customerId, plays: p.plays, mobilePlays: p.mobilePlays, morning: p.morning, afternoon: p.afternoon,
    evening: p.evening, night: p.night, uniqueTracks: p.uniqueTracks, firstSeen: p.firstSeen, lastSeen: p.lastSeen,
  };
}
