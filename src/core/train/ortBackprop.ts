/**
 * The forward and backward pass of a Network written as one ONNX graph and run by ONNX Runtime in float32: the weights
 * are graph inputs (they change every step), ReLU masks are Greater + Where, dW = Gemm(dZᵀ, A), db = ReduceSum(dZ),
 * dA = MatMul(dZ, W). The loss's output gradient is part of the graph: weighted MSE against targets, softmax
 * cross-entropy against one-hot targets, or the sum of the outputs' magnitudes (I-REPAIR's influence on the kept inputs). One call per mini-batch; ORT's SIMD kernels on every core do the matrix work
 * (docs/training.md has the measurement that chose this engine for large layers).
 */
import * as ort from 'onnxruntime-node';
import { onnx } from 'onnx-proto';
import type { Activation, Network } from '../network/network';
import type { Parameters } from './parameters';

export type OrtLossKind = 'mse' | 'crossEntropy' | 'absOutput';

const FLOAT = onnx.TensorProto.DataType.FLOAT;
const INT64 = onnx.TensorProto.DataType.INT64;

function tensorInfo(name: string, dims: (number | string)[]): onnx.ValueInfoProto {
  return onnx.ValueInfoProto.create({
    name,
    type: { tensorType: { elemType: FLOAT, shape: { dim: dims.map((d) => (typeof d === 'string' ? { dimParam: d } : { dimValue: d })) } } },
  });
}

const node = (opType: string, input: string[], output: string[], attribute: onnx.IAttributeProto[] = []) =>
  onnx.NodeProto.create({ opType, input, output, name: output[0], attribute });

function activationNodes(act: Activation, z: string, a: string): onnx.NodeProto[] {
  switch (act.kind) {
    case 'identity': return [node('Identity', [z], [a])];
    case 'relu': return [node('Relu', [z], [a])];
    case 'sigmoid': return [node('Sigmoid', [z], [a])];
    case 'tanh': return [node('Tanh', [z], [a])];
    case 'leakyRelu': return [node('LeakyRelu', [z], [a], [{ name: 'alpha', type: onnx.AttributeProto.AttributeType.FLOAT, f: act.alpha }])];
  }
}

/** dZ = dA ⊙ act'(Z), from Z (piecewise-linear activations) or from A (sigmoid, tanh). */
function derivativeNodes(act: Activation, k: number, dA: string, z: string, a: string, dZ: string): onnx.NodeProto[] {
  const t = (s: string) => `l${k}_${s}`;
  switch (act.kind) {
    case 'identity': return [node('Identity', [dA], [dZ])];
    case 'relu': return [node('Greater', [z, 'zero'], [t('pos')]), node('Where', [t('pos'), dA, 'zero'], [dZ])];
    case 'leakyRelu': return [
      node('Greater', [z, 'zero'], [t('pos')]),
      node('Mul', [dA, t('alpha')], [t('leak')]),
      node('Where', [t('pos'), dA, t('leak')], [dZ]),
    ];
    case 'sigmoid': return [node('Sub', ['one', a], [t('oneMinus')]), node('Mul', [a, t('oneMinus')], [t('slope')]), node('Mul', [dA, t('slope')], [dZ])];
    case 'tanh': return [node('Mul', [a, a], [t('square')]), node('Sub', ['one', t('square')], [t('slope')]), node('Mul', [dA, t('slope')], [dZ])];
  }
}

const scalar = (name: string, value: number) => onnx.TensorProto.create({ name, dims: [], dataType: FLOAT, floatData: [value] });

/**
 * Inputs: x [N, in], target [N, out], weight [N, 1] (each sample's share of the loss; the mean is 1/N each), W{k},
 * b{k}. Outputs: y [N, out], dW{k}, db{k}.
 */
