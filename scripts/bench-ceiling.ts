// The ceiling for the pipeline's per-play work without storage (issue 11): one plain loop on one core over the
// plays file that parses each line, joins customer and track from in-memory maps, keeps each (customer, track)
// pair's 30-minute window, updates the customer's profile and serialises the enriched play as JSON. The embedded
// stream's rate is reported as a share of this loop's, run on the same file in the same bench run.
import { readFileSync } from 'node:fs';
import { readRecords } from '../src/lib/formats/read.js';
import { parseTrackLine } from '../src/lib/formats/tracks.js';
import { enrich } from '../src/lib/pipeline/enrich.js';
import { DEFAULT_INTEREST_RULE } from '../src/lib/pipeline/interest.js';
import { advanceProfile } from '../src/lib/pipeline/profile.js';
import type { Profile } from '../src/lib/records.js';

async function byId<T extends { id: number }>(batches: AsyncIterable<{ values: Array<{ value: T }> }>): Promise<Map<number, T>> {
  const out = new Map<number, T>();
  for await (const batch of batches) for (const { value } of batch.values) out.set(value.id, value);
  return out;
}

export async function ceilingLoop(files: { customers: string; music: string; tracks: string }): Promise<Record<string, number>> {
  const customers = await byId(readRecords(files.customers, 'customers', 'seed'));
  const tracks = await byId(readRecords(files.music, 'music', 'seed'));
  const lines = readFileSync(files.tracks, 'utf8').split('\n');
  const windowMs = DEFAULT_INTEREST_RULE.windowMs;
  const profiles = new Map<number, Profile>();
  const windows = new Map<string, number[]>();
  const now = Date.now();
  let plays = 0;
  let interests = 0;
  let bytes = 0;
  const started = performance.now();
  for (const line of lines) {
    if (line.length === 0) continue;
    const parsed = parseTrackLine(line, now);
    if (!parsed.ok) continue;
    const event = parsed.value;
    const key = `${event.customerId}:${event.trackId}`;
    const seen = windows.get(key);
    const window = (seen ?? []).filter((t) => event.time - t <= windowMs);
    window.push(event.time);
    windows.set(key, window);
    if (window.length === DEFAULT_INTEREST_RULE.plays) interests += 1;
    profiles.set(event.customerId, advanceProfile(profiles.get(event.customerId), event, seen === undefined));
    bytes += JSON.stringify(enrich(event, customers.get(event.customerId), tracks.get(event.trackId))).length;
    plays += 1;
  }
  const ms = performance.now() - started;
  return { events: plays, events_per_sec: Math.round(plays / (ms / 1000)), interests, json_bytes: bytes };
}
