// The access-time question "show the one-day Gold offer to this customer now?", answered from the store
// with two reads made together (the customer's current record and their prediction), so it can sit in
// front of a play request.
import type { CatalogStore, ModelRegistry } from '../ports.js';
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

export async function checkOffer(store: CatalogStore & ModelRegistry, customerId: number): Promise<OfferCheck> {
  const [customers, prediction] = await Promise.all([store.getCustomers([customerId]), store.prediction(customerId)]);
  const customer = customers.get(customerId) ?? null;
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
  // Rare path: a third read tells "nothing deployed" from "deployed, but this customer had no profile".
  return answer((await store.deployedModel()) ? 'not_scored' : 'no_model_deployed');
}
