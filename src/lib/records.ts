// Typed records that flow through musicflow. Times are epoch milliseconds; the reference log's
// "YYYY-MM-DD HH:MM:SS" carries no zone, so it is read as UTC wall-clock time and dayparts use that hour.

export type Gender = 'male' | 'female' | 'unknown';
export type Level = 0 | 1 | 2; // 0 Free, 1 Silver, 2 Gold
export type Campaign = 0 | 1 | 2 | 3 | 4; // NONE, 30DAYFREE, SUPERBOWL, RETAILSTORE, WEBOFFER
export type AgeSource = 'file' | 'derived';
export type Daypart = 'morning' | 'afternoon' | 'evening' | 'night';

export const LEVEL_NAMES = ['Free', 'Silver', 'Gold'] as const;
export const CAMPAIGN_NAMES = ['NONE', '30DAYFREE', 'SUPERBOWL', 'RETAILSTORE', 'WEBOFFER'] as const;
export const AGE_BANDS = ['<18', '18-24', '25-34', '35-44', '45-54', '55-64', '65+'] as const;
export type AgeBand = (typeof AGE_BANDS)[number];
export const GOLD: Level = 2;

export interface Customer {
  id: number;
  name: string;
  gender: Gender;
  address: string;
  zip: string;
  signDate: string; // ISO YYYY-MM-DD
  active: boolean; // Status 1
  level: Level;
  campaign: Campaign;
  linkedWithApps: boolean;
  age: number;
  ageSource: AgeSource; // 'derived' when the file had no age: never shown as a fact
  /** E.164 (`+` and 8 to 15 digits), from cust.csv's optional Phone column; absent when the file has none. */
  phone?: string;
}

export interface Track {
  id: number;
  title: string;
  artist: string;
  lengthSec: number;
}

/** One line of the listening log (tracks.csv). */
export interface PlayEvent {
  eventId: number;
  customerId: number;
  trackId: number;
  time: number;
  mobile: boolean;
  zip: string; // where the customer listened
}

/** One line of clicks.csv. */
export interface Click {
  eventId: number;
  customerId: number;
  ad: string; // e.g. ADV_REDUCED_1DAY
  time: number;
}

/** One line of features.txt (libsvm). */
export interface LabeledRow {
  label: 0 | 1;
  features: number[];
}

export interface Place {
  state: string;
  city: string;
  lat: number;
  lon: number;
}

/** A play joined with what is known of its customer, track and place. */
export interface EnrichedPlay extends PlayEvent {
  customer: Pick<Customer, 'name' | 'address' | 'gender' | 'age' | 'ageSource' | 'zip' | 'active' | 'level' | 'campaign' | 'linkedWithApps' | 'signDate'> | null;
  ageBand: AgeBand | null;
  track: Pick<Track, 'title' | 'artist' | 'lengthSec'> | null;
  place: Place | null;
  daypart: Daypart;
  flags: string[]; // e.g. unknown_customer, unknown_track, unknown_zip
}

/** The live per-customer table ("customer behaviours" in the reference design). */
export interface Profile {
  customerId: number;
  plays: number;
  mobilePlays: number;
  morning: number;
  afternoon: number;
  evening: number;
  night: number;
  uniqueTracks: number;
  firstSeen: number;
  lastSeen: number;
}

/** Per (customer, track) state: play count, recent play times for the interest window, detection. */
export interface ListenPair {
  customerId: number;
  trackId: number;
  plays: number;
  recent: number[]; // sorted event times still inside the allowed lateness
  interestAt: number | null; // event time of the play that completed the first 3-in-30-minutes window
}

export interface Interest {
  customerId: number;
  trackId: number;
  detectedAt: number;
}

/** An interest as the stream detects it: also when its window began (stores keep only the interest). */
export interface DetectedInterest extends Interest {
  windowStart: number;
}

/** A line that could not be used, kept with where it came from and why. */
export interface DeadLetter {
  source: string; // file path or log position
  line: number | null;
  reason: string;
  raw: string;
  stage: 'seed' | 'replay' | 'stream';
  at: number;
}
