/**
 * The repair methods as users choose them: ids, the papers' names, what each changes and guarantees. Pure data, so the
 * extension host can offer the methods without loading the engine; `registry.ts` joins each entry to its code.
 */

export type RepairMethodId = 'reassure' | 'nrepair' | 'irepair' | 'specrepair' | 'birdnn-ft' | 'birdnn-rt';

/** What a method needs: at least one of `property` / `repairSet` must be satisfiable by the task. */
export type RepairNeed = 'property' | 'repairSet' | 'keepSet' | 'data';

export interface RepairMethodInfo {
  readonly id: RepairMethodId;
  /** The paper's name, e.g. "REASSURE". */
  readonly name: string;
  readonly paper: string;
  /** One plain sentence of what it changes. */
  readonly summary: string;
  /** provable: the construction aims at the property everywhere; samples: it trains on samples (the driver still proves or refutes). */
  readonly guarantee: 'provable' | 'samples';
  readonly needs: readonly RepairNeed[];
}

export const REPAIR_CATALOG: readonly RepairMethodInfo[] = [
  {
    id: 'reassure', name: 'REASSURE',
    paper: 'Fu & Li, "Sound and Complete Neural Network Repair with Minimality and Locality Guarantees", ICLR 2022',
    summary: 'Adds a small patch network: per buggy linear region for points (the minimal affine correction there, zero away from it), per box of the property\'s region for an area; the original weights are untouched.',
    guarantee: 'provable', needs: ['property', 'repairSet'],
  },
  {
    id: 'nrepair', name: 'nRepair',
    paper: 'Towards Repairing Neural Networks Correctly (seed 000)',
    summary: 'Bisects the property region until each piece is proved or fixed by clamping a few neurons to constants, and joins the pieces with input gates (a gated model over the shared original).',
    guarantee: 'provable', needs: ['property'],
  },
  {
    id: 'irepair', name: 'I-REPAIR',
    paper: 'I-REPAIR: localised repair of misclassified inputs (seed 001)',
    summary: 'Changes only the weights that matter most to the misclassified inputs and least to the inputs to keep.',
    guarantee: 'samples', needs: ['repairSet', 'keepSet'],
  },
  {
    id: 'specrepair', name: 'SpecRepair',
    paper: 'SpecRepair: counterexample-guided penalty retraining (seed 003)',
    summary: 'Searches counterexamples, retrains with a penalty on the property, and certifies the result.',
    guarantee: 'samples', needs: ['property', 'data'],
  },
  {
    id: 'birdnn-ft', name: 'BIRDNN fine-tuning',
    paper: 'Liang et al., "Repairing Deep Neural Networks Based on Behavior Imitation" (BIRDNN), 2023: fine-tuning',
    summary: 'Scales the outputs of the neurons most responsible for the violation by factors found by particle swarm optimisation, folded into the weights.',
    guarantee: 'samples', needs: ['property'],
  },
  {
    id: 'birdnn-rt', name: 'BIRDNN retraining',
    paper: 'Liang et al., "Repairing Deep Neural Networks Based on Behavior Imitation" (BIRDNN), 2023: imitation retraining',
    summary: 'Retrains so that violating inputs imitate the outputs of their nearest safe neighbours.',
    guarantee: 'samples', needs: ['property'],
  },
];

export function catalogEntry(id: RepairMethodId): RepairMethodInfo {
  return REPAIR_CATALOG.find((m) => m.id === id)!;
}
