/**
 * Output-bias shift (not in the paper: docs/birdnn.md, "shift"): fine-tune only the output layer's bias, by the one
 * constant the verifier's bounds need. BIRDNN's repairs leave ACAS Xu's outputs a hair from the violation (the scores
 * differ by ~1e-3 while the bounds over the property's box are loose by ~1e2), so no proof comes; but when the
 * advisories the property forbids are (almost) never the decision anywhere in the domain (N2,9 decides COC or WL on
 * all 100,000 domain samples, N1,9 never SL or SR), raising their scores changes (almost) no decision and gives the
 * bounds all the room they need.
 *
 * The direction d is the sum of the violation's rows' coefficients (it raises the forbidden outputs and lowers the
 * allowed ones, each group by the same amount, so the order within a group is kept). Its size c comes from the
 * bounds at the root: each conjunction is refuted once one of its rows' lower bound plus c·(coeffs·d) is positive.
 * Decisions change only where the shift reorders outputs; they are counted on whole-domain samples and the keep set,
 * and the shift is refused when more than `maxDrawdown` of them change. The verifier then checks the shifted network
 * (the driver checks the written file again).
 */
import type { Network } from '../../network/network';
import { forward } from '../../network/forward';
import { specBounds } from '../../bounds/linearBounds';
import type { Query } from '../../query/normalForm';
import { sampleBox, type Random } from '../../localize/sampling';
import { verify } from '../../verify';
import type { Decision, KeepPoint, RepairOption, RepairTask } from '../types';
import { decisions } from './data';

export interface ShiftOptions {
  readonly domain: { readonly lower: Float64Array; readonly upper: Float64Array };
  readonly keepSet: readonly KeepPoint[];
  readonly decision: Decision;
  /** The largest share of whole-domain samples (and keep points) whose decision may change. */
  readonly maxDrawdown: number;
  readonly samples: number;
  readonly verifySec: number;
  readonly threads: number;
  readonly random: Random;
  readonly signal?: AbortSignal;
  readonly log: string[];
}

export interface ShiftResult {
  readonly network: Network;
  readonly proven: boolean;
  /** The shift's size along d (0 when refused) and the share of decisions it changed. */
  readonly size: number;
  readonly drawdown: number;
}

/** Rows' coefficient sums: raises what the violation needs low, lowers what it needs high. */
export function shiftDirection(query: Query, outputs: number): Float64Array {
  const d = new Float64Array(outputs);
  for (const row of query.violation.flat()) for (let j = 0; j < outputs; j++) d[j] += row.coeffs[j];
  return d;
}

/**
 * The least c such that, on the bounds of `net` at each region box, every conjunction has a row whose lower bound
 * plus c·(coeffs·d) is positive; Infinity when some conjunction has no row that d raises or a box is unbounded.
 */
export function rootShiftSize(net: Network, query: Query, d: Float64Array): number {
  const rows = query.violation.flat();
  let size = 0;
  for (const polytope of query.region) {
    if (![...polytope.lower, ...polytope.upper].every(Number.isFinite)) return Infinity;
    const bounds = specBounds(net, polytope, rows);
    let r = 0;
    for (const conj of query.violation) {
      let need = Infinity;
      for (const row of conj) {
        const gain = row.coeffs.reduce((s, c, j) => s + c * d[j], 0);
        if (gain > 0) need = Math.min(need, Math.max(0, -bounds.lower[r]) / gain);
        r++;
      }
      size = Math.max(size, need);
    }
  }
  return size;
}

export function withOutputShift(net: Network, d: Float64Array, size: number): Network {
  const last = net.layers.length - 1;
  const bias = Float64Array.from(net.layers[last].bias, (b, j) => b + size * d[j]);
  return { ...net, layers: net.layers.map((l, k) => (k === last ? { ...l, bias } : l)) };
}

