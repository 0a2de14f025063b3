/**
 * The network with a factor on every neuron's output, in ONNX Runtime (float32): Gemm, activation, then Mul by a
 * per-layer scale vector fed as a graph input. One session serves every particle of BIRDNN-FT's swarm; each fitness
 * evaluation is one call over all its samples.
 */
import * as ort from 'onnxruntime-node';
import { onnx } from 'onnx-proto';
import type { Network } from '../../network/network';

const FLOAT = onnx.TensorProto.DataType.FLOAT;

function scaledGraph(net: Network): Uint8Array {
  const nodes: onnx.NodeProto[] = [];
  const initializer: onnx.TensorProto[] = [];
  const inputs = [info('x', ['N', net.layers[0].inSize])];
  let current = 'x';
  net.layers.forEach((layer, k) => {
    initializer.push(
      onnx.TensorProto.create({ name: `W${k}`, dims: [layer.outSize, layer.inSize], dataType: FLOAT, floatData: Array.from(layer.weights) }),
      onnx.TensorProto.create({ name: `b${k}`, dims: [layer.outSize], dataType: FLOAT, floatData: Array.from(layer.bias) }),
    );
    nodes.push(onnx.NodeProto.create({ opType: 'Gemm', input: [current, `W${k}`, `b${k}`], output: [`z${k}`], name: `gemm${k}`, attribute: [{ name: 'transB', type: onnx.AttributeProto.AttributeType.INT, i: 1 }] }));
    let activated = `z${k}`;
    const act = layer.activation;
    if (act.kind !== 'identity') {
      const op = { relu: 'Relu', leakyRelu: 'LeakyRelu', sigmoid: 'Sigmoid', tanh: 'Tanh' }[act.kind];
      const attribute = act.kind === 'leakyRelu' ? [{ name: 'alpha', type: onnx.AttributeProto.AttributeType.FLOAT, f: act.alpha }] : [];
      nodes.push(onnx.NodeProto.create({ opType: op, input: [activated], output: [`a${k}`], name: `act${k}`, attribute }));
      activated = `a${k}`;
    }
    inputs.push(info(`s${k}`, [layer.outSize]));
    const out = k === net.layers.length - 1 ? 'y' : `h${k}`;
    nodes.push(onnx.NodeProto.create({ opType: 'Mul', input: [activated, `s${k}`], output: [out], name: `scale${k}` }));
    current = out;
  });
  const model = onnx.ModelProto.create({
    irVersion: 8,
    opsetImport: [{ domain: '', version: 17 }],
    producerName: 'netmend',
    graph: { name: 'scaled', node: nodes, initializer, input: inputs, output: [info('y', ['N', net.layers[net.layers.length - 1].outSize])] },
  });
  return onnx.ModelProto.encode(model).finish();
}

function info(name: string, dims: (number | string)[]): onnx.ValueInfoProto {
  return onnx.ValueInfoProto.create({
    name,
    type: { tensorType: { elemType: FLOAT, shape: { dim: dims.map((d) => (typeof d === 'string' ? { dimParam: d } : { dimValue: d })) } } },
  });
}

export class ScaledForward {
  private constructor(private readonly session: ort.InferenceSession, private readonly net: Network, private readonly inputs: ort.Tensor) {}

  /** A session over fixed samples (row-major [count][inSize]); `run` changes only the scales. */
  static async create(net: Network, samples: Float64Array, count: number): Promise<ScaledForward> {
    const session = await ort.InferenceSession.create(scaledGraph(net));
    return new ScaledForward(session, net, new ort.Tensor('float32', Float32Array.from(samples), [count, net.layers[0].inSize]));
  }

  /** Outputs [count][outSize] with each layer's outputs multiplied by `scales[k]`. */
  async run(scales: readonly Float32Array[]): Promise<Float32Array> {
    const feed: Record<string, ort.Tensor> = { x: this.inputs };
    this.net.layers.forEach((l, k) => { feed[`s${k}`] = new ort.Tensor('float32', scales[k], [l.outSize]); });
    return (await this.session.run(feed)).y.data as Float32Array;
  }

  async release(): Promise<void> {
    await this.session.release();
  }
}
