import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { advanceProfile } from '../../src/lib/pipeline/profile.js';
import { dayOf, daypartOf } from '../../src/lib/pipeline/time.js';
import type { PlayEvent, Profile } from '../../src/lib/records.js';

const hour = (h: number, m = 0) => Date.UTC(2014, 9, 20, h, m);

describe('dayparts', () => {
  it('splits the day at 5, 12, 17 and 22 hours', () => {
    const cases: Array<[number, number, string]> = [
      [0, 0, 'night'], [4, 59, 'night'], [5, 0, 'morning'], [11, 59, 'morning'], [12, 0, 'afternoon'],
      [16, 59, 'afternoon'], [17, 0, 'evening'], [21, 59, 'evening'], [22, 0, 'night'], [23, 59, 'night'],
    ];
    for (const [h, m, part] of cases) assert.equal(daypartOf(hour(h, m)), part, `${h}:${m}`);
  });

  it('names the UTC day of an event', () => {
    assert.equal(dayOf(hour(23, 59)), '2014-10-20');
  });
});

describe('live profile', () => {
  it('counts plays by daypart and device, unique tracks, first and last seen', () => {
    const play = (h: number, mobile: boolean, trackId: number): PlayEvent => ({ eventId: h, customerId: 5, trackId, time: hour(h), mobile, zip: '10001' });
    let p: Profile | undefined;
    const seen = new Set<number>();
    for (const e of [play(13, true, 1), play(6, false, 2), play(23, true, 1), play(18, false, 3)]) {
      p = advanceProfile(p, e, !seen.has(e.trackId));
      seen.add(e.trackId);
    }
    assert.deepEqual(p, {
      customerId: 5, plays: 4, mobilePlays: 2, morning: 1, afternoon: 1, evening: 1, night: 1, uniqueTracks: 3,
      firstSeen: hour(6), lastSeen: hour(23),
    });
  });
});
