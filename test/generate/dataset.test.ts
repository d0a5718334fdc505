import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { before, test } from 'node:test';
import { readRecords, type RecordBatch } from '../../src/lib/formats/read.js';
import { ListeningTally, isOffered, offerFeatures, offerScore } from '../../src/lib/generate/clicks.js';
import { generateDataSet, GENERATED_FILE_NAMES, type GenerateOptions, type GenerateSummary } from '../../src/lib/generate/dataset.js';
import { STATE_POPULATION_THOUSANDS } from '../../src/lib/generate/geography.js';
import { dayOfWeek } from '../../src/lib/generate/listening.js';
import { placeOf } from '../../src/lib/geo.js';
import { OFFER_AD } from '../../src/lib/model/features.js';
import { rocAuc } from '../../src/lib/model/metrics.js';
import { DAY, HOUR } from '../../src/lib/pipeline/time.js';
import { GOLD, type Click, type Customer, type PlayEvent, type Track } from '../../src/lib/records.js';
import { tempDir } from '../support/fixtures.js';

const START = Date.UTC(2014, 9, 1);
const SIZES = { customers: 600, tracks: 300, events: 60_000, days: 14, start: START };

function options(seed: number, out = tempDir('musicflow-generate-')): GenerateOptions {
  return { ...SIZES, seed, out };
}

async function readAll<T>(batches: AsyncGenerator<RecordBatch<T>>): Promise<{ values: T[]; rejects: number; repaired: number }> {
  const all = { values: [] as T[], rejects: 0, repaired: 0 };
  for await (const batch of batches) {
    for (const v of batch.values) all.values.push(v.value);
    all.rejects += batch.rejects.length;
    all.repaired += batch.repaired;
  }
  return all;
}

let summary: GenerateSummary;
let customers: Customer[];
let tracks: Track[];
let plays: PlayEvent[];
let clicks: Click[];

before(async () => {
  summary = await generateDataSet(options(42));
  const read = await Promise.all([
    readAll(readRecords(summary.files.customers, 'customers', 'seed')),
    readAll(readRecords(summary.files.music, 'music', 'seed')),
    readAll(readRecords(summary.files.tracks, 'tracks', 'replay')),
    readAll(readRecords(summary.files.clicks, 'clicks', 'seed')),
  ]);
  for (const file of read) assert.deepEqual([file.rejects, file.repaired], [0, 0], 'every generated line reads cleanly');
  [customers, tracks, plays, clicks] = [read[0].values, read[1].values, read[2].values as PlayEvent[], read[3].values as Click[]];
});

test('the same seed gives the same bytes; another seed gives other data', async () => {
  const again = await generateDataSet(options(42));
  const other = await generateDataSet(options(43));
  for (const name of Object.values(GENERATED_FILE_NAMES)) {
    const first = readFileSync(join(summary.out, name));
    assert.ok(first.equals(readFileSync(join(again.out, name))), `${name} is identical for seed 42`);
    assert.ok(!first.equals(readFileSync(join(other.out, name))), `${name} differs for seed 43`);
  }
});

test('the files hold the sizes asked for, in the reference shapes', () => {
  assert.deepEqual([customers.length, tracks.length, plays.length], [SIZES.customers, SIZES.tracks, SIZES.events]);
  assert.deepEqual([summary.customers, summary.tracks, summary.events, summary.clicks], [customers.length, tracks.length, plays.length, clicks.length]);
  const head = (name: string): string => readFileSync(join(summary.out, name), 'utf8').split('\n')[0];
  assert.equal(head('cust.csv'), 'CustID,Name,Gender,Address,zip,SignDate,Status,Level,Campaign,LinkedWithApps');
  assert.equal(head('music.csv'), 'TrackId,Title,Artist,Length');
  assert.equal(head('clicks.csv'), 'EventID,CustID,AdClicked,Localtime');
  assert.match(head('tracks.csv'), /^0,\d+,\d+,"2014-10-01 \d\d:\d\d:\d\d",[01],"\d{5}"$/);
  assert.match(readFileSync(summary.files.customers, 'utf8').split('\n')[1], /^0,"[A-Z][a-z]+ [A-Z][A-Za-z']+",[01],"\d+ [A-Za-z ]+","\d{5}","\d\d\/\d\d\/\d{4}",[01],[012],[0-4],[01]$/);
  assert.ok(tracks.every((t) => t.lengthSec >= 120 && t.lengthSec <= 420 && t.title !== '' && t.artist !== ''));
});

test('plays: ids count up, times stay inside the period and in order but for a little jitter', () => {
  assert.ok(plays.every((p, i) => p.eventId === i));
  assert.ok(plays.every((p) => p.time >= START && p.time < START + SIZES.days * DAY));
  const backwards = plays.filter((p, i) => i > 0 && p.time < plays[i - 1].time).length;
  assert.ok(backwards > 0 && backwards < plays.length * 0.01, `${backwards} plays earlier than the one before`);
});

