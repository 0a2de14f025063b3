/**
 * Backpropagation through a graph model (skip connections, parallel branches, a dense layer over several sources): the
 * same two calls as `Backprop`, over the nodes in topological order. Forward: each node's pre-activation is its bias
 * plus every source's product (or the source itself, for an identity source). Backward, in reverse order: a node's
 * dZ gives each weighted source's dW = dZᵀ·x and is sent back to every source (dZ·W, or dZ itself), where the
 * contributions of all the nodes that read it add up. Parameters in the layout of `graphParameters.ts`.
 */
import { GRAPH_INPUT, sourceSize, type Graph } from '../network/graph';
import { activate, activationDerivative, type BackwardRequest, type BackwardResult, type GradientPass } from './backprop';
import { multiplyFor, transpose, type Vec } from './kernels';
import { sourceOffsets } from './graphParameters';
import { vector, type Parameters, type Precision } from './parameters';

export class GraphBackprop implements GradientPass {
  private readonly offsets: readonly Int32Array[];
  private readonly input: Vec;
  private readonly pre: Vec[];
  private readonly post: Vec[];
  /** Per node: dLoss/d post-activation output, summed over the nodes that read it. */
  private readonly dPost: Vec[];
  private readonly dInput: Vec;
  private readonly dZ: Vec;
  private readonly dZt: Vec;
  private readonly sourceT: Vec;
  private readonly weightsT: Vec;
  private batch = 0;

  private readonly multiply: (typeof multiplyFor)[Precision];

  constructor(readonly graph: Graph, readonly precision: Precision, readonly maxBatch: number) {
    this.multiply = multiplyFor[precision];
    const sizes = [graph.inputSize, ...graph.nodes.map((n) => n.outSize)];
    const widest = Math.max(...sizes);
    this.offsets = sourceOffsets(graph);
    this.input = vector(precision, maxBatch * graph.inputSize);
    this.pre = graph.nodes.map((n) => vector(precision, maxBatch * n.outSize));
    this.post = graph.nodes.map((n, k) => (n.activation.kind === 'identity' ? this.pre[k] : vector(precision, maxBatch * n.outSize)));
    this.dPost = graph.nodes.map((n) => vector(precision, maxBatch * n.outSize));
    this.dInput = vector(precision, maxBatch * graph.inputSize);
    this.dZ = vector(precision, maxBatch * widest);
    this.dZt = vector(precision, maxBatch * widest);
    this.sourceT = vector(precision, maxBatch * widest);
    const largest = Math.max(1, ...graph.nodes.flatMap((n) => n.sources.map((s) => s.weights?.length ?? 0)));
    this.weightsT = vector(precision, largest);
  }

  private valueOf(from: number): Vec {
    return from === GRAPH_INPUT ? this.input : this.post[from];
  }

  forward(params: Parameters, inputs: ArrayLike<number>, batch: number): Vec {
    if (batch > this.maxBatch) throw new Error(`batch ${batch} is larger than this GraphBackprop's ${this.maxBatch}`);
    this.batch = batch;
    const g = this.graph;
    for (let i = 0; i < batch * g.inputSize; i++) this.input[i] = inputs[i];
    g.nodes.forEach((node, k) => {
      const m = node.outSize;
      const z = this.pre[k];
      const b = params.layers[k].bias;
      for (let r = 0; r < batch; r++) for (let o = 0; o < m; o++) z[r * m + o] = b[o];
      node.sources.forEach((s, j) => {
        const x = this.valueOf(s.from);
        const n = sourceSize(g, s.from);
        if (this.offsets[k][j] < 0) {
          for (let i = 0; i < batch * m; i++) z[i] += x[i];
          return;
        }
        const W = params.layers[k].weights.subarray(this.offsets[k][j], this.offsets[k][j] + m * n);
        this.multiply(x, W, z, batch, m, n, true);
      });
      if (this.post[k] !== z) activate(node.activation, z, this.post[k], batch * m);
    });
    const last = g.nodes.length - 1;
    return this.post[last].subarray(0, batch * g.nodes[last].outSize);
  }

  backward(params: Parameters, dOutputs: ArrayLike<number>, grads?: Parameters, want: BackwardRequest = {}): BackwardResult {
    const { graph: g, batch } = this;
    const last = g.nodes.length - 1;
    for (const d of this.dPost) d.fill(0, 0, batch * (d.length / this.maxBatch));
    this.dInput.fill(0, 0, batch * g.inputSize);
    for (let i = 0; i < batch * g.nodes[last].outSize; i++) this.dPost[last][i] = dOutputs[i];
    for (let k = last; k >= 0; k--) {
      const node = g.nodes[k];
      const m = node.outSize;
      const dZ = this.dZ;
      activationDerivative(node.activation, this.pre[k], this.post[k], this.dPost[k], dZ, batch * m);
      if (grads) {
        const gb = grads.layers[k].bias;
        for (let r = 0; r < batch; r++) for (let o = 0; o < m; o++) gb[o] += dZ[r * m + o];
        transpose(dZ, batch, m, this.dZt);
      }
      node.sources.forEach((s, j) => {
        const n = sourceSize(g, s.from);
        const target = s.from === GRAPH_INPUT ? (want.input ? this.dInput : undefined) : this.dPost[s.from];
        const offset = this.offsets[k][j];
        if (offset < 0) {
          if (target) for (let i = 0; i < batch * m; i++) target[i] += dZ[i];
          return;
        }
        if (grads) {
          transpose(this.valueOf(s.from), batch, n, this.sourceT);
          this.multiply(this.dZt, this.sourceT, grads.layers[k].weights.subarray(offset, offset + m * n), m, n, batch, true);
        }
        if (target) {
          transpose(params.layers[k].weights.subarray(offset, offset + m * n), m, n, this.weightsT);
          this.multiply(dZ, this.weightsT, target, batch, n, m, true);
        }
      });
    }
    return {
      input: want.input ? this.dInput.subarray(0, batch * g.inputSize) : undefined,
      neurons: want.neurons ? this.dPost.map((d, k) => d.subarray(0, batch * g.nodes[k].outSize)) : undefined,
    };
  }
}
