/**
 * Batched forward pass. `forward` computes in float64 (analysis); `forward32` rounds every weight, bias and intermediate
 * value to float32 as a deployed runtime does, so its outputs match ONNX Runtime's.
 * Inputs and outputs are row-major [batch][size].
 */
import type { Activation, DenseLayer, Network } from './network';

type Vec = Float64Array | Float32Array;

export function forward(net: Network, inputs: Float64Array, batch = 1): Float64Array {
  let x: Float64Array = inputs;
  for (const layer of net.layers) x = denseLayer(layer, layer.weights, layer.bias, x, batch, new Float64Array(batch * layer.outSize));
  return x;
}

const float32Layers = new WeakMap<DenseLayer, { weights: Float32Array; bias: Float32Array }>();

export function forward32(net: Network, inputs: ArrayLike<number>, batch = 1): Float32Array {
  let x = Float32Array.from(inputs);
  for (const layer of net.layers) {
    let params = float32Layers.get(layer);
    if (!params) {
      params = { weights: Float32Array.from(layer.weights), bias: Float32Array.from(layer.bias) };
      float32Layers.set(layer, params);
    }
    x = denseLayer(layer, params.weights, params.bias, x, batch, new Float32Array(batch * layer.outSize));
  }
  return x;
}

/** out[b][o] = act(sum_i W[o][i] x[b][i] + bias[o]); four outputs at a time to reuse each loaded input value. */
function denseLayer<T extends Vec>(layer: DenseLayer, W: Vec, bias: Vec, x: Vec, batch: number, out: T): T {
  const n = layer.inSize;
  const m = layer.outSize;
  for (let b = 0; b < batch; b++) {
    const xo = b * n;
    const oo = b * m;
    let o = 0;
    for (; o + 3 < m; o += 4) {
      const w0 = o * n, w1 = w0 + n, w2 = w1 + n, w3 = w2 + n;
      let s0 = 0, s1 = 0, s2 = 0, s3 = 0;
      for (let i = 0; i < n; i++) {
        const xi = x[xo + i];
        s0 += W[w0 + i] * xi;
        s1 += W[w1 + i] * xi;
        s2 += W[w2 + i] * xi;
        s3 += W[w3 + i] * xi;
      }
      out[oo + o] = s0 + bias[o];
      out[oo + o + 1] = s1 + bias[o + 1];
      out[oo + o + 2] = s2 + bias[o + 2];
      out[oo + o + 3] = s3 + bias[o + 3];
    }
    for (; o < m; o++) {
      const w0 = o * n;
      let s = 0;
      for (let i = 0; i < n; i++) s += W[w0 + i] * x[xo + i];
      out[oo + o] = s + bias[o];
    }
  }
  applyActivation(layer.activation, out);
  return out;
}

export function applyActivation(act: Activation, v: Vec): void {
  switch (act.kind) {
    case 'identity': return;
    case 'relu': for (let i = 0; i < v.length; i++) if (v[i] < 0) v[i] = 0; return;
    case 'leakyRelu': for (let i = 0; i < v.length; i++) if (v[i] < 0) v[i] *= act.alpha; return;
    case 'sigmoid': for (let i = 0; i < v.length; i++) v[i] = 1 / (1 + Math.exp(-v[i])); return;
    case 'tanh': for (let i = 0; i < v.length; i++) v[i] = Math.tanh(v[i]); return;
  }
}
