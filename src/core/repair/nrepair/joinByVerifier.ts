/**
 * Fewer pieces where no bounds prove a join: two neighbouring repaired pieces that make a box become one when the
 * verifier proves one of the two pieces' clamps on the joined box (one short call per candidate), and the clamps'
 * sampled decision changes on the part that was the other piece's, less the other's own there, fit the fidelity budget
 * left (a join that changes no more than the other's clamps did is kept even where the budget is spent). The joined piece costs
 * one box and flag (2n + 1 parameters) and the other piece's clamps less. Rounds go on while joins are found and the
 * time lasts; pairs refused once are not tried again.
 */
import { boxVolume, type Box } from '../../bounds/box';
import { clampNetwork, type Clamp, type GatedPiece } from '../../network/gated';
import type { Network } from '../../network/network';
import type { Query } from '../../query/normalForm';
import type { VerifyResult } from '../../verify/types';
import { upperNeighbours } from './mergePieces';
import { queryOn } from './pieces';

export interface VerifierJoinOptions {
  /** ms since the epoch: no join is tried after it. */
  readonly deadline: number;
  /** The verifier on a clamped network over a box (the caller's short limit). */
  readonly prove: (net: Network, query: Query) => Promise<VerifyResult>;
  /** Share of a box's samples (where the original is safe) whose decision the network changes. */
  readonly changedShare: (net: Network, box: Box) => number;
  /** How much more changed volume the fidelity budget allows. */
  readonly budget: number;
}

export interface VerifierJoinResult {
  readonly pieces: GatedPiece[];
  readonly joins: number;
  readonly tried: number;
  /** The changed volume the joins added (on the part that takes the other's clamps, less that part's own changes). */
  readonly changedDelta: number;
}

/** The repaired pieces (none flagged) with neighbours joined where the verifier proves one's clamps on both. */
export async function joinByVerifier(net: Network, query: Query, repaired: readonly GatedPiece[], opts: VerifierJoinOptions): Promise<VerifierJoinResult> {
  let pieces = [...repaired];
  let joins = 0;
  let tried = 0;
  let changedDelta = 0;
  const refused = new WeakMap<GatedPiece, WeakSet<GatedPiece>>();
  for (let found = true; found && Date.now() < opts.deadline;) {
    found = false;
    const across = upperNeighbours(pieces);
    const used = new Set<number>();
    const next: GatedPiece[] = [];
    for (let k = 0; k < pieces.length && Date.now() < opts.deadline; k++) {
      if (used.has(k)) continue;
      const a = pieces[k];
      for (let d = 0; d < a.lower.length && !used.has(k) && Date.now() < opts.deadline; d++) {
        const j = across(k, d);
        if (j === undefined || used.has(j) || refused.get(a)?.has(pieces[j])) continue;
        const b = pieces[j];
        const upper = Float64Array.from(a.upper);
        upper[d] = b.upper[d];
        const box: Box = { lower: a.lower, upper };
        tried++;
        const joined = await provedJoin(net, query, box, [[a.clamps, b], [b.clamps, a]], opts, opts.budget - changedDelta);
        if (!joined) {
          refused.set(a, (refused.get(a) ?? new WeakSet()).add(b));
          continue;
        }
        used.add(k);
        used.add(j);
        next.push({ ...box, clamps: joined.clamps, unrepaired: false });
        changedDelta += joined.changed;
        joins++;
        found = true;
      }
    }
    pieces.forEach((p, k) => { if (!used.has(k)) next.push(p); });
    pieces = next;
  }
  return { pieces, joins, tried, changedDelta };
}

/**
 * The first candidate (fewer clamps first) whose clamps the verifier proves on the joined box and whose changes on the
 * other part fit the budget.
 */
async function provedJoin(
  net: Network, query: Query, box: Box, candidates: [readonly Clamp[], GatedPiece][], opts: VerifierJoinOptions, budget: number,
): Promise<{ clamps: readonly Clamp[]; changed: number } | undefined> {
  candidates.sort((x, y) => x[0].length - y[0].length);
  for (const [clamps, other] of candidates) {
    if (Date.now() >= opts.deadline) return undefined;
    const candidate = clampNetwork(net, clamps);
    const changed = (opts.changedShare(candidate, other) - opts.changedShare(clampNetwork(net, other.clamps), other)) * boxVolume(other);
    if (changed > 0 && changed > budget) continue;
    if ((await opts.prove(candidate, queryOn(query, box))).status === 'holds') return { clamps, changed };
  }
  return undefined;
}
