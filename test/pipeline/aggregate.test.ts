import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { FACETS, countCells, facetLevel, facetMobile, facetSelection } from '../../src/lib/pipeline/aggregate.js';
import { enrich } from '../../src/lib/pipeline/enrich.js';
import type { Customer, PlayEvent, Track } from '../../src/lib/records.js';

const customer: Customer = {
  id: 1, name: 'Ann', gender: 'female', address: '1 Main St', zip: '10001', signDate: '2013-01-15', active: true,
  level: 1, campaign: 2, linkedWithApps: true, age: 30, ageSource: 'file',
};
const track: Track = { id: 9, title: 'Ohio', artist: 'Neil Young', lengthSec: 180 };
const T = Date.UTC(2014, 9, 20, 8, 15, 30);

describe('enrich', () => {
  it('joins customer, track and the place of the listening zip', () => {
    const play = enrich({ eventId: 1, customerId: 1, trackId: 9, time: T, mobile: true, zip: '94103' }, customer, track);
    assert.equal(play.customer?.level, 1);
    assert.equal(play.ageBand, '25-34');
    assert.equal(play.track?.artist, 'Neil Young');
    assert.equal(play.place?.state, 'CA');
    assert.equal(play.place?.city, 'San Francisco');
    assert.equal(play.daypart, 'morning');
    assert.deepEqual(play.flags, []);
  });

  it('flags what it cannot join and keeps the play', () => {
    const play = enrich({ eventId: 2, customerId: 404, trackId: 404, time: T, mobile: false, zip: '00000' }, undefined, undefined);
    assert.deepEqual(play.flags, ['unknown_customer', 'unknown_track', 'unknown_zip']);
    assert.equal(play.customer, null);
  });
});

describe('countCells', () => {
  it('merges plays per bucket and dimension value, with the mobile part', () => {
    const e = (id: number, minuteOffset: number, mobile: boolean): PlayEvent =>
      ({ eventId: id, customerId: 1, trackId: 9, time: T + minuteOffset * 60_000, mobile, zip: '94103' });
    const plays = [e(1, 0, true), e(2, 0, false), e(3, 1, true)].map((p) => enrich(p, customer, track));
    const deltas = countCells(plays);
    const find = (grain: string, dim: string, value: string) => deltas.filter((d) => d.grain === grain && d.dim === dim && d.value === value);
    assert.deepEqual(find('minute', 'all', '').map((d) => [d.plays, d.mobilePlays]), [[2, 1], [1, 1]]);
    assert.deepEqual(find('hour', 'state', 'CA').map((d) => [d.bucket, d.plays, d.mobilePlays]), [[Date.UTC(2014, 9, 20, 8), 3, 2]]);
    assert.deepEqual(find('hour', 'level', 'Silver').map((d) => d.plays), [3]);
    assert.deepEqual(find('hour', 'campaign', 'SUPERBOWL').map((d) => d.plays), [3]);
    assert.deepEqual(find('day', 'artist', 'Neil Young').map((d) => [d.bucket, d.plays]), [[Date.UTC(2014, 9, 20), 3]]);
    assert.deepEqual(find('day', 'track', '9').map((d) => d.plays), [3]);
    const total = deltas.filter((d) => d.grain === 'hour' && d.dim === 'gender').reduce((s, d) => s + d.plays, 0);
    assert.equal(total, 3, 'each play counts once per dimension');
  });

  it('splits each cell by device and level, the split a filter selects from', () => {
    const known = enrich({ eventId: 1, customerId: 1, trackId: 9, time: T, mobile: true, zip: '94103' }, customer, track);
    const stranger = enrich({ eventId: 2, customerId: 2, trackId: 9, time: T, mobile: false, zip: '94103' }, undefined, track);
    const [cell] = countCells([known, known, stranger]).filter((c) => c.grain === 'minute' && c.dim === 'all');
    const split = [...cell.facets].flatMap((n, facet) => (n > 0 ? [[facetMobile(facet), facetLevel(facet), n]] : []));
    assert.deepEqual(split, [[0, 'unknown', 1], [1, 'Silver', 2]]);
    assert.equal(cell.facets.length, FACETS);
    assert.deepEqual(facetSelection({ mobile: true, level: 1 }), { mobiles: [1], levels: ['Silver'] });
    assert.deepEqual(facetSelection({}).levels, ['Free', 'Silver', 'Gold', 'unknown']);
  });
});
