/** Pieces every ONNX writer shares: the opset and IR version, element types, weight tensors, batched value infos. */
import { onnx } from 'onnx-proto';

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
