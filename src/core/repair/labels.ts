/** A required label as a property's normal form: what a repair point or a keep point must not do. */
import { InputError } from '../errors';
import type { OutputDnf } from '../query/normalForm';
import type { Decision } from './types';

/** The violation of "the decision is `label`": some other output wins (ties count as violations). */
export function labelViolation(label: number | undefined, decision: Decision, outputs: number): OutputDnf {
  if (label === undefined || !Number.isInteger(label) || label < 0 || label >= outputs) {
    throw new InputError(`a repair point needs a whole-number label between 0 and ${outputs - 1}`);
  }
  const clauses: { coeffs: Float64Array; rhs: number }[][] = [];
  for (let j = 0; j < outputs; j++) {
    if (j === label) continue;
    // argmax: violated when y_label - y_j <= 0; argmin: when y_j - y_label <= 0.
    const coeffs = new Float64Array(outputs);
    coeffs[label] = decision === 'argmax' ? 1 : -1;
    coeffs[j] = decision === 'argmax' ? -1 : 1;
    clauses.push([{ coeffs, rhs: 0 }]);
  }
  return clauses;
}

/** The decision (argmax or argmin) of the output row at offset..offset+width; ties go to the lower index. */
export function decide(y: ArrayLike<number>, offset: number, width: number, decision: Decision): number {
  let best = 0;
  for (let j = 1; j < width; j++) {
    const v = y[offset + j];
    if (decision === 'argmax' ? v > y[offset + best] : v < y[offset + best]) best = j;
  }
  return best;
}
