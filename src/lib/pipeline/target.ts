// Ad targeting at access time: a play by a targeted customer (below Gold, active, predicted to click
// by the deployed model) records one ad decision and queues one SMS per customer per day.
import type { AdDecision, SmsMessage } from '../ports.js';
import type { PlayEvent } from '../records.js';
import { dayOf } from './time.js';

export const OFFER_TEXT = 'Try musicflow Gold free for one day: your upgrade is waiting at your next play.';

export function smsId(customerId: number, day: string): string {
  return `${customerId}:${day}`;
}

/** An access that is not a play in the log (a call to the offer API) has no event id. */
export const NOT_A_PLAY = -1;

/** The decision and SMS of showing the offer to a customer at `at` (event time of a play, or the access time). */
export function offerShown(customerId: number, eventId: number, at: number): { decision: AdDecision; sms: SmsMessage } {
  const day = dayOf(at);
  const id = smsId(customerId, day);
  return {
    decision: { customerId, day, eventId, at },
    sms: { id, customerId, day, text: OFFER_TEXT, at },
  };
}

/** Returns the decision and SMS for this play, or null when already decided for that day. */
export function decideOffer(event: PlayEvent, alreadyDecided: Set<string>): { decision: AdDecision; sms: SmsMessage } | null {
  const shown = offerShown(event.customerId, event.eventId, event.time);
  if (alreadyDecided.has(shown.sms.id)) return null;
  alreadyDecided.add(shown.sms.id);
  return shown;
}
