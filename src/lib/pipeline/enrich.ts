// Joins a play with what is known of its customer, track and listening place. Unknown parts are
// flagged, never dropped: the play still counts.
import { ageBand } from '../demographics.js';
import { placeOf } from '../geo.js';
import type { Customer, EnrichedPlay, PlayEvent, Track } from '../records.js';
import { daypartOf } from './time.js';

export function enrich(event: PlayEvent, customer: Customer | undefined, track: Track | undefined): EnrichedPlay {
  const flags: string[] = [];
  if (!customer) flags.push('unknown_customer');
  if (!track) flags.push('unknown_track');
  const place = placeOf(event.zip);
  if (!place) flags.push('unknown_zip');
  return {
    ...event,
    customer: customer
      ? {
        name: customer.name, gender: customer.gender, age: customer.age, ageSource: customer.ageSource,
        zip: customer.zip, active: customer.active, level: customer.level, campaign: customer.campaign,
        linkedWithApps: customer.linkedWithApps, signDate: customer.signDate,
      }
      : null,
    ageBand: customer ? ageBand(customer.age) : null,
    track: track ? { title: track.title, artist: track.artist, lengthSec: track.lengthSec } : null,
    place,
    daypart: daypartOf(event.time),
    flags,
  };
}
