/**
 * Network -> ONNX (opset 17, IR 8): Gemm(transB=1) per layer followed by its activation, float32 weights, and a
 * symbolic batch dimension 'N' on the input and output so any runtime can batch.
 */
import { onnx } from 'onnx-proto';
import type { Activation, Network } from '../network/network';

export const OPSET = 17;
export const IR_VERSION = 8;

export type Precision = 'float32' | 'float64';

export const elemType = (p: Precision): number => (p === 'float64' ? onnx.TensorProto.DataType.DOUBLE : onnx.TensorProto.DataType.FLOAT);

export function weightTensor(name: string, dims: number[], data: Float64Array, precision: Precision): onnx.TensorProto {
  const values = precision === 'float64' ? Float64Array.from(data) : Float32Array.from(data);
  return onnx.TensorProto.create({ name, dims, dataType: elemType(precision), rawData: new Uint8Array(values.buffer) });
}

export function valueInfo(name: string, size: number, precision: Precision): onnx.ValueInfoProto {
  return onnx.ValueInfoProto.create({
    name,
    type: { tensorType: { elemType: elemType(precision), shape: { dim: [{ dimParam: 'N' }, { dimValue: size }] } } },
  });
}

export function activationNode(act: Activation, input: string, output: string, name: string): onnx.NodeProto | undefined {
  switch (act.kind) {
    case 'identity': return undefined;
    case 'relu': return onnx.NodeProto.create({ opType: 'Relu', input: [input], output: [output], name });
    case 'sigmoid': return onnx.NodeProto.create({ opType: 'Sigmoid', input: [input], output: [output], name });
    case 'tanh': return onnx.NodeProto.create({ opType: 'Tanh', input: [input], output: [output], name });
    case 'leakyRelu':
      return onnx.NodeProto.create({
        opType: 'LeakyRelu', input: [input], output: [output], name,
        attribute: [{ name: 'alpha', type: onnx.AttributeProto.AttributeType.FLOAT, f: act.alpha }],
      });
  }
}

export interface ExportOptions {
  readonly inputName?: string;
  readonly outputName?: string;
  readonly docString?: string;
  /** float32 (the default) is what deployments run; float64 keeps analysis precision when ORT is our batch engine. */
  readonly precision?: Precision;
}

/** Input [N, inSize] -> output [N, outSize]. */
export function exportOnnx(net: Network, options: ExportOptions = {}): Uint8Array {
  const inputName = options.inputName ?? 'input';
  const outputName = options.outputName ?? 'output';
  const precision = options.precision ?? 'float32';
  const nodes: onnx.NodeProto[] = [];
  const initializers: onnx.TensorProto[] = [];
  let current = inputName;
  net.layers.forEach((layer, k) => {
    const last = k === net.layers.length - 1;
    const w = `layer${k}_weight`;
    const b = `layer${k}_bias`;
    initializers.push(weightTensor(w, [layer.outSize, layer.inSize], layer.weights, precision), weightTensor(b, [layer.outSize], layer.bias, precision));
    const hasActivation = layer.activation.kind !== 'identity';
    const affineOut = last && !hasActivation ? outputName : `layer${k}_affine`;
    nodes.push(onnx.NodeProto.create({
      opType: 'Gemm', input: [current, w, b], output: [affineOut], name: `layer${k}_gemm`,
      attribute: [{ name: 'transB', type: onnx.AttributeProto.AttributeType.INT, i: 1 }],
    }));
    current = affineOut;
    const actOut = last ? outputName : `layer${k}_out`;
    const act = activationNode(layer.activation, affineOut, actOut, `layer${k}_${layer.activation.kind}`);
    if (act) {
      nodes.push(act);
      current = actOut;
    }
  });
  const model = onnx.ModelProto.create({
    irVersion: IR_VERSION,
    opsetImport: [{ domain: '', version: OPSET }],
    producerName: 'netmend',
    docString: options.docString ?? '',
    graph: {
      name: 'netmend',
      node: nodes,
      initializer: initializers,
      input: [valueInfo(inputName, net.layers[0].inSize, precision)],
      output: [valueInfo(outputName, net.layers[net.layers.length - 1].outSize, precision)],
    },
  });
  return onnx.ModelProto.encode(model).finish();
}
