/** Every repair method, by id: the one list the CLI, the worker and the editor offer. */
import { InputError } from '../errors';
import { reassure } from './methods/reassure';
import { nrepair } from './methods/nrepair';
import { birdnnFineTune } from './methods/birdnnFineTune';
import { birdnnRetrain } from './methods/birdnnRetrain';
import { irepair } from './methods/irepair';
import { specrepair } from './methods/specrepair';
import type { RepairMethod, RepairMethodId } from './types';

export const REPAIR_METHODS: readonly RepairMethod[] = [reassure, nrepair, birdnnFineTune, birdnnRetrain, irepair, specrepair];

export function repairMethod(id: string): RepairMethod {
  const method = REPAIR_METHODS.find((m) => m.id === id);
  if (!method) throw new InputError(`unknown repair method '${id}'; available: ${REPAIR_METHODS.map((m) => m.id).join(', ')}`);
  return method;
}

export const isRepairMethodId = (id: string): id is RepairMethodId => REPAIR_METHODS.some((m) => m.id === id);
