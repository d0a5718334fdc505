// Ad targeting at access time: a play by a targeted customer (below Gold, active, predicted to click
// by the deployed model) records one ad decision and queues one SMS per customer per day.
import type { AdDecision, SmsMessage } from '../ports.js';
import type { PlayEvent } from '../records.js';
import { dayOf } from './time.js';

export const OFFER_TEXT = 'Try musicflow Gold free for one day: your upgrade is waiting at your next play.';

export function smsId(customerId: number, day: string): string {
  return `${customerId}:${day}`;
}

/** Returns the decision and SMS for this play, or null when already decided for that day. */
export function decideOffer(event: PlayEvent, alreadyDecided: Set<string>): { decision: AdDecision; sms: SmsMessage } | null {
  const day = dayOf(event.time);
  const id = smsId(event.customerId, day);
  if (alreadyDecided.has(id)) return null;
  alreadyDecided.add(id);
  return {
    decision: { customerId: event.customerId, day, eventId: event.eventId, at: event.time },
    sms: { id, customerId: event.customerId, day, text: OFFER_TEXT, at: event.time },
  };
}
