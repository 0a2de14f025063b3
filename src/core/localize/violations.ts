/**
 * Violating inputs when uniform sampling finds few: a batched projected-gradient attack on the violation margin from
 * many starts (input gradients from the training core's backpropagation), whose hits are then grown by sampling their
 * neighbourhoods. Violations of ACAS Xu properties fill a tiny part of the region (N2,9/prop 8: 6 in 10,000 uniform
 * samples; N1,9/prop 7: none), so this is where most negative samples come from.
 */
import { violationMargin, type OutputDnf } from '../query/normalForm';
import { decidingRow } from '../query/normalForm';
import { gradientPass, trainableParameters } from '../train/trainable';
import { modelOutputSize } from '../network/model';
import type { Localizable } from './model';
import { sampleBox, type Random } from './sampling';

export interface Box {
  readonly lower: ArrayLike<number>;
  readonly upper: ArrayLike<number>;
}

/**
 * Inputs of the box (row-major) where the margin is <= `threshold` (0: violations; above 0: near-violations, where a
 * repair has too little room for a proof) after `steps` signed-gradient steps from `starts` random points.
 */
export function attackViolations(net: Localizable, violation: OutputDnf, box: Box, starts: number, steps: number, random: Random, threshold = 0): Float64Array {
  const n = box.lower.length;
  const m = modelOutputSize(net);
  const engine = gradientPass(net, 'float64', starts);
  const params = trainableParameters(net, 'float64');
  const x = sampleBox(box.lower, box.upper, starts, random);
  // Half the starts put each input at a bound with probability 1/2: violations often sit where several inputs are at
  // their bounds (as the verifier's falsifier also assumes).
  for (let r = 1; r < starts; r += 2) {
    for (let i = 0; i < n; i++) {
      const u = random();
      if (u < 0.25) x[r * n + i] = box.lower[i];
      else if (u < 0.5) x[r * n + i] = box.upper[i];
    }
  }
  // Few inputs: every corner is a start too (the first 2^n even rows).
  if (n <= 8) for (let c = 0; c < Math.min(1 << n, starts >> 1); c++) for (let i = 0; i < n; i++) x[2 * c * n + i] = (c >> i) & 1 ? box.upper[i] : box.lower[i];
  const dY = new Float64Array(starts * m);
  for (let step = 0; step < steps; step++) {
    const y = engine.forward(params, x, starts);
    dY.fill(0);
    for (let r = 0; r < starts; r++) {
      const { margin, row } = decidingRow(violation, y.subarray(r * m, (r + 1) * m));
      if (row && margin > threshold) dY.set(row.coeffs, r * m); // rows already there stay where they are
    }
    const { input } = engine.backward(params, dY, undefined, { input: true });
    const size = 0.1 * (1 - step / steps) + 0.005;
    for (let r = 0; r < starts; r++) {
      if (dY[r * m] === 0 && dY.subarray(r * m, (r + 1) * m).every((v) => v === 0)) continue;
      // A row on a plateau (every ReLU of a layer off: ACAS Xu has wide ones) gets a random step instead.
      const flat = input!.subarray(r * n, (r + 1) * n).every((g) => g === 0);
      for (let i = 0; i < n; i++) {
        const direction = flat ? 2 * random() - 1 : Math.sign(input![r * n + i]);
        const w = box.upper[i] - box.lower[i];
        x[r * n + i] = Math.min(box.upper[i], Math.max(box.lower[i], x[r * n + i] - direction * size * w));
      }
    }
  }
  const y = engine.forward(params, x, starts);
  const hits: number[] = [];
  for (let r = 0; r < starts; r++) if (violationMargin(violation, y.subarray(r * m, (r + 1) * m)) <= threshold) hits.push(r);
  const out = new Float64Array(hits.length * n);
  hits.forEach((r, k) => out.set(x.subarray(r * n, (r + 1) * n), k * n));
  return out;
}
