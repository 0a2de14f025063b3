/**
 * ONNX -> Model. Decoding uses protobufjs with the published ONNX schema (onnx-proto). The graph is lowered by
 * symbolic evaluation: linear operators compose into affine maps, and each activation closes a graph node. A graph
 * whose nodes form a plain sequence is returned as a Network, so existing models keep the fast form.
 */
import { onnx } from 'onnx-proto';
import { InputError } from '../errors';
import { MAX_DENSE_VALUES, type Activation } from '../network/network';
import { asSequence, GRAPH_INPUT, type Graph, type GraphNode } from '../network/graph';
import type { Model } from '../network/model';
import { readGatedOnnx } from './gatedOnnx';
import { decodeTensor, toNumber } from './tensorData';
import { constant, identity, sizeOf, type AffineTensor, type SymTensor } from './symbolic';
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

/** A gated model (nRepair) when the file's metadata records one (gatedOnnx.ts), otherwise the graph lowered. */
export function loadOnnxModel(bytes: Uint8Array, file?: string): Model {
  const model = decodeModel(bytes, file);
  return readGatedOnnx(model, file) ?? lowerModel(model, file);
}

function lowerModel(model: onnx.ModelProto, file?: string): Model {
  const graph = model.graph;
  if (!graph || !graph.node || graph.node.length === 0) throw new InputError('the ONNX file holds no graph (truncated or corrupt?)', { file });
  try {
    return lowerGraph(graph);
  } catch (err) {
    if (err instanceof InputError) throw new InputError(err.message, { ...err.location, file });
    throw err;
  }
}

/**
 * Lowers what the declared output depends on, and nothing else: nodes that do not feed it (dead branches, nodes after
 * it, a Relu applied to it later) are not part of what ONNX Runtime returns, so they are not part of the model.
 */
function lowerGraph(graph: onnx.IGraphProto): Model {
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
  values.set(input.name ?? '', identity(inputShape, GRAPH_INPUT));

  const nodes: GraphNode[] = [];
  const notes: string[] = [];
  const onnxNodes = graph.node ?? [];
  const outputName = outputs[0].name ?? '';
  const producer = new Map<string, number>();
  onnxNodes.forEach((node, index) => node.output?.forEach((o) => producer.set(o, index)));
  let finalName = outputName;
  let droppedSoftmax: string | undefined;
  const last = producer.get(outputName);
  if (last !== undefined && onnxNodes[last].opType === 'Softmax') {
    droppedSoftmax = onnxNodes[last].name || `Softmax_${last}`;
    notes.push(`the final Softmax (node '${droppedSoftmax}') was dropped: properties speak of the logits before it, which only order properties (comparisons between outputs) may do`);
    finalName = onnxNodes[last].input?.[0] ?? '';
  }
  const needed = feeding(onnxNodes, producer, finalName);

  onnxNodes.forEach((node, index) => {
    if (!needed.has(index)) return;
    const op = node.opType ?? '';
    const name = node.name || `${op}_${index}`;
    const get = (i: number): SymTensor => {
      const id = node.input?.[i] ?? '';
      const v = values.get(id);
      if (!v) throw new InputError(`${op} reads '${id}', which no earlier node produces`, { node: name });
      return v;
    };
    const activation = ACTIVATIONS[op];
    if (activation) {
      const x = get(0);
      if (x.kind === 'const') throw new InputError(`${op} is applied to a constant; constant subgraphs are not supported`, { node: name });
      nodes.push(graphNode(x, activation(node), name));
      values.set(node.output?.[0] ?? '', identity(x.dims, nodes.length - 1));
      return;
    }
    const lower = linearOps[op];
    if (!lower) {
      throw new InputError(`operator ${op} is not supported; supported operators: ${SUPPORTED_OPERATORS.join(', ')}`, { node: name });
    }
    const ctx: OpContext = { node, name, get, arity: node.input?.filter((s) => s !== '').length ?? 0 };
    values.set(node.output?.[0] ?? '', lower(ctx));
  });

  const out = values.get(finalName);
  if (!out) throw new InputError(`no node produces the graph output '${outputName}'`);
  if (out.kind === 'const') throw new InputError(`the graph output '${outputName}' does not depend on the input`);
  if (droppedSoftmax && out.dims.filter((d) => d !== 1).length > 1) {
    throw new InputError(`the final Softmax acts on a tensor of shape [${out.dims.join(', ')}]; NetMend drops a final Softmax only over a single vector of outputs`, { node: droppedSoftmax });
  }
  const term = out.terms[0];
  const isLastNode = out.terms.length === 1 && term.A === null && term.live === nodes.length - 1 && term.live !== GRAPH_INPUT && out.b.every((v) => v === 0);
  if (!isLastNode) nodes.push(graphNode(out, { kind: 'identity' }, lastLinearName(onnxNodes, finalName)));
  for (const node of nodes) {
    for (const s of node.sources) if (s.weights) assertFinite(s.weights, `the weights of layer '${node.name}'`, node.name);
    assertFinite(node.bias, `the bias of layer '${node.name}'`, node.name);
  }
  const g: Graph = {
    kind: 'graph',
    inputSize: sizeOf(inputShape),
    nodes,
    inputName: input.name ?? '',
    inputShape,
    outputName,
    outputShape: shapeOf(outputs[0]),
    notes,
    ...(droppedSoftmax ? { droppedSoftmax } : {}),
  };
  return asSequence(g) ?? g;
}

/** Indices of the nodes the value `name` depends on. */
function feeding(nodes: readonly onnx.INodeProto[], producer: ReadonlyMap<string, number>, name: string): Set<number> {
  const needed = new Set<number>();
  const stack = [name];
  while (stack.length > 0) {
    const k = producer.get(stack.pop()!);
    if (k === undefined || needed.has(k)) continue;
    needed.add(k);
    for (const i of nodes[k].input ?? []) if (i !== '') stack.push(i);
  }
  return needed;
}

/** The node that applies `activation` to an affine tensor: one source per live vector it reads. */
function graphNode(x: AffineTensor, activation: Activation, name: string): GraphNode {
  return {
    name,
    outSize: sizeOf(x.dims),
    sources: x.terms.map((t) => (t.A ? { from: t.live, weights: t.A } : { from: t.live })),
    bias: x.b,
    activation,
  };
}

function lastLinearName(nodes: readonly onnx.INodeProto[], output: string): string {
  const producer = nodes.find((n) => n.output?.includes(output));
  return producer?.name || producer?.opType || output;
}

export function shapeOf(info: onnx.IValueInfoProto): number[] {
  const dims = info.type?.tensorType?.shape?.dim ?? [];
  // Symbolic dimensions (a batch 'N') are analysed as 1.
  return dims.map((d) => (d.dimValue !== undefined && d.dimValue !== null && toNumber(d.dimValue) > 0 ? toNumber(d.dimValue) : 1));
}

function assertFinite(data: Float64Array, what: string, node: string): void {
  const bad = data.findIndex((v) => !Number.isFinite(v));
  if (bad >= 0) throw new InputError(`${what} holds ${data[bad]} at index ${bad}; weights must be finite numbers`, { node });
}

export type { AffineTensor };
