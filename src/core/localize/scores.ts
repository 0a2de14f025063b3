/**
 * Per-neuron responsibility scores and activation statistics of one layer, from its outputs on violating and safe
 * samples, in one pass over each group's rows (row-major, as ONNX Runtime wrote them):
 *
 * - 'birdnn': the paper's definition (Alg. 4 / Eq. 4): sum over every (violating, safe) pair of |a_v - a_s|, reported
 *   per pair (divided by #V·#S) so that sample counts do not scale it. Computed exactly, not by the paper's double
 *   loop: the smaller group's values are sorted once per neuron with their prefix sums, and each value of the larger
 *   group adds its distance to all of them at once (a binary search; none at all below the smallest or above the
 *   largest, which is where a ReLU's zeros fall). O((V + S) log min(V, S)) per neuron.
 * - 'birdnn-code': what BIRDNN's code runs (its Eq. 5): |sum_V a - sum_S a|, raw sums, taken over equally many
 *   violating and safe samples (the first min(V, S) of each) as in the paper's experiments (10K/10K; ./index.ts).
 * - 'gradient': the mean over violating samples of |d violationMargin / d a| (./gradient.ts).
 */

export interface LayerScores {
  /** 'birdnn' (Eq. 4, per pair); zeros unless asked for. */
  readonly pairwise: Float64Array;
  /** 'birdnn-code' (Eq. 5). */
  readonly sumDifference: Float64Array;
  /** Fraction of violating / safe samples on which each neuron is active (output > 0), and its mean output. */
  readonly activeViolating: Float64Array;
  readonly activeSafe: Float64Array;
  readonly meanViolating: Float64Array;
  readonly meanSafe: Float64Array;
}

/** The smaller group's values, sorted per neuron ([width][k]), with prefix sums ([width][k + 1]). */
interface SortedColumns {
  readonly k: number;
  readonly sorted: Float64Array;
  readonly prefix: Float64Array;
}

function sortColumns(values: Float64Array, rows: Int32Array, width: number): SortedColumns {
  const k = rows.length;
  const sorted = new Float64Array(width * k);
  for (let i = 0; i < k; i++) {
    const base = rows[i] * width;
    for (let j = 0; j < width; j++) sorted[j * k + i] = values[base + j];
  }
  const prefix = new Float64Array(width * (k + 1));
  for (let j = 0; j < width; j++) {
    const column = sorted.subarray(j * k, (j + 1) * k).sort();
    const p = j * (k + 1);
    for (let i = 0; i < k; i++) prefix[p + i + 1] = prefix[p + i] + column[i];
  }
  return { k, sorted, prefix };
}

/**
 * Over `rows` of the layer: each neuron's sum and count of active samples, the sum over the first `equal` rows, and
 * (with `pairs`) the sum of distances to every value of the other group.
 */
function accumulate(values: Float64Array, rows: Int32Array, width: number, equal: number, sum: Float64Array, active: Float64Array, equalSum: Float64Array, pairs?: SortedColumns, pairSum?: Float64Array): void {
  for (let i = 0; i < rows.length; i++) {
    const base = rows[i] * width;
    const inEqual = i < equal;
    for (let j = 0; j < width; j++) {
      const v = values[base + j];
      sum[j] += v;
      if (v > 0) active[j]++;
      if (inEqual) equalSum[j] += v;
    }
    if (!pairs || !pairSum) continue;
    const { k, sorted, prefix } = pairs;
    for (let j = 0; j < width; j++) {
      const v = values[base + j];
      const s = j * k;
      const p = j * (k + 1);
      const total = prefix[p + k];
      // sum_s |v - s| = v·lo - prefix[lo] + (total - prefix[lo]) - v·(k - lo), lo = #{s < v}.
      if (v <= sorted[s]) pairSum[j] += total - v * k;
      else if (v >= sorted[s + k - 1]) pairSum[j] += v * k - total;
      else {
        let lo = 1;
        let hi = k - 1;
        while (lo < hi) {
          const mid = (lo + hi) >> 1;
          if (sorted[s + mid] < v) lo = mid + 1;
          else hi = mid;
        }
        const below = prefix[p + lo];
        pairSum[j] += v * lo - below + (total - below) - v * (k - lo);
      }
    }
  }
}

/** One layer's scores and statistics; the pairwise score (the costly one) only when `pairwise`. */
export function scoreLayer(values: Float64Array, width: number, violating: Int32Array, safe: Int32Array, pairwise: boolean): LayerScores {
  const V = violating.length;
  const S = safe.length;
  const equal = Math.min(V, S);
  const [sumV, activeV, equalV, sumS, activeS, equalS, pairSum] = Array.from({ length: 7 }, () => new Float64Array(width));
  const pairs = pairwise && V > 0 && S > 0;
  const smallerIsSafe = S < V;
  const sortedSmaller = pairs ? sortColumns(values, smallerIsSafe ? safe : violating, width) : undefined;
  accumulate(values, violating, width, equal, sumV, activeV, equalV, smallerIsSafe ? sortedSmaller : undefined, pairSum);
  accumulate(values, safe, width, equal, sumS, activeS, equalS, smallerIsSafe ? undefined : sortedSmaller, pairSum);
  // Divided, not multiplied by reciprocals: a neuron active on every sample reads exactly 1.
  const pairCount = pairs ? V * S : Infinity;
  const dV = Math.max(1, V);
  const dS = Math.max(1, S);
  const sumDifference = new Float64Array(width);
  for (let j = 0; j < width; j++) {
    pairSum[j] /= pairCount;
    sumDifference[j] = Math.abs(equalV[j] - equalS[j]);
    activeV[j] /= dV;
    activeS[j] /= dS;
    sumV[j] /= dV;
    sumS[j] /= dS;
  }
  return { pairwise: pairSum, sumDifference, activeViolating: activeV, activeSafe: activeS, meanViolating: sumV, meanSafe: sumS };
}
