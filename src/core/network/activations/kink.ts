/** ReLU and LeakyReLU: slope `alpha` below 0 and 1 above. */
import { onnx } from 'onnx-proto';
import { setRelaxation, type ActivationModule } from './types';

export function kinkActivation(alpha: number, onnxNode: ActivationModule['onnxNode']): ActivationModule {
  return {
    apply: alpha === 0
      ? (v) => { for (let i = 0; i < v.length; i++) if (v[i] < 0) v[i] = 0; }
      : (v) => { for (let i = 0; i < v.length; i++) if (v[i] < 0) v[i] *= alpha; },
    // ReLU's value is 0 below the kink, not 0 * z: that is NaN at z = -Infinity (an unbounded interval's end).
    value: alpha === 0 ? (z) => (z > 0 ? z : 0) : (z) => (z > 0 ? z : alpha * z),
    derivative: (z) => (z > 0 ? 1 : alpha),
    derivativeRange: (l, u) => (l >= 0 ? [1, 1] : u <= 0 ? [alpha, alpha] : [alpha, 1]),
    relax(l, u, r, lowerSlopeHint) {
      if (l >= 0) return setRelaxation(r, 1, 0, 1, 0);
      if (u <= 0) return setRelaxation(r, alpha, 0, alpha, 0);
      // Chord from (l, alpha*l) to (u, u) above; below, any line through the origin with slope in [alpha, 1].
      const s = (u - alpha * l) / (u - l);
      const lower = lowerSlopeHint ?? (u > -l ? 1 : alpha);
      setRelaxation(r, Math.min(1, Math.max(alpha, lower)), 0, s, u - s * u);
    },
    piecewise: { below: alpha },
    onnxNode,
  };
}

export const floatAttribute = (name: string, f: number): onnx.IAttributeProto => ({ name, type: onnx.AttributeProto.AttributeType.FLOAT, f });
