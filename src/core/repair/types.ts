/**
 * The one interface every repair method implements, and the report the driver writes about what a method did.
 * A method proposes a new model; only the driver (`./driver.ts`) judges it: it writes the ONNX file, reads it back,
 * verifies the property on that file, checks the repair points with ONNX Runtime and measures fidelity and size.
 */
import type { Model } from '../network/model';
import type { OutputDnf, Query } from '../query/normalForm';
import type { RepairMethodInfo } from './catalog';

export type { RepairMethodId, RepairNeed } from './catalog';


/** How a label is read from the outputs: the largest (classifiers) or the smallest (ACAS Xu advisories) output. */
export type Decision = 'argmax' | 'argmin';

/** An input the repaired model must treat right: its required label, or an output condition (a violation to avoid). */
export interface RepairPoint {
  readonly input: Float64Array;
  readonly label?: number;
  /** The outputs must not satisfy this (normal form, as a property's violation). Derived from `label` when absent. */
  readonly violation?: OutputDnf;
}

/** An input whose behaviour should not change; `label` is what the original model decides there. */
export interface KeepPoint {
  readonly input: Float64Array;
  readonly label: number;
}

export interface RepairProgress {
  readonly stage: string;
  readonly message?: string;
  /** 0..1 when known. */
  readonly fraction?: number;
}

export interface RepairTask {
  readonly model: Model;
  /** The property to repair (area repair). Point repairs may come without one. */
  readonly query?: Query;
  /**
   * Further properties the repair must make hold together with `query`: a specification of several properties (e.g.
   * SpecRepair's Phi1, ACAS Xu properties 3, 4 and 8 at once). The driver proves each on the written file.
   */
  readonly alsoRequired?: readonly Query[];
  readonly repairSet: readonly RepairPoint[];
  readonly keepSet: readonly KeepPoint[];
  /** The whole input domain (a box in the network's space): where samples and bounds are taken. */
  readonly domain: { readonly lower: Float64Array; readonly upper: Float64Array };
  readonly decision: Decision;
  /** Method options by name (see the method's `options`); absent ones take their defaults. */
  readonly options: Readonly<Record<string, number | string | boolean>>;
  readonly timeoutSec: number;
  readonly signal?: AbortSignal;
  readonly onProgress?: (p: RepairProgress) => void;
}

export interface RepairOutcome {
  /** A new model value: the task's model is never written into. */
  readonly model: Model;
  /** What the method did, in order, for the report's log. */
  readonly log: readonly string[];
  /** Method-specific counts (regions patched, iterations, ...), shown in the report. */
  readonly stats: Readonly<Record<string, number>>;
  /** Counterexamples the method repaired (network space), shown in the report. */
  readonly counterexamples?: readonly Float64Array[];
  /** A note for the report when the method's change is not local (e.g. feature-space repair loses input-space locality). */
  readonly caveat?: string;
}

export interface RepairOption {
  readonly name: string;
  readonly default: number | string | boolean;
  readonly description: string;
  /** For string options: the allowed values. */
  readonly choices?: readonly string[];
}


/** A method: its catalogue entry (catalog.ts), its options, and the code that proposes a repaired model. */
export interface RepairMethod extends RepairMethodInfo {
  readonly options: readonly RepairOption[];
  run(task: RepairTask): Promise<RepairOutcome>;
}
