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

/**
 * out[b][o] = act(sum_i W[o][i] x[b][i] + bias[o]). Register-blocked 2 batch rows x 4 outputs, so every loaded weight
 * and input value is used several times.
 */
function denseLayer<T extends Vec>(layer: DenseLayer, W: Vec, bias: Vec, x: Vec, batch: number, out: T): T {
  const n = layer.inSize;
  const m = layer.outSize;
  let b = 0;
  for (; b + 1 < batch; b += 2) {
    const xa = b * n, xb = xa + n;
    const oa = b * m, ob = oa + m;
    let o = 0;
    for (; o + 3 < m; o += 4) {
      const w0 = o * n, w1 = w0 + n, w2 = w1 + n, w3 = w2 + n;
      let a0 = 0, a1 = 0, a2 = 0, a3 = 0, b0 = 0, b1 = 0, b2 = 0, b3 = 0;
      for (let i = 0; i < n; i++) {
        const u = x[xa + i], v = x[xb + i];
        const c0 = W[w0 + i], c1 = W[w1 + i], c2 = W[w2 + i], c3 = W[w3 + i];
        a0 += c0 * u; a1 += c1 * u; a2 += c2 * u; a3 += c3 * u;
        b0 += c0 * v; b1 += c1 * v; b2 += c2 * v; b3 += c3 * v;
      }
      out[oa + o] = a0 + bias[o]; out[oa + o + 1] = a1 + bias[o + 1]; out[oa + o + 2] = a2 + bias[o + 2]; out[oa + o + 3] = a3 + bias[o + 3];
      out[ob + o] = b0 + bias[o]; out[ob + o + 1] = b1 + bias[o + 1]; out[ob + o + 2] = b2 + bias[o + 2]; out[ob + o + 3] = b3 + bias[o + 3];
    }
    for (; o < m; o++) {
      const w0 = o * n;
      let a = 0, c = 0;
      for (let i = 0; i < n; i++) {
        a += W[w0 + i] * x[xa + i];
        c += W[w0 + i] * x[xb + i];
      }
      out[oa + o] = a + bias[o];
      out[ob + o] = c + bias[o];
    }
  }
  for (; b < batch; b++) {
    for (let o = 0; o < m; o++) {
      const w0 = o * n;
      let a = 0;
      for (let i = 0; i < n; i++) a += W[w0 + i] * x[b * n + i];
      out[b * m + o] = a + bias[o];
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
