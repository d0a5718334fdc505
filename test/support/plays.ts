// The plays of a data set as the pipeline sees them: the truth an index must tell.
import { readRecords } from '../../src/lib/formats/read.js';
import { enrich } from '../../src/lib/pipeline/enrich.js';
import type { EnrichedPlay } from '../../src/lib/records.js';

/** Every play of the files, enriched with its customer and track as the pipeline does. */
export async function enrichedPlaysOf(files: { customers: string; music: string; tracks: string }): Promise<EnrichedPlay[]> {
  const all = async <T>(batches: AsyncIterable<{ values: Array<{ value: T }> }>) => {
    const out: T[] = [];
    for await (const b of batches) out.push(...b.values.map((v) => v.value));
    return out;
  };
  const customers = new Map((await all(readRecords(files.customers, 'customers', 'seed'))).map((c) => [c.id, c]));
  const tracks = new Map((await all(readRecords(files.music, 'music', 'seed'))).map((t) => [t.id, t]));
  return (await all(readRecords(files.tracks, 'tracks', 'replay'))).map((e) => enrich(e, customers.get(e.customerId), tracks.get(e.trackId)));
}
