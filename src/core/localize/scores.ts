/**
 * Per-neuron responsibility scores and activation statistics of one layer, from its outputs on violating and safe
 * samples, in one pass over each group's rows (row-major, as ONNX Runtime wrote them):
 *
 * - 'birdnn': the paper's definition (Alg. 4 / Eq. 4): sum over every (violating, safe) pair of |a_v - a_s|, reported
 *   per pair (divided by #V·#S) so that sample counts do not scale it. Computed exactly, not by the paper's double
 *   loop: the smaller group's values are sorted once per neuron with their prefix sums, and each value of the larger
 *   group adds its distance to all of them at once (prefix sums at its rank among them, found through a bucket index;
 *   nothing to find below the smallest or above the largest, which is where a ReLU's zeros fall). O(V + S) per
 *   neuron after the sort of min(V, S) values.
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

/**
 * The smaller group's values, sorted per neuron ([width][k]), with prefix sums ([width][k + 1]) and a bucket index per
 * neuron: the values' range cut into `buckets` equal parts, `index[b]` = how many values fall in parts before b. A
 * value v of the other group in part b has exactly index[b] + (those of part b below v) values below it: part b is
 * searched, usually 0-2 entries, instead of the whole column.
 */
interface SortedColumns {
  readonly k: number;
  readonly sorted: Float64Array;
  readonly prefix: Float64Array;
  readonly buckets: number;
  /** Per neuron: the smallest and largest value, their total, and buckets / (largest - smallest). */
  readonly low: Float64Array;
  readonly high: Float64Array;
  readonly total: Float64Array;
  readonly scale: Float64Array;
  readonly index: Int32Array;
}

function sortColumns(values: Float64Array, rows: Int32Array, width: number): SortedColumns {
  const k = rows.length;
  const buckets = Math.min(4096, 2 * k);
  const sorted = new Float64Array(width * k);
  for (let i = 0; i < k; i++) {
    const base = rows[i] * width;
    for (let j = 0; j < width; j++) sorted[j * k + i] = values[base + j];
  }
  const prefix = new Float64Array(width * (k + 1));
  const low = new Float64Array(width);
  const high = new Float64Array(width);
  const total = new Float64Array(width);
  const scale = new Float64Array(width);
  const index = new Int32Array(width * (buckets + 1));
  for (let j = 0; j < width; j++) {
    const column = sorted.subarray(j * k, (j + 1) * k).sort();
    const p = j * (k + 1);
    for (let i = 0; i < k; i++) prefix[p + i + 1] = prefix[p + i] + column[i];
    low[j] = column[0];
    high[j] = column[k - 1];
    total[j] = prefix[p + k];
    scale[j] = column[k - 1] > column[0] ? buckets / (column[k - 1] - column[0]) : 0;
    const q = j * (buckets + 1);
    for (let b = 0, i = 0; b <= buckets; b++) {
      while (i < k && bucketOf(column[i], low[j], scale[j], buckets) < b) i++;
      index[q + b] = i;
    }
  }
  return { k, sorted, prefix, buckets, low, high, total, scale, index };
}

/** The part of a neuron's range v falls in: monotone in v (so parts order values), clamped to [0, buckets - 1]. */
const bucketOf = (v: number, low: number, scale: number, buckets: number) => Math.min(buckets - 1, Math.floor((v - low) * scale));

/**
 * Over `rows` of the layer: each neuron's sum and count of active samples, the sum over the first `equal` rows, and
 * (with `pairs`) the sum of distances to every value of the other group.
 */
function accumulate(values: Float64Array, rows: Int32Array, width: number, equal: number, sum: Float64Array, active: Float64Array, equalSum: Float64Array, pairs?: SortedColumns, pairSum?: Float64Array): void {
  const first = Math.min(equal, rows.length);
  const add = (from: number, to: number) => (pairs && pairSum ? addRowsAndDistances(values, rows, from, to, width, sum, active, pairs, pairSum) : addRows(values, rows, from, to, width, sum, active));
  add(0, first);
  equalSum.set(sum);
  add(first, rows.length);
}

/** Rows [from, to) into each neuron's sum and count of active samples, four rows at a time (one read-modify-write). */
function addRows(values: Float64Array, rows: Int32Array, from: number, to: number, width: number, sum: Float64Array, active: Float64Array): void {
  let i = from;
  for (; i + 4 <= to; i += 4) {
    const b0 = rows[i] * width, b1 = rows[i + 1] * width, b2 = rows[i + 2] * width, b3 = rows[i + 3] * width;
    for (let j = 0; j < width; j++) {
      const v0 = values[b0 + j], v1 = values[b1 + j], v2 = values[b2 + j], v3 = values[b3 + j];
      sum[j] += v0 + v1 + v2 + v3;
      active[j] += (v0 > 0 ? 1 : 0) + (v1 > 0 ? 1 : 0) + (v2 > 0 ? 1 : 0) + (v3 > 0 ? 1 : 0);
    }
  }
  for (; i < to; i++) {
    const base = rows[i] * width;
    for (let j = 0; j < width; j++) {
      const v = values[base + j];
      sum[j] += v;
      active[j] += v > 0 ? 1 : 0;
    }
  }
}

/** addRows, and each value's sum of distances to every value of the other group (pairSum), in the same pass. */
function addRowsAndDistances(values: Float64Array, rows: Int32Array, from: number, to: number, width: number, sum: Float64Array, active: Float64Array, pairs: SortedColumns, pairSum: Float64Array): void {
  const { k, sorted, prefix, buckets, low, high, total, scale, index } = pairs;
  for (let i = from; i < to; i++) {
    const base = rows[i] * width;
    for (let j = 0; j < width; j++) {
      const v = values[base + j];
      sum[j] += v;
      active[j] += v > 0 ? 1 : 0;
      // sum_s |v - s| = v·lo - prefix[lo] + (total - prefix[lo]) - v·(k - lo), lo = #{s < v}: |v·k - total| when v is
      // at or beyond either end (most values: a ReLU's zeros among them).
      if (!(v > low[j] && v < high[j])) {
        pairSum[j] += Math.abs(v * k - total[j]);
        continue;
      }
      const s = j * k;
      const p = j * (k + 1);
      const q = j * (buckets + 1) + bucketOf(v, low[j], scale[j], buckets);
      let lo = index[q];
      let hi = index[q + 1];
      while (lo < hi) {
        const mid = (lo + hi) >> 1;
        if (sorted[s + mid] < v) lo = mid + 1;
        else hi = mid;
      }
      const below = prefix[p + lo];
      pairSum[j] += v * lo - below + (total[j] - below) - v * (k - lo);
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
