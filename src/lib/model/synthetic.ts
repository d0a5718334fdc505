// Synthetic listeners with a known, learnable click rule, for the training benchmark and the model tests
// (which may not read the reference data). Deterministic for a seed.
import type { Click, Customer, Profile } from '../records.js';
import { DAY } from '../pipeline/time.js';
import { OFFER_AD } from './features.js';
import { seededRandom } from './split.js';
import { sigmoid } from './train.js';

export interface SyntheticListeners {
  profiles: Profile[];
  customers: Customer[];
  clicks: Click[];
}

const SYNTHETIC_START = Date.UTC(2014, 9, 1);

/**
 * `count` customers over 60 days. Clicks follow a logistic rule in the night and mobile shares, linked
 * apps and level (Gold never clicks), plus label noise, so a good model has a small non-zero error.
 */
export function syntheticListeners(count: number, seed: number): SyntheticListeners {
  const random = seededRandom(seed);
  const pick = <T>(items: readonly T[]): T => items[Math.floor(random() * items.length)];
  const out: SyntheticListeners = { profiles: [], customers: [], clicks: [] };
  for (let id = 0; id < count; id++) {
    const plays = 5 + Math.floor(random() * 300);
    const weights = [random(), random(), random(), random() * (random() < 0.3 ? 3 : 1)];
    const total = weights.reduce((a, b) => a + b, 0);
    const [morning, afternoon, evening] = weights.slice(0, 3).map((w) => Math.floor((plays * w) / total));
    const night = plays - morning - afternoon - evening;
    const mobilePlays = Math.floor(plays * random());
    const firstSeen = SYNTHETIC_START + Math.floor(random() * 30 * DAY);
    const lastSeen = firstSeen + Math.floor(random() * 30 * DAY);
    const level = pick([0, 0, 1, 1, 2] as const);
    const linkedWithApps = random() < 0.4;
    out.profiles.push({
      customerId: id, plays, mobilePlays, morning, afternoon, evening, night,
      uniqueTracks: Math.max(1, Math.floor(plays * (0.3 + 0.7 * random()))), firstSeen, lastSeen,
    });
    out.customers.push({
      id, name: `Listener ${id}`, gender: pick(['male', 'female', 'unknown'] as const), address: `${id} Synthetic Way`,
      zip: '72132', signDate: new Date(SYNTHETIC_START - Math.floor(random() * 700) * DAY).toISOString().slice(0, 10),
      active: random() < 0.9, level, campaign: pick([0, 1, 2, 3, 4] as const), linkedWithApps,
      age: 16 + Math.floor(random() * 60), ageSource: 'file',
    });
    const logit = -5 + 25 * (night / plays - 0.25) + 8 * (mobilePlays / plays - 0.5) + (linkedWithApps ? 3 : 0) - (level === 1 ? 1.5 : 0);
    if (level < 2 && random() < sigmoid(logit)) {
      out.clicks.push({ eventId: out.clicks.length, customerId: id, ad: OFFER_AD, time: firstSeen + Math.floor(random() * (lastSeen - firstSeen + 1)) });
    } else if (random() < 0.05) {
      out.clicks.push({ eventId: out.clicks.length, customerId: id, ad: 'ADV_FREE_REFERRAL', time: lastSeen });
    }
  }
  return out;
}
