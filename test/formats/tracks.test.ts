import assert from 'node:assert/strict';
import { test } from 'node:test';
import { formatTrackLine, isTrackHeader, parseTrackLine } from '../../src/lib/formats/tracks.js';
import type { PlayEvent } from '../../src/lib/records.js';

const REFERENCE = '0,48,453,"2014-10-23 03:26:20",0,"72132"';
const EVENT: PlayEvent = { eventId: 0, customerId: 48, trackId: 453, time: Date.UTC(2014, 9, 23, 3, 26, 20), mobile: false, zip: '72132' };

function valueOf(text: string): PlayEvent {
  const read = parseTrackLine(text);
  assert.ok(read.ok, `expected "${text}" to read, got ${read.ok ? '' : read.reason}`);
  return read.value;
}

function reasonOf(text: string): string {
  const read = parseTrackLine(text);
  assert.ok(!read.ok, `expected "${text}" to be rejected`);
  return read.reason;
}

test('reads the reference line as UTC wall-clock time', () => {
  assert.deepEqual(parseTrackLine(REFERENCE), { ok: true, value: EVENT });
  assert.equal(valueOf('7,1,2,"2014-12-31 23:59:59",1,"02553"').mobile, true);
});

test('writes exactly the reference form and reads it back', () => {
  assert.equal(formatTrackLine(EVENT), REFERENCE);
  const leapDay = { ...EVENT, eventId: 99, time: Date.UTC(2016, 1, 29, 0, 0, 5), mobile: true, zip: '00501' };
  assert.deepEqual(valueOf(formatTrackLine(leapDay)), leapDay);
});

test('irregular but readable lines read the same as the reference form', () => {
  assert.deepEqual(valueOf(' 0 , 48 ,"453", "2014-10-23 03:26:20" ,0, 72132 '), EVENT);
  assert.deepEqual(valueOf('0,48,453,2014-10-23T03:26:20,0,"72132"'), EVENT);
});

test('a zip that lost its leading zero is padded back and flagged as repaired', () => {
  const read = parseTrackLine('1,2,3,"2014-10-23 03:26:20",1,"2553"');
  assert.ok(read.ok);
  assert.equal(read.value.zip, '02553');
  assert.match(read.repaired ?? '', /zero-padded/);
  const plus4 = parseTrackLine('1,2,3,"2014-10-23 03:26:20",1,"72132-1234"');
  assert.ok(plus4.ok && plus4.value.zip === '72132' && /ZIP\+4/.test(plus4.repaired ?? ''));
});

test('each bad field is rejected with a reason that names it', () => {
  assert.match(reasonOf('x,48,453,"2014-10-23 03:26:20",0,"72132"'), /event_id "x"/);
  assert.match(reasonOf('0,-48,453,"2014-10-23 03:26:20",0,"72132"'), /customer_id "-48"/);
  assert.match(reasonOf('0,48,4.5,"2014-10-23 03:26:20",0,"72132"'), /track_id "4.5"/);
  assert.match(reasonOf('0,48,453,"2014-02-30 03:26:20",0,"72132"'), /time "2014-02-30 03:26:20" is not a real date-time/);
  assert.match(reasonOf('0,48,453,"2014-10-23 24:00:00",0,"72132"'), /time/);
  assert.match(reasonOf('0,48,453,"2014-10-23 03:26:20",2,"72132"'), /ismobile "2"/);
  assert.match(reasonOf('0,48,453,"2014-10-23 03:26:20",0,"72"'), /zip "72"/);
  assert.match(reasonOf('0,48,453,"2014-10-23 03:26:20",0'), /expected 6 fields .* found 5/);
  assert.match(reasonOf('0,48,453,"2014-10-23 03:26:20",0,"72132",extra'), /found 7/);
});

test('every truncation of a line is rejected with a reason or read as repaired, never a hang or a throw', () => {
  for (let end = 0; end < REFERENCE.length; end++) {
    const read = parseTrackLine(REFERENCE.slice(0, end));
    assert.ok(read.ok ? read.repaired !== undefined : read.reason.length > 0, `prefix ${end}`);
  }
});

test('a line with a broken quote is mended when its fields still check out', () => {
  const read = parseTrackLine('0,48,453,"2014-10-23 03:26:20,0,"72132"');
  assert.ok(read.ok);
  assert.deepEqual(read.value, EVENT);
  assert.match(read.repaired ?? '', /broken quoting/);
});

test('recognises a header row someone added, and only that', () => {
  assert.ok(isTrackHeader('event_id,customer_id,track_id,datetime,ismobile,zip'));
  assert.ok(isTrackHeader('"EventID","CustID","TrackId","Time","IsMobile","Zip"'));
  assert.ok(!isTrackHeader(REFERENCE));
  assert.ok(!isTrackHeader('garbage,1,2'));
});
