/** How a repair report's verdict and agreements read, the same in the CLI's report and table and in the side panel. */
import type { Regression, RepairVerdict } from './report';

export const VERDICT_LABEL: Readonly<Record<RepairVerdict['status'], string>> = { repaired: 'repaired', 'not-repaired': 'not repaired', unknown: 'unknown' };

/** A share of decisions kept, as a percentage; with no sample there is no measurement, and 100% would claim one. */
export function agreementText(a: { readonly agreement: number; readonly samples: number }, digits = 1): string {
  return a.samples === 0 ? 'n/a (no samples)' : `${(100 * a.agreement).toFixed(digits)}%`;
}

/**
 * Why accepting this repair needs a second thought, or undefined when it does not: the property is unproved on the
 * written file, or a property that held before no longer provably does.
 */
export function acceptWarning(report: { readonly property?: string; readonly verdict: RepairVerdict; readonly regressions: readonly Regression[] }): string | undefined {
  const reasons: string[] = [];
  if (report.verdict.status !== 'repaired') reasons.push(`the verifier did not prove ${report.property ?? 'the property'} on this repair (${VERDICT_LABEL[report.verdict.status]}: ${report.verdict.detail})`);
  if (report.regressions.length > 0) reasons.push(`it breaks ${report.regressions.map((r) => `${r.property} (now ${r.after})`).join(', ')}, which held before`);
  if (reasons.length === 0) return undefined;
  const text = reasons.join('; and ');
  return text[0].toUpperCase() + text.slice(1) + '.';
}
