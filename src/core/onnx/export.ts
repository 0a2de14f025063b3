/**
 * Model -> plain ONNX (opset 17, IR 8) that any runtime runs: per node, a Gemm(transB=1) per weighted source (the
 * first takes the bias), Add for the sums, then the activation; float32 weights by default, and a symbolic batch
 * dimension 'N' on the input and output so any runtime can batch. Our importer reads it back to the same model.
 */
import { onnx } from 'onnx-proto';
import { activationOf } from '../network/activations';
import { GRAPH_INPUT, graphOutputSize, sourceSize, toGraph } from '../network/graph';
import { isGated, isGraph, type Model } from '../network/model';
import { exportGatedOnnx } from './gatedOnnx';
import { IR_VERSION, OPSET, valueInfo, weightTensor, type Precision } from './protoParts';

export type { Precision } from './protoParts';

export interface ExportOptions {
  readonly inputName?: string;
  readonly outputName?: string;
  readonly docString?: string;
  /** float32 (the default) is what deployments run; float64 keeps analysis precision when ORT is our batch engine. */
  readonly precision?: Precision;
}

/**
 * Input [N, inSize] -> output [N, outSize]. A Network writes one Gemm per layer; a graph node one per weighted source;
 * a gated model its own form (gatedOnnx.ts: outputs 'output' and 'alarm', names fixed).
 */
export function exportOnnx(model: Model, options: ExportOptions = {}): Uint8Array {
  if (isGated(model)) return exportGatedOnnx(model, { precision: options.precision, docString: options.docString });
  const g = isGraph(model) ? model : toGraph(model);
  const inputName = options.inputName ?? 'input';
  const outputName = options.outputName ?? 'output';
  const precision = options.precision ?? 'float32';
  const nodes: onnx.NodeProto[] = [];
  const initializers: onnx.TensorProto[] = [];
  const valueName = (from: number): string => (from === GRAPH_INPUT ? inputName : `layer${from}_out`);
  g.nodes.forEach((node, k) => {
    const last = k === g.nodes.length - 1;
    const hasActivation = node.activation.kind !== 'identity';
    const sumOut = last && !hasActivation ? outputName : `layer${k}_affine`;
    const b = `layer${k}_bias`;
    initializers.push(weightTensor(b, [node.outSize], node.bias, precision));
    let biasUsed = false;
    const terms = node.sources.map((s, j) => {
      if (!s.weights) return valueName(s.from);
      const w = node.sources.length === 1 ? `layer${k}_weight` : `layer${k}_weight${j}`;
      initializers.push(weightTensor(w, [node.outSize, sourceSize(g, s.from)], s.weights, precision));
      const out = node.sources.length === 1 ? sumOut : `layer${k}_term${j}`;
      nodes.push(onnx.NodeProto.create({
        opType: 'Gemm', input: biasUsed ? [valueName(s.from), w] : [valueName(s.from), w, b], output: [out], name: `layer${k}_gemm${node.sources.length === 1 ? '' : j}`,
        attribute: [{ name: 'transB', type: onnx.AttributeProto.AttributeType.INT, i: 1 }],
      }));
      biasUsed = true;
      return out;
    });
    if (!biasUsed) terms.push(b);
    if (terms.length > 1) {
      terms.reduce((acc, term, j) => {
        const out = j === terms.length - 1 ? sumOut : `layer${k}_sum${j}`;
        nodes.push(onnx.NodeProto.create({ opType: 'Add', input: [acc, term], output: [out], name: `layer${k}_add${j}` }));
        return out;
      });
    }
    const act = activationOf(node.activation).onnxNode(sumOut, last ? outputName : valueName(k), `layer${k}_${node.activation.kind}`);
    if (act) nodes.push(act);
    else if (!last) nodes.push(onnx.NodeProto.create({ opType: 'Identity', input: [sumOut], output: [valueName(k)], name: `layer${k}_identity` }));
  });
  const proto = onnx.ModelProto.create({
    irVersion: IR_VERSION,
    opsetImport: [{ domain: '', version: OPSET }],
    producerName: 'netmend',
    docString: options.docString ?? '',
    graph: {
      name: 'netmend',
      node: nodes,
      initializer: initializers,
      input: [valueInfo(inputName, g.inputSize, precision)],
      output: [valueInfo(outputName, graphOutputSize(g), precision)],
    },
  });
  return onnx.ModelProto.encode(proto).finish();
}
