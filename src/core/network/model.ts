/**
 * What a model file holds once imported, and what a repair returns: a plain sequence of dense layers (the fast,
 * common case), a graph (skip connections, parallel branches, patch networks), or a gated model (pieces chosen by
 * input region, nRepair). Everything that runs a model accepts a Model.
 */
import type { GatedModel } from './gated';
import type { Graph } from './graph';
import type { Network } from './network';

export type Model = Network | Graph | GatedModel;

export const isGraph = (m: Model): m is Graph => 'kind' in m && m.kind === 'graph';
export { isGated } from './gated';
