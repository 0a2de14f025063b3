/** Value and input gradient of c·y(x) at one point: a forward pass keeping activation derivatives, then one backward pass. */
import type { Network } from '../network/network';
import { activationOf } from '../network/activations';

export interface PointEval {
  /** Network outputs (float64). */
  readonly output: Float64Array;
  /** Activation derivative of every neuron of every layer, for the backward pass. */
  readonly derivatives: Float64Array[];
}

export function evaluateWithDerivatives(net: Network, x: ArrayLike<number>): PointEval {
  let a = Float64Array.from(x);
  const derivatives: Float64Array[] = [];
  for (const layer of net.layers) {
    const act = activationOf(layer.activation);
    const z = new Float64Array(layer.outSize);
    const d = new Float64Array(layer.outSize);
    for (let o = 0; o < layer.outSize; o++) {
      let s = layer.bias[o];
      const row = o * layer.inSize;
      for (let i = 0; i < layer.inSize; i++) s += layer.weights[row + i] * a[i];
      z[o] = act.value(s);
      d[o] = act.derivative(s, z[o]);
    }
    derivatives.push(d);
    a = z;
  }
  return { output: a, derivatives };
}

/** d(c·y)/dx at the point the derivatives were taken. */
export function inputGradient(net: Network, point: PointEval, c: ArrayLike<number>): Float64Array {
  return backward(net, point, c)[0];
}

/**
 * d(c·y)/d(output of each layer) at the point: entry 0 is the input gradient, entry k + 1 the gradient with respect to
 * layer k's outputs (the last entry is c itself).
 */
export function backward(net: Network, point: PointEval, c: ArrayLike<number>): Float64Array[] {
  let v = Float64Array.from(c);
  const grads = [v];
  for (let k = net.layers.length - 1; k >= 0; k--) {
    const layer = net.layers[k];
    const d = point.derivatives[k];
    const next = new Float64Array(layer.inSize);
    for (let o = 0; o < layer.outSize; o++) {
      const g = v[o] * d[o];
      if (g === 0) continue;
      const row = o * layer.inSize;
      for (let i = 0; i < layer.inSize; i++) next[i] += g * layer.weights[row + i];
    }
    v = next;
    grads.unshift(v);
  }
  return grads;
}
