/**
 * What localisation reads of a model, for a plain layer sequence and a graph alike: its nodes in topological order (a
 * Network's layers are nodes that each read the one before), the hidden ones being the heatmap's rows.
 */
import { InputError } from '../errors';
import { GRAPH_INPUT, toGraph, type Graph } from '../network/graph';
import { isGraph, type Model } from '../network/model';
import { isTrainable, type Trainable } from '../train/trainable';

export type Localizable = Trainable;

/** The model, or a clear error for a form localisation does not read (a gated model: which piece's neurons?). */
export function localizable(model: Model): Localizable {
  if (!isTrainable(model)) throw new InputError('localisation works on plain networks and graphs; this model is a gated model (nRepair pieces)');
  return model;
}

export const asGraph = (model: Localizable): Graph => (isGraph(model) ? model : toGraph(model));

/** The heatmap's rows: every node but the output, with its name and, for a graph, what it reads. */
export function hiddenNodes(model: Localizable): { name: string; outSize: number; sources?: string[] }[] {
  const g = asGraph(model);
  return g.nodes.slice(0, -1).map((node) => ({
    name: node.name,
    outSize: node.outSize,
    ...(isGraph(model) ? { sources: node.sources.map((s) => (s.from === GRAPH_INPUT ? 'input' : g.nodes[s.from].name)) } : {}),
  }));
}
