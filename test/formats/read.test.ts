import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { derivedAge } from '../../src/lib/demographics.js';
import { InputFileError } from '../../src/lib/errors.js';
import { readRecords, type RecordBatch } from '../../src/lib/formats/read.js';
import type { DeadLetter } from '../../src/lib/records.js';
import { tempDir } from '../support/fixtures.js';

function fileWith(content: string): string {
  const file = join(tempDir(), 'data.csv');
  writeFileSync(file, content);
  return file;
}

async function readAll<T>(batches: AsyncGenerator<RecordBatch<T>>): Promise<RecordBatch<T>> {
  const all: RecordBatch<T> = { values: [], rejects: [], duplicates: [], repaired: 0, notUtf8: 0, headers: 0 };
  for await (const batch of batches) {
    all.values.push(...batch.values);
    all.rejects.push(...batch.rejects);
    all.duplicates.push(...batch.duplicates);
    all.repaired += batch.repaired;
    all.notUtf8 += batch.notUtf8;
    all.headers += batch.headers;
  }
  return all;
}

const customers = (content: string) => readAll(readRecords(fileWith(content), 'customers', 'seed'));
const music = (content: string) => readAll(readRecords(fileWith(content), 'music', 'seed'));
const clicks = (content: string) => readAll(readRecords(fileWith(content), 'clicks', 'seed'));
const libsvm = (content: string) => readAll(readRecords(fileWith(content), 'libsvm', 'seed'));
const tracks = (content: string, batchSize?: number) => readAll(readRecords(fileWith(content), 'tracks', 'seed', batchSize));

test('tracks: a bad line becomes a dead letter and never affects the next; a header row is skipped silently', async () => {
  const file = fileWith([
    'event_id,customer_id,track_id,datetime,ismobile,zip',
    '0,48,453,"2014-10-23 03:26:20",0,"72132"',
    '1,48,453,"2014-10-23 03:31:20,1,"72132"', // an unclosed quote, still readable
    '2,48,oops,"2014-10-23 03:36:20",1,"72132"',
    '',
    '3,49,10,"2014-10-23 03:40:00",1,"10001"',
  ].join('\r\n'));
  const before = Date.now();
  const all = await readAll(readRecords(file, 'tracks', 'replay', 2));
  assert.deepEqual(all.values.map((v) => [v.lineNo, v.value.eventId]), [[2, 0], [3, 1], [6, 3]]);
  assert.equal(all.repaired, 1);
  assert.match(all.values[1].repaired ?? '', /broken quoting/);
  assert.equal(all.rejects.length, 1);
  const letter: DeadLetter = all.rejects[0];
  assert.deepEqual({ ...letter, at: 0 }, {
    source: file, line: 4, reason: 'track_id "oops" is not a non-negative integer',
    raw: '2,48,oops,"2014-10-23 03:36:20",1,"72132"', stage: 'replay', at: 0,
  });
  assert.ok(letter.at >= before);
});

test('music: broken quoting in one field is mended and flagged; the following lines are untouched', async () => {
  const all = await music([
    'TrackId,Title,Artist,Length',
    '119,Silver Blue And Gold, Blue And Gold",147',
    '326,Helplessly Hoping,"Crosby,195',
    '327,Long Time Gone,"David Crosby,229',
    '0,"Caught Up In You",".38 Special",200',
    '5,"Hello, Goodbye",The Beatles,208',
    '6,Too,Many,Commas,Here,180',
    '7,No Length,Nobody,',
  ].join('\n') + '\n');
  assert.deepEqual(all.values.map((v) => v.value), [
    { id: 119, title: 'Silver Blue And Gold', artist: 'Blue And Gold', lengthSec: 147 },
    { id: 326, title: 'Helplessly Hoping', artist: 'Crosby', lengthSec: 195 },
    { id: 327, title: 'Long Time Gone', artist: 'David Crosby', lengthSec: 229 },
    { id: 0, title: 'Caught Up In You', artist: '.38 Special', lengthSec: 200 },
    { id: 5, title: 'Hello, Goodbye', artist: 'The Beatles', lengthSec: 208 },
    { id: 6, title: 'Too', artist: 'Many, Commas, Here', lengthSec: 180 },
  ]);
  assert.equal(all.repaired, 4);
  assert.deepEqual(all.values.filter((v) => v.repaired).map((v) => v.lineNo), [2, 3, 4, 7]);
  assert.deepEqual(all.rejects.map((r) => [r.line, r.reason]), [[8, 'Length "" is not a whole number of seconds > 0']]);
});

