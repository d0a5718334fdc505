// Scoring on deploy: every eligible customer with a listening profile gets a click probability and a 0/1
// prediction from the model; those predicted to click form the targeted set the stream reads.
import type { Prediction } from '../ports.js';
import type { Customer, Profile } from '../records.js';
import { customerFeatures, isEligible, storeFeatureColumns } from './features.js';
import { NotDeployableError, type ModelBody } from './registry.js';
import { standardise } from './scaler.js';
import { clickProbability } from './train.js';

export interface Scores {
  predictions: Prediction[];
  targeted: number[];
}

export type ScoringModel = Pick<ModelBody, 'features' | 'scaler' | 'weights' | 'intercept' | 'cutoff'>;

function probabilityOf(model: ScoringModel, features: readonly number[]): number {
  return clickProbability(model, standardise(model.scaler, features));
}

/** `asOf` is the data's end (event time), the same reference point the features were trained with. */
export function scoreEligible(model: ScoringModel, version: number, profiles: readonly Profile[], customers: Map<number, Customer>, asOf: number): Scores {
  const columns = storeFeatureColumns(model.features);
  if (columns === null) throw new NotDeployableError(`model v${version} uses features the store does not compute (${model.features.join(', ')})`);
  const scores: Scores = { predictions: [], targeted: [] };
  for (const profile of profiles) {
    const customer = customers.get(profile.customerId);
    if (!customer || !isEligible(customer)) continue;
    const all = customerFeatures(profile, customer, asOf);
    const probability = probabilityOf(model, columns.map((c) => all[c]));
    const label: 0 | 1 = probability >= model.cutoff ? 1 : 0;
    scores.predictions.push({ customerId: customer.id, probability, label, modelVersion: version });
    if (label === 1) scores.targeted.push(customer.id);
  }
  return scores;
}
