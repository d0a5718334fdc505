import assert from 'node:assert/strict';
import { test } from 'node:test';
import { formatClickLine, parseClickLine, REFERENCE_CLICK_COLUMNS } from '../../src/lib/formats/clicks.js';
import { formatCustomerLine, parseCustomerLine, REFERENCE_CUSTOMER_COLUMNS } from '../../src/lib/formats/customers.js';
import { formatMusicLine, parseMusicLine } from '../../src/lib/formats/music.js';
import type { Customer } from '../../src/lib/records.js';

const gregory: Customer = {
  id: 0, name: 'Gregory Koval', gender: 'male', address: '13004 Easy Cider Point', zip: '72132', signDate: '2013-06-04',
  active: true, level: 1, campaign: 1, linkedWithApps: false, age: 30, ageSource: 'derived',
};

test('customers are written exactly as the reference and read back', () => {
  assert.equal(formatCustomerLine(gregory), '0,"Gregory Koval",0,"13004 Easy Cider Point","72132","06/04/2013",1,1,1,0');
  const odd: Customer = { ...gregory, id: 7, name: 'Jo "JJ" O\'Brien', gender: 'unknown', address: '1 Main St, Apt 2', active: false, level: 2, campaign: 4, linkedWithApps: true };
  const read = parseCustomerLine(formatCustomerLine(odd), REFERENCE_CUSTOMER_COLUMNS, 0);
  assert.ok(read.ok && read.repaired === undefined);
  assert.deepEqual({ ...read.value, age: 0 }, { ...odd, age: 0 });
});

test('tracks of the catalogue are written unquoted, as the reference, unless a value needs quotes', () => {
  assert.equal(formatMusicLine({ id: 0, title: 'Caught Up In You', artist: '.38 Special', lengthSec: 200 }), '0,Caught Up In You,.38 Special,200');
  const track = { id: 5, title: 'Hello, Goodbye', artist: 'The "Fab" Four', lengthSec: 208 };
  assert.equal(formatMusicLine(track), '5,"Hello, Goodbye","The ""Fab"" Four",208');
  assert.deepEqual(parseMusicLine(formatMusicLine(track)), { ok: true, value: track });
});

test('clicks are written with quoted ad and time and read back', () => {
  const click = { eventId: 3, customerId: 109, ad: 'ADV_REDUCED_1DAY', time: Date.UTC(2014, 9, 3, 19, 12, 44) };
  assert.equal(formatClickLine(click), '3,109,"ADV_REDUCED_1DAY","2014-10-03 19:12:44"');
  assert.deepEqual(parseClickLine(formatClickLine(click), REFERENCE_CLICK_COLUMNS), { ok: true, value: click });
});
