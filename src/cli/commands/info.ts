import { loadModelFile } from '../../core/onnx/loadModelFile';
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

export const info: Command = {
  name: 'info',
  usage: 'info <model> [--json]',
  summary: 'inputs, outputs, layers and parameter count of an ONNX or .nnet model',
  async run(args) {
    const parsed = parseArgs(args, { switches: ['json'], positionals: 1 });
    const [path] = parsed.positional;
    if (!path) throw new InputError('usage: netmend info <model> [--json]');
    const desc = describeModel(loadModelFile(path));
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
    for (const note of desc.notes) console.log(`note: ${note}`);
    return 0;
  },
};
