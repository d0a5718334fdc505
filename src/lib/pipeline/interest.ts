// Interest: a customer playing the same track at least 3 times within any 30 minutes, in event time.
// Plays may arrive out of order; each pair keeps its recent play times (bounded by the allowed
// lateness), so the verdict does not depend on arrival order within that bound.
import type { DetectedInterest, ListenPair, PlayEvent } from '../records.js';
import { HOUR, MINUTE } from './time.js';

export interface InterestRule {
  plays: number; // 3
  windowMs: number; // 30 minutes
  latenessMs: number; // plays older than the pair's newest play by more than this are forgotten
  maxRecent: number; // memory bound per pair
}

export const DEFAULT_INTEREST_RULE: InterestRule = { plays: 3, windowMs: 30 * MINUTE, latenessMs: 24 * HOUR, maxRecent: 64 };

/** Returns the pair after this play, and the interest if this play completed the first window. */
export function advancePair(
  pair: ListenPair | undefined,
  event: PlayEvent,
  rule: InterestRule = DEFAULT_INTEREST_RULE,
): { pair: ListenPair; detected: DetectedInterest | null } {
  const base: ListenPair = pair ?? { customerId: event.customerId, trackId: event.trackId, plays: 0, recent: [], interestAt: null };
  if (base.interestAt !== null) {
    // Already an interest: only the play count moves; no window state is needed any more.
    return { pair: withPlays(base, base.recent, base.interestAt), detected: null };
  }
  const recent = insertSorted(base.recent, event.time);
  const window = firstWindow(recent, rule);
  if (window !== null) {
    return {
      pair: withPlays(base, [], window.end),
      detected: { customerId: event.customerId, trackId: event.trackId, detectedAt: window.end, windowStart: window.start },
    };
  }
  const newest = recent[recent.length - 1];
  let kept = recent.filter((t) => newest - t <= rule.latenessMs);
  if (kept.length > rule.maxRecent) kept = kept.slice(kept.length - rule.maxRecent);
  return { pair: withPlays(base, kept, null), detected: null };
}

/** The pair after one more play (built field by field: spreads are slow on this per-event path). */
function withPlays(base: ListenPair, recent: number[], interestAt: number | null): ListenPair {
  return { customerId: base.customerId, trackId: base.trackId, plays: base.plays + 1, recent, interestAt };
}

function insertSorted(times: number[], time: number): number[] {
  const out = times.slice();
  let i = out.length;
  while (i > 0 && out[i - 1] > time) i--;
  out.splice(i, 0, time);
  return out;
}

/** Event times of the first and the completing play of the earliest qualifying window, or null. */
function firstWindow(sorted: number[], rule: InterestRule): { start: number; end: number } | null {
  const span = rule.plays - 1;
  for (let i = 0; i + span < sorted.length; i++) {
    if (sorted[i + span] - sorted[i] <= rule.windowMs) return { start: sorted[i], end: sorted[i + span] };
  }
  return null;
}
