/**
 * The job protocol between the extension host and the worker thread. Both sides import these types, so a job kind's
 * parameters and result cannot drift apart.
 */
import type { Query } from '../core/query/normalForm';
import type { VerifyProgress, VerifyResult } from '../core/verify/types';
import type { RepairRequest } from '../core/repair/driver';
import type { RepairReport } from '../core/repair/report';
import type { RepairMethodId } from '../core/repair/types';
import type { PointProperty } from '../core/repair/pointSets';

/**
 * A repair request as the host sends it: the model by path, everything else as the driver takes it. `pointSet`: the
 * instances of a `for each` property, whose verdicts on the model give the repair and keep sets (built in the worker).
 */
export type RepairJobParams = { readonly modelPath: string; readonly method: RepairMethodId; readonly pointSet?: readonly PointProperty[] } & Omit<RepairRequest, 'model' | 'method' | 'signal' | 'onProgress'>;
import type { Responsibility, ResponsibilityMethod } from '../core/localize/types';

export interface ModelInfo {
  readonly path: string;
  readonly inputName: string;
  readonly outputName: string;
  readonly inputSize: number;
  readonly outputSize: number;
  readonly layerCount: number;
  readonly notes: readonly string[];
}

/** Parameters and result of every job kind. `test*` kinds exist only when the worker is started with `testJobs`. */
export interface JobKinds {
  loadModel: { params: { modelPath: string }; result: ModelInfo };
  evaluate: { params: { modelPath: string; input: readonly number[] }; result: number[] };
  /** The live check: falsification only, short budget. */
  falsify: { params: { modelPath: string; query: Query; timeoutSec: number }; result: VerifyResult };
  verify: { params: { modelPath: string; query: Query; timeoutSec: number; threads?: number }; result: VerifyResult };
  /** A repair judged by the driver; the repaired model is written to a temporary file, never beside the user's model. */
  repair: { params: RepairJobParams; result: { report: RepairReport; repairedPath?: string } };
  /** The ids of the repair methods this build has. */
  repairMethods: { params: Record<string, never>; result: RepairMethodId[] };
  /** Which neurons are responsible for the property's violation (the side panel's heatmap). */
  localize: {
    params: {
      modelPath: string; query: Query; method?: ResponsibilityMethod; samples?: number; topK?: number; counterexamples?: readonly (readonly number[])[];
      /** When no counterexample is given and no sample violates, the verifier's budget for finding one (0: none). */
      verifyTimeoutSec?: number;
    };
    result: Responsibility;
  };
  /** Test-only: spins for `ms` without ever looking at the cancellation signal (a hang). */
  testBusy: { params: { ms: number }; result: number };
  /** Test-only: kills the worker thread mid-job (a crash). */
  testCrash: { params: Record<string, never>; result: never };
}

export type JobKind = keyof JobKinds;
export type JobParams<K extends JobKind> = JobKinds[K]['params'];
export type JobResult<K extends JobKind> = JobKinds[K]['result'];
export type JobProgress = VerifyProgress;

export type HostMessage =
  | { readonly type: 'run'; readonly id: number; readonly kind: JobKind; readonly params: unknown }
  | { readonly type: 'cancel'; readonly id: number };

export type WorkerMessage =
  | { readonly type: 'progress'; readonly id: number; readonly progress: JobProgress }
  | { readonly type: 'result'; readonly id: number; readonly result: unknown }
  | { readonly type: 'error'; readonly id: number; readonly message: string; readonly inputError: boolean };

export interface WorkerData {
  readonly testJobs?: boolean;
}
