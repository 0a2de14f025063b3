/**
 * What a model file holds once imported, and what a repair returns: a plain sequence of dense layers (the fast,
 * common case), a graph (skip connections, parallel branches, patch networks), or a gated model (pieces chosen by
 * input region, nRepair). Everything that runs a model accepts a Model.
 */
import { InputError } from '../errors';
import type { GatedModel } from './gated';
import { graphOutputSize, type Graph } from './graph';
import { inputSize, outputSize, type Network } from './network';

export type Model = Network | Graph | GatedModel;

export const isGraph = (m: Model): m is Graph => 'kind' in m && m.kind === 'graph';
export const isGated = (m: Model): m is GatedModel => 'kind' in m && m.kind === 'gated';

export const modelInputSize = (m: Model): number => (isGraph(m) ? m.inputSize : inputSize(isGated(m) ? m.base : m));
export const modelOutputSize = (m: Model): number => (isGraph(m) ? graphOutputSize(m) : outputSize(isGated(m) ? m.base : m));

/** The model as a plain layer sequence, for analyses that have no graph form yet; a graph or gated model is refused, saying which. */
export function asLayerSequence(m: Model, what: string): Network {
  if (isGraph(m)) throw new InputError(`${what} works on plain layer sequences for now; this model is a graph (skip connections or parallel branches)`);
  if (isGated(m)) throw new InputError(`${what} works on plain layer sequences for now; this model is a gated model (nRepair pieces)`);
  return m;
}
