// Generated customers (cust.csv) and the listening habits behind their plays. The file holds only what the
// reference holds; the habits (activity, dayparts, mobile use, replaying) stay in memory and shape tracks.csv.
import { ageBand, derivedAge } from '../demographics.js';
import { AGE_BANDS, GOLD, type Campaign, type Customer, type Level } from '../records.js';
import { DAY } from '../pipeline/time.js';
import { formatIsoDate } from '../formats/datetime.js';
import type { Catalogue } from './catalogue.js';
import type { ZipAtlas } from './geography.js';
import { FEMALE_FIRST_NAMES, LAST_NAMES, MALE_FIRST_NAMES, STREET_NOUNS, STREET_SUFFIXES, STREET_WORDS } from './names.js';
import { Random, WeightedPicker } from './random.js';

// Shares shaped like the reference cust.csv (5,000 customers).
const FEMALE_SHARE = 0.42;
const ACTIVE_SHARE = 0.9;
const LEVEL_SHARES = [0.57, 0.33, 0.1]; // Free, Silver, Gold
const CAMPAIGN_SHARES = [0.12, 0.58, 0.05, 0.1, 0.15]; // NONE, 30DAYFREE, SUPERBOWL, RETAILSTORE, WEBOFFER
const LINKED_SHARE = 0.5;
/** Sign-ups reach this far back before the listening period, most of them recent (a growing service). */
const SIGNUP_SPAN_DAYS = 1000;

export interface Home {
  customer: Customer;
  state: string;
}

export function generateCustomers(count: number, periodStart: number, atlas: ZipAtlas, random: Random): Home[] {
  const levels = new WeightedPicker(LEVEL_SHARES);
  const campaigns = new WeightedPicker(CAMPAIGN_SHARES);
  const homes: Home[] = [];
  for (let id = 0; id < count; id++) {
    const female = random.chance(FEMALE_SHARE);
    const first = random.pick(female ? FEMALE_FIRST_NAMES : MALE_FIRST_NAMES);
    const home = atlas.anywhere(random);
    const daysBefore = 1 + Math.floor(SIGNUP_SPAN_DAYS * random.next() ** 2.2);
    homes.push({
      state: home.state,
      customer: {
        id,
        name: `${first} ${random.pick(LAST_NAMES)}`,
        gender: female ? 'female' : 'male',
        address: `${random.between(100, 99_999)} ${random.pick(STREET_WORDS)} ${random.pick(STREET_NOUNS)} ${random.pick(STREET_SUFFIXES)}`,
        zip: home.zip,
        signDate: formatIsoDate(periodStart - daysBefore * DAY),
        active: random.chance(ACTIVE_SHARE),
        level: levels.pick(random) as Level,
        campaign: campaigns.pick(random) as Campaign,
        linkedWithApps: random.chance(LINKED_SHARE),
        age: derivedAge(id), // the file has no age column; readers derive the same value
        ageSource: 'derived',
      },
    });
  }
  return homes;
}

/** Preference weights for [morning, afternoon, evening, night], multiplied into the service's hourly rhythm. */
type DaypartWeights = [number, number, number, number];

const CHRONOTYPES: Array<{ share: number; weights: DaypartWeights }> = [
  { share: 0.2, weights: [3, 1.5, 1.2, 0.3] }, // commuters: mornings
  { share: 0.2, weights: [1.2, 3, 1.2, 0.3] }, // at a desk: afternoons
  { share: 0.3, weights: [0.8, 1, 3.5, 0.8] }, // evenings at home
  { share: 0.15, weights: [0.5, 0.8, 2, 4] }, // night owls
  { share: 0.15, weights: [1, 1, 1, 1] }, // no pattern
];

/** Typical share of plays on a phone by age band (AGE_BANDS order). */
const MOBILE_BY_AGE_BAND = [0.8, 0.72, 0.6, 0.5, 0.4, 0.3, 0.22];

export interface Listener {
  customer: Customer;
  state: string;
  activity: number; // relative number of listening sessions
  dayparts: DaypartWeights;
  mobileBase: number; // chance a session is on a phone, before the hour's shift
  repeatChance: number; // chance a session holds an "on repeat" run of one track
  favouriteChance: number; // chance a play comes from the favourites
  favourites: number[]; // track ids
}

export function generateListeners(homes: Home[], catalogue: Catalogue, random: Random): Listener[] {
  const chronotypes = new WeightedPicker(CHRONOTYPES.map((c) => c.share));
  return homes.map(({ customer, state }) => {
    const band = AGE_BANDS.indexOf(ageBand(customer.age));
    const young = band <= 1;
    const older = band >= 5;
    const base = CHRONOTYPES[chronotypes.pick(random)].weights;
    const dayparts = base.map((w, i) => {
      const ageTilt = (young && i >= 2 ? 1.4 : 1) * (older && i === 0 ? 1.5 : 1) * (older && i === 3 ? 0.5 : 1);
      return w * ageTilt * random.lognormal(0.25);
    }) as DaypartWeights;
    const repeater = random.chance(young ? 0.3 : 0.18);
    const favourites = new Set<number>();
    const wanted = random.between(6, 20);
    const artist = catalogue.byArtist[random.int(catalogue.byArtist.length)];
    while (favourites.size < Math.min(wanted, catalogue.tracks.length)) {
      favourites.add(random.chance(0.5) ? random.pick(artist) : catalogue.popularity.pick(random));
    }
    return {
      customer,
      state,
      activity: random.lognormal(0.8) * (customer.active ? 1 : 0.05) * (customer.level === GOLD ? 1.3 : 1),
      dayparts,
      mobileBase: Math.min(0.97, Math.max(0.03, MOBILE_BY_AGE_BAND[band] + 0.12 * random.normal())),
      repeatChance: repeater ? 0.4 : 0.05,
      favouriteChance: 0.1 + 0.5 * random.next(),
      favourites: [...favourites],
    };
  });
}
