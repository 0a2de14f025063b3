/** Which neurons are responsible for a violation: the data the side panel's heatmap draws. */

export type ResponsibilityMethod = 'birdnn' | 'birdnn-code' | 'gradient';

/**
 * The verifier's time limit when no sample violates, for callers that ask it (the CLI, the editor's responsibility
 * command): long enough for its falsification (well under a second on ACAS Xu) and for proofs that come quickly, short
 * enough that a property that holds does not hold the user up (N1,9/phi8 of the example stays unknown after 60 s).
 */
export const LOCALIZE_VERIFY_SEC = 5;

export interface LayerResponsibility {
  /** The layer's (node's) name in the model. */
  readonly name: string;
  /**
   * Graph models only: what the node reads, 'input' or earlier nodes' names (two or more: a join of branches or a skip
   * connection). A plain sequence's layer reads the one before and has none.
   */
  readonly sources?: readonly string[];
  /** One raw score per neuron (hidden layers only). */
  readonly scores: readonly number[];
  /** Scores divided by the layer's largest |score| (0..1), and by the network's largest (0..1). */
  readonly perLayer: readonly number[];
  readonly global: readonly number[];
  /** Fraction of violating / safe samples on which each neuron is active (post-activation > 0). */
  readonly activeViolating: readonly number[];
  readonly activeSafe: readonly number[];
  /** Mean post-activation value on violating / safe samples. */
  readonly meanViolating: readonly number[];
  readonly meanSafe: readonly number[];
}

export interface Responsibility {
  readonly property: string;
  readonly method: ResponsibilityMethod;
  /** One per hidden layer, or per hidden node of a graph model in topological order. */
  readonly layers: readonly LayerResponsibility[];
  /** The k neurons with the largest global score, best first. */
  readonly top: readonly { readonly layer: number; readonly neuron: number; readonly score: number }[];
  readonly samples: { readonly violating: number; readonly safe: number };
  /**
   * When no sample violated and no counterexample was given, what the verifier answered within `limitSec`: a
   * counterexample (its neighbourhood was sampled), a proof that the property holds, or nothing in time.
   */
  readonly search?: { readonly verdict: 'violated' | 'holds' | 'unknown'; readonly timeSec: number; readonly limitSec: number };
  readonly timeSec: number;
}
