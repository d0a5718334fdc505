// The access-time question "show the one-day Gold offer to this customer now?", answered from the store
// in one read (the customer's current record, their prediction, whether a model is deployed: offerFacts), so it
// can sit in front of a play request; and, at an access through the offer API, the decision it makes.
import { dayOf } from '../pipeline/time.js';
import { NOT_A_PLAY, offerShown } from '../pipeline/target.js';
import type { ModelRegistry } from '../ports.js';
import { LEVEL_NAMES } from '../records.js';
import { OFFER_AD } from './features.js';

export type OfferReason =
  | 'predicted_click' // show it
  | 'predicted_no_click'
  | 'unknown_customer'
  | 'inactive'
  | 'already_gold'
  | 'not_scored' // eligible, but the deployed model had no profile to score (no plays yet)
  | 'no_model_deployed';

export interface OfferCheck {
  customer_id: number;
  show_offer: boolean;
  reason: OfferReason;
  offer: string;
  probability: number | null;
  model_version: number | null;
  level: string | null;
  active: boolean | null;
}

export async function checkOffer(store: Pick<ModelRegistry, 'offerFacts'>, customerId: number): Promise<OfferCheck> {
  const { customer, prediction, modelDeployed } = await store.offerFacts(customerId);
  const answer = (reason: OfferReason): OfferCheck => ({
    customer_id: customerId,
    show_offer: reason === 'predicted_click',
    reason,
    offer: OFFER_AD,
    probability: prediction?.probability ?? null,
    model_version: prediction?.modelVersion ?? null,
    level: customer ? LEVEL_NAMES[customer.level] : null,
    active: customer ? customer.active : null,
  });
  // The customer record is read now, not at scoring time: an upgrade or a closed account since then counts.
  if (!customer) return answer('unknown_customer');
  if (!customer.active) return answer('inactive');
  if (customer.level >= 2) return answer('already_gold');
  if (prediction) return answer(prediction.label === 1 ? 'predicted_click' : 'predicted_no_click');
  return answer(modelDeployed ? 'not_scored' : 'no_model_deployed');
}

/** Customers a server remembers as decided for the day; past that it starts over (a few more writes, never a second decision). */
const DECIDED_KEPT = 1_000_000;

/**
 * Remembers the customers whose decision for the day is recorded, so a repeated access writes nothing, and the
 * recording under way, so concurrent accesses of one customer make one write. The store still decides: a
 * decision made elsewhere (another server, a play) is learnt from recordOffer's answer.
 */
export class DecidedToday {
  private day = '';
  private readonly customers = new Set<number>();
  private readonly recording = new Map<number, Promise<boolean>>();

  constructor(private readonly kept = DECIDED_KEPT) {}

  /** Records the customer's decision for the day of `now` with `record`, unless known recorded; true for the call that recorded it. */
  async recordOnce(customerId: number, now: number, record: () => Promise<boolean>): Promise<boolean> {
    const day = dayOf(now);
    if (day !== this.day) { // a new day (or the clock stepped back): nothing known yet
      this.day = day;
      this.customers.clear();
      this.recording.clear();
    }
    if (this.customers.has(customerId)) return false;
    const running = this.recording.get(customerId);
    if (running) {
      await running;
      return false;
    }
    const recording = record();
    this.recording.set(customerId, recording);
    try {
      const recorded = await recording;
      if (this.day === day) {
        if (this.customers.size >= this.kept) this.customers.clear();
        this.customers.add(customerId);
      }
      return recorded;
    } finally {
      if (this.recording.get(customerId) === recording) this.recording.delete(customerId);
    }
  }
}

/**
 * An access at `now`: the check, and when the offer is shown, the day's decision and SMS recorded once
 * (whether this access, an earlier one or a play made it). `recorded` is true for the access that recorded it.
 * Only an access that shows the offer writes, and of those only a customer's first of the day on this server.
 */
export async function offerAtAccess(store: Pick<ModelRegistry, 'offerFacts' | 'recordOffer'>, customerId: number, now: number, decided: DecidedToday): Promise<OfferCheck & { recorded: boolean }> {
  const check = await checkOffer(store, customerId);
  if (!check.show_offer) return { ...check, recorded: false };
  const recorded = await decided.recordOnce(customerId, now, () => {
    const { decision, sms } = offerShown(customerId, NOT_A_PLAY, now);
    return store.recordOffer(decision, sms);
  });
  return { ...check, recorded };
}
