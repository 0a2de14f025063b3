/**
 * Gated model <-> ONNX. One file that ONNX Runtime runs: the base network's layers (Gemm + activation, as `exportOnnx`),
 * a gate that finds each input's piece with comparisons (the first piece whose box holds it: ArgMax of the box tests),
 * and, after each layer some piece clamps, a `Where` that puts the piece's clamp values in place of the pre-activations.
 * A second output `alarm` (bool [N]) is true for inputs in an unrepaired piece.
 *
 * The pieces are tables (boxes [P, n], clamp slots [P, K] as global neuron ids and values, alarm flags [P]): the size
 * grows with the clamps, not with copies of the network. The model's metadata (key GATED_METADATA_KEY) records the
 * layers and the pieces, so our importer reads the file back as a gated model; the values it keeps are the tables'
 * (what ONNX Runtime computes), checked against the metadata.
 */
import { onnx } from 'onnx-proto';
import { InputError } from '../errors';
import type { Activation, DenseLayer, Network } from '../network/network';
import { checkClamps, gatedModel, type Clamp, type GatedModel, type GatedPiece } from '../network/gated';
import { activationOf } from '../network/activations';
import { elemType, IR_VERSION, OPSET, valueInfo, weightTensor, type Precision } from './protoParts';
import { decodeTensor } from './tensorData';

export const GATED_METADATA_KEY = 'netmend.gated';

interface GatedMetadata {
  readonly version: 1;
  readonly layers: readonly { readonly name: string; readonly activation: Activation }[];
  readonly pieces: readonly {
    readonly lower: readonly number[];
    readonly upper: readonly number[];
    /** [layer, neuron, value] */
    readonly clamps: readonly (readonly [number, number, number])[];
    readonly unrepaired: boolean;
  }[];
}

const { DataType } = onnx.TensorProto;
const INT = onnx.AttributeProto.AttributeType.INT;
const INTS = onnx.AttributeProto.AttributeType.INTS;

function int64Tensor(name: string, dims: number[], values: readonly number[]): onnx.TensorProto {
  const data = BigInt64Array.from(values.map((v) => BigInt(v)));
  return onnx.TensorProto.create({ name, dims, dataType: DataType.INT64, rawData: new Uint8Array(data.buffer) });
}

const node = (opType: string, input: string[], output: string, attribute: onnx.IAttributeProto[] = []): onnx.NodeProto =>
  onnx.NodeProto.create({ opType, input, output: [output], name: output, attribute });

/** The global id of a hidden neuron: its index in the concatenation of the layers' outputs. */
const layerOffsets = (net: Network): number[] => net.layers.reduce<number[]>((acc, l, k) => [...acc, acc[k] + l.outSize], [0]);

export interface GatedExportOptions {
  /** float32 (the default) is what deployments run; float64 keeps analysis precision. */
  readonly precision?: Precision;
  /** Prepended to the file's own description of the pieces. */
  readonly docString?: string;
}

