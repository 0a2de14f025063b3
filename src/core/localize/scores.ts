/**
 * Per-neuron responsibility scores from each layer's outputs on violating and safe samples.
 *
 * - 'birdnn': the paper's definition (Alg. 4 / Eq. 4): sum over every (violating, safe) pair of |a_v - a_s|, reported
 *   per pair (divided by #V·#S) so that sample counts do not scale it. Computed exactly in O((V+S) log S) per neuron
 *   by sorting the safe values once and using prefix sums, not by the paper's double loop.
 * - 'birdnn-code': what BIRDNN's code runs (its Eq. 5): |sum_V a - sum_S a|, raw sums, taken over equally many
 *   violating and safe samples as in the paper's experiments (10K/10K; see ./index.ts).
 * - 'gradient': the mean over violating samples of |d violationMargin / d a| (./gradient.ts).
 */
export function pairwiseScore(values: Float64Array, violating: Int32Array, safe: Int32Array, width: number, neuron: number): number {
  if (violating.length === 0 || safe.length === 0) return 0;
  if (violating.length * safe.length < 30 * (violating.length + safe.length)) {
    // Few pairs: the double loop is cheaper than sorting.
    let sum = 0;
    for (const v of violating) for (const s of safe) sum += Math.abs(values[v * width + neuron] - values[s * width + neuron]);
    return sum / (violating.length * safe.length);
  }
  const s = Float64Array.from(safe, (r) => values[r * width + neuron]).sort();
  const prefix = new Float64Array(s.length + 1);
  for (let i = 0; i < s.length; i++) prefix[i + 1] = prefix[i] + s[i];
  const total = prefix[s.length];
  let sum = 0;
  for (const r of violating) {
    const v = values[r * width + neuron];
    // Safe values below v: count `lo`; sum |v - s| = v·lo - prefix[lo] + (total - prefix[lo]) - v·(S - lo).
    let lo = 0;
    let hi = s.length;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (s[mid] < v) lo = mid + 1;
      else hi = mid;
    }
    sum += v * lo - prefix[lo] + (total - prefix[lo]) - v * (s.length - lo);
  }
  return sum / (violating.length * safe.length);
}

export function sumDifferenceScore(values: Float64Array, violating: Int32Array, safe: Int32Array, width: number, neuron: number): number {
  let v = 0;
  for (const r of violating) v += values[r * width + neuron];
  let s = 0;
  for (const r of safe) s += values[r * width + neuron];
  return Math.abs(v - s);
}

export interface LayerStats {
  readonly activeViolating: number[];
  readonly activeSafe: number[];
  readonly meanViolating: number[];
  readonly meanSafe: number[];
}

export function layerStats(values: Float64Array, violating: Int32Array, safe: Int32Array, width: number): LayerStats {
  const stats = (rows: Int32Array) => {
    const active = new Array<number>(width).fill(0);
    const mean = new Array<number>(width).fill(0);
    for (const r of rows) {
      for (let j = 0; j < width; j++) {
        const a = values[r * width + j];
        if (a > 0) active[j]++;
        mean[j] += a;
      }
    }
    const d = Math.max(1, rows.length);
    return { active: active.map((a) => a / d), mean: mean.map((m) => m / d) };
  };
  const v = stats(violating);
  const s = stats(safe);
  return { activeViolating: v.active, activeSafe: s.active, meanViolating: v.mean, meanSafe: s.mean };
}
