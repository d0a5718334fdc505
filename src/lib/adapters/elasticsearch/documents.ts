// Records -> Elasticsearch documents (fields as mapping.ts declares them) and their ids. Ids come from what a
// document is (a play's log position, an interest's customer and track, a decision's customer and day), so
// writing one again replaces it with itself.
import { dimensionValue } from '../../pipeline/aggregate.js';
import type { AdDecision } from '../../ports.js';
import type { DetectedInterest, EnrichedPlay } from '../../records.js';

export function playId(log: string, partition: number, offset: number): string {
  return `${log}:${partition}:${offset}`;
}

export function playDocument(p: EnrichedPlay, log: string, partition: number, offset: number, withNames: boolean): Record<string, unknown> {
  const c = p.customer;
  return {
    event_time: p.time,
    event_id: p.eventId,
    customer_id: p.customerId,
    track_id: p.trackId,
    title: p.track?.title,
    // The dimensions carry the value the other indexes count under ('unknown' where the join found nothing).
    artist: dimensionValue(p, 'artist'),
    mobile: p.mobile,
    device: p.mobile ? 'mobile' : 'pc',
    zip: p.zip,
    state: dimensionValue(p, 'state'),
    city: p.place?.city,
    location: p.place ? { lat: p.place.lat, lon: p.place.lon } : undefined,
    gender: dimensionValue(p, 'gender'),
    age_band: dimensionValue(p, 'age_band'),
    age_derived: c ? c.ageSource === 'derived' : undefined,
    level: dimensionValue(p, 'level'),
    campaign: dimensionValue(p, 'campaign'),
    linked_with_apps: c?.linkedWithApps,
    daypart: p.daypart,
    hour_of_day: Math.floor((p.time % 86_400_000) / 3_600_000),
    flags: p.flags,
    log,
    log_partition: partition,
    log_offset: offset,
    customer_name: withNames ? c?.name : undefined,
    customer_address: withNames ? c?.address : undefined,
  };
}

export function interestId(i: DetectedInterest): string {
  return `${i.customerId}:${i.trackId}`; // one interest a customer and track, ever
}

export function interestDocument(i: DetectedInterest): Record<string, unknown> {
  return { detected_at: i.detectedAt, window_start: i.windowStart, customer_id: i.customerId, track_id: i.trackId };
}

export function adDecisionId(d: AdDecision): string {
  return `${d.customerId}:${d.day}`; // one decision a customer a day
}

export function adDecisionDocument(d: AdDecision): Record<string, unknown> {
  return { decided_at: d.at, day: d.day, customer_id: d.customerId, event_id: d.eventId };
}
