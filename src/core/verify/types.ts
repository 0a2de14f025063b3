import type { Query } from '../query/normalForm';

export interface VerifyOptions {
  /** Wall-clock budget in seconds; past it the answer is `unknown`. */
  readonly timeoutSec: number;
  /** Cooperative cancellation: checked between subproblems. */
  readonly signal?: AbortSignal;
  /** Only run the falsification stage (the editor's live checks): the answer is `violated` or `unknown`. */
  readonly falsifyOnly?: boolean;
  readonly onProgress?: (p: VerifyProgress) => void;
  /**
   * The first, quick falsification's effort: random samples (4096 for narrow inputs by default, fewer for wide ones),
   * then gradient descents from the best `starts` of them (10) for `steps` steps (40). Callers that verify many small
   * boxes (nRepair's pieces) take less: the search's own candidate points and attacks still run.
   */
  readonly quickAttack?: { readonly samples: number; readonly starts: number; readonly steps: number };
  /** Threads for the complete search (1 by default: no threads are started). */
  readonly threads?: number;
}

export interface VerifyProgress {
  readonly stage: string;
  /** Fraction of the input region (or of the search tree) already decided, 0..1, when known. */
  readonly fractionDone?: number;
}

export interface Counterexample {
  /** Input in the network's (normalised) space, and the float64 outputs of our forward pass on it. */
  readonly input: Float64Array;
  readonly output: Float64Array;
  /** Index of the violation conjunction that the outputs satisfy (Query.violation[clause]). */
  readonly clause: number;
}

interface ResultBase {
  readonly timeSec: number;
  readonly stats?: Record<string, number>;
  /** How the answer relates to the file, when it does not speak of the model exactly as ONNX Runtime runs it. */
  readonly note?: string;
}

export type VerifyResult =
  | ResultBase & { readonly status: 'holds' }
  | ResultBase & { readonly status: 'violated'; readonly counterexample: Counterexample }
  | ResultBase & { readonly status: 'unknown'; readonly reason: string };

export type { Query };
