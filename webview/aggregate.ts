/**
 * The heatmap's aggregate mode: a layer wider than GROUPED_ABOVE neurons is drawn as one cell per group of GROUP
 * neurons, coloured by the group's largest score, so MNIST's 256-neuron layers take one row of 32 cells each. The
 * grouped map is an ordinary Responsibility (a group is a cell), so the heatmap draws it unchanged.
 */
import type { LayerResponsibility, Responsibility } from '../src/core/localize/types';
import type { NeuronRef } from './protocol';

export const GROUP = 8;
export const GROUPED_ABOVE = 64;

export interface Aggregated {
  readonly responsibility: Responsibility;
  /** Neurons per cell, per layer (1: the layer is drawn neuron by neuron). */
  readonly groupSize: readonly number[];
}

export const hasWideLayers = (r: Responsibility): boolean => r.layers.some((l) => l.scores.length > GROUPED_ABOVE);

const groupSizeOf = (l: LayerResponsibility) => (l.scores.length > GROUPED_ABOVE ? GROUP : 1);

/** Each group's largest score (and share), and the mean of its activation statistics. */
export function aggregate(r: Responsibility): Aggregated {
  const groupSize = r.layers.map(groupSizeOf);
  const layers = r.layers.map((l, k): LayerResponsibility => {
    const g = groupSize[k];
    const groups = Math.ceil(l.scores.length / g);
    const over = (values: readonly number[], reduce: (part: number[]) => number) =>
      Array.from({ length: groups }, (_, c) => reduce(values.slice(c * g, (c + 1) * g) as number[]));
    const max = (part: number[]) => Math.max(...part);
    const mean = (part: number[]) => part.reduce((a, b) => a + b, 0) / part.length;
    return {
      ...l,
      scores: over(l.scores, max), perLayer: over(l.perLayer, max), global: over(l.global, max),
      activeViolating: over(l.activeViolating, mean), activeSafe: over(l.activeSafe, mean),
      meanViolating: over(l.meanViolating, mean), meanSafe: over(l.meanSafe, mean),
    };
  });
  const seen = new Set<string>();
  const top = r.top.flatMap((t) => {
    const cell = { layer: t.layer, neuron: Math.floor(t.neuron / groupSize[t.layer]), score: t.score };
    const key = `${cell.layer}:${cell.neuron}`;
    if (seen.has(key)) return [];
    seen.add(key);
    return [cell];
  });
  return { responsibility: { ...r, layers, top }, groupSize };
}

/** The cell that holds a neuron. */
export const cellOf = (a: Aggregated, ref: NeuronRef): NeuronRef => ({ layer: ref.layer, neuron: Math.floor(ref.neuron / a.groupSize[ref.layer]) });

/** The group's neurons and its most responsible one (the first of equals). */
export function groupNeurons(a: Aggregated, original: Responsibility, cell: NeuronRef): { first: number; last: number; best: number } {
  const g = a.groupSize[cell.layer];
  const scores = original.layers[cell.layer].scores;
  const first = cell.neuron * g;
  const last = Math.min(scores.length, first + g) - 1;
  let best = first;
  for (let i = first + 1; i <= last; i++) if (scores[i] > scores[best]) best = i;
  return { first, last, best };
}
