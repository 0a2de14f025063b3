/** Which neurons are responsible for a violation: the data the side panel's heatmap draws. */

export type ResponsibilityMethod = 'birdnn' | 'birdnn-code' | 'gradient';

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
  readonly timeSec: number;
}
