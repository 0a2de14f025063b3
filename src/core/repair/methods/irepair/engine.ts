/**
 * The gradients I-REPAIR takes every iteration, on its fixed sets: the cross-entropy over the repair inputs still
 * wrong, the influence loss over the keep set, and (when the update set is not the remaining inputs) the update
 * loss. ONNX Runtime runs the backward graph of a plain Network (float32; the MNIST iteration, where it pays:
 * docs/repair-irepair.md), our JavaScript backpropagation the rest (graphs, float64).
 */
import type { Vec } from '../../../train/kernels';
import type { Loss } from '../../../train/losses';
import { vector, zerosLike, type Parameters, type Precision } from '../../../train/parameters';
import { gradientPass, trainableParameters, type Trainable } from '../../../train/trainable';
import { isGraph } from '../../../network/model';
import { jsStep, ortStep, type Step } from '../../../train/train';
import { OrtForward } from '../../../train/ortBackprop';

export type Engine = 'ort' | 'js';

/** A fixed set of inputs (row-major) and one loss over it: `gradient` takes the mean over the chosen rows. */
export class SetGradient {
  private readonly batch: Vec;
  readonly grads: Parameters;

  private constructor(private readonly step: Step, private readonly inputs: Vec, private readonly width: number, params: Parameters) {
    this.batch = vector(params.precision, inputs.length);
    this.grads = zerosLike(params);
  }

  static async create(model: Trainable, engine: Engine, precision: Precision, params: Parameters, inputs: Vec, width: number, loss: Loss): Promise<SetGradient> {
    const count = inputs.length / width;
    const step = engine === 'ort' && !isGraph(model) ? await ortStep(model, loss, count) : jsStep(model, loss, precision, count);
    return new SetGradient(step, inputs, width, params);
  }

  /** The mean loss gradient over `rows` (indices into the set), in `this.grads`; returns the rows' outputs. */
  async gradient(params: Parameters, rows: Int32Array): Promise<Vec> {
    for (let b = 0; b < rows.length; b++) this.batch.set(this.inputs.subarray(rows[b] * this.width, (rows[b] + 1) * this.width), b * this.width);
    return (await this.step.run(params, this.batch, rows, this.grads)).outputs;
  }

  release(): Promise<void> {
    return this.step.release();
  }
}

/** Parameters in the engine's precision (ONNX Runtime: float32) and a forward pass over a fixed set. */
export function workingCopy(model: Trainable, engine: Engine, precision: Precision): Parameters {
  return trainableParameters(model, engine === 'ort' && !isGraph(model) ? 'float32' : precision);
}

export function setForward(model: Trainable, params: Parameters, inputs: Vec, width: number): () => Vec {
  const count = inputs.length / width;
  const pass = gradientPass(model, params.precision, count);
  return () => pass.forward(params, inputs, count);
}

/** Outputs over a fixed set under the current parameters, for a large set (the keep reserve): released when done. */
export interface SetPass {
  run(): Promise<Vec>;
  release(): Promise<void>;
}

/**
 * ONNX Runtime's forward graph on the ORT engine (a plain network in float32), our kernels otherwise. On 5,000 MNIST
 * digits ORT's matrix kernels take a fraction of our float32 loop's ~1 s (docs/repair-irepair.md, Speed).
 */
export async function setPass(model: Trainable, engine: Engine, params: Parameters, inputs: Vec, width: number): Promise<SetPass> {
  const count = inputs.length / width;
  if (engine === 'ort' && !isGraph(model) && params.precision === 'float32') {
    const ort = await OrtForward.create(model);
    return { run: () => ort.run(params, inputs as Float32Array, count), release: () => ort.release() };
  }
  const forward = setForward(model, params, inputs, width);
  return { run: async () => forward(), release: async () => {} };
}
