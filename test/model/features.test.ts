import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { buildExamples, customerFeatures, isEligible, offerClickers, OFFER_AD, recentWindow, REFERENCE_FEATURES, STORE_FEATURES } from '../../src/lib/model/features.js';
import { parseTrackLine } from '../../src/lib/formats/tracks.js';
import { advanceProfile } from '../../src/lib/pipeline/profile.js';
import { DAY } from '../../src/lib/pipeline/time.js';
import type { Profile } from '../../src/lib/records.js';
import { customer, profile } from './fixtures.js';

const T = Date.UTC(2014, 0, 10);

describe('customer features', () => {
  it('match a hand-computed profile, in STORE_FEATURES order', () => {
    const p = profile(1, { plays: 10, mobilePlays: 4, morning: 2, afternoon: 3, evening: 4, night: 1, uniqueTracks: 8, firstSeen: T, lastSeen: T + 2 * DAY + 3_600_000 });
    const c = customer(1, { signDate: '2014-01-01', level: 1, linkedWithApps: true, gender: 'female', age: 30, campaign: 2 });
    const asOf = Date.UTC(2014, 0, 31); // 30 days after signing
    const expected: Record<string, number> = {
      morning_share: 0.2, afternoon_share: 0.3, evening_share: 0.4, night_share: 0.1, mobile_share: 0.4, unique_share: 0.8,
      log_plays: Math.log(11), plays_per_day: 10 / 3, // the span covers parts of 3 days
      level: 1, tenure_days: 30, linked_apps: 1, gender_female: 1, gender_male: 0,
      'age_25-34': 1, campaign_SUPERBOWL: 1,
    };
    const features = customerFeatures(p, c, asOf);
    assert.equal(features.length, STORE_FEATURES.length);
    STORE_FEATURES.forEach((name, i) => assert.ok(Math.abs(features[i] - (expected[name] ?? 0)) < 1e-12, `${name}: ${features[i]}`));
    assert.deepEqual(STORE_FEATURES.slice(0, 6), REFERENCE_FEATURES);
  });

  it('the reference six, from tracks.csv lines, are the shares a features.txt row holds', () => {
    // Daypart edges as the reference computed them: night before 05:00 and from 22:00, morning before 12:00,
    // afternoon before 17:00, evening before 22:00. Track 7 is played three times.
    const lines = [
      '1,9,7,"2014-10-01 04:59:59",1,"10001"', // night
      '2,9,7,"2014-10-01 05:00:00",0,"10001"', // morning
      '3,9,8,"2014-10-01 11:59:59",1,"10001"', // morning
      '4,9,7,"2014-10-01 12:00:00",0,"10001"', // afternoon
      '5,9,9,"2014-10-01 16:59:59",0,"10001"', // afternoon
      '6,9,10,"2014-10-01 17:00:00",1,"10001"', // evening
      '7,9,11,"2014-10-01 21:59:59",0,"10001"', // evening
      '8,9,12,"2014-10-01 22:00:00",0,"10001"', // night
    ];
    const seen = new Set<number>();
    let live: Profile | undefined;
    for (const line of lines) {
      const parsed = parseTrackLine(line, Date.UTC(2015, 0, 1));
      assert.ok(parsed.ok, line);
      live = advanceProfile(live, parsed.value, !seen.has(parsed.value.trackId));
      seen.add(parsed.value.trackId);
    }
    const shares = customerFeatures(live!, customer(9), Date.UTC(2014, 9, 2)).slice(0, REFERENCE_FEATURES.length);
    // label 1:morning 2:afternoon 3:evening 4:night 5:mobile 6:unique, each over all 8 plays.
    assert.deepEqual(shares, [2 / 8, 2 / 8, 2 / 8, 2 / 8, 3 / 8, 6 / 8]);
  });

  it('give no age band for a derived age, and zero shares without plays', () => {
    const features = customerFeatures(
      profile(2, { plays: 0, mobilePlays: 0, morning: 0, afternoon: 0, evening: 0, night: 0, uniqueTracks: 0 }),
      customer(2, { ageSource: 'derived', age: 30, gender: 'unknown' }), T);
    const named = Object.fromEntries(STORE_FEATURES.map((n, i) => [n, features[i]]));
    for (const name of STORE_FEATURES.filter((n) => n.startsWith('age_') || n.endsWith('_share') || n.startsWith('gender_'))) assert.equal(named[name], 0, name);
    assert.equal(named.plays_per_day, 0);
    assert.equal(named.campaign_NONE, 1);
  });

  it('eligible means active and below Gold', () => {
    assert.equal(isEligible(customer(1, { level: 0 })), true);
    assert.equal(isEligible(customer(1, { level: 1 })), true);
    assert.equal(isEligible(customer(1, { level: 2 })), false);
    assert.equal(isEligible(customer(1, { active: false })), false);
  });
});

describe('labels', () => {
  const clicks = [
    { eventId: 1, customerId: 1, ad: OFFER_AD, time: T - 40 * DAY }, // before a 30-day window
    { eventId: 2, customerId: 2, ad: OFFER_AD, time: T - 5 * DAY },
    { eventId: 3, customerId: 3, ad: 'ADV_FREE_REFERRAL', time: T - DAY }, // another ad is no label
  ];

  it('count only clicks on the offer inside the window', () => {
    assert.deepEqual([...offerClickers(clicks, { from: null, to: T })].sort(), [1, 2]);
    assert.deepEqual([...offerClickers(clicks, { from: T - 30 * DAY, to: T })], [2]);
  });

  it('the window ends at the last play', () => {
    assert.deepEqual(recentWindow([profile(1, { lastSeen: T }), profile(2, { lastSeen: T - DAY })], 30 * DAY), { from: T - 30 * DAY, to: T });
    assert.deepEqual(recentWindow([profile(1, { lastSeen: T })], null), { from: null, to: T });
  });

  it('examples: listeners in the window, joined to their customer, labelled by clicks', () => {
    const profiles = [profile(1, { lastSeen: T }), profile(2, { lastSeen: T }), profile(3, { lastSeen: T - 60 * DAY }), profile(4, { lastSeen: T })];
    const customers = new Map([1, 2, 3].map((id) => [id, customer(id)]));
    const set = buildExamples(profiles, customers, clicks, 30 * DAY);
    assert.deepEqual(set.examples.map((e) => [e.customerId, e.label]), [[1, 0], [2, 1]]);
    assert.equal(set.unknownCustomers, 1); // customer 4 has a profile but no record
    const all = buildExamples(profiles, customers, clicks, null);
    assert.deepEqual(all.examples.map((e) => [e.customerId, e.label]), [[1, 1], [2, 1], [3, 0]]);
  });
});
