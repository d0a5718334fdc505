// How the embedded and the Redis store hold a customer's kept plays beside the profile: one compact value per
// customer (one field, not one command per play). Which plays are kept is the pipeline's rule (pipeline/recent-plays.ts).
import type { PlayEvent } from '../records.js';

/** Newest first: "event_id,track_id,time,mobile,zip;..." (zips hold no ',' or ';': they are validated digits). */
export function encodeRecentPlays(plays: PlayEvent[]): string {
  return plays.map((p) => `${p.eventId},${p.trackId},${p.time},${p.mobile ? 1 : 0},${p.zip}`).join(';');
}

export function decodeRecentPlays(customerId: number, text: string | null | undefined): PlayEvent[] {
  return (text ? text.split(';') : []).map((item) => {
    const [eventId, trackId, time, mobile, zip] = item.split(',');
    return { eventId: +eventId, customerId, trackId: +trackId, time: +time, mobile: mobile === '1', zip };
  });
}
