/**
 * Sigmoid and Tanh: increasing, convex below 0 and concave above, point-symmetric about (0, value(0)). Their linear
 * relaxation uses tangent lines, as auto_LiRPA does, instead of constant bounds:
 * - on the concave side (l >= 0): above, the tangent at the midpoint; below, the chord;
 * - across 0: above, the chord when it stays above (its slope is at most the derivative at u), else the tangent at a
 *   point d in [0, u] whose line passes above (l, value(l)) (found by bisection, keeping the side that is sound);
 * - the lower line is the upper line of the mirrored interval [-u, -l], reflected through the symmetry point.
 * A tiny margin on the shifts covers the rounding of exp and tanh.
 */
import { onnx } from 'onnx-proto';
import { setRelaxation, type ActivationModule, type Relaxation } from './types';

const MARGIN = 1e-12;
/** Below this width the interval is too narrow for a chord's slope: constant bounds (exact to the width). */
const NARROW = 1e-9;

interface Line { slope: number; shift: number }

export function sShapedActivation(f: (z: number) => number, df: (value: number) => number, maxDerivative: number, opType: string): ActivationModule {
  const center = f(0);
  const tangent = (d: number): Line => {
    const slope = df(f(d));
    return { slope, shift: f(d) - slope * d };
  };
  /** A line above f on [l, u]. */
  const upper = (l: number, u: number): Line => {
    if (l >= 0) return tangent((l + u) / 2);
    const chord = (f(u) - f(l)) / (u - l);
    if (u <= 0 || chord <= df(f(u))) return { slope: chord, shift: f(l) - chord * l };
    // The tangent at d passes above (l, f(l)) once d is past the touching point; its value at l grows with d.
    let lo = 0;
    let hi = u;
    for (let k = 0; k < 50; k++) {
      const mid = (lo + hi) / 2;
      const t = tangent(mid);
      if (t.slope * l + t.shift >= f(l)) hi = mid;
      else lo = mid;
    }
    return tangent(hi);
  };
  return {
    apply: (v) => { for (let i = 0; i < v.length; i++) v[i] = f(v[i]); },
    value: f,
    derivative: (_z, value) => df(value),
    derivativeRange: (l, u) => [Math.min(df(f(l)), df(f(u))), l <= 0 && u >= 0 ? maxDerivative : Math.max(df(f(l)), df(f(u)))],
    relax(l: number, u: number, r: Relaxation) {
      if (!(u - l > NARROW) || !Number.isFinite(l) || !Number.isFinite(u)) return setRelaxation(r, 0, f(l), 0, f(u));
      const above = upper(l, u);
      // f(z) = 2 center - f(-z): a line U above f on [-u, -l] gives 2 center - U(-z) below f on [l, u].
      const below = upper(-u, -l);
      setRelaxation(r, below.slope, 2 * center - below.shift - MARGIN * (1 + Math.abs(below.shift)), above.slope, above.shift + MARGIN * (1 + Math.abs(above.shift)));
    },
    onnxNode: (input, output, name) => onnx.NodeProto.create({ opType, input: [input], output: [output], name }),
  };
}
