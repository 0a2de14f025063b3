/** The 'gradient' responsibility: mean |d violationMargin / d (neuron output)| over violating samples, by float64 backpropagation. */
import type { OutputDnf } from '../query/normalForm';
import { decidingRow } from '../query/normalForm';
import { gradientPass, trainableParameters } from '../train/trainable';
import { asGraph, type Localizable } from './model';

/** Per node (every node, output included), one score per neuron. */
export function marginGradientScores(model: Localizable, violation: OutputDnf, inputs: Float64Array, count: number): Float64Array[] {
  const widths = asGraph(model).nodes.map((node) => node.outSize);
  const scores = widths.map((w) => new Float64Array(w));
  if (count === 0) return scores;
  const pass = gradientPass(model, 'float64', count);
  const params = trainableParameters(model, 'float64');
  const y = pass.forward(params, inputs, count);
  const m = widths[widths.length - 1];
  const dY = new Float64Array(count * m);
  for (let r = 0; r < count; r++) {
    const { row } = decidingRow(violation, y.subarray(r * m, (r + 1) * m));
    if (row) dY.set(row.coeffs, r * m);
  }
  const { neurons } = pass.backward(params, dY, undefined, { neurons: true });
  neurons!.forEach((g, k) => {
    const width = widths[k];
    for (let r = 0; r < count; r++) for (let j = 0; j < width; j++) scores[k][j] += Math.abs(g[r * width + j]) / count;
  });
  return scores;
}
