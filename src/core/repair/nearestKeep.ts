/**
 * How I-REPAIR's keep set C is chosen from the keep inputs given (docs/repair-irepair.md, "The keep set"), per class so
 * no class goes unheld (the paper draws 4 random digits of each class):
 * - `nearest`: the inputs nearest (Euclidean) to any repair input;
 * - `margin`: the inputs closest to flipping: the smallest lead of their label's output over the best other under the
 *   original network. On MNIST the digits a repair breaks are borderline ones of many classes, wherever they lie; but
 *   as C these measured far worse than `nearest` (their influence protects the wrong parameters), kept as an option.
 * Uses the inputs, the candidates' labels and the model only.
 */
import { forwardModel32 } from '../network/forward';
import { modelInputSize, type Model } from '../network/model';
import type { KeepPoint, RepairPoint } from './types';

export type KeepChoice = 'nearest' | 'margin';

export function chooseKeepPoints<T extends KeepPoint>(choice: KeepChoice, model: Model, candidates: readonly T[], repair: readonly RepairPoint[], perClass: number): T[] {
  return choice === 'nearest' ? nearestKeepPoints(candidates, repair, perClass) : smallestMarginKeepPoints(model, candidates, perClass);
}

export function nearestKeepPoints<T extends KeepPoint>(candidates: readonly T[], repair: readonly RepairPoint[], perClass: number): T[] {
  return lowestPerClass(candidates, candidates.map((p) => Math.min(...repair.map((r) => squaredDistance(p.input, r.input)))), perClass);
}

export function smallestMarginKeepPoints<T extends KeepPoint>(model: Model, candidates: readonly T[], perClass: number): T[] {
  const n = modelInputSize(model);
  const x = new Float64Array(candidates.length * n);
  candidates.forEach((p, k) => x.set(p.input, k * n));
  const y = forwardModel32(model, x, candidates.length);
  const m = y.length / Math.max(1, candidates.length);
  return lowestPerClass(candidates, candidates.map((p, k) => {
    let rival = -Infinity;
    for (let j = 0; j < m; j++) if (j !== p.label) rival = Math.max(rival, y[k * m + j]);
    return y[k * m + p.label] - rival;
  }), perClass);
}

/** Per class (in label order), the `perClass` candidates with the lowest key, lowest first. */
function lowestPerClass<T extends KeepPoint>(candidates: readonly T[], key: readonly number[], perClass: number): T[] {
  const labels = [...new Set(candidates.map((p) => p.label))].sort((a, b) => a - b);
  const ranked = candidates.map((p, k) => ({ p, key: key[k] }));
  return labels.flatMap((label) => ranked.filter((e) => e.p.label === label).sort((a, b) => a.key - b.key).slice(0, perClass).map((e) => e.p));
}

function squaredDistance(a: Float64Array, b: Float64Array): number {
  let s = 0;
  for (let i = 0; i < a.length; i++) s += (a[i] - b[i]) ** 2;
  return s;
}
