/**
 * SpecRepair's step back toward the original after a certified round (our addition, option `shrink`,
 * docs/repair-specrepair.md): the candidates are N(t) = original + t · (certified - original), every parameter moved on
 * the straight line, and the verifier certifies each. Boxes mode trains under bounds looser than the verifier's, so the
 * certified network has usually moved further than any proof needs (ACAS Xu N4,5/prop 2: t = 0.6 still proved, 99.67% of
 * the decisions kept against 99.46% at t = 1); a smaller proved t keeps more. Bisection on t: the proved values of t
 * need not form an interval, so it finds a small proved t, not always the smallest, and returns only a network the verifier
 * proved.
 */
import type { Network } from '../../network/network';

/**
 * original + t · (repaired - original) in every weight and bias, each rounded to float32: the driver writes float32, so
 * the network certified here is the one written (the original's own values are float32 already).
 */
export function interpolateNetwork(original: Network, repaired: Network, t: number): Network {
  const mix = (a: Float64Array, b: Float64Array) => Float64Array.from(a, (v, k) => Math.fround(v + t * (b[k] - v)));
  return {
    ...repaired,
    layers: repaired.layers.map((layer, k) => ({ ...layer, weights: mix(original.layers[k].weights, layer.weights), bias: mix(original.layers[k].bias, layer.bias) })),
  };
}

export interface ShrinkResult {
  /** The smallest t proved (1: none below, the certified network is kept). */
  readonly t: number;
  readonly network: Network;
}

/**
 * Bisection of t in (0, 1] over `steps` verifier calls: `proves` says whether every property is proved on a candidate
 * (undecided counts as not). `repaired` is the certified network, t = 1.
 */
export async function shrinkTowardOriginal(
  original: Network, repaired: Network, steps: number, proves: (candidate: Network, t: number) => Promise<boolean>,
): Promise<ShrinkResult> {
  let best: ShrinkResult = { t: 1, network: repaired };
  let lo = 0;
  for (let step = 0; step < steps; step++) {
    const t = (lo + best.t) / 2;
    const candidate = interpolateNetwork(original, repaired, t);
    if (await proves(candidate, t)) best = { t, network: candidate };
    else lo = t;
  }
  return best;
}
