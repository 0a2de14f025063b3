/**
 * A keep set chosen by where the inputs lie: for every class, the `perClass` keep candidates nearest (Euclidean) to any
 * repair input. A repair moves the network most near the inputs it fixes, so that is where the digits it can break lie
 * (on MNIST, fixing 3s read as 9 turns nearby 9s into 3s); a random keep set holds the network on points the change
 * hardly reaches. Per class, as the paper's 4 random digits of each class, so no class goes unheld. Uses the inputs
 * and the candidates' labels only (docs/repair-irepair.md, "The keep set").
 */
import type { KeepPoint, RepairPoint } from './types';

export function nearestKeepPoints<T extends KeepPoint>(candidates: readonly T[], repair: readonly RepairPoint[], perClass: number): T[] {
  const distance = (x: Float64Array) => Math.min(...repair.map((r) => squaredDistance(x, r.input)));
  const labels = [...new Set(candidates.map((p) => p.label))].sort((a, b) => a - b);
  return labels.flatMap((label) => candidates.filter((p) => p.label === label).map((p) => ({ p, d: distance(p.input) }))
    .sort((a, b) => a.d - b.d).slice(0, perClass).map((e) => e.p));
}

function squaredDistance(a: Float64Array, b: Float64Array): number {
  let s = 0;
  for (let i = 0; i < a.length; i++) s += (a[i] - b[i]) ** 2;
  return s;
}