export function backwardGraph(net: Network, loss: OrtLossKind): Uint8Array {
  const L = net.layers.length;
  const nodes: onnx.NodeProto[] = [];
  // 'zero' serves the ReLU masks; an unused initializer only draws a warning from ORT.
  const initializer: onnx.TensorProto[] = [scalar('zero', 0), onnx.TensorProto.create({ name: 'axis0', dims: [1], dataType: INT64, int64Data: [0] })];
  if (net.layers.some((l) => l.activation.kind === 'sigmoid' || l.activation.kind === 'tanh')) initializer.push(scalar('one', 1));
  forwardNodes(net, nodes, initializer);
  // dLoss/dy: MSE 2 w (y - t) / out; cross-entropy w (softmax(y) - t).
  if (loss === 'mse') {
    initializer.push(scalar('mseScale', 2 / net.layers[L - 1].outSize));
    nodes.push(node('Sub', ['y', 'target'], ['residual']), node('Mul', ['residual', 'weight'], ['weighted']), node('Mul', ['weighted', 'mseScale'], ['dA_out']));
  } else if (loss === 'absOutput') {
    // I-REPAIR's sum_i |y_i|: its gradient is sign(y) (the target input is unused).
    nodes.push(node('Sign', ['y'], ['signs']), node('Mul', ['signs', 'weight'], ['dA_out']));
  } else {
    nodes.push(node('Softmax', ['y'], ['probabilities'], [{ name: 'axis', type: onnx.AttributeProto.AttributeType.INT, i: 1 }]),
      node('Sub', ['probabilities', 'target'], ['residual']), node('Mul', ['residual', 'weight'], ['dA_out']));
  }
  let dA = 'dA_out';
  for (let k = L - 1; k >= 0; k--) {
    const layer = net.layers[k];
    const below = k > 0 ? `a${k - 1}` : 'x';
    nodes.push(...derivativeNodes(layer.activation, k, dA, `z${k}`, k === L - 1 ? 'y' : `a${k}`, `dZ${k}`));
    nodes.push(node('Gemm', [`dZ${k}`, below], [`dW${k}`], [{ name: 'transA', type: onnx.AttributeProto.AttributeType.INT, i: 1 }]));
    nodes.push(node('ReduceSum', [`dZ${k}`, 'axis0'], [`db${k}`], [{ name: 'keepdims', type: onnx.AttributeProto.AttributeType.INT, i: 0 }]));
    if (k > 0) {
      nodes.push(node('MatMul', [`dZ${k}`, `W${k}`], [`dA${k - 1}`]));
      dA = `dA${k - 1}`;
    }
  }
  const inputs = [tensorInfo('x', ['N', net.layers[0].inSize]), tensorInfo('target', ['N', net.layers[L - 1].outSize]), tensorInfo('weight', ['N', 1])];
  const outputs = [tensorInfo('y', ['N', net.layers[L - 1].outSize])];
  net.layers.forEach((l, k) => {
    inputs.push(tensorInfo(`W${k}`, [l.outSize, l.inSize]), tensorInfo(`b${k}`, [l.outSize]));
    outputs.push(tensorInfo(`dW${k}`, [l.outSize, l.inSize]), tensorInfo(`db${k}`, [l.outSize]));
  });
  return encode('netmend_backward', nodes, initializer, inputs, outputs);
}

/** The forward pass alone, the weights graph inputs as in `backwardGraph`: x [N, in], W{k}, b{k} -> y [N, out]. */
export function forwardGraph(net: Network): Uint8Array {
  const nodes: onnx.NodeProto[] = [];
  const initializer: onnx.TensorProto[] = [];
  forwardNodes(net, nodes, initializer);
  const L = net.layers.length;
  const inputs = [tensorInfo('x', ['N', net.layers[0].inSize])];
  net.layers.forEach((l, k) => inputs.push(tensorInfo(`W${k}`, [l.outSize, l.inSize]), tensorInfo(`b${k}`, [l.outSize])));
  return encode('netmend_forward', nodes, initializer, inputs, [tensorInfo('y', ['N', net.layers[L - 1].outSize])]);
}

/** z{k} = Gemm(a{k-1}, W{k}, b{k}), a{k} = act(z{k}); the last activation's output is y. */
function forwardNodes(net: Network, nodes: onnx.NodeProto[], initializer: onnx.TensorProto[]): void {
  const L = net.layers.length;
  let a = 'x';
  net.layers.forEach((layer, k) => {
    nodes.push(node('Gemm', [a, `W${k}`, `b${k}`], [`z${k}`], [{ name: 'transB', type: onnx.AttributeProto.AttributeType.INT, i: 1 }]));
    const out = k === L - 1 ? 'y' : `a${k}`;
    nodes.push(...activationNodes(layer.activation, `z${k}`, out));
    if (layer.activation.kind === 'leakyRelu') initializer.push(scalar(`l${k}_alpha`, layer.activation.alpha));
    a = out;
  });
}

function encode(name: string, node: onnx.NodeProto[], initializer: onnx.TensorProto[], input: onnx.ValueInfoProto[], output: onnx.ValueInfoProto[]): Uint8Array {
  const model = onnx.ModelProto.create({ irVersion: 8, opsetImport: [{ domain: '', version: 17 }], producerName: 'netmend', graph: { name, node, initializer, input, output } });
  return onnx.ModelProto.encode(model).finish();
}