test('customers live at real zip codes, more of them in populous states; plays are mostly at home', () => {
  const states = customers.map((c) => placeOf(c.zip)?.state);
  assert.ok(states.every((s) => s !== undefined && s in STATE_POPULATION_THOUSANDS), 'every zip is a known US zip');
  const count = (set: string[]): number => states.filter((s) => set.includes(s as string)).length;
  assert.ok(count(['CA', 'TX', 'FL', 'NY']) > 5 * count(['WY', 'VT', 'AK', 'ND', 'SD', 'DE']));
  const home = new Map(customers.map((c) => [c.id, c.zip]));
  const atHome = plays.filter((p) => p.zip === home.get(p.customerId)).length / plays.length;
  assert.ok(atHome > 0.8 && atHome < 0.97, `share of plays at the home zip ${atHome}`);
});

test('a daily rhythm: evenings busier than nights, and weekend mornings later than weekday ones', () => {
  const perHour = new Array(24).fill(0);
  for (const p of plays) perHour[Math.floor((p.time % DAY) / HOUR)] += 1;
  const evening = perHour.slice(18, 22).reduce((a, b) => a + b) / 4;
  const night = perHour.slice(1, 5).reduce((a, b) => a + b) / 4;
  assert.ok(evening > 3 * night, `evening ${evening}/h vs night ${night}/h`);
  const early = (weekend: boolean): number => {
    const days = plays.filter((p) => [0, 6].includes(dayOfWeek(p.time)) === weekend);
    return days.filter((p) => Math.floor((p.time % DAY) / HOUR) >= 6 && Math.floor((p.time % DAY) / HOUR) < 9).length / days.length;
  };
  assert.ok(early(false) > 1.3 * early(true), `6-9h share weekdays ${early(false)} vs weekends ${early(true)}`);
});

test('mobile use varies with the hour: higher in the evening than in office hours', () => {
  const share = (from: number, to: number): number => {
    const inHours = plays.filter((p) => {
      const hour = Math.floor((p.time % DAY) / HOUR);
      return hour >= from && hour < to && ![0, 6].includes(dayOfWeek(p.time));
    });
    return inHours.filter((p) => p.mobile).length / inHours.length;
  };
  assert.ok(share(18, 23) > share(10, 16) + 0.08, `evening ${share(18, 23)} vs office hours ${share(10, 16)}`);
});

test('some listeners, not all, play one track 3+ times within 30 minutes', () => {
  const timesByPair = new Map<string, number[]>();
  for (const p of plays) {
    const key = `${p.customerId}:${p.trackId}`;
    timesByPair.set(key, [...(timesByPair.get(key) ?? []), p.time]);
  }
  const withInterest = new Set<string>();
  for (const [key, times] of timesByPair) {
    times.sort((a, b) => a - b);
    if (times.some((t, i) => i >= 2 && t - times[i - 2] <= 30 * 60_000)) withInterest.add(key.split(':')[0]);
  }
  const share = withInterest.size / customers.length;
  assert.ok(share > 0.05 && share < 0.8, `${withInterest.size} of ${customers.length} customers have an interest over ${SIZES.days} days`);
});

test('ADV_REDUCED_1DAY clicks follow the documented rule; Gold customers never click it', () => {
  const tally = new ListeningTally(customers.length, tracks.length);
  for (const p of plays) tally.add(p);
  const clickers = new Set(clicks.filter((c) => c.ad === OFFER_AD).map((c) => c.customerId));
  const byId = new Map(customers.map((c) => [c.id, c]));
  for (const id of clickers) assert.notEqual(byId.get(id)?.level, GOLD, `customer ${id} is Gold and clicked the offer`);
  const offered = customers.filter((c) => isOffered(c, tally));
  const labels = offered.map((c): 0 | 1 => (clickers.has(c.id) ? 1 : 0));
  const rate = labels.filter((l) => l === 1).length / offered.length;
  assert.ok(rate > 0.08 && rate < 0.25, `click rate among offered customers ${rate}`);
  const auc = rocAuc(labels, offered.map((c) => offerScore(offerFeatures(c, tally))));
  assert.ok(auc !== null && auc > 0.8, `the rule's score ranks clickers first: AUC ${auc}`);
  // A single plain feature already separates them: clickers listen on the phone more.
  const mobileShare = (group: Customer[]): number => group.reduce((sum, c) => sum + tally.mobile[c.id] / tally.plays[c.id], 0) / group.length;
  assert.ok(mobileShare(offered.filter((c) => clickers.has(c.id))) > mobileShare(offered.filter((c) => !clickers.has(c.id))) + 0.05);
  assert.ok(new Set(clicks.map((c) => c.ad)).size >= 3, 'other ads are clicked too');
});
