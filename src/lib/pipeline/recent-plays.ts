// Each customer's latest plays, kept for the drill-down: the one rule for what is kept.
import { RECENT_PLAYS_KEPT } from '../ports.js';
import type { PlayEvent } from '../records.js';

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
