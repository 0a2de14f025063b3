/**
 * Every layer's outputs on a batch, by ONNX Runtime in float64: our export with each layer's output added to the
 * graph's outputs. 10,000 ACAS Xu samples take milliseconds this way; a JS loop takes a quarter of a second
 * (docs/benchmarks/forward.md).
 */
import * as ort from 'onnxruntime-node';
import { onnx } from 'onnx-proto';
import { exportOnnx } from '../onnx/export';
import type { Network } from '../network/network';

/** The name our export gives layer k's output (post-activation; the affine value when there is no activation). */
const layerOutputName = (net: Network, k: number) =>
  k === net.layers.length - 1 ? 'output' : net.layers[k].activation.kind === 'identity' ? `layer${k}_affine` : `layer${k}_out`;

export async function layerActivations(net: Network, inputs: Float64Array, count: number): Promise<Float64Array[]> {
  const model = onnx.ModelProto.decode(exportOnnx(net, { precision: 'float64' }));
  const graph = model.graph!;
  net.layers.forEach((layer, k) => {
    if (k === net.layers.length - 1) return;
    graph.output!.push(onnx.ValueInfoProto.create({
      name: layerOutputName(net, k),
      type: { tensorType: { elemType: onnx.TensorProto.DataType.DOUBLE, shape: { dim: [{ dimParam: 'N' }, { dimValue: layer.outSize }] } } },
    }));
  });
  const session = await ort.InferenceSession.create(onnx.ModelProto.encode(model).finish());
  try {
    const result = await session.run({ input: new ort.Tensor('float64', inputs, [count, net.layers[0].inSize]) });
    return net.layers.map((_, k) => result[layerOutputName(net, k)].data as Float64Array);
  } finally {
    await session.release();
  }
}
