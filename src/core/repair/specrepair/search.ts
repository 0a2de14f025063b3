/**
 * SpecRepair's counterexample search: the global minimum of the satisfaction function over each property's region.
 * The paper runs SHGO to its minimum; we run our falsifier's multi-start projected sign-gradient search to its end
 * (`minimizeMargin`, no early exit) on every box of the region: the most severe violation, not the first one found
 * (docs/repair-specrepair.md compares the two searches on ACAS Xu).
 */
import type { Network } from '../../network/network';
import { cutToBox, type Query } from '../../query/normalForm';
import { isBounded, isEmpty, type Box } from '../../bounds/box';
import { minimizeMargin, polytopeBox, type MarginMinimum, type MarginPoint } from '../../verify/falsify';

export interface SearchSettings {
  readonly samples: number;
  readonly starts: number;
  readonly steps: number;
}

/**
 * The lowest margin over the property's region (each polytope cut to the input domain), with the local minima of every
 * descent, lowest first; undefined when no polytope is bounded.
 */
export function globalMinimum(net: Network, query: Query, domain: Box, s: SearchSettings, ctx: { readonly random: () => number; readonly deadline: number; readonly signal?: AbortSignal }): MarginMinimum | undefined {
  const descents: MarginPoint[] = [];
  let evaluations = 0;
  for (const original of query.region) {
    const polytope = cutToBox(original, domain);
    const box = polytope && polytopeBox(polytope);
    if (!box || isEmpty(box) || !isBounded(box)) continue;
    const found = minimizeMargin(net, query, box, { ...s, ...ctx });
    if (!found) continue;
    evaluations += found.evaluations;
    descents.push(...found.descents);
  }
  descents.sort((a, b) => a.margin - b.margin);
  return descents.length > 0 ? { ...descents[0], descents, evaluations } : undefined;
}
