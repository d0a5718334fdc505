// Each customer's latest plays, kept beside the profile by the embedded and the Redis store: the store
// merges them in memory and writes one compact value per customer (one field, not one command per play).
import { RECENT_PLAYS_KEPT } from '../ports.js';
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

/** Each customer's kept plays with these added: newest first by event time, at most RECENT_PLAYS_KEPT. */
export function latestPlays(plays: PlayEvent[], keptOf: (customerId: number) => PlayEvent[]): Map<number, PlayEvent[]> {
  const byCustomer = new Map<number, PlayEvent[]>();
  for (const p of plays) {
    let list = byCustomer.get(p.customerId);
    if (!list) byCustomer.set(p.customerId, (list = [...keptOf(p.customerId)]));
    list.push(p);
  }
  for (const [id, list] of byCustomer) {
    byCustomer.set(id, list.sort((a, b) => b.time - a.time || b.eventId - a.eventId).slice(0, RECENT_PLAYS_KEPT));
  }
  return byCustomer;
}
