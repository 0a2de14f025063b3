import { loadAnyModelFile } from '../../core/onnx/loadModelFile';
import { gatedAddedParameters, isGated, type GatedModel } from '../../core/network/gated';
import type { Network, Normalization } from '../../core/network/network';
import { parseArgs } from '../args';
import type { Command } from '../command';
import { InputError } from '../../core/errors';

export interface ModelInfo {
  readonly input: { name: string; shape: readonly number[]; size: number };
  readonly output: { name: string; shape: readonly number[]; size: number };
  readonly layers: { name: string; inSize: number; outSize: number; activation: string }[];
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

export function describeModel(net: Network): ModelInfo {
  const layers = net.layers.map((l) => ({ name: l.name, inSize: l.inSize, outSize: l.outSize, activation: l.activation.kind }));
  return {
    input: { name: net.inputName, shape: net.inputShape, size: net.layers[0].inSize },
    output: { name: net.outputName, shape: net.outputShape, size: net.layers[net.layers.length - 1].outSize },
    layers,
    parameters: net.layers.reduce((sum, l) => sum + l.weights.length + l.bias.length, 0),
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
    const parsed = parseArgs(args);
    const [path] = parsed.positional;
    if (!path) throw new InputError('usage: netmend info <model> [--json]');
    const model = loadAnyModelFile(path);
    const desc = isGated(model) ? describeGated(model) : describeModel(model as Network);
    if (parsed.flags.has('json')) {
      console.log(JSON.stringify(desc, null, 2));
      return 0;
    }
    console.log(`input   ${desc.input.name} [${desc.input.shape.join(', ')}] (${desc.input.size} values)`);
    console.log(`output  ${desc.output.name} [${desc.output.shape.join(', ')}] (${desc.output.size} values)`);
    console.log(`layers  ${desc.layers.length}, ${desc.parameters} parameters`);
    for (const l of desc.layers) console.log(`  ${l.name.padEnd(24)} ${String(l.inSize).padStart(5)} -> ${String(l.outSize).padEnd(5)} ${l.activation}`);
    const norm = desc.normalization;
    if (norm) {
      norm.inputMin.forEach((lo, i) => console.log(`  input ${i}: physical range [${lo}, ${norm.inputMax[i]}], normalised as (x - ${norm.inputMean[i]}) / ${norm.inputRange[i]}`));
      console.log(`  outputs: physical = y * ${norm.outputRange} + ${norm.outputMean}`);
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