/** Input [N, n] -> output [N, m] and alarm [N]. */
export function exportGatedOnnx(model: GatedModel, options: GatedExportOptions = {}): Uint8Array {
  const precision = options.precision ?? 'float32';
  const base = model.base;
  const n = base.layers[0].inSize;
  const offsets = layerOffsets(base);
  // An empty piece list still needs tables to index: one piece no input can be in (lower +inf, upper -inf).
  const pieces = model.pieces.length > 0 ? model.pieces : [{ lower: new Float64Array(n).fill(Infinity), upper: new Float64Array(n).fill(-Infinity), clamps: [], unrepaired: false }];
  const P = pieces.length;
  const K = Math.max(0, ...pieces.map((p) => p.clamps.length));
  const clampedLayers = new Set(pieces.flatMap((p) => p.clamps.map((c) => c.layer)));
  const flat = (rows: readonly ArrayLike<number>[]) => Float64Array.from(rows.flatMap((r) => Array.from(r)));
  const init: onnx.TensorProto[] = [
    weightTensor('gate_lower', [P, n], flat(pieces.map((p) => p.lower)), precision),
    weightTensor('gate_upper', [P, n], flat(pieces.map((p) => p.upper)), precision),
    onnx.TensorProto.create({ name: 'gate_alarm_flags', dims: [P], dataType: DataType.UINT8, rawData: Uint8Array.from(pieces.map((p) => (p.unrepaired ? 1 : 0))) }),
    weightTensor('gate_half', [], Float64Array.of(0.5), precision),
    int64Tensor('axis1', [1], [1]),
    int64Tensor('axis2', [1], [2]),
  ];
  const toElem = { name: 'to', type: INT, i: elemType(precision) };
  const nodes: onnx.NodeProto[] = [
    node('Unsqueeze', ['input', 'axis1'], 'gate_x'),
    node('GreaterOrEqual', ['gate_x', 'gate_lower'], 'gate_above'),
    node('LessOrEqual', ['gate_x', 'gate_upper'], 'gate_below'),
    node('And', ['gate_above', 'gate_below'], 'gate_in_bounds'),
    node('Cast', ['gate_in_bounds'], 'gate_in_bounds_num', [toElem]),
    // [N, P]: 1 where every input of the row is inside the piece's bounds.
    node('ReduceMin', ['gate_in_bounds_num'], 'gate_inside', [{ name: 'axes', type: INTS, ints: [2] }, { name: 'keepdims', type: INT, i: 0 }]),
    // ArgMax returns the first maximum: the first piece holding the input (or 0 when none does: masked by gate_any).
    node('ArgMax', ['gate_inside'], 'gate_piece', [{ name: 'axis', type: INT, i: 1 }, { name: 'keepdims', type: INT, i: 0 }]),
    node('ReduceMax', ['gate_inside'], 'gate_any_num', [{ name: 'axes', type: INTS, ints: [1] }, { name: 'keepdims', type: INT, i: 1 }]),
    node('Greater', ['gate_any_num', 'gate_half'], 'gate_any'),
    node('Cast', ['gate_alarm_flags'], 'gate_alarm_bool', [{ name: 'to', type: INT, i: DataType.BOOL }]),
    node('Gather', ['gate_alarm_bool', 'gate_piece'], 'gate_piece_alarm'),
    node('Squeeze', ['gate_any', 'axis1'], 'gate_any_row'),
    node('And', ['gate_piece_alarm', 'gate_any_row'], 'alarm'),
  ];
  if (K > 0) {
    const ids = pieces.flatMap((p) => Array.from({ length: K }, (_, s) => (s < p.clamps.length ? offsets[p.clamps[s].layer] + p.clamps[s].neuron : -1)));
    const values = Float64Array.from(pieces.flatMap((p) => Array.from({ length: K }, (_, s) => (s < p.clamps.length ? p.clamps[s].value : 0))));
    init.push(int64Tensor('clamp_ids', [P, K], ids), weightTensor('clamp_values', [P, K], values, precision), int64Tensor('clamp_none', [], [-1]), weightTensor('clamp_zero', [], new Float64Array(1), precision));
    nodes.push(
      node('Gather', ['clamp_ids', 'gate_piece'], 'clamp_piece_ids'),
      // Inputs in no piece clamp nothing.
      node('Where', ['gate_any', 'clamp_piece_ids', 'clamp_none'], 'clamp_row_ids'),
      node('Unsqueeze', ['clamp_row_ids', 'axis2'], 'clamp_ids3'),
      node('Gather', ['clamp_values', 'gate_piece'], 'clamp_row_values'),
      node('Unsqueeze', ['clamp_row_values', 'axis2'], 'clamp_values3'),
    );
  }
  let current = 'input';
  base.layers.forEach((layer, k) => {
    const last = k === base.layers.length - 1;
    const w = `layer${k}_weight`;
    const b = `layer${k}_bias`;
    init.push(weightTensor(w, [layer.outSize, layer.inSize], layer.weights, precision), weightTensor(b, [layer.outSize], layer.bias, precision));
    let pre = `layer${k}_affine`;
    nodes.push(node('Gemm', [current, w, b], pre, [{ name: 'transB', type: INT, i: 1 }]));
    if (clampedLayers.has(k)) {
      init.push(int64Tensor(`layer${k}_ids`, [layer.outSize], Array.from({ length: layer.outSize }, (_, j) => offsets[k] + j)));
      // [N, K, width]: slot s of the row's piece clamps neuron j. At most one slot per neuron, so the sum is its value.
      nodes.push(
        node('Equal', ['clamp_ids3', `layer${k}_ids`], `layer${k}_slot_hits`),
        node('Cast', [`layer${k}_slot_hits`], `layer${k}_slot_hits_num`, [toElem]),
        node('ReduceMax', [`layer${k}_slot_hits_num`], `layer${k}_clamped_num`, [{ name: 'axes', type: INTS, ints: [1] }, { name: 'keepdims', type: INT, i: 0 }]),
        node('Greater', [`layer${k}_clamped_num`, 'gate_half'], `layer${k}_clamped`),
        node('Where', [`layer${k}_slot_hits`, 'clamp_values3', 'clamp_zero'], `layer${k}_slot_values`),
        node('ReduceSum', [`layer${k}_slot_values`, 'axis1'], `layer${k}_clamp_values`, [{ name: 'keepdims', type: INT, i: 0 }]),
        node('Where', [`layer${k}_clamped`, `layer${k}_clamp_values`, pre], `layer${k}_gated`),
      );
      pre = `layer${k}_gated`;
    }
    const out = last ? 'output' : `layer${k}_out`;
    const act = activationOf(layer.activation).onnxNode(pre, out, `layer${k}_${layer.activation.kind}`);
    if (act) nodes.push(act);
    else nodes.push(node('Identity', [pre], out));
    current = out;
  });
  const metadata: GatedMetadata = {
    version: 1,
    layers: base.layers.map((l) => ({ name: l.name, activation: l.activation })),
    pieces: model.pieces.map((p) => ({
      lower: Array.from(p.lower), upper: Array.from(p.upper), unrepaired: p.unrepaired,
      clamps: p.clamps.map((c) => [c.layer, c.neuron, c.value] as const),
    })),
  };
  const alarmInfo = onnx.ValueInfoProto.create({ name: 'alarm', type: { tensorType: { elemType: DataType.BOOL, shape: { dim: [{ dimParam: 'N' }] } } } });
  return onnx.ModelProto.encode(onnx.ModelProto.create({
    irVersion: IR_VERSION,
    opsetImport: [{ domain: '', version: OPSET }],
    producerName: 'netmend',
    docString: [options.docString, `gated model (nRepair): ${model.pieces.length} pieces over the base network; output 'alarm' flags inputs in unrepaired pieces`].filter(Boolean).join('\n'),
    metadataProps: [{ key: GATED_METADATA_KEY, value: JSON.stringify(metadata) }],
    graph: {
      name: 'netmend_gated',
      node: nodes,
      initializer: init,
      input: [valueInfo('input', n, precision)],
      output: [valueInfo('output', base.layers[base.layers.length - 1].outSize, precision), alarmInfo],
    },
  })).finish();
}

