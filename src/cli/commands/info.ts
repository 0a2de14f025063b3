import { loadCheckedModel } from '../../core/onnx/loadModelFile';
import { gatedAddedParameters, type GatedModel } from '../../core/network/gated';
import type { Normalization } from '../../core/network/network';
import { GRAPH_INPUT, sourceSize } from '../../core/network/graph';
import { isGated, isGraph, modelInputSize, modelOutputSize, type Model } from '../../core/network/model';
import { parseArgs } from '../args';
import type { Command } from '../command';
import { InputError } from '../../core/errors';

export interface ModelInfo {
  readonly input: { name: string; shape: readonly number[]; size: number };
  readonly output: { name: string; shape: readonly number[]; size: number };
  /** A graph node's inSize sums its sources' sizes; `reads` names them (absent for a plain sequence). */
  readonly layers: { name: string; inSize: number; outSize: number; activation: string; reads?: string[] }[];
  readonly parameters: number;
  readonly notes: readonly string[];
  /** .nnet models: the physical input ranges and the output scaling the network's normalised space stands for. */
  readonly normalization?: Normalization;
  /** Gated models (nRepair): the pieces over the base network described above. */
  readonly gated?: {
    readonly addedParameters: number;
    readonly pieces: { lower: number[]; upper: number[]; clamps: { layer: number; neuron: number; value: number }[]; unrepaired: boolean }[];
  };
}

export function describeModel(net: Exclude<Model, GatedModel>): ModelInfo {
  const layers = isGraph(net)
    ? net.nodes.map((node) => ({
      name: node.name,
      inSize: node.sources.reduce((sum, s) => sum + sourceSize(net, s.from), 0),
      outSize: node.outSize,
      activation: node.activation.kind,
      reads: node.sources.map((s) => (s.from === GRAPH_INPUT ? 'input' : net.nodes[s.from].name)),
    }))
    : net.layers.map((l) => ({ name: l.name, inSize: l.inSize, outSize: l.outSize, activation: l.activation.kind }));
  const parameters = isGraph(net)
    ? net.nodes.reduce((sum, node) => sum + node.bias.length + node.sources.reduce((a, s) => a + (s.weights?.length ?? 0), 0), 0)
    : net.layers.reduce((sum, l) => sum + l.weights.length + l.bias.length, 0);
  return {
    input: { name: net.inputName, shape: net.inputShape, size: modelInputSize(net) },
    output: { name: net.outputName, shape: net.outputShape, size: modelOutputSize(net) },
    layers,
    parameters,
    notes: net.notes,
    ...(net.normalization ? { normalization: net.normalization } : {}),
  };
}

export function describeGated(model: GatedModel): ModelInfo {
  return {
    ...describeModel(model.base),
    gated: {
      addedParameters: gatedAddedParameters(model),
      pieces: model.pieces.map((p) => ({ lower: Array.from(p.lower), upper: Array.from(p.upper), clamps: p.clamps.map((c) => ({ ...c })), unrepaired: p.unrepaired })),
    },
  };
}

export const info: Command = {
  name: 'info',
  usage: 'info <model> [--json]',
  summary: 'inputs, outputs, layers and parameter count of an ONNX or .nnet model (and the pieces of a gated model)',
  async run(args) {
    const parsed = parseArgs(args, { switches: ['json'], positionals: 1 });
    const [path] = parsed.positional;
    if (!path) throw new InputError('usage: netmend info <model> [--json]');
    const model = await loadCheckedModel(path);
    const desc = isGated(model) ? describeGated(model) : describeModel(model);
    if (parsed.flags.has('json')) {
      console.log(JSON.stringify(desc, null, 2));
      return 0;
    }
    console.log(`input   ${desc.input.name} [${desc.input.shape.join(', ')}] (${desc.input.size} values)`);
    console.log(`output  ${desc.output.name} [${desc.output.shape.join(', ')}] (${desc.output.size} values)`);
    console.log(`layers  ${desc.layers.length}, ${desc.parameters} parameters`);
    for (const l of desc.layers) console.log(`  ${l.name.padEnd(24)} ${String(l.inSize).padStart(5)} -> ${String(l.outSize).padEnd(5)} ${l.activation}${l.reads ? `  (sum of ${l.reads.join(' + ')})` : ''}`);
    const norm = desc.normalization;
    if (norm) {
      norm.inputMin.forEach((lo, i) => console.log(`  input ${i}: physical range [${lo}, ${norm.inputMax[i]}], normalised as (x - ${norm.inputMean[i]}) / ${norm.inputRange[i]}`));
      console.log(`  outputs: physical = y * ${norm.outputRange} + ${norm.outputMean}`);
      console.log(`  netmend eval ${path} --inputs <file.json> takes and prints physical units; add --normalised for the network's own space`);
    }
    if (desc.gated) {
      const unrepaired = desc.gated.pieces.filter((p) => p.unrepaired).length;
      console.log(`gated   ${desc.gated.pieces.length} pieces over the layers above (${unrepaired} unrepaired: the 'alarm' output flags them), ${desc.gated.addedParameters} parameters added`);
      desc.gated.pieces.forEach((p, k) => {
        const box = p.lower.map((l, i) => `[${l}, ${p.upper[i]}]`).join(' x ');
        const clamps = p.clamps.map((c) => `layer ${c.layer} neuron ${c.neuron} = ${c.value}`).join(', ');
        console.log(`  piece ${k}: ${box}  ${p.unrepaired ? 'UNREPAIRED (alarm)' : clamps || 'original'}`);
      });
    }
    for (const note of desc.notes) console.log(`note: ${note}`);
    return 0;
  },
};
