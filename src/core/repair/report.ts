/**
 * What the driver found about one repair: JSON-serialisable, printed by the CLI and drawn by the side panel.
 * Everything here was measured by the driver on the written-and-reread ONNX file, never taken from the method.
 */
import type { RepairMethodId } from './types';

export type RepairVerdict =
  /** The verifier proved the property on the written file (point repairs: every point fixed, checked by ONNX Runtime). */
  | { readonly status: 'repaired'; readonly detail: string }
  /** A counterexample on the written file, or repair points still wrong, or the method gave up. */
  | { readonly status: 'not-repaired'; readonly detail: string; readonly counterexample?: { readonly input: number[]; readonly output: number[] } }
  /** The verifier ran out of time on the written file. */
  | { readonly status: 'unknown'; readonly detail: string };

export interface Regression {
  readonly property: string;
  /** What the other property was before the repair ('holds') and is after it. */
  readonly after: 'violated' | 'unknown';
  readonly detail: string;
}

export interface Fidelity {
  /** Share of samples whose decision is unchanged: in the property's region where the original was safe, in the whole domain, on the keep set. */
  readonly region?: { readonly agreement: number; readonly samples: number };
  readonly domain: { readonly agreement: number; readonly samples: number };
  readonly keepSet?: { readonly agreement: number; readonly samples: number };
  /** Largest |repaired - original| over every output and every sample above. */
  readonly maxOutputChange: number;
  /** Mean over samples of the largest output change. */
  readonly meanOutputChange: number;
  /** A sound upper bound on |repaired(x) - original(x)| over the whole domain, when it could be computed. */
  readonly certifiedMaxChange?: number;
}

export interface ModelSize {
  readonly paramsBefore: number;
  readonly paramsAfter: number;
  /** Original parameters whose value changed, and parameters the repair added. */
  readonly changed: number;
  readonly added: number;
}

export interface LayerChange {
  readonly name: string;
  readonly meanAbsChange: number;
  readonly maxAbsChange: number;
  readonly changed: number;
  readonly params: number;
}

export interface RepairReport {
  readonly method: RepairMethodId;
  readonly methodName: string;
  readonly options: Readonly<Record<string, number | string | boolean>>;
  readonly model: string;
  readonly property?: string;
  readonly repairedFile?: string;
  readonly verdict: RepairVerdict;
  /** Repair points the written file gets right (ONNX Runtime), of how many; indices of the ones still wrong. */
  readonly repairPoints?: { readonly fixed: number; readonly total: number; readonly unfixed: readonly number[] };
  readonly regressions: readonly Regression[];
  /** Other properties of the file that held before and were re-verified. */
  readonly recheckedProperties: readonly string[];
  readonly fidelity?: Fidelity;
  readonly size: ModelSize;
  readonly layerChanges: readonly LayerChange[];
  readonly stats: Readonly<Record<string, number>>;
  readonly counterexamplesFixed: number;
  readonly caveat?: string;
  readonly timings: readonly { readonly stage: string; readonly sec: number }[];
  readonly log: readonly string[];
}