/** The gated model a file holds, or undefined when its metadata has no GATED_METADATA_KEY (a plain network). */
export function readGatedOnnx(model: onnx.IModelProto, file?: string): GatedModel | undefined {
  const entry = model.metadataProps?.find((p) => p.key === GATED_METADATA_KEY);
  if (!entry) return undefined;
  const fail = (message: string) => new InputError(`gated model: ${message}`, { file });
  let meta: GatedMetadata;
  try {
    meta = JSON.parse(entry.value ?? '') as GatedMetadata;
  } catch (err) {
    throw fail(`its metadata '${GATED_METADATA_KEY}' is not JSON (${(err as Error).message})`);
  }
  if (meta.version !== 1 || !Array.isArray(meta.layers) || !Array.isArray(meta.pieces)) throw fail(`metadata '${GATED_METADATA_KEY}' of an unknown version`);
  const graph = model.graph ?? {};
  const tensors = new Map((graph.initializer ?? []).map((t) => [t.name ?? '', t]));
  const tensor = (name: string) => {
    const t = tensors.get(name);
    if (!t) throw fail(`the initializer '${name}' is missing`);
    return decodeTensor(t, name);
  };
  const layers: DenseLayer[] = meta.layers.map((l, k) => {
    const w = tensor(`layer${k}_weight`);
    const b = tensor(`layer${k}_bias`);
    if (w.dims.length !== 2 || b.data.length !== w.dims[0]) throw fail(`layer ${k} has weights [${w.dims.join(', ')}] and ${b.data.length} biases`);
    return { inSize: w.dims[1], outSize: w.dims[0], weights: w.data, bias: b.data, activation: l.activation, name: l.name };
  });
  if (layers.some((l, k) => k > 0 && l.inSize !== layers[k - 1].outSize)) throw fail('its layers do not chain (sizes differ)');
  const inputName = graph.input?.[0]?.name ?? 'input';
  const outputName = graph.output?.[0]?.name ?? 'output';
  const base: Network = {
    layers, inputName, inputShape: [1, layers[0].inSize], outputName, outputShape: [1, layers[layers.length - 1].outSize], notes: [],
  };
  const single = tensors.get('gate_lower')?.dataType === DataType.FLOAT;
  const pieces = readPieces(meta, base, tensor, single, fail);
  return gatedModel(base, pieces);
}