test('customers: the reference layout, ages derived from the id and marked so, a broken quote mended', async () => {
  const all = await customers('\uFEFFCustID,Name,Gender,Address,zip,SignDate,Status,Level,Campaign,LinkedWithApps\n'
    + '0,"Gregory Koval",0,"13004 Easy Cider Point","72132","06/04/2013",1,1,1,0\n'
    + '1,"Paula Peltier",1,"10084 Easy Gate Bend","2553","01/13/2013",0,2,4,1\n'
    + '2,"Sam Doe",7,"1 Road","10001","02/30/2013",1,0,0,0\n'
    + '3,"Al Stray,0,"1 Road","10001","03/01/2013",1,0,0,0\n'
    + '4,"Bad Level",0,"1 Road","10001","03/01/2013",1,5,0,0\n');
  assert.deepEqual(all.values[0].value, {
    id: 0, name: 'Gregory Koval', gender: 'male', address: '13004 Easy Cider Point', zip: '72132', signDate: '2013-06-04',
    active: true, level: 1, campaign: 1, linkedWithApps: false, age: derivedAge(0), ageSource: 'derived',
  });
  assert.deepEqual(all.values[1].value, {
    id: 1, name: 'Paula Peltier', gender: 'female', address: '10084 Easy Gate Bend', zip: '02553', signDate: '2013-01-13',
    active: false, level: 2, campaign: 4, linkedWithApps: true, age: derivedAge(1), ageSource: 'derived',
  });
  assert.deepEqual(all.values.filter((v) => v.repaired).map((v) => [v.lineNo, v.value.name]), [[3, 'Paula Peltier'], [5, 'Al Stray']]);
  assert.deepEqual(all.rejects.map((r) => [r.line, r.reason]), [
    [4, 'SignDate "02/30/2013" is not a real date MM/DD/YYYY'],
    [6, 'Level "5" is not 0-2 (Free, Silver, Gold)'],
  ]);
});

test('customers: columns found by name in any order; Age or BirthDate columns give ages from the file', async () => {
  const all = await customers([
    'level,STATUS,custid,name,gender,address,Zip,SignDate(MM/DD/YYYY),Campaign,LinkedWithApps,Age,BirthDate',
    '0,1,10,"Ann",1,"1 Main St","10001","2013-01-15",NONE,1,34,',
    '1,1,11,"Bob",x,"2 Oak Ave","94103","03/02/2013",2,0,,1990-06-01',
    '1,1,12,"Cy",0,"3 Elm Rd","60601","03/02/2013",2,0,,',
    '1,1,13,"Di",0,"4 Pine Ln","60601","03/02/2013",2,0,old,',
  ].join('\n'));
  const [ann, bob, cy, di] = all.values.map((v) => v.value);
  assert.deepEqual([ann.id, ann.level, ann.active, ann.campaign, ann.gender, ann.signDate], [10, 0, true, 0, 'female', '2013-01-15']);
  assert.deepEqual([ann.age, ann.ageSource], [34, 'file']);
  assert.equal(bob.gender, 'unknown');
  assert.equal(bob.ageSource, 'file');
  const bornMs = Date.UTC(1990, 5, 1);
  const expected = Math.floor((Date.now() - bornMs) / (365.2425 * 86_400_000));
  assert.ok(Math.abs(bob.age - expected) <= 1, `age from BirthDate ${bob.age} vs ${expected}`);
  assert.deepEqual([cy.age, cy.ageSource], [derivedAge(12), 'derived']);
  assert.deepEqual([di.age, di.ageSource], [derivedAge(13), 'derived']);
  assert.match(all.values[3].repaired ?? '', /Age "old" unreadable/);
});

test('customers: an optional Phone column gives each customer an E.164 number; a bad one rejects its line by file and line, the good lines load', async () => {
  const all = await customers([
    'CustID,Name,Gender,Address,zip,SignDate,Status,Level,Campaign,LinkedWithApps,Phone',
    '1,"Ann",1,"1 Main St","10001","01/15/2013",1,0,0,1,+1 (555) 010-0001',
    '2,"Bob",0,"2 Oak Ave","94103","03/02/2013",1,1,2,0,',
    '3,"Cy",0,"3 Elm Rd","60601","03/02/2013",1,1,2,0,555-0100',
    '4,"Di",1,"4 Pine Ln","60601","03/02/2013",1,0,2,0,+445550100123',
  ].join('\n'));
  assert.deepEqual(all.values.map((v) => [v.lineNo, v.value.id, v.value.phone]), [[2, 1, '+15550100001'], [3, 2, undefined], [5, 4, '+445550100123']]);
  assert.deepEqual(all.rejects.map((r) => [r.source.endsWith('data.csv'), r.line, r.reason]),
    [[true, 4, 'Phone "555-0100" is not an international number (+ and 8 to 15 digits, e.g. +15551234567)']]);
  const without = await customers('CustID,Name,Gender,Address,zip,SignDate,Status,Level,Campaign,LinkedWithApps\n5,"Ed",0,"5 Road","10001","06/04/2013",1,0,3,1\n');
  assert.deepEqual(without.values.map((v) => [v.value.id, 'phone' in v.value]), [[5, false]], 'a file without the column reads as before');
});

