/**
 * BIRDNN's samples for one repair: negative (violating) and positive (safe) samples of the property's region, grown
 * to the requested number of negatives (./../../localize/samples.ts), and the drawdown set: uniform samples of the
 * whole input domain plus the task's keep set, each with the original network's decision.
 */
import type { Network } from '../../network/network';
import { forward } from '../../network/forward';
import type { Query } from '../../query/normalForm';
import { collectSamples, type SampleSet } from '../../localize/samples';
import { sampleBox, type Random } from '../../localize/sampling';
import type { Decision, RepairTask } from '../types';
import { decide } from '../labels';

export interface RepairData {
  readonly set: SampleSet;
  /** Row-major inputs and the original network's decisions on them. */
  readonly domain: Float64Array;
  readonly domainLabels: Int32Array;
}

export function decisions(y: ArrayLike<number>, count: number, width: number, decision: Decision): Int32Array {
  return Int32Array.from({ length: count }, (_, r) => decide(y, r * width, width, decision));
}

export async function collectRepairData(net: Network, query: Query, task: RepairTask, o: { negatives: number; regionSamples?: number; domainSamples: number; random: Random; counterexamples?: readonly ArrayLike<number>[] }): Promise<RepairData> {
  const set = await collectSamples(net, query, {
    samples: o.regionSamples ?? o.negatives,
    violatingTarget: o.negatives,
    random: o.random,
    domain: task.domain,
    counterexamples: [...task.repairSet.map((p) => p.input), ...(o.counterexamples ?? [])],
  });
  const n = net.layers[0].inSize;
  const m = net.layers[net.layers.length - 1].outSize;
  const uniform = sampleBox(task.domain.lower, task.domain.upper, o.domainSamples, o.random);
  const domain = new Float64Array(uniform.length + task.keepSet.length * n);
  domain.set(uniform);
  task.keepSet.forEach((p, k) => domain.set(p.input, uniform.length + k * n));
  const count = domain.length / n;
  const labels = decisions(forward(net, uniform, o.domainSamples), o.domainSamples, m, task.decision);
  const domainLabels = new Int32Array(count);
  domainLabels.set(labels);
  task.keepSet.forEach((p, k) => { domainLabels[o.domainSamples + k] = p.label; });
  return { set, domain, domainLabels };
}

