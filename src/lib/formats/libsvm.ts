// features.txt (libsvm): "label 1:v 2:v ... 6:v", label 1 = clicked the one-day Gold offer. The six features
// are the shares of plays in the morning, afternoon, evening and night, the mobile share and the
// unique-track share. Indices may be left out (sparse): a missing feature is 0.
import type { LabeledRow } from '../records.js';
import type { Parsed } from './lines.js';

export const LIBSVM_FEATURES = 6;
/** Largest feature magnitude read: far beyond any share, and small enough that sums of squares over millions of rows stay finite. */
export const MAX_FEATURE_MAGNITUDE = 1e12;

export function parseLibsvmLine(text: string): Parsed<LabeledRow> {
  const parts = text.trim().split(/\s+/);
  const labelText = parts[0];
  const labelValue = Number(labelText);
  // libsvm tools also write binary labels as +1/-1.
  const label = labelValue === 1 ? 1 : labelValue === 0 || labelValue === -1 ? 0 : null;
  if (label === null || labelText === '') return { ok: false, reason: `label "${labelText}" is not 0 or 1 (or -1/+1)` };
  const features = new Array<number>(LIBSVM_FEATURES).fill(0);
  const seen = new Set<number>();
  for (const part of parts.slice(1)) {
    const colon = part.indexOf(':');
    const index = colon > 0 ? Number(part.slice(0, colon)) : NaN;
    const value = colon > 0 ? Number(part.slice(colon + 1)) : NaN;
    if (!Number.isInteger(index) || index < 1 || index > LIBSVM_FEATURES) {
      return { ok: false, reason: `"${part}" is not index:value with an index 1-${LIBSVM_FEATURES}` };
    }
    if (!Number.isFinite(value) || part.slice(colon + 1).trim() === '') return { ok: false, reason: `"${part}" has no numeric value` };
    if (Math.abs(value) > MAX_FEATURE_MAGNITUDE) {
      return { ok: false, reason: `"${part}": the value is beyond ±${MAX_FEATURE_MAGNITUDE} (the features are shares of plays, 0-1)` };
    }
    if (seen.has(index)) return { ok: false, reason: `feature ${index} appears twice` };
    seen.add(index);
    features[index - 1] = value;
  }
  return { ok: true, value: { label, features } };
}
