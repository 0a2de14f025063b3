/** Builds small ONNX models in tests, to check each operator against ONNX Runtime and to make broken files. */
import { onnx } from 'onnx-proto';

const { AttributeType } = onnx.AttributeProto;

export type Attr = number | number[] | string | { float: number };

export interface NodeSpec {
  op: string;
  inputs: string[];
  output: string;
  attrs?: Record<string, Attr>;
}

function attribute(name: string, value: Attr): onnx.IAttributeProto {
  if (typeof value === 'string') return { name, type: AttributeType.STRING, s: new TextEncoder().encode(value) };
  if (Array.isArray(value)) return { name, type: AttributeType.INTS, ints: value };
  if (typeof value === 'object') return { name, type: AttributeType.FLOAT, f: value.float };
  return { name, type: AttributeType.INT, i: value };
}

export function tensor(name: string, dims: number[], values: ArrayLike<number>): onnx.ITensorProto {
  return { name, dims, dataType: onnx.TensorProto.DataType.FLOAT, rawData: new Uint8Array(Float32Array.from(values).buffer) };
}

export function int64Tensor(name: string, values: number[]): onnx.ITensorProto {
  return { name, dims: [values.length], dataType: onnx.TensorProto.DataType.INT64, rawData: new Uint8Array(BigInt64Array.from(values.map(BigInt)).buffer) };
}

const valueInfo = (name: string, dims: number[]): onnx.IValueInfoProto => ({
  name,
  type: { tensorType: { elemType: onnx.TensorProto.DataType.FLOAT, shape: { dim: dims.map((d) => ({ dimValue: d })) } } },
});

export function buildModel(opts: {
  input: [string, number[]];
  output: [string, number[]];
  nodes: NodeSpec[];
  initializers?: onnx.ITensorProto[];
  opset?: number;
}): Uint8Array {
  const model = onnx.ModelProto.create({
    irVersion: 8,
    opsetImport: [{ domain: '', version: opts.opset ?? 13 }],
    graph: {
      name: 'test',
      node: opts.nodes.map((n, i) => ({
        opType: n.op, input: n.inputs, output: [n.output], name: `${n.op.toLowerCase()}_${i}`,
        attribute: Object.entries(n.attrs ?? {}).map(([k, v]) => attribute(k, v)),
      })),
      initializer: opts.initializers ?? [],
      input: [valueInfo(...opts.input)],
      output: [valueInfo(...opts.output)],
    },
  });
  return onnx.ModelProto.encode(model).finish();
}

/** Deterministic pseudo-random values in [-1, 1]. */
export function seeded(count: number, seed: number): number[] {
  let s = seed >>> 0;
  return Array.from({ length: count }, () => {
    s = (s * 1664525 + 1013904223) >>> 0;
    return (s / 4294967296) * 2 - 1;
  });
}
