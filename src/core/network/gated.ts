/**
 * A gated model (nRepair): a list of input boxes ("pieces"), each answered by the shared original network with a few
 * neurons clamped to constants; an input in no piece goes through the original unchanged. A piece the repair could not
 * prove is kept and flagged: inputs that fall in it raise the alarm (the exported ONNX's second output).
 *
 * Pieces store clamps, never copies of the weights: a repaired piece costs its box and a handful of (layer, neuron,
 * value) triples, so the model stays the size of the original (the paper's copies made it 2-20x larger).
 * The first piece whose closed box holds an input answers it (boxes of a partition share faces).
 */
import { inputSize, outputSize, type DenseLayer, type Network } from './network';

/**
 * Neuron `neuron` of layer `layer` (0-based, a hidden layer) has its pre-activation fixed to `value` for every input of
 * the piece: its output is the layer's activation of `value` (for ReLU layers nRepair keeps value >= 0, so the output
 * is the value itself).
 */
export interface Clamp {
  readonly layer: number;
  readonly neuron: number;
  readonly value: number;
}

export interface GatedPiece {
  readonly lower: Float64Array;
  readonly upper: Float64Array;
  readonly clamps: readonly Clamp[];
  /** The repair failed here: nothing is proved in this box and inputs in it raise the alarm. */
  readonly unrepaired: boolean;
}

/**
 * The names, shapes and notes every Model carries are the exported file's (gatedOnnx.ts: 'input' [N, n] -> 'output'
 * [N, m] and 'alarm'); `droppedSoftmax` is never set: a gated model's output is its base network's logits.
 */
export interface GatedModel extends Omit<Network, 'layers'> {
  readonly kind: 'gated';
  /** The original network: every piece shares its weights. */
  readonly base: Network;
  readonly pieces: readonly GatedPiece[];
}

export function gatedModel(base: Network, pieces: readonly GatedPiece[]): GatedModel {
  return {
    kind: 'gated', base, pieces,
    inputName: 'input', inputShape: [1, inputSize(base)], outputName: 'output', outputShape: [1, outputSize(base)], notes: base.notes,
    ...(base.normalization ? { normalization: base.normalization } : {}),
  };
}

/** Index of the first piece whose box holds x, or -1 (the original network answers). NaN inputs are in no piece. */
export function pieceIndex(model: GatedModel, x: ArrayLike<number>): number {
  return model.pieces.findIndex((p) => {
    for (let i = 0; i < p.lower.length; i++) if (!(x[i] >= p.lower[i] && x[i] <= p.upper[i])) return false;
    return true;
  });
}

const pieceNetworks = new WeakMap<GatedPiece, Network>();

/**
 * The plain network a piece computes: the base with each clamped neuron's incoming weights 0 and its bias the clamp
 * value, so every tool that handles a Network (the verifier first) handles a piece unchanged. New arrays only for
 * the clamped layers; the others are shared with the base.
 */
export function pieceNetwork(model: GatedModel, piece: GatedPiece): Network {
  let net = pieceNetworks.get(piece);
  if (!net) {
    net = clampNetwork(model.base, piece.clamps);
    pieceNetworks.set(piece, net);
  }
  return net;
}

export function clampNetwork(base: Network, clamps: readonly Clamp[]): Network {
  if (clamps.length === 0) return base;
  const layers: DenseLayer[] = base.layers.map((layer, k) => {
    const mine = clamps.filter((c) => c.layer === k);
    if (mine.length === 0) return layer;
    const weights = Float64Array.from(layer.weights);
    const bias = Float64Array.from(layer.bias);
    for (const c of mine) {
      weights.fill(0, c.neuron * layer.inSize, (c.neuron + 1) * layer.inSize);
      bias[c.neuron] = c.value;
    }
    return { ...layer, weights, bias };
  });
  return { ...base, layers };
}

/** What is wrong with the clamps for this base (a neuron it does not have, the output layer, a non-finite value), if anything. */
export function checkClamps(base: Network, clamps: readonly Clamp[]): string | undefined {
  for (const c of clamps) {
    const layer = base.layers[c.layer];
    if (!layer || c.layer === base.layers.length - 1) return `clamp on layer ${c.layer}, which is not a hidden layer`;
    if (!Number.isInteger(c.neuron) || c.neuron < 0 || c.neuron >= layer.outSize) return `clamp on neuron ${c.neuron} of layer ${c.layer}, which has ${layer.outSize}`;
    if (!Number.isFinite(c.value)) return `clamp value ${c.value} is not a finite number`;
  }
  return undefined;
}

/** The run-time alarm: x falls in a piece the repair could not prove. */
export function gatedAlarm(model: GatedModel, x: ArrayLike<number>): boolean {
  const p = pieceIndex(model, x);
  return p >= 0 && model.pieces[p].unrepaired;
}

/** Parameters beyond the base network's: each piece's box and alarm flag, and three numbers per clamp. */
export function gatedAddedParameters(model: GatedModel): number {
  const n = inputSize(model.base);
  return model.pieces.reduce((sum, p) => sum + 2 * n + 1 + 3 * p.clamps.length, 0);
}
