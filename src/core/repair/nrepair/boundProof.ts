/**
 * The partition's first and cheapest test of a box: one bound computation (as the verifier's branch and bound does on
 * each of its boxes). A box where every violation clause has a row, or the sum of its rows, provably positive holds;
 * most boxes of a partition are decided this way without a verifier call.
 */
import type { Box, LayerBounds } from '../../bounds/box';
import { provesPositive, specBounds, type SpecBounds } from '../../bounds/linearBounds';
import type { Network } from '../../network/network';
import type { LinearRow, Query } from '../../query/normalForm';

export interface BoundProof {
  readonly proved: boolean;
  readonly bounds: SpecBounds;
}

const rowsOf = new WeakMap<Query['violation'], { rows: LinearRow[]; clauseOf: number[] }>();

/**
 * The violation's rows, then one sum per clause of several rows: when all of a clause's rows are <= 0 so is their sum,
 * and its bound chooses the relaxations for the rows together (often positive where no single row's is).
 */
function boundedRows(violation: Query['violation']) {
  let found = rowsOf.get(violation);
  if (!found) {
    const rows = violation.flat();
    const clauseOf = violation.flatMap((conj, k) => conj.map(() => k));
    violation.forEach((conj, k) => {
      if (conj.length < 2) return;
      rows.push({ coeffs: conj.reduce((acc, row) => acc.map((v, i) => v + row.coeffs[i]), new Float64Array(conj[0].coeffs.length)), rhs: conj.reduce((acc, row) => acc + row.rhs, 0) });
      clauseOf.push(k);
    });
    found = { rows, clauseOf };
    rowsOf.set(violation, found);
  }
  return found;
}

/** Whether the network's bounds on the box prove the query there (the box may reach past the query's region). */
export function boundProof(net: Network, query: Query, box: Box, enclosing?: readonly LayerBounds[]): BoundProof {
  const { rows, clauseOf } = boundedRows(query.violation);
  const bounds = specBounds(net, box, rows, enclosing ? { enclosing } : {});
  const refuted = new Set<number>();
  for (let r = 0; r < rows.length; r++) if (provesPositive(bounds.lower[r], bounds.upper[r])) refuted.add(clauseOf[r]);
  return { proved: refuted.size === query.violation.length, bounds };
}
