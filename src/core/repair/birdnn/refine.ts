/**
 * What runs after the paper's repair when asked (neither is in the paper): the output-bias shift (./outputShift.ts),
 * then, unless the shift is proven, counterexample-guided margin training (./certify.ts).
 */
import { availableParallelism } from 'node:os';
import type { Network } from '../../network/network';
import type { Random } from '../../localize/sampling';
import type { RepairTask } from '../types';
import { certifyIfAsked } from './certify';
import { shiftIfAsked } from './outputShift';

export async function refineIfAsked(task: RepairTask, original: Network, repaired: Network, deadline: number, random: Random, log: string[]): Promise<{ network: Network; stats: Record<string, number> }> {
  const shifted = await shiftIfAsked(task, repaired, random, availableParallelism(), log);
  if (shifted.proven) return shifted;
  const certified = await certifyIfAsked(task, original, shifted.network, deadline, random, log);
  return { network: certified.network, stats: { ...shifted.stats, ...certified.stats } };
}
