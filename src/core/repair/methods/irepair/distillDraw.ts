/**
 * Which of the other given keep inputs the distill term holds each iteration (not in the paper; option `distill`,
 * docs/repair-irepair.md, "Logit distillation"). A seeded uniform draw, of which a share (`distillAtRisk`) is instead
 * the inputs the repair is eroding: their margin, as last seen in a draw, has fallen below the original network's
 * and is the smallest. The margins come free from the distill gradient's own outputs, so an input drawn at risk is
 * seen again the next iteration and leaves the at-risk share once the term has pulled it back.
 */
import type { Vec } from '../../../train/kernels';
import { margin } from './margin';

export class DistillDraw {
  private readonly pool: Int32Array;
  private readonly originalMargin: Float64Array;
  private readonly lastMargin: Float64Array;
  private readonly riskCount: number;

  /** `original`: the original network's logits of the pool (m per row); `labels`: each row's decision there. */
  constructor(original: Vec, private readonly labels: Int32Array, private readonly m: number, private readonly batch: number, atRiskShare: number, private readonly random: () => number) {
    this.pool = Int32Array.from(labels.keys());
    this.originalMargin = Float64Array.from(labels, (label, k) => margin(original, k * m, m, label));
    this.lastMargin = this.originalMargin.slice();
    this.riskCount = Math.min(batch, Math.max(0, Math.round(batch * atRiskShare)));
  }

  /** The rows of this iteration's draw: the at-risk share first, the rest uniform over the others. */
  next(): Int32Array {
    const atRisk = this.riskCount > 0 ? this.eroded() : [];
    const chosen = new Set(atRisk);
    // A partial Fisher-Yates shuffle of the pool, skipping the rows already chosen as at risk.
    for (let i = 0; i < this.pool.length && chosen.size < this.batch; i++) {
      const j = i + Math.floor(this.random() * (this.pool.length - i));
      [this.pool[i], this.pool[j]] = [this.pool[j], this.pool[i]];
      chosen.add(this.pool[i]);
    }
    return Int32Array.from(chosen);
  }

  /** Records the margins of a draw's rows from the outputs the distill gradient returned for them. */
  observe(rows: Int32Array, outputs: Vec): void {
    rows.forEach((row, b) => { this.lastMargin[row] = margin(outputs, b * this.m, this.m, this.labels[row]); });
  }

  /**
   * Up to riskCount rows whose last seen margin is below the original's, the smallest first (ties in row order): kept
   * sorted as they are found, since a sort of every eroded row each iteration cost as much as the draw's gradient.
   */
  private eroded(): number[] {
    const rows: number[] = [];
    const margins: number[] = [];
    for (let k = 0; k < this.labels.length; k++) {
      const d = this.lastMargin[k];
      if (!(d < this.originalMargin[k]) || (rows.length === this.riskCount && d >= margins[rows.length - 1])) continue;
      let at = rows.length;
      while (at > 0 && margins[at - 1] > d) at--;
      rows.splice(at, 0, k);
      margins.splice(at, 0, d);
      if (rows.length > this.riskCount) {
        rows.pop();
        margins.pop();
      }
    }
    return rows;
  }
}
