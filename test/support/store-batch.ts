// Store batches written by hand, as the pipeline would compute them (pipeline/run.ts storeWrites).
import { storeWrites } from '../../src/lib/pipeline/run.js';
import type { AdDecision, SmsMessage, SourcePosition, StoreBatch } from '../../src/lib/ports.js';
import type { DetectedInterest, Interest, ListenPair, PlayEvent, Profile } from '../../src/lib/records.js';

export interface HandMadeStep {
  position: SourcePosition;
  profiles?: Profile[];
  pairs?: ListenPair[];
  /** Each customer's kept plays after the step, newest first. */
  recent?: Map<number, PlayEvent[]>;
  interests?: Array<Interest | DetectedInterest>;
  adDecisions?: AdDecision[];
  sms?: SmsMessage[];
  processed?: number;
  deadLetters?: number;
}

export function storeBatch(step: HandMadeStep): StoreBatch {
  const interests = (step.interests ?? []).map((i) => ({ ...i, windowStart: 'windowStart' in i ? i.windowStart : i.detectedAt }));
  return {
    position: step.position,
    writes: storeWrites(
      { profiles: step.profiles ?? [], pairs: step.pairs ?? [], recent: step.recent ?? new Map() },
      { processed: step.processed ?? 0, deadLetters: step.deadLetters ?? 0, interests, adDecisions: step.adDecisions ?? [], sms: step.sms ?? [] },
    ),
  };
}