test('customers: a file without a header is read in the reference column order', async () => {
  const all = await customers('5,"No Header",0,"1 Road","10001","06/04/2013",1,0,3,1\n');
  assert.deepEqual(all.values.map((v) => [v.lineNo, v.value.id, v.value.campaign]), [[1, 5, 3]]);
});

test('customers: a header that lacks columns is an InputFileError listing them', async () => {
  await assert.rejects(customers('CustID,Name,zip\n1,"A","10001"\n'),
    (err: unknown) => err instanceof InputFileError && /lacks Gender, Address, SignDate, Status, Level, Campaign, LinkedWithApps/.test(err.message));
});

test('clicks: the reference layout, any column order', async () => {
  const all = await clicks([
    'EventID,CustID,AdClicked,Localtime',
    '0,109,"ADV_REDUCED_1DAY","2014-10-03 19:12:44"',
    '1,110,"ADV FREE","2014-10-03 19:12:44"',
    '2,111,"ADV_DONATION","2014-10-03"',
  ].join('\n'));
  assert.deepEqual(all.values.map((v) => v.value), [{ eventId: 0, customerId: 109, ad: 'ADV_REDUCED_1DAY', time: Date.UTC(2014, 9, 3, 19, 12, 44) }]);
  assert.deepEqual(all.rejects.map((r) => r.line), [3, 4]);
  const reordered = await clicks('Localtime,AdClicked,CustID,EventID\n"2014-10-03 19:12:44","ADV_DONATION",7,3\n');
  assert.deepEqual(reordered.values[0].value, { eventId: 3, customerId: 7, ad: 'ADV_DONATION', time: Date.UTC(2014, 9, 3, 19, 12, 44) });
});

test('libsvm: six features, sparse indices default to 0, bad rows named', async () => {
  const all = await libsvm([
    '0 1:0.24 2:0.23 3:0.24 4:0.28 5:0.50 6:0.96',
    '1 2:0.5 6:1',
    '-1 1:0.1',
    '1 7:0.2',
    '1 1:abc',
    '2 1:0.1',
    '1 1:0.1 1:0.2',
  ].join('\n'));
  assert.deepEqual(all.values.map((v) => v.value), [
    { label: 0, features: [0.24, 0.23, 0.24, 0.28, 0.5, 0.96] },
    { label: 1, features: [0, 0.5, 0, 0, 0, 1] },
    { label: 0, features: [0.1, 0, 0, 0, 0, 0] },
  ]);
  assert.deepEqual(all.rejects.map((r) => r.line), [4, 5, 6, 7]);
});

test('a file of another kind, an empty file or a header-only file is an InputFileError saying what was expected', async () => {
  const customersFile = 'CustID,Name,Gender,Address,zip,SignDate,Status,Level,Campaign,LinkedWithApps\n'
    + '0,"Gregory Koval",0,"13004 Easy Cider Point","72132","06/04/2013",1,1,1,0\n';
  await assert.rejects(tracks(customersFile),
    (err: unknown) => err instanceof InputFileError && /no line reads as tracks \(line 2: expected 6 fields/.test(err.message) && /Is it the right file\?/.test(err.message));
  await assert.rejects(customers('0,48,453,"2014-10-23 03:26:20",0,"72132"\n'),
    (err: unknown) => err instanceof InputFileError && /no line reads as customers/.test(err.message));
  await assert.rejects(music('\n\n'), (err: unknown) => err instanceof InputFileError && /is empty/.test(err.message));
  await assert.rejects(music('TrackId,Title,Artist,Length\n'), (err: unknown) => err instanceof InputFileError && /header but no records/.test(err.message));
});

test('rejected lines before the first good one are still delivered, in order', async () => {
  const all = await tracks('0,48\nworse,line\n0,48,453,"2014-10-23 03:26:20",0,"72132"\n', 1);
  assert.deepEqual(all.rejects.map((r) => r.line), [1, 2]);
  assert.deepEqual(all.values.map((v) => v.lineNo), [3]);
});

test('music and customers: control characters in a text field become spaces, flagged as repaired', async () => {
  const tracks = await music(['TrackId,Title,Artist,Length', '8,"Tab\there","Record\x1eSep",120', '9,Plain,Artist,100'].join('\n') + '\n');
  assert.deepEqual(tracks.values.map((v) => [v.value.title, v.value.artist, v.repaired]), [
    ['Tab here', 'Record Sep', 'control characters replaced by spaces'],
    ['Plain', 'Artist', undefined],
  ]);
  const people = await customers([
    'CustID,Name,Gender,Address,zip,SignDate,Status,Level,Campaign,LinkedWithApps',
    '1,"Ann\x1fBold",1,"1 Main St","10001","01/15/2013",1,0,1,1',
  ].join('\n') + '\n');
  assert.equal(people.values[0].value.name, 'Ann Bold');
  assert.equal(people.repaired, 1);
});
