/**
 * Every node's outputs on a batch, by ONNX Runtime in float64: our export with each node's output added to the
 * graph's outputs. 10,000 ACAS Xu samples take milliseconds this way; a JS loop takes a quarter of a second
 * (docs/benchmarks/forward.md). A plain sequence's layers are the nodes of its graph view.
 */
import * as ort from 'onnxruntime-node';
import { onnx } from 'onnx-proto';
import { exportOnnx } from '../onnx/export';
import { asGraph, type Localizable } from './model';

/** The name our export gives node k's output (post-activation); the last node's is the graph's output. */
const nodeOutputName = (k: number, last: number) => (k === last ? 'output' : `layer${k}_out`);

export async function layerActivations(model: Localizable, inputs: Float64Array, count: number): Promise<Float64Array[]> {
  const g = asGraph(model);
  const last = g.nodes.length - 1;
  const proto = onnx.ModelProto.decode(exportOnnx(g, { precision: 'float64' }));
  const graph = proto.graph!;
  g.nodes.forEach((node, k) => {
    if (k === last) return;
    graph.output!.push(onnx.ValueInfoProto.create({
      name: nodeOutputName(k, last),
      type: { tensorType: { elemType: onnx.TensorProto.DataType.DOUBLE, shape: { dim: [{ dimParam: 'N' }, { dimValue: node.outSize }] } } },
    }));
  });
  const session = await ort.InferenceSession.create(onnx.ModelProto.encode(proto).finish());
  try {
    const result = await session.run({ input: new ort.Tensor('float64', inputs, [count, g.inputSize]) });
    return g.nodes.map((_, k) => result[nodeOutputName(k, last)].data as Float64Array);
  } finally {
    await session.release();
  }
}
