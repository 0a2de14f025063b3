/**
 * BIRDNN fine-tuning's `select` option: the neurons to tune, as text, so that it travels as one option value through
 * the CLI (`--options "select=0:12;1:40"`), the worker job and a report. `layer:neuron`, both from 0, layers counted
 * over the network's dense layers (0 = first hidden layer; the last is the output layer), separated by `;`, `+` or
 * spaces. No import beyond errors: the extension host formats the panel's selection with it.
 */
import { InputError } from '../../errors';

export interface NeuronRef { readonly layer: number; readonly neuron: number }

const SEPARATORS = /[;+\s]+/;

/** The neurons of `text`, each checked against `layerSizes` (neurons per layer), in order, repeats dropped. */
export function parseNeuronList(text: string, layerSizes: readonly number[]): NeuronRef[] {
  const items = text.split(SEPARATORS).filter(Boolean);
  if (items.length === 0) throw new InputError('select: no neuron given; write layer:neuron pairs such as 0:12;1:40');
  const seen = new Set<string>();
  const refs: NeuronRef[] = [];
  for (const item of items) {
    const match = /^(\d+):(\d+)$/.exec(item);
    if (!match) throw new InputError(`select: '${item}' is not layer:neuron (two whole numbers from 0, e.g. 1:40)`);
    const [layer, neuron] = [Number(match[1]), Number(match[2])];
    if (layer >= layerSizes.length) {
      throw new InputError(`select: ${item}: the network has no layer ${layer}; its layers are 0 to ${layerSizes.length - 1} (the last is the output layer)`);
    }
    if (neuron >= layerSizes[layer]) throw new InputError(`select: ${item}: layer ${layer} has ${layerSizes[layer]} neurons (0 to ${layerSizes[layer] - 1})`);
    const key = `${layer}:${neuron}`;
    if (seen.has(key)) continue;
    seen.add(key);
    refs.push({ layer, neuron });
  }
  return refs;
}

export const formatNeuronList = (refs: readonly NeuronRef[]): string => refs.map((r) => `${r.layer}:${r.neuron}`).join(';');
