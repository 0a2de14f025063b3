/**
 * SpecRepair's retraining data, labelled by the original network's outputs (the task loss keeps the repaired network
 * close to them): uniform samples of the whole input domain (the paper's choice for ACAS Xu, whose training data is not
 * public), the task's keep set (e.g. MNIST digits, where uniform pixels are noise), and samples of each property's region
 * where the original already satisfies the property (never its violations: the penalty moves those).
 */
import { forward } from '../../network/forward';
import type { Network } from '../../network/network';
import { cutToBox, violationMargin, type Query } from '../../query/normalForm';
import { InputError } from '../../errors';
import type { RepairTask } from '../types';
import { sampleBox, sampleRegion } from '../../localize/sampling';
import type { FidelityData } from './penalty';

export interface RetrainingCounts {
  /** Uniform samples of the whole input domain. */
  readonly domain: number;
  /** Samples drawn from each property's region (only those the original satisfies are kept). */
  readonly region: number;
}

export function retrainingData(net: Network, queries: readonly Query[], task: Pick<RepairTask, 'domain' | 'keepSet'>, counts: RetrainingCounts, random: () => number): FidelityData {
  const n = net.layers[0].inSize;
  const m = net.layers[net.layers.length - 1].outSize;
  const parts: Float64Array[] = [sampleBox(task.domain.lower, task.domain.upper, counts.domain, random)];
  if (task.keepSet.length > 0) {
    const keep = new Float64Array(task.keepSet.length * n);
    task.keepSet.forEach((p, i) => keep.set(p.input, i * n));
    parts.push(keep);
  }
  if (counts.region > 0) {
    for (const q of queries) {
      const region = q.region.map((p) => cutToBox(p, task.domain)).filter((p) => p !== undefined);
      if (region.length === 0) continue;
      const xs = sampleRegion(region, counts.region, random);
      const ys = forward(net, xs, counts.region);
      const kept: number[] = [];
      for (let r = 0; r < counts.region; r++) if (violationMargin(q.violation, ys.subarray(r * m, (r + 1) * m)) > 0) kept.push(r);
      parts.push(Float64Array.from({ length: kept.length * n }, (_, k) => xs[kept[Math.floor(k / n)] * n + (k % n)]));
    }
  }
  const count = parts.reduce((c, p) => c + p.length / n, 0);
  if (count === 0) throw new InputError('SpecRepair has no retraining data: give domain samples, region samples or a keep set');
  const inputs = new Float64Array(count * n);
  let at = 0;
  for (const p of parts) {
    inputs.set(p, at);
    at += p.length;
  }
  return { inputs, targets: forward(net, inputs, count), count };
}

/**
 * Uniform samples of the whole domain that the retraining never sees, labelled by the original: an estimate of the
 * decisions kept that the decision hinge has not trained on (on the retraining samples it reads 0.1-0.3 points higher:
 * ACAS Xu N5,3 kept 99.77% of them and 99.47% of the driver's).
 */
export function heldOutData(net: Network, domain: RepairTask['domain'], count: number, random: () => number): FidelityData {
  const inputs = sampleBox(domain.lower, domain.upper, count, random);
  return { inputs, targets: forward(net, inputs, count), count };
}
