// Small hand-made data sets whose right answers are known exactly, written in the reference formats.
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { formatTrackLine } from '../../src/lib/formats/tracks.js';
import type { PlayEvent } from '../../src/lib/records.js';

export const T0 = Date.UTC(2014, 9, 20, 8, 0, 0); // 2014-10-20 08:00:00, a morning
const MIN = 60_000;

export function tempDir(prefix = 'musicflow-test-'): string {
  return mkdtempSync(join(tmpdir(), prefix));
}

export interface Fixture {
  dir: string;
  customers: string;
  music: string;
  tracks: string;
  goodEvents: PlayEvent[];
  badLines: number; // lines of tracks.csv that must be dead-lettered
  expectedInterests: Array<[number, number]>; // [customer, track]
}

/**
 * Customers 1..4 (1 and 2 Free and active, 3 Gold, 4 closed), tracks 10..13. Customer 1 plays track 10
 * three times in 25 minutes, out of order (an interest); customer 2 plays track 11 three times over
 * 40 minutes (no interest); customer 9 is unknown; two lines are broken.
 */
export function smallFixture(): Fixture {
  const dir = tempDir();
  const customers = join(dir, 'cust.csv');
  writeFileSync(customers, [
    'CustID,Name,Gender,Address,zip,SignDate,Status,Level,Campaign,LinkedWithApps',
    '1,"Ann <b>Bold</b>",1,"1 Main St","10001","01/15/2013",1,0,1,1',
    '2,"Bob Brown",0,"2 Oak Ave","94103","03/02/2013",1,1,0,0',
    '3,"Cy Gold",0,"3 Elm Rd","60601","07/04/2012",1,2,2,1',
    '4,"Di Closed",1,"4 Pine Ln","73301","11/11/2013",0,0,4,0',
  ].join('\n') + '\n');
  const music = join(dir, 'music.csv');
  writeFileSync(music, [
    'TrackId,Title,Artist,Length',
    '10,Caught Up In You,.38 Special,200',
    '11,Hold On Loosely,.38 Special,253',
    '12,Helplessly Hoping,"Crosby,195',
    '13,Ohio,Neil Young,180',
  ].join('\n') + '\n');
  let id = 0;
  const play = (customerId: number, trackId: number, minutes: number, mobile = false, zip = '10001'): PlayEvent =>
    ({ eventId: id++, customerId, trackId, time: T0 + minutes * MIN, mobile, zip });
  const goodEvents = [
    play(1, 10, 25, true),
    play(1, 10, 0, true),
    play(2, 11, 0, false, '94103'),
    play(1, 10, 12, false), // completes 0-12-25 (out of order)
    play(2, 11, 20, true, '94103'),
    play(2, 11, 40, true, '94103'), // 0-20-40 spans 40 minutes: no interest
    play(3, 12, 5, false, '60601'),
    play(4, 13, 600, true, '73301'),
    play(9, 13, 700, false, '99999'), // unknown customer, unknown zip: flagged, still counted
    play(1, 11, 60 * 12, false), // 20:00, evening
  ];
  const lines = goodEvents.map(formatTrackLine);
  lines.splice(3, 0, 'this is not a play');
  lines.splice(7, 0, '77,1,10,"2014-13-45 99:00:00",1,"10001"');
  const tracks = join(dir, 'tracks.csv');
  writeFileSync(tracks, lines.join('\n') + '\n');
  return { dir, customers, music, tracks, goodEvents, badLines: 2, expectedInterests: [[1, 10]] };
}