/** Share of whole-domain samples and keep points whose decision differs between the two networks. */
function decisionChanges(a: Network, b: Network, o: ShiftOptions): number {
  const n = a.layers[0].inSize;
  const m = a.layers[a.layers.length - 1].outSize;
  const x = new Float64Array(o.samples * n + o.keepSet.length * n);
  x.set(sampleBox(o.domain.lower, o.domain.upper, o.samples, o.random));
  o.keepSet.forEach((p, k) => x.set(p.input, (o.samples + k) * n));
  const count = x.length / n;
  const da = decisions(forward(a, x, count), count, m, o.decision);
  const db = decisions(forward(b, x, count), count, m, o.decision);
  let changed = 0;
  for (let r = 0; r < count; r++) if (da[r] !== db[r]) changed++;
  return changed / count;
}

/**
 * Shifts the output bias of `net` by the root bounds' size (1% more, doubled after a verifier that cannot prove it,
 * three tries) unless that changes more than `maxDrawdown` of the decisions.
 */
export async function shiftOutputs(net: Network, query: Query, o: ShiftOptions): Promise<ShiftResult> {
  const m = net.layers[net.layers.length - 1].outSize;
  if (m < 2) {
    // One output has one decision: counting changed decisions would not see the shift move every output.
    o.log.push('shift: the network has one output, whose every value the shift would move; not shifted');
    return { network: net, proven: false, size: 0, drawdown: 0 };
  }
  const d = shiftDirection(query, m);
  let size = 1.01 * rootShiftSize(net, query, d);
  if (!Number.isFinite(size)) {
    o.log.push('shift: some conjunction of the violation has no row an output shift raises (or the region is unbounded); not shifted');
    return { network: net, proven: false, size: 0, drawdown: 0 };
  }
  for (let attempt = 1; attempt <= 3; attempt++, size *= 2) {
    const shifted = withOutputShift(net, d, size);
    const drawdown = decisionChanges(net, shifted, o);
    if (drawdown > o.maxDrawdown) {
      o.log.push(`shift: raising the forbidden outputs by ${size.toPrecision(3)} would change ${(100 * drawdown).toFixed(2)}% of the whole-domain decisions (more than ${(100 * o.maxDrawdown).toFixed(2)}%); not shifted`);
      return { network: net, proven: false, size: 0, drawdown: 0 };
    }
    const result = await verify(shifted, query, { timeoutSec: o.verifySec, threads: o.threads, signal: o.signal });
    o.log.push(`shift ${size.toPrecision(3)} along [${Array.from(d).join(', ')}]: ${(100 * drawdown).toFixed(2)}% of the whole-domain decisions changed; the verifier: ${result.status} (${result.timeSec.toFixed(2)} s)`);
    if (result.status === 'holds') return { network: shifted, proven: true, size, drawdown };
  }
  return { network: net, proven: false, size: 0, drawdown: 0 };
}

/** The options `shift` adds to both BIRDNN methods (off by default: not in the paper). */
export const SHIFT_OPTIONS: readonly RepairOption[] = [
  { name: 'shift', default: false, description: 'After the paper\'s repair: raise the forbidden outputs\' bias (only the output layer changes) by what the verifier\'s bounds need, unless that changes more than maxShiftDrawdown of the whole-domain decisions (not in the paper).' },
  { name: 'maxShiftDrawdown', default: 0.001, description: 'shift: the largest share of whole-domain samples whose decision the shift may change.' },
];

/** Runs `shiftOutputs` when the task asks for it; else returns `net` unproven. */
export async function shiftIfAsked(task: RepairTask, net: Network, random: Random, threads: number, log: string[]): Promise<{ network: Network; proven: boolean; stats: Record<string, number> }> {
  const opt = (name: string) => task.options[name] ?? SHIFT_OPTIONS.find((o) => o.name === name)!.default;
  if (!opt('shift') || !task.query) return { network: net, proven: false, stats: {} };
  task.onProgress?.({ stage: 'shift' });
  const result = await shiftOutputs(net, task.query, {
    domain: task.domain, keepSet: task.keepSet, decision: task.decision, maxDrawdown: Number(opt('maxShiftDrawdown')), samples: 10_000,
    verifySec: Math.max(1, Math.min(10, task.timeoutSec / 4)), threads, random, signal: task.signal, log,
  });
  return { network: result.network, proven: result.proven, stats: { shiftSize: result.size, shiftDrawdown: result.drawdown, shiftProven: result.proven ? 1 : 0 } };
}
