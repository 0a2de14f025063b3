/**
 * Mini-batch training: shuffled batches (seeded), one gradient engine for all steps, an optimiser step per batch, and
 * a new Network at the end. The input network is only read. Two engines: our JavaScript backpropagation (any loss,
 * float32 or float64; the faster one on small layers) and ONNX Runtime running the backward pass as a graph (MSE and
 * cross-entropy, float32; the faster one on large layers: docs/training.md).
 */
import { inputSize, outputSize, type Network } from '../network/network';
import { seededRandom } from '../verify/falsify';
import { Backprop } from './backprop';
import { isGraph } from '../network/model';
import { graphOutputSize } from '../network/graph';
import { gradientPass, type Trainable } from './trainable';
import type { Vec } from './kernels';
import type { Loss } from './losses';
import type { Optimizer } from './optimizers';
import { OrtBackprop } from './ortBackprop';
import { fillZero, networkWith, parametersOf, vector, zerosLike, type ParameterMask, type Parameters, type Precision } from './parameters';

export interface TrainOptions {
  /** Row-major [count][inSize]. */
  readonly inputs: ArrayLike<number>;
  readonly count: number;
  readonly loss: Loss;
  readonly optimizer: Optimizer;
  readonly epochs: number;
  readonly batchSize: number;
  readonly mask?: ParameterMask;
  readonly seed?: number;
  readonly precision?: Precision;
  /**
   * 'ort' (float32, losses with an `ort` form) or 'js'. By default ORT whenever the loss allows it and float64 was not
   * asked for: its graph epoch is 25-40x faster than our JS backpropagation even on ACAS Xu (docs/benchmarks/train.md).
   */
  readonly engine?: 'js' | 'ort';
  readonly signal?: AbortSignal;
  readonly deadline?: number;
  /** Called after each epoch with its mean loss; returning true stops training. `current()` builds the network so far. */
  readonly onEpoch?: (epoch: number, meanLoss: number, current: () => Network) => boolean | void;
}

export interface TrainResult {
  readonly network: Network;
  readonly epochs: number;
  readonly losses: readonly number[];
}

export async function train(net: Network, options: TrainOptions): Promise<TrainResult> {
  const useOrt = options.engine === 'ort' || (options.engine === undefined && options.loss.ort !== undefined && options.precision !== 'float64');
  if (useOrt && !options.loss.ort) throw new Error('this loss has no ONNX Runtime form: train it with the JS engine');
  const precision = useOrt ? 'float32' : options.precision ?? 'float32';
  const params = parametersOf(net, precision);
  const grads = zerosLike(params);
  const batchSize = Math.min(options.batchSize, options.count);
  const step = useOrt ? await ortStep(net, options.loss, batchSize) : jsStep(net, options.loss, precision, batchSize);
  const n = inputSize(net);
  const random = seededRandom(options.seed ?? 1);
  const order = Int32Array.from({ length: options.count }, (_, i) => i);
  const batchInputs = vector(precision, batchSize * n);
  const losses: number[] = [];
  try {
    for (let epoch = 0; epoch < options.epochs; epoch++) {
      if (options.signal?.aborted || (options.deadline !== undefined && Date.now() > options.deadline)) break;
      shuffle(order, random);
      let total = 0;
      for (let start = 0; start < options.count; start += batchSize) {
        const rows = order.subarray(start, Math.min(options.count, start + batchSize));
        for (let b = 0; b < rows.length; b++) for (let i = 0; i < n; i++) batchInputs[b * n + i] = options.inputs[rows[b] * n + i];
        total += (await step.run(params, batchInputs, rows, grads)).loss * rows.length;
        options.optimizer.step(params, grads, options.mask);
      }
      losses.push(total / options.count);
      if (options.onEpoch?.(epoch, total / options.count, () => networkWith(net, params))) break;
    }
  } finally {
    await step.release();
  }
  return { network: networkWith(net, params), epochs: losses.length, losses };
}

/** One mini-batch: the batch's mean loss and outputs, its parameter gradients written into `grads` (whatever they held). */
export interface Step {
  run(params: Parameters, inputs: Vec, rows: Int32Array, grads: Parameters): Promise<{ loss: number; outputs: Vec }>;
  release(): Promise<void>;
}

/** Our JavaScript backpropagation, for a Network or a Graph, any loss, float32 or float64. */
export function jsStep(model: Trainable, loss: Loss, precision: Precision, batchSize: number): Step {
  const engine = gradientPass(model, precision, batchSize);
  const dOutputs = vector(precision, batchSize * (isGraph(model) ? graphOutputSize(model) : outputSize(model)));
  return {
    async run(params, inputs, rows, grads) {
      const outputs = engine.forward(params, inputs, rows.length);
      const value = loss(outputs, rows, dOutputs);
      fillZero(grads);
      engine.backward(params, dOutputs, grads);
      return { loss: value, outputs };
    },
    release: async () => {},
  };
}

/** ONNX Runtime running the backward graph of a Network (float32; losses with an `ort` form). */
export async function ortStep(net: Network, loss: Loss, batchSize: number): Promise<Step> {
  const spec = loss.ort!;
  const engine = await OrtBackprop.create(net, spec.kind);
  const m = outputSize(net);
  const targets = new Float32Array(batchSize * m);
  const weights = new Float32Array(batchSize);
  const scratch = new Float32Array(batchSize * m);
  return {
    async run(params, inputs, rows, grads) {
      for (let b = 0; b < rows.length; b++) {
        spec.targets(rows[b], m, targets, b * m);
        weights[b] = spec.weight(rows[b]) / rows.length;
      }
      const batch = rows.length;
      const outputs = await engine.step(params, (inputs as Float32Array).subarray(0, batch * inputSize(net)), targets.subarray(0, batch * m), weights.subarray(0, batch), batch, grads);
      return { loss: loss(outputs, rows, scratch), outputs };
    },
    release: () => engine.release(),
  };
}

export function shuffle(order: Int32Array, random: () => number): void {
  for (let i = order.length - 1; i > 0; i--) {
    const j = Math.floor(random() * (i + 1));
    const t = order[i];
    order[i] = order[j];
    order[j] = t;
  }
}

/** Mean loss and its gradient with respect to every parameter over a whole data set, in float64 unless asked otherwise. */
export function lossGradient(net: Network, inputs: ArrayLike<number>, count: number, loss: Loss, precision: Precision = 'float64'): { loss: number; gradient: Parameters } {
  const params = parametersOf(net, precision);
  const gradient = zerosLike(params);
  const engine = new Backprop(net, precision, count);
  const outputs = engine.forward(params, inputs, count);
  const dOutputs = vector(precision, outputs.length);
  const value = loss(outputs, Int32Array.from({ length: count }, (_, i) => i), dOutputs);
  engine.backward(params, dOutputs, gradient);
  return { loss: value, gradient };
}
