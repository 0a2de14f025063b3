/**
 * ONNX -> Network. Decoding uses protobufjs with the published ONNX schema (onnx-proto). The graph is lowered by
 * symbolic evaluation: linear operators compose into one affine map, and each activation closes a DenseLayer.
 */
import { onnx } from 'onnx-proto';
import { InputError } from '../errors';
import { MAX_DENSE_VALUES, type Activation, type DenseLayer, type Network } from '../network/network';
import { decodeTensor, toNumber } from './tensorData';
import { constant, identity, matrixOf, sizeOf, type AffineTensor, type SymTensor } from './symbolic';
import { linearOps, type OpContext } from './linearOps';

const ACTIVATIONS: Record<string, (node: onnx.INodeProto) => Activation> = {
  Relu: () => ({ kind: 'relu' }),
  LeakyRelu: (node) => ({ kind: 'leakyRelu', alpha: floatAttr(node, 'alpha', 0.01) }),
  Sigmoid: () => ({ kind: 'sigmoid' }),
  Tanh: () => ({ kind: 'tanh' }),
};

export const SUPPORTED_OPERATORS = [...Object.keys(ACTIVATIONS), ...Object.keys(linearOps), 'Softmax (final node only)'].sort();

export function floatAttr(node: onnx.INodeProto, name: string, fallback: number): number {
  const a = node.attribute?.find((x) => x.name === name);
  return a ? (a.f ?? fallback) : fallback;
}

export function decodeModel(bytes: Uint8Array, file?: string): onnx.ModelProto {
  try {
    return onnx.ModelProto.decode(bytes);
  } catch (err) {
    throw new InputError(`not a readable ONNX file (truncated or corrupt): ${(err as Error).message}`, { file });
  }
}

export function loadOnnxModel(bytes: Uint8Array, file?: string): Network {
  const model = decodeModel(bytes, file);
  const graph = model.graph;
  if (!graph || !graph.node || graph.node.length === 0) throw new InputError('the ONNX file holds no graph (truncated or corrupt?)', { file });
  try {
    return lowerGraph(graph);
  } catch (err) {
    if (err instanceof InputError) throw new InputError(err.message, { ...err.location, file });
    throw err;
  }
}

function lowerGraph(graph: onnx.IGraphProto): Network {
  const values = new Map<string, SymTensor>();
  for (const init of graph.initializer ?? []) {
    const t = decodeTensor(init, init.name ?? '');
    assertFinite(t.data, `initializer '${init.name}'`, init.name ?? '');
    values.set(init.name ?? '', constant(t.dims, t.data));
  }
  // Old IR versions list initializers among the inputs too: those are constants, not inputs.
  const inputs = (graph.input ?? []).filter((i) => !values.has(i.name ?? ''));
  if (inputs.length !== 1) {
    throw new InputError(`the graph has ${inputs.length} non-constant inputs (${inputs.map((i) => i.name).join(', ')}); NetMend analyses networks with exactly one input`);
  }
  const outputs = graph.output ?? [];
  if (outputs.length !== 1) throw new InputError(`the graph has ${outputs.length} outputs; NetMend analyses networks with exactly one output`);
  const input = inputs[0];
  const inputShape = shapeOf(input);
  if (!(sizeOf(inputShape) <= MAX_DENSE_VALUES)) {
    throw new InputError(`the input '${input.name}' is declared with shape [${inputShape.join(', ')}], ${sizeOf(inputShape)} values; NetMend analyses inputs of at most ${MAX_DENSE_VALUES} values`);
  }
  values.set(input.name ?? '', identity(inputShape, 0));

  const layers: DenseLayer[] = [];
  const notes: string[] = [];
  const nodes = graph.node ?? [];
  const outputName = outputs[0].name ?? '';
  let finalName = outputName;

  nodes.forEach((node, index) => {
    const op = node.opType ?? '';
    const name = node.name || `${op}_${index}`;
    const get = (i: number): SymTensor => {
      const id = node.input?.[i] ?? '';
      const v = values.get(id);
      if (!v) throw new InputError(`${op} reads '${id}', which no earlier node produces`, { node: name });
      return v;
    };
    if (op === 'Softmax' && node.output?.[0] === outputName) {
      notes.push(`the final Softmax (node '${name}') was dropped: properties speak of the logits before it`);
      finalName = node.input?.[0] ?? '';
      return;
    }
    const activation = ACTIVATIONS[op];
    if (activation) {
      const x = get(0);
      if (x.kind === 'const') throw new InputError(`${op} is applied to a constant; constant subgraphs are not supported`, { node: name });
      if (x.live !== layers.length) throw staleLiveError(name);
      layers.push({ inSize: x.liveSize, outSize: sizeOf(x.dims), weights: matrixOf(x), bias: x.b, activation: activation(node), name });
      values.set(node.output?.[0] ?? '', identity(x.dims, layers.length));
      return;
    }
    const lower = linearOps[op];
    if (!lower) {
      throw new InputError(`operator ${op} is not supported; supported operators: ${SUPPORTED_OPERATORS.join(', ')}`, { node: name });
    }
    const ctx: OpContext = { node, name, get, arity: node.input?.filter((s) => s !== '').length ?? 0 };
    const result = lower(ctx);
    if (result.kind === 'affine' && result.live !== layers.length) throw staleLiveError(name);
    values.set(node.output?.[0] ?? '', result);
  });

  const out = values.get(finalName);
  if (!out) throw new InputError(`no node produces the graph output '${outputName}'`);
  if (out.kind === 'const') throw new InputError(`the graph output '${outputName}' does not depend on the input`);
  const last = layers[layers.length - 1];
  const pendingAffine = out.A !== null || out.b.some((v) => v !== 0) || layers.length === 0;
  if (pendingAffine) {
    layers.push({ inSize: out.liveSize, outSize: sizeOf(out.dims), weights: matrixOf(out), bias: out.b, activation: { kind: 'identity' }, name: lastLinearName(nodes, finalName) });
  } else if (!last) {
    throw new InputError('the graph has no layers');
  }
  for (const layer of layers) {
    assertFinite(layer.weights, `the weights of layer '${layer.name}'`, layer.name);
    assertFinite(layer.bias, `the bias of layer '${layer.name}'`, layer.name);
  }
  return {
    layers,
    inputName: input.name ?? '',
    inputShape,
    outputName,
    outputShape: shapeOf(outputs[0]),
    notes,
  };
}

function lastLinearName(nodes: readonly onnx.INodeProto[], output: string): string {
  const producer = nodes.find((n) => n.output?.includes(output));
  return producer?.name || producer?.opType || output;
}

function staleLiveError(node: string): InputError {
  return new InputError('this node mixes values from before and after an activation (a skip connection); only plain layer sequences are supported', { node });
}

function shapeOf(info: onnx.IValueInfoProto): number[] {
  const dims = info.type?.tensorType?.shape?.dim ?? [];
  // Symbolic dimensions (a batch 'N') are analysed as 1.
  return dims.map((d) => (d.dimValue !== undefined && d.dimValue !== null && toNumber(d.dimValue) > 0 ? toNumber(d.dimValue) : 1));
}

function assertFinite(data: Float64Array, what: string, node: string): void {
  const bad = data.findIndex((v) => !Number.isFinite(v));
  if (bad >= 0) throw new InputError(`${what} holds ${data[bad]} at index ${bad}; weights must be finite numbers`, { node });
}

export type { AffineTensor };
