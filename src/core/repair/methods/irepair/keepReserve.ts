/**
 * The keep reserve (not in the paper; docs/repair-irepair.md, "The keep set"): the given keep inputs next nearest to R
 * after the keep set C. Every `keepCheck` iterations the repair runs them through the current network; a reserve
 * input whose decision has flipped swaps places with the member of C of its class that is least at risk (the largest
 * margin, never one that came in by flipping), so C stays at its size and holds the digits the
 * repair is actually breaking. The keep set is rewritten in place (the gradient sets read it by reference).
 */
import type { Vec } from '../../../train/kernels';
import { vector, type Parameters } from '../../../train/parameters';
import type { Trainable } from '../../../train/trainable';
import type { KeepPoint } from '../../types';
import { setForward, setPass, type Engine, type SetPass } from './engine';
import { margin } from './margin';

export interface KeepRows {
  readonly points: KeepPoint[];
  /** Writes point `p` as row `k` of C (its input, label, copies and the original network's logits of them). */
  write(k: number, p: KeepPoint): void;
  /** C's logits under the current parameters. */
  outputs(): Vec | Promise<Vec>;
}

export class KeepReserve {
  /** Rows of C that came in by flipping: never swapped out again. */
  private readonly flippedIn = new Set<number>();
  swaps = 0;

  /** Each input's margin under the original network (reserve and C), for `atRisk`. */
  private readonly original = new Map<KeepPoint, number>();

  private constructor(private readonly reserve: KeepPoint[], private readonly n: number, private readonly m: number, private readonly inputs: Vec, private readonly pass: SetPass, private readonly riskMargin: number) {}

  /**
   * `riskMargin` > 0 (option keepMargin): a reserve input also counts as at risk, before it flips, once its margin is
   * below riskMargin and below half its margin under the original network; 0: only flipped ones.
   */
  static async create(reserve: KeepPoint[], keep: readonly KeepPoint[], n: number, m: number, model: Trainable, engine: Engine, params: Parameters, riskMargin = 0): Promise<KeepReserve> {
    const inputs = vector(params.precision, reserve.length * n);
    reserve.forEach((p, k) => inputs.set(p.input, k * n));
    const created = new KeepReserve(reserve, n, m, inputs, await setPass(model, engine, params, inputs, n), riskMargin);
    if (riskMargin > 0) {
      const y = await created.pass.run();
      reserve.forEach((p, k) => created.original.set(p, margin(y, k * m, m, p.label)));
      const inputsC = vector(params.precision, keep.length * n);
      keep.forEach((p, k) => inputsC.set(p.input, k * n));
      const yC = setForward(model, params, inputsC, n)();
      keep.forEach((p, k) => created.original.set(p, margin(yC, k * m, m, p.label)));
    }
    return created;
  }

  private atRisk(p: KeepPoint, now: number): boolean {
    return now <= 0 || (this.riskMargin > 0 && now < Math.min(this.riskMargin, (this.original.get(p) ?? Infinity) / 2));
  }

  /** Swaps every reserve input at risk (by default: wrong) into C, most at risk first (one per row of its class at most); returns how many. */
  async check(keep: KeepRows): Promise<number> {
    if (this.reserve.length === 0) return 0;
    const y = await this.pass.run();
    const yC = await keep.outputs();
    const m = this.m;
    const flipped = this.reserve.map((p, k) => ({ p, k, margin: margin(y, k * m, m, p.label) })).filter((e) => this.atRisk(e.p, e.margin)).sort((a, b) => a.margin - b.margin);
    let swapped = 0;
    for (const { p, k } of flipped) {
      const rows = keep.points.map((_, r) => r).filter((r) => keep.points[r].label === p.label && !this.flippedIn.has(r));
      if (rows.length === 0) continue;
      const out = rows.reduce((a, b) => (margin(yC, b * m, m, keep.points[b].label) > margin(yC, a * m, m, keep.points[a].label) ? b : a));
      const leaving = keep.points[out];
      keep.write(out, p);
      this.flippedIn.add(out);
      this.reserve[k] = leaving;
      this.inputs.set(leaving.input, k * this.n);
      swapped++;
    }
    this.swaps += swapped;
    return swapped;
  }

  /** The reserve inputs the current network gets wrong. */
  async flipped(): Promise<KeepPoint[]> {
    const y = await this.pass.run();
    return this.reserve.filter((p, k) => margin(y, k * this.m, this.m, p.label) <= 0);
  }

  release(): Promise<void> {
    return this.pass.release();
  }
}
