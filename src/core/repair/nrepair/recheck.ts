/**
 * nRepair's last step: the pieces the partition had to flag (the original's check ran out of time there, the repair
 * failed, or the box was never reached) get the time left, shared among them. Where the verifier now proves the
 * original, the piece is dropped: the original answers there, proved, and no alarm fires. The others stay flagged.
 */
import type { GatedPiece } from '../../network/gated';
import type { Network } from '../../network/network';
import type { Query } from '../../query/normalForm';
import { verify } from '../../verify';
import { formatBox, queryOn } from './pieces';

export interface RecheckOptions {
  /** ms since the epoch. */
  readonly deadline: number;
  readonly threads: number;
  readonly signal?: AbortSignal;
}

/** Drops from `pieces` (in place) the flagged ones the verifier proves on the original; returns how many. */
export async function recheckFlagged(net: Network, query: Query, pieces: GatedPiece[], log: string[], opts: RecheckOptions): Promise<number> {
  let proved = 0;
  let flagged = pieces.filter((p) => p.unrepaired).length;
  for (let k = pieces.length - 1; k >= 0 && flagged > 0; k--) {
    const piece = pieces[k];
    if (!piece.unrepaired) continue;
    const remaining = (opts.deadline - Date.now()) / 1000;
    if (remaining <= 0 || opts.signal?.aborted) break;
    const result = await verify(net, queryOn(query, piece), { timeoutSec: remaining / flagged, threads: opts.threads, signal: opts.signal });
    flagged--;
    if (result.status !== 'holds') continue;
    pieces.splice(k, 1);
    proved++;
    log.push(`piece ${formatBox(piece)}: proved as it was when re-checked at the end; no longer flagged`);
  }
  return proved;
}
