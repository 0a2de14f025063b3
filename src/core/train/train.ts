/**
 * Mini-batch training: shuffled batches (seeded), one Backprop for all steps, an optimiser step per batch, and a new
 * Network at the end. The input network is only read.
 */
import { inputSize, type Network } from '../network/network';
import { seededRandom } from '../verify/falsify';
import { Backprop } from './backprop';
import type { Loss } from './losses';
import type { Optimizer } from './optimizers';
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

export function train(net: Network, options: TrainOptions): TrainResult {
  const precision = options.precision ?? 'float32';
  const params = parametersOf(net, precision);
  const grads = zerosLike(params);
  const batchSize = Math.min(options.batchSize, options.count);
  const engine = new Backprop(net, precision, batchSize);
  const n = inputSize(net);
  const random = seededRandom(options.seed ?? 1);
  const order = Int32Array.from({ length: options.count }, (_, i) => i);
  const batchInputs = vector(precision, batchSize * n);
  const dOutputs = vector(precision, batchSize * net.layers[net.layers.length - 1].outSize);
  const losses: number[] = [];
  for (let epoch = 0; epoch < options.epochs; epoch++) {
    if (options.signal?.aborted || (options.deadline !== undefined && Date.now() > options.deadline)) break;
    shuffle(order, random);
    let total = 0;
    for (let start = 0; start < options.count; start += batchSize) {
      const rows = order.subarray(start, Math.min(options.count, start + batchSize));
      for (let b = 0; b < rows.length; b++) for (let i = 0; i < n; i++) batchInputs[b * n + i] = options.inputs[rows[b] * n + i];
      const outputs = engine.forward(params, batchInputs, rows.length);
      total += options.loss(outputs, rows, dOutputs) * rows.length;
      fillZero(grads);
      engine.backward(params, dOutputs, grads);
      options.optimizer.step(params, grads, options.mask);
    }
    losses.push(total / options.count);
    if (options.onEpoch?.(epoch, total / options.count, () => networkWith(net, params))) break;
  }
  return { network: networkWith(net, params), epochs: losses.length, losses };
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