/** Weight tensors of `params` as the graphs' inputs W{k}, b{k} (float32). */
function weightFeed(net: Network, params: Parameters, feed: Record<string, ort.Tensor>): Record<string, ort.Tensor> {
  if (params.precision !== 'float32') throw new Error('the ONNX Runtime engine trains in float32');
  net.layers.forEach((l, k) => {
    feed[`W${k}`] = new ort.Tensor('float32', params.layers[k].weights as Float32Array, [l.outSize, l.inSize]);
    feed[`b${k}`] = new ort.Tensor('float32', params.layers[k].bias as Float32Array, [l.outSize]);
  });
  return feed;
}

/** The current parameters' outputs on a batch, by ONNX Runtime (float32): no JS copy of the weights into a model. */
export class OrtForward {
  /** Output tensors by batch size, written by ONNX Runtime (fresh pages every call cost more than small batches' work). */
  private readonly outputs = new Map<number, ort.Tensor>();

  private constructor(private readonly session: ort.InferenceSession, private readonly net: Network) {}

  static async create(net: Network): Promise<OrtForward> {
    return new OrtForward(await ort.InferenceSession.create(forwardGraph(net)), net);
  }

  /** The outputs [batch][out], in an array this object reuses for the next call of the same batch size. */
  async run(params: Parameters, inputs: Float32Array, batch: number): Promise<Float32Array> {
    const L = this.net.layers;
    const x = new ort.Tensor('float32', inputs.subarray(0, batch * L[0].inSize), [batch, L[0].inSize]);
    let y = this.outputs.get(batch);
    if (!y) this.outputs.set(batch, y = new ort.Tensor('float32', new Float32Array(batch * L[L.length - 1].outSize), [batch, L[L.length - 1].outSize]));
    await this.session.run(weightFeed(this.net, params, { x }), { y });
    return y.data as Float32Array;
  }

  release(): Promise<void> {
    return this.session.release();
  }
}

export class OrtBackprop {
  /**
   * The fetches of each gradient set: ONNX Runtime writes the gradients straight into its arrays (the outputs are the
   * parameters' shapes whatever the batch). Fresh output pages per call cost more CPU than the small batches' arithmetic
   * on MNIST 256x2, and a copy out of reused ones 2 ms per I-REPAIR iteration (docs/repair-irepair.md, Speed).
   */
  private readonly fetches = new WeakMap<Parameters, Record<string, ort.Tensor | null>>();

  private constructor(private readonly session: ort.InferenceSession, private readonly net: Network) {}

  private fetchesInto(grads: Parameters): Record<string, ort.Tensor | null> {
    let fetches = this.fetches.get(grads);
    if (!fetches) {
      if (grads.precision !== 'float32') throw new Error('the ONNX Runtime engine trains in float32');
      fetches = { y: null };
      this.net.layers.forEach((l, k) => {
        fetches![`dW${k}`] = new ort.Tensor('float32', grads.layers[k].weights as Float32Array, [l.outSize, l.inSize]);
        fetches![`db${k}`] = new ort.Tensor('float32', grads.layers[k].bias as Float32Array, [l.outSize]);
      });
      this.fetches.set(grads, fetches);
    }
    return fetches;
  }

  static async create(net: Network, loss: OrtLossKind): Promise<OrtBackprop> {
    return new OrtBackprop(await ort.InferenceSession.create(backwardGraph(net, loss)), net);
  }

  /**
   * One forward and backward pass over a batch: inputs [batch][in], targets [batch][out], each sample's loss weight.
   * Writes the parameter gradients into `grads` (whatever they held) and returns the outputs.
   */
  async step(params: Parameters, inputs: Float32Array, targets: Float32Array, weights: Float32Array, batch: number, grads: Parameters): Promise<Float32Array> {
    const L = this.net.layers;
    const out = await this.session.run(weightFeed(this.net, params, {
      x: new ort.Tensor('float32', inputs, [batch, L[0].inSize]),
      target: new ort.Tensor('float32', targets, [batch, L[L.length - 1].outSize]),
      weight: new ort.Tensor('float32', weights, [batch, 1]),
    }), this.fetchesInto(grads));
    return out.y.data as Float32Array;
  }

  async release(): Promise<void> {
    await this.session.release();
  }
}

