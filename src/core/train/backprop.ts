/**
 * Batched backpropagation through a Network in float32 (speed) or float64 (checks against finite differences).
 * One Backprop owns every buffer for batches up to `maxBatch`, so a training loop allocates nothing per step.
 *
 * The interface is what a training loop needs from any model form: `forward` keeps the activations, `backward` turns
 * dLoss/dOutputs into parameter gradients and, on request, the gradients with respect to the inputs and to every
 * layer's outputs (localisation, attacks). A graph model gets the same two calls over its nodes.
 */
import type { Activation, Network } from '../network/network';
import { multiplyFor, transpose, type Vec } from './kernels';
import { vector, type Parameters, type Precision } from './parameters';

export interface BackwardRequest {
  /** dLoss/dInputs, [batch][inSize]. */
  readonly input?: boolean;
  /** dLoss/d(post-activation output) of every layer, [batch][outSize] each (the last is dOutputs itself). */
  readonly neurons?: boolean;
}

export interface BackwardResult {
  readonly input?: Vec;
  readonly neurons?: readonly Vec[];
}

/** What a training loop needs from a model form: a forward pass that keeps its values, and the backward pass. */
export interface GradientPass {
  /** Outputs [batch][outSize] (a view into the pass's buffers, valid until the next call). */
  forward(params: Parameters, inputs: ArrayLike<number>, batch: number): Vec;
  /** Adds the parameter gradients of the last forward pass into `grads` (when given); returns what `want` asks for. */
  backward(params: Parameters, dOutputs: ArrayLike<number>, grads?: Parameters, want?: BackwardRequest): BackwardResult;
}

export class Backprop implements GradientPass {
  private readonly input: Vec;
  /** Per layer: pre-activation (affine) values and post-activation outputs of the last forward pass. */
  private readonly pre: Vec[];
  private readonly post: Vec[];
  /** Per layer: dLoss/d post-activation output. */
  private readonly dPost: Vec[];
  private readonly dInput: Vec;
  private readonly dZ: Vec;
  private readonly dZt: Vec;
  private readonly activationT: Vec;
  private readonly weightsT: Vec;
  private batch = 0;

  private readonly multiply: (typeof multiplyFor)[Precision];

  constructor(readonly net: Network, readonly precision: Precision, readonly maxBatch: number) {
    this.multiply = multiplyFor[precision];
    const widest = Math.max(net.layers[0].inSize, ...net.layers.map((l) => l.outSize));
    this.input = vector(precision, maxBatch * net.layers[0].inSize);
    this.pre = net.layers.map((l) => vector(precision, maxBatch * l.outSize));
    this.post = net.layers.map((l, k) => (l.activation.kind === 'identity' ? this.pre[k] : vector(precision, maxBatch * l.outSize)));
    this.dPost = net.layers.map((l) => vector(precision, maxBatch * l.outSize));
    this.dInput = vector(precision, maxBatch * net.layers[0].inSize);
    this.dZ = vector(precision, maxBatch * widest);
    this.dZt = vector(precision, maxBatch * widest);
    this.activationT = vector(precision, maxBatch * widest);
    this.weightsT = vector(precision, Math.max(...net.layers.map((l) => l.weights.length)));
  }

  /** Outputs [batch][outSize] (a view into this object's buffers, valid until the next call). */
  forward(params: Parameters, inputs: ArrayLike<number>, batch: number): Vec {
    if (batch > this.maxBatch) throw new Error(`batch ${batch} is larger than this Backprop's ${this.maxBatch}`);
    this.batch = batch;
    const n0 = this.net.layers[0].inSize;
    for (let i = 0; i < batch * n0; i++) this.input[i] = inputs[i];
    let x: Vec = this.input;
    this.net.layers.forEach((layer, k) => {
      const m = layer.outSize;
      const z = this.pre[k];
      this.multiply(x, params.layers[k].weights, z, batch, m, layer.inSize, false);
      const b = params.layers[k].bias;
      for (let r = 0; r < batch; r++) for (let o = 0; o < m; o++) z[r * m + o] += b[o];
      const a = this.post[k];
      if (a !== z) activate(layer.activation, z, a, batch * m);
      x = a;
    });
    return this.post[this.post.length - 1].subarray(0, batch * this.net.layers[this.net.layers.length - 1].outSize);
  }

