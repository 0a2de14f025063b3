/** How a repair report's verdict and agreements read, the same in the CLI's report and table and in the side panel. */
import type { RepairVerdict } from './report';

export const VERDICT_LABEL: Readonly<Record<RepairVerdict['status'], string>> = { repaired: 'repaired', 'not-repaired': 'not repaired', unknown: 'unknown' };

/** A share of decisions kept, as a percentage; with no sample there is no measurement, and 100% would claim one. */
export function agreementText(a: { readonly agreement: number; readonly samples: number }, digits = 1): string {
  return a.samples === 0 ? 'n/a (no samples)' : `${(100 * a.agreement).toFixed(digits)}%`;
}