/** The pieces from the tables ONNX Runtime reads, checked against the metadata's copy. */
function readPieces(
  meta: GatedMetadata, base: Network, tensor: (name: string) => { dims: readonly number[]; data: Float64Array }, single: boolean,
  fail: (m: string) => InputError,
): GatedPiece[] {
  const n = base.layers[0].inSize;
  const offsets = layerOffsets(base);
  const lower = tensor('gate_lower');
  const upper = tensor('gate_upper');
  const flags = tensor('gate_alarm_flags');
  const K = Math.max(0, ...meta.pieces.map((p) => p.clamps.length));
  const ids = K > 0 ? tensor('clamp_ids') : undefined;
  const values = K > 0 ? tensor('clamp_values') : undefined;
  if (ids && (ids.dims[1] !== K || values?.data.length !== ids.data.length)) throw fail(`the clamp tables are not [pieces, ${K}]`);
  // float32 tables hold the metadata's values rounded.
  const same = (a: number, b: number) => a === b || (single && Math.fround(a) === b);
  return meta.pieces.map((mp, p) => {
    const lo = lower.data.slice(p * n, (p + 1) * n);
    const hi = upper.data.slice(p * n, (p + 1) * n);
    const clamps: Clamp[] = [];
    for (let s = 0; s < K && ids && values; s++) {
      const id = ids.data[p * K + s];
      if (id < 0) continue;
      const layer = offsets.findIndex((o, k) => k < base.layers.length && id >= o && id < offsets[k + 1]);
      clamps.push({ layer, neuron: id - offsets[layer], value: values.data[p * K + s] });
    }
    const agrees = lo.length === n && mp.lower.every((v, i) => same(v, lo[i])) && mp.upper.every((v, i) => same(v, hi[i]))
      && mp.clamps.length === clamps.length && mp.clamps.every(([l, j, v], s) => l === clamps[s].layer && j === clamps[s].neuron && same(v, clamps[s].value))
      && mp.unrepaired === (flags.data[p] !== 0);
    if (!agrees) throw fail(`piece ${p} of the metadata differs from the gate tables the graph runs`);
    const problem = checkClamps(base, clamps);
    if (problem) throw fail(`piece ${p}: ${problem}`);
    return { lower: lo, upper: hi, clamps, unrepaired: mp.unrepaired };
  });
}