  /** Post-activation outputs of layer k from the last forward pass, [batch][outSize]. */
  activations(k: number): Vec {
    return this.post[k].subarray(0, this.batch * this.net.layers[k].outSize);
  }

  /**
   * Given dLoss/dOutputs of the last forward pass, adds the parameter gradients into `grads` (when given) and returns
   * what `want` asks for (views, valid until the next call).
   */
  backward(params: Parameters, dOutputs: ArrayLike<number>, grads?: Parameters, want: BackwardRequest = {}): BackwardResult {
    const { net, batch } = this;
    const L = net.layers.length;
    const last = this.dPost[L - 1];
    for (let i = 0; i < batch * net.layers[L - 1].outSize; i++) last[i] = dOutputs[i];
    for (let k = L - 1; k >= 0; k--) {
      const layer = net.layers[k];
      const m = layer.outSize;
      const n = layer.inSize;
      const dZ = this.dZ;
      activationDerivative(layer.activation, this.pre[k], this.post[k], this.dPost[k], dZ, batch * m);
      const below = k > 0 ? this.post[k - 1] : this.input;
      if (grads) {
        transpose(dZ, batch, m, this.dZt);
        transpose(below, batch, n, this.activationT);
        this.multiply(this.dZt, this.activationT, grads.layers[k].weights, m, n, batch, true);
        const gb = grads.layers[k].bias;
        for (let r = 0; r < batch; r++) for (let o = 0; o < m; o++) gb[o] += dZ[r * m + o];
      }
      if (k > 0 || want.input) {
        transpose(params.layers[k].weights, m, n, this.weightsT);
        this.multiply(dZ, this.weightsT, k > 0 ? this.dPost[k - 1] : this.dInput, batch, n, m, false);
      }
    }
    return {
      input: want.input ? this.dInput.subarray(0, batch * net.layers[0].inSize) : undefined,
      neurons: want.neurons ? this.dPost.map((d, k) => d.subarray(0, batch * net.layers[k].outSize)) : undefined,
    };
  }
}

export function activate(act: Activation, z: Vec, a: Vec, count: number): void {
  switch (act.kind) {
    case 'identity': for (let i = 0; i < count; i++) a[i] = z[i]; return;
    case 'relu': for (let i = 0; i < count; i++) a[i] = z[i] > 0 ? z[i] : 0; return;
    case 'leakyRelu': for (let i = 0; i < count; i++) a[i] = z[i] > 0 ? z[i] : act.alpha * z[i]; return;
    case 'sigmoid': for (let i = 0; i < count; i++) a[i] = 1 / (1 + Math.exp(-z[i])); return;
    case 'tanh': for (let i = 0; i < count; i++) a[i] = Math.tanh(z[i]); return;
  }
}

/** dZ = dA ⊙ act'(z), the derivative taken from z or from the output a, whichever is exact. */
export function activationDerivative(act: Activation, z: Vec, a: Vec, dA: Vec, dZ: Vec, count: number): void {
  switch (act.kind) {
    case 'identity': for (let i = 0; i < count; i++) dZ[i] = dA[i]; return;
    case 'relu': for (let i = 0; i < count; i++) dZ[i] = z[i] > 0 ? dA[i] : 0; return;
    case 'leakyRelu': for (let i = 0; i < count; i++) dZ[i] = z[i] > 0 ? dA[i] : act.alpha * dA[i]; return;
    case 'sigmoid': for (let i = 0; i < count; i++) dZ[i] = dA[i] * a[i] * (1 - a[i]); return;
    case 'tanh': for (let i = 0; i < count; i++) dZ[i] = dA[i] * (1 - a[i] * a[i]); return;
  }
}
