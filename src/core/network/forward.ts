/**
 * Batched forward pass. `forward` computes in float64 (analysis); `forward32` rounds every weight, bias and intermediate
 * value to float32 as a deployed runtime does, so its outputs match ONNX Runtime's. `forwardModel`/`forwardModel32` do
 * the same for any Model (a graph node sums its sources). Inputs and outputs are row-major [batch][size].
 */
import type { DenseLayer, Network } from './network';
import { activationOf } from './activations';
import { GRAPH_INPUT, type Graph, type GraphNode } from './graph';
import { isGated, isGraph, type Model } from './model';
import { pieceIndex, pieceNetwork, type GatedModel } from './gated';
import { DerivedCache, refresh, refreshNetwork } from './derived';
import { multiplyKernel } from './matmul';

type Vec = Float64Array | Float32Array;

export function forward(net: Network, inputs: Float64Array, batch = 1): Float64Array {
  let x: Float64Array = inputs;
  for (const layer of net.layers) x = denseLayer(layer, layer.weights, layer.bias, x, batch, new Float64Array(batch * layer.outSize));
  return x;
}

/** `forward` for any model: a plain sequence takes the layer kernels, a graph sums each node's sources. */
export function forwardModel(model: Model, inputs: Float64Array, batch = 1): Float64Array {
  if (isGated(model)) return forwardGated(model, inputs, batch, forward, (size) => new Float64Array(size)) as Float64Array;
  if (!isGraph(model)) return forward(model, inputs, batch);
  return forwardGraph(model, inputs, batch, float64Node, (size) => new Float64Array(size)) as Float64Array;
}

/** `forward32` for any model. */
export function forwardModel32(model: Model, inputs: ArrayLike<number>, batch = 1): Float32Array {
  if (isGated(model)) return forwardGated(model, Float64Array.from(inputs), batch, forward32, (size) => new Float32Array(size)) as Float32Array;
  if (!isGraph(model)) return forward32(model, inputs, batch);
  // An entry point: the float32 copies are checked against the weights' bytes once per call.
  for (const node of model.nodes) {
    refresh(node.bias);
    for (const s of node.sources) if (s.weights) refresh(s.weights);
  }
  return forwardGraph(model, Float32Array.from(inputs), batch, float32Node, (size) => new Float32Array(size)) as Float32Array;
}

/** A gated model's batch (nRepair): each row through its piece's network (the base network outside every piece). */
function forwardGated(
  model: GatedModel, inputs: Float64Array, batch: number, run: (net: Network, xs: Float64Array, batch: number) => Vec, alloc: (size: number) => Vec,
): Vec {
  const n = model.base.layers[0].inSize;
  const m = model.base.layers[model.base.layers.length - 1].outSize;
  const rowsOf = new Map<number, number[]>();
  for (let b = 0; b < batch; b++) {
    const p = pieceIndex(model, inputs.subarray(b * n, (b + 1) * n));
    const rows = rowsOf.get(p);
    if (rows) rows.push(b); else rowsOf.set(p, [b]);
  }
  const out = alloc(batch * m);
  for (const [p, rows] of rowsOf) {
    const net = p < 0 ? model.base : pieceNetwork(model, model.pieces[p]);
    const xs = new Float64Array(rows.length * n);
    rows.forEach((b, k) => xs.set(inputs.subarray(b * n, (b + 1) * n), k * n));
    const ys = run(net, xs, rows.length);
    rows.forEach((b, k) => out.set(ys.subarray(k * m, (k + 1) * m), b * m));
  }
  return out;
}

interface NodeParams { readonly weights: readonly (Vec | undefined)[]; readonly bias: Vec }

const float64Node = (node: GraphNode): NodeParams => ({ weights: node.sources.map((s) => s.weights), bias: node.bias });

const float32Nodes = new DerivedCache<GraphNode, NodeParams>((node) => [node.bias, ...node.sources.flatMap((s) => (s.weights ? [s.weights] : []))]);

