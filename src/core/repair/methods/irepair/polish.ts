/**
 * The polish (not in the paper; option `polish`, docs/repair-irepair.md): once every input of R is right, the given keep
 * inputs the repair has flipped (in the reserve or in C) join R as repair inputs with their labels, and the paper's
 * loop runs on (R ∪ flipped)⊥: the same influence scores against C, the same freezing and step. Every `checkEvery`
 * iterations the flipped set is taken again; the state with R all right and the fewest flipped keep inputs is the one
 * kept, so the polish never ends with more flipped keep inputs than it started with, nor with an input of R wrong.
 */
import type { Vec } from '../../../train/kernels';
import { crossEntropyLoss } from '../../../train/losses';
import { vector, type Parameters, type Precision } from '../../../train/parameters';
import type { Trainable } from '../../../train/trainable';
import type { KeepPoint } from '../../types';
import { SetGradient, setPass, type Engine } from './engine';
import { isRepaired, type MarginSpace } from './margin';

export interface PolishContext {
  readonly model: Trainable;
  readonly engine: Engine;
  readonly precision: Precision;
  readonly params: Parameters;
  /** Input and output widths. */
  readonly n: number;
  readonly m: number;
  readonly repair: readonly KeepPoint[];
  /** The repair inputs' margin rule (delta, space); the keep inputs need only their label on top. */
  readonly delta: number;
  readonly space: MarginSpace;
  /** The given keep inputs the current parameters get wrong. */
  flipped(): Promise<KeepPoint[]>;
  /** The paper's l. 10-15 on a repair gradient: the influence on C, the mask, the update (in place), the step. */
  step(iR: Parameters): Promise<void>;
  readonly checkEvery: number;
  readonly budget: number;
  readonly deadline: number;
}

export interface PolishResult {
  readonly iterations: number;
  /** Flipped keep inputs when the polish started, and in the state it kept. */
  readonly before: number;
  readonly after: number;
}

export async function polish(ctx: PolishContext): Promise<PolishResult> {
  const { params, n, m } = ctx;
  let broken = await ctx.flipped();
  const before = broken.length;
  let best = { flipped: before, params: copy(params) };
  let iterations = 0;
  while (broken.length > 0 && iterations < ctx.budget && Date.now() <= ctx.deadline) {
    const set = [...ctx.repair, ...broken];
    const inputs = vector(params.precision, set.length * n);
    set.forEach((p, k) => inputs.set(p.input, k * n));
    const labels = Int32Array.from(set, (p) => p.label);
    const gradient = await SetGradient.create(ctx.model, ctx.engine, ctx.precision, params, inputs, n, crossEntropyLoss(labels));
    const outputs = await setPass(ctx.model, ctx.engine, params, inputs, n);
    const wrongRows = (y: Vec) => Int32Array.from(labels.keys()).filter((k) => !isRepaired(y, k * m, m, labels[k], k < ctx.repair.length ? ctx.delta : 0, ctx.space));
    let repairRight = false;
    try {
      for (let round = 0; round < ctx.checkEvery && iterations < ctx.budget; round++) {
        const wrong = wrongRows(await outputs.run());
        repairRight = !wrong.some((k) => k < ctx.repair.length);
        if (wrong.length === 0) break;
        await gradient.gradient(params, wrong);
        await ctx.step(gradient.grads);
        iterations++;
      }
      repairRight = !wrongRows(await outputs.run()).some((k) => k < ctx.repair.length);
    } finally {
      await gradient.release();
      await outputs.release();
    }
    broken = await ctx.flipped();
    if (repairRight && broken.length < best.flipped) best = { flipped: broken.length, params: copy(params) };
  }
  restore(params, best.params);
  return { iterations, before, after: best.flipped };
}

function copy(p: Parameters): Parameters {
  return { ...p, layers: p.layers.map((l) => ({ weights: l.weights.slice(), bias: l.bias.slice() })) };
}

function restore(into: Parameters, from: Parameters): void {
  into.layers.forEach((l, k) => {
    l.weights.set(from.layers[k].weights);
    l.bias.set(from.layers[k].bias);
  });
}
