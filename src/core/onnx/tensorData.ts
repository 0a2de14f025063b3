import { onnx } from 'onnx-proto';
import { InputError } from '../errors';

const { DataType } = onnx.TensorProto;

export interface ConstTensor {
  readonly dims: readonly number[];
  readonly data: Float64Array;
}

export const toNumber = (v: number | { toNumber(): number }): number => (typeof v === 'number' ? v : v.toNumber());

/** A TensorProto's values as float64, from raw_data, float_data, double_data or the integer fields. */
export function decodeTensor(t: onnx.ITensorProto, where: string): ConstTensor {
  const dims = (t.dims ?? []).map(toNumber);
  const size = dims.reduce((a, b) => a * b, 1);
  if (t.dataLocation === onnx.TensorProto.DataLocation.EXTERNAL) {
    throw new InputError(`tensor '${t.name}' stores its data in an external file, which NetMend does not read; save the model with the weights inside`, { node: where });
  }
  const raw = t.rawData && t.rawData.length > 0 ? t.rawData : undefined;
  const data = raw ? decodeRaw(raw, t.dataType ?? 0, t.name ?? '', where) : decodeFields(t, where);
  if (data.length !== size) {
    throw new InputError(`tensor '${t.name}' has ${data.length} values but its shape [${dims.join(', ')}] needs ${size}`, { node: where });
  }
  return { dims, data };
}

function decodeRaw(raw: Uint8Array, dataType: number, name: string, where: string): Float64Array {
  // Copy first: raw_data slices of the file buffer are not aligned for typed-array views.
  const bytes = raw.slice();
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const read = (width: number, get: (offset: number) => number): Float64Array => {
    if (bytes.byteLength % width !== 0) throw new InputError(`tensor '${name}' raw data is truncated`, { node: where });
    const out = new Float64Array(bytes.byteLength / width);
    for (let i = 0; i < out.length; i++) out[i] = get(i * width);
    return out;
  };
  switch (dataType) {
    case DataType.FLOAT: return read(4, (o) => view.getFloat32(o, true));
    case DataType.DOUBLE: return read(8, (o) => view.getFloat64(o, true));
    case DataType.INT64: return read(8, (o) => Number(view.getBigInt64(o, true)));
    case DataType.INT32: return read(4, (o) => view.getInt32(o, true));
    case DataType.INT8: return read(1, (o) => view.getInt8(o));
    case DataType.UINT8: return read(1, (o) => view.getUint8(o));
    default: throw unsupportedType(dataType, name, where);
  }
}

function decodeFields(t: onnx.ITensorProto, where: string): Float64Array {
  switch (t.dataType) {
    case DataType.FLOAT: return Float64Array.from(t.floatData ?? []);
    case DataType.DOUBLE: return Float64Array.from(t.doubleData ?? []);
    case DataType.INT64: return Float64Array.from((t.int64Data ?? []).map(toNumber));
    case DataType.INT32: case DataType.INT8: case DataType.UINT8: return Float64Array.from(t.int32Data ?? []);
    default: throw unsupportedType(t.dataType ?? 0, t.name ?? '', where);
  }
}

function unsupportedType(dataType: number, name: string, where: string): InputError {
  return new InputError(`tensor '${name}' has element type ${DataType[dataType] ?? dataType}; supported: FLOAT, DOUBLE, INT64, INT32, INT8, UINT8`, { node: where });
}