const float32Node = (node: GraphNode): NodeParams =>
  float32Nodes.get(node, () => ({ weights: node.sources.map((s) => s.weights && Float32Array.from(s.weights)), bias: Float32Array.from(node.bias) }));

/**
 * Node by node: the first source's product takes the bias, every further source's product (or the source itself, for
 * an identity source) is added to it, then the activation. Values are kept only while a later node still reads them.
 */
function forwardGraph(g: Graph, inputs: Vec, batch: number, paramsOf: (node: GraphNode) => NodeParams, alloc: (size: number) => Vec): Vec {
  const lastUse = new Int32Array(g.nodes.length);
  g.nodes.forEach((node, k) => node.sources.forEach((s) => { if (s.from !== GRAPH_INPUT) lastUse[s.from] = k; }));
  const values = new Array<Vec | undefined>(g.nodes.length);
  const valueOf = (from: number): Vec => (from === GRAPH_INPUT ? inputs : values[from]!);
  const sizeOf = (from: number): number => (from === GRAPH_INPUT ? g.inputSize : g.nodes[from].outSize);
  let out: Vec = inputs;
  g.nodes.forEach((node, k) => {
    const params = paramsOf(node);
    const m = node.outSize;
    out = alloc(batch * m);
    const zero = alloc(m);
    node.sources.forEach((s, j) => {
      const x = valueOf(s.from);
      const W = params.weights[j];
      if (!W) {
        if (j === 0) for (let r = 0; r < batch; r++) for (let o = 0; o < m; o++) out[r * m + o] = x[r * m + o] + params.bias[o];
        else for (let i = 0; i < out.length; i++) out[i] += x[i];
        return;
      }
      if (j === 0) {
        affine(sizeOf(s.from), m, W, params.bias, x, batch, out);
        return;
      }
      const term = affine(sizeOf(s.from), m, W, zero, x, batch, alloc(batch * m));
      for (let i = 0; i < out.length; i++) out[i] += term[i];
    });
    activationOf(node.activation).apply(out);
    values[k] = out;
    node.sources.forEach((s) => { if (s.from !== GRAPH_INPUT && lastUse[s.from] === k) values[s.from] = undefined; });
  });
  return out;
}

const float32Layers = new DerivedCache<DenseLayer, { weights: Float32Array; bias: Float32Array }>((layer) => [layer.weights, layer.bias]);

export function forward32(net: Network, inputs: ArrayLike<number>, batch = 1): Float32Array {
  // An entry point: the float32 copies are checked against the weights' bytes once per call.
  refreshNetwork(net);
  let x = Float32Array.from(inputs);
  for (const layer of net.layers) {
    const params = float32Layers.get(layer, () => ({ weights: Float32Array.from(layer.weights), bias: Float32Array.from(layer.bias) }));
    x = denseLayer(layer, params.weights, params.bias, x, batch, new Float32Array(batch * layer.outSize));
  }
  return x;
}

/** out[b][o] = act(sum_i W[o][i] x[b][i] + bias[o]). */
function denseLayer<T extends Vec>(layer: DenseLayer, W: Vec, bias: Vec, x: Vec, batch: number, out: T): T {
  affine(layer.inSize, layer.outSize, W, bias, x, batch, out);
  activationOf(layer.activation).apply(out);
  return out;
}

const multiply64 = multiplyKernel();
const multiply32 = multiplyKernel();

/** out[b][o] = sum_i W[o][i] x[b][i] + bias[o] (n inputs, m outputs): x·Wᵀ + bias on the blocked product. */
function affine<T extends Vec>(n: number, m: number, W: Vec, bias: Vec, x: Vec, batch: number, out: T): T {
  (out instanceof Float32Array ? multiply32 : multiply64)(x, W, out, batch, m, n, false, bias);
  return out;
}
