/**
 * Every node's outputs on a batch, by ONNX Runtime in float64: our export with each node's output added to the
 * graph's outputs, written straight into the caller's arrays. Several times faster than our JS kernels on 10,000
 * ACAS Xu samples (docs/benchmarks/localize.md). A plain sequence's layers are the nodes of its graph view.
 *
 * The session is created once per model and kept while the model lives: models are values (their weights are never
 * written), so a localisation, its growing rounds and the next localisation of the same model in the worker pay ONNX
 * Runtime's session creation once.
 */
import * as ort from 'onnxruntime-node';
import { onnx } from 'onnx-proto';
import { exportOnnx, type Precision } from '../onnx/export';
import { asGraph, type Localizable } from './model';

/** The name our export gives node k's output (post-activation); the last node's is the graph's output. */
export const nodeOutputName = (k: number, last: number) => (k === last ? 'output' : `layer${k}_out`);

const sessions = new WeakMap<Localizable, Promise<ort.InferenceSession>>();

/**
 * One thread, not spinning: the arithmetic of a call is 10-15 ms, and on a machine whose cores are shared (the worker's
 * verifier, other programs) a second thread mostly waits for a core: on the 2-core development machine a 10,000-row
 * pass took a median 32-34 ms with one thread, 32-62 ms with two (spikes of 300 ms), A/B in one process.
 */
export const ACTIVATION_SESSION_OPTIONS: ort.InferenceSession.SessionOptions = { intraOpNumThreads: 1, interOpNumThreads: 1, extra: { session: { intra_op: { allow_spinning: '0' } } } };

function sessionFor(model: Localizable): Promise<ort.InferenceSession> {
  let session = sessions.get(model);
  if (!session) {
    session = ort.InferenceSession.create(activationsModel(model, 'float64'), ACTIVATION_SESSION_OPTIONS);
    sessions.set(model, session);
    session.catch(() => sessions.delete(model));
  }
  return session;
}

/** Our export of the model with every node's output a graph output (float32: what the benchmark compares). */
export function activationsModel(model: Localizable, precision: Precision): Uint8Array {
  const g = asGraph(model);
  const last = g.nodes.length - 1;
  const proto = onnx.ModelProto.decode(exportOnnx(g, { precision }));
  const graph = proto.graph!;
  g.nodes.forEach((node, k) => {
    if (k === last) return;
    graph.output!.push(onnx.ValueInfoProto.create({
      name: nodeOutputName(k, last),
      type: { tensorType: { elemType: precision === 'float64' ? onnx.TensorProto.DataType.DOUBLE : onnx.TensorProto.DataType.FLOAT, shape: { dim: [{ dimParam: 'N' }, { dimValue: node.outSize }] } } },
    }));
  });
  return onnx.ModelProto.encode(proto).finish();
}

/**
 * Rows per ONNX Runtime call. ORT keeps each layer's pre-activation values in its own memory: for 10,000 ACAS Xu rows
 * that is 28 MB of fresh pages on the first call, whose page faults cost more than the arithmetic (about 100 ms on
 * this machine); a thousand rows at a time keep it under 3 MB and in cache, each call costing well under a millisecond
 * more (docs/benchmarks/localize.md).
 */
const CHUNK_ROWS = 1024;

/**
 * Row-major [count][inSize] inputs -> every node's outputs ([count][outSize] each, the last the model's output).
 * With `into` (one array per node, each exactly [count][outSize], views into larger buffers included) ONNX Runtime
 * writes there and nothing is allocated.
 */
export async function layerActivations(model: Localizable, inputs: Float64Array, count: number, into?: readonly Float64Array[]): Promise<Float64Array[]> {
  const g = asGraph(model);
  const outputs = into ? [...into] : g.nodes.map((node) => new Float64Array(count * node.outSize));
  if (count === 0) return outputs;
  const last = g.nodes.length - 1;
  const session = await sessionFor(model);
  for (let from = 0; from < count; from += CHUNK_ROWS) {
    const rows = Math.min(CHUNK_ROWS, count - from);
    const fetches = Object.fromEntries(g.nodes.map((node, k) => [nodeOutputName(k, last), new ort.Tensor('float64', outputs[k].subarray(from * node.outSize, (from + rows) * node.outSize), [rows, node.outSize])]));
    await session.run({ input: new ort.Tensor('float64', inputs.subarray(from * g.inputSize, (from + rows) * g.inputSize), [rows, g.inputSize]) }, fetches);
  }
  return outputs;
}
