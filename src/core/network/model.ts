/**
 * What a model file holds once imported, and what a repair returns: a plain sequence of dense layers (the fast,
 * common case), a graph (skip connections, parallel branches, patch networks), or a gated model (pieces chosen by
 * input region, nRepair). Everything that runs a model accepts a Model.
 */
import { graphOutputSize, type Graph } from './graph';
import { inputSize, outputSize, type Network } from './network';

export type Model = Network | Graph;

export const isGraph = (m: Model): m is Graph => 'kind' in m && m.kind === 'graph';

export const modelInputSize = (m: Model): number => (isGraph(m) ? m.inputSize : inputSize(m));
export const modelOutputSize = (m: Model): number => (isGraph(m) ? graphOutputSize(m) : outputSize(m));
