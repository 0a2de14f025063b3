/**
 * Sound linear relaxations of the activations over a pre-activation interval [l, u]:
 *   lowerSlope * z + lowerShift <= act(z) <= upperSlope * z + upperShift   for every z in [l, u].
 * Slopes are non-negative (all supported activations are monotone), so the bounds compose with symbolic bounds on z.
 * ReLU is exact wherever the neuron is stable; Sigmoid and Tanh use constant bounds (always sound, loose).
 */
import type { Activation } from '../network/network';

export interface Relaxation {
  lowerSlope: number;
  lowerShift: number;
  upperSlope: number;
  upperShift: number;
}

const sigmoid = (z: number): number => 1 / (1 + Math.exp(-z));

/** Writes the relaxation of `act` on [l, u] into `r`; `lowerSlopeHint` (ReLU, LeakyReLU) picks the lower line. */
export function relax(act: Activation, l: number, u: number, r: Relaxation, lowerSlopeHint?: number): void {
  switch (act.kind) {
    case 'identity':
      set(r, 1, 0, 1, 0);
      return;
    case 'relu':
    case 'leakyRelu': {
      const alpha = act.kind === 'relu' ? 0 : act.alpha;
      if (l >= 0) return set(r, 1, 0, 1, 0);
      if (u <= 0) return set(r, alpha, 0, alpha, 0);
      // Chord from (l, alpha*l) to (u, u) above; below, any line through the origin with slope in [alpha, 1].
      const s = (u - alpha * l) / (u - l);
      const lower = lowerSlopeHint ?? (u > -l ? 1 : alpha);
      return set(r, Math.min(1, Math.max(alpha, lower)), 0, s, u - s * u);
    }
    case 'sigmoid':
      return set(r, 0, sigmoid(l), 0, sigmoid(u));
    case 'tanh':
      return set(r, 0, Math.tanh(l), 0, Math.tanh(u));
  }
}

function set(r: Relaxation, ls: number, lb: number, us: number, ub: number): void {
  r.lowerSlope = ls;
  r.lowerShift = lb;
  r.upperSlope = us;
  r.upperShift = ub;
}

/** The activation at one point. */
export function activate(act: Activation, z: number): number {
  switch (act.kind) {
    case 'identity': return z;
    case 'relu': return z > 0 ? z : 0;
    case 'leakyRelu': return z > 0 ? z : act.alpha * z;
    case 'sigmoid': return sigmoid(z);
    case 'tanh': return Math.tanh(z);
  }
}
