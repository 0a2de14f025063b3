/**
 * What a model file holds once imported, and what a repair returns: a plain sequence of dense layers (the fast,
 * common case), a graph (skip connections, parallel branches, patch networks), or a gated model (pieces chosen by
 * input region, nRepair). Everything that runs a model accepts a Model.
 */
import { InputError } from '../errors';
import { graphOutputSize, type Graph } from './graph';
import { inputSize, outputSize, type Network } from './network';

export type Model = Network | Graph;

export const isGraph = (m: Model): m is Graph => 'kind' in m && m.kind === 'graph';

export const modelInputSize = (m: Model): number => (isGraph(m) ? m.inputSize : inputSize(m));
export const modelOutputSize = (m: Model): number => (isGraph(m) ? graphOutputSize(m) : outputSize(m));

/** The model as a plain layer sequence, for analyses that have no graph form yet; a graph is refused, saying which. */
export function asLayerSequence(m: Model, what: string): Network {
  if (isGraph(m)) throw new InputError(`${what} works on plain layer sequences for now; this model is a graph (skip connections or parallel branches)`);
  return m;
}
