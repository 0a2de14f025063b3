/**
 * Fewer flagged pieces: neighbouring flagged pieces (boxes never reached, or whose repair failed) that share a face and
 * together make a box are joined into one. Both answer with the original and raise the alarm, so the joined piece is
 * the same model on the same inputs (their union is the joined box) at 2n + 1 parameters less. Rounds go on until no
 * join is found, so the 2^k boxes of an unreached subtree become one.
 */
import type { GatedPiece } from '../../network/gated';
import { upperNeighbours } from './mergePieces';

/**
 * The pieces with neighbouring flagged ones joined. The flagged pieces come first, so the alarm fires on every input
 * of a flagged closed box (on a face shared with a repaired piece too), before and after a join alike; the repaired
 * pieces follow in their order.
 */
export function joinFlagged(pieces: readonly GatedPiece[]): { pieces: GatedPiece[]; joins: number } {
  let flagged = pieces.filter((p) => p.unrepaired);
  let joins = 0;
  for (let found = true; found;) {
    found = false;
    const across = upperNeighbours(flagged);
    const used = new Set<number>();
    const next: GatedPiece[] = [];
    for (let k = 0; k < flagged.length; k++) {
      const a = flagged[k];
      for (let d = 0; d < a.lower.length && !used.has(k); d++) {
        const j = across(k, d);
        if (j === undefined || used.has(j)) continue;
        const upper = Float64Array.from(a.upper);
        upper[d] = flagged[j].upper[d];
        used.add(k);
        used.add(j);
        next.push({ lower: a.lower, upper, clamps: [], unrepaired: true });
        joins++;
        found = true;
      }
    }
    flagged.forEach((p, k) => { if (!used.has(k)) next.push(p); });
    flagged = next;
  }
  return { pieces: [...flagged, ...pieces.filter((p) => !p.unrepaired)], joins };
}
