/**
 * Optimiser steps over the training core's parameters. `step` updates `params` in place (the trainer's own working
 * copy, never a Network's arrays) from `grads`; entries a mask leaves out neither move nor accumulate state.
 */
import type { Vec } from './kernels';
import { zerosLike, type ParameterMask, type Parameters } from './parameters';

export interface Optimizer {
  step(params: Parameters, grads: Parameters, mask?: ParameterMask): void;
}

type Update = (p: Vec, g: Vec, i: number, state: readonly Vec[]) => void;

/** Runs `update` on every unmasked entry, with per-parameter state arrays made on first use. */
function elementwise(stateCount: number, update: Update, beforeStep: () => void = () => {}): Optimizer {
  let state: Parameters[] | undefined;
  return {
    step(params, grads, mask) {
      state ??= Array.from({ length: stateCount }, () => zerosLike(params));
      beforeStep();
      params.layers.forEach((layer, k) => {
        for (const part of ['weights', 'bias'] as const) {
          const p = layer[part];
          const g = grads.layers[k][part];
          const s = state!.map((st) => st.layers[k][part]);
          const allowed = mask?.layers[k][part];
          for (let i = 0; i < p.length; i++) if (!allowed || allowed[i]) update(p, g, i, s);
        }
      });
    },
  };
}

export function sgd({ learningRate, momentum = 0 }: { learningRate: number; momentum?: number }): Optimizer {
  return elementwise(1, (p, g, i, [v]) => {
    v[i] = momentum * v[i] + g[i];
    p[i] -= learningRate * v[i];
  });
}

export function adam({ learningRate, beta1 = 0.9, beta2 = 0.999, epsilon = 1e-8 }: { learningRate: number; beta1?: number; beta2?: number; epsilon?: number }): Optimizer {
  let t = 0;
  let c1 = 1;
  let c2 = 1;
  return elementwise(2, (p, g, i, [m, v]) => {
    m[i] = beta1 * m[i] + (1 - beta1) * g[i];
    v[i] = beta2 * v[i] + (1 - beta2) * g[i] * g[i];
    p[i] -= (learningRate * (m[i] / c1)) / (Math.sqrt(v[i] / c2) + epsilon);
  }, () => {
    t++;
    c1 = 1 - beta1 ** t;
    c2 = 1 - beta2 ** t;
  });
}

/** RMSprop, its loop written out (no call per entry): I-REPAIR takes one step over every parameter per iteration. */
export function rmsprop({ learningRate, decay = 0.9, epsilon = 1e-8 }: { learningRate: number; decay?: number; epsilon?: number }): Optimizer {
  let state: Parameters | undefined;
  return {
    step(params, grads, mask) {
      state ??= zerosLike(params);
      params.layers.forEach((layer, k) => {
        for (const part of ['weights', 'bias'] as const) {
          rmspropLoop(layer[part], grads.layers[k][part], state!.layers[k][part], mask?.layers[k][part], learningRate, decay, epsilon);
        }
      });
    },
  };
}

// The loop as a top-level function of its arguments alone (no closure state in the hot loop): RMSprop's step on every
// parameter is a share of each I-REPAIR iteration.
function rmspropLoop(p: Vec, g: Vec, s: Vec, allowed: Uint8Array | undefined, learningRate: number, decay: number, epsilon: number): void {
  const rest = 1 - decay;
  for (let i = 0; i < p.length; i++) {
    if (allowed && !allowed[i]) continue;
    const gi = g[i];
    s[i] = decay * s[i] + rest * gi * gi;
    // A zero gradient moves nothing (I-REPAIR zeroes ~99% of them): skip the square root and the division.
    if (gi !== 0) p[i] -= (learningRate * gi) / (Math.sqrt(s[i]) + epsilon);
  }
}
