import { InputError } from '../../core/errors';
import { FILE_LIMITS, readRegularText } from '../../core/files';
import { forwardModel } from '../../core/network/forward';
import { modelInputSize } from '../../core/network/model';
import { normalisedInput, physicalOutput } from '../../core/network/normalization';
import { loadCheckedModel } from '../../core/onnx/loadModelFile';
import { parseArgs, stringFlag } from '../args';
import type { Command } from '../command';

/** Reads a JSON array of flat input vectors of the given length. */
export function readInputVectors(file: string, size: number): Float64Array[] {
  const text = readRegularText(file, 'inputs file', FILE_LIMITS.data);
  let data: unknown;
  try {
    data = JSON.parse(text);
  } catch (err) {
    throw new InputError(`cannot read the inputs as JSON: ${(err as Error).message}`, { file });
  }
  if (!Array.isArray(data)) throw new InputError('the inputs file must hold a JSON array of input vectors', { file });
  return data.map((row, k) => {
    if (!Array.isArray(row) || row.length !== size || !row.every((v) => typeof v === 'number' && Number.isFinite(v))) {
      throw new InputError(`input ${k} must be an array of ${size} finite numbers`, { file });
    }
    return Float64Array.from(row as number[]);
  });
}

export const evalCommand: Command = {
  name: 'eval',
  usage: 'eval <model> --inputs <file.json> [--normalised]',
  summary: 'evaluate the model (float64) on a JSON array of flat input vectors; prints a JSON array of outputs (physical units for a .nnet model unless --normalised)',
  async run(args) {
    const parsed = parseArgs(args, { values: ['inputs'], switches: ['normalised'], positionals: 1 });
    const [path] = parsed.positional;
    const inputsFile = stringFlag(parsed, 'inputs');
    if (!path || !inputsFile) throw new InputError(`usage: netmend ${this.usage}`);
    const net = await loadCheckedModel(path);
    const n = modelInputSize(net);
    const inputs = readInputVectors(inputsFile, n);
    // A .nnet model's tools feed physical inputs: so does eval, unless asked for the network's own space.
    const norm = parsed.flags.has('normalised') ? undefined : net.normalization;
    const batch = new Float64Array(inputs.length * n);
    inputs.forEach((x, k) => batch.set(norm ? normalisedInput(norm, x) : x, k * n));
    const out = forwardModel(net, batch, inputs.length);
    const m = out.length / Math.max(1, inputs.length);
    const outputs = inputs.map((_, k) => out.subarray(k * m, (k + 1) * m));
    console.log(JSON.stringify(outputs.map((y) => Array.from(norm ? physicalOutput(norm, y) : y))));
    if (net.normalization) {
      console.error(norm
        ? 'inputs and outputs in physical units (the model\'s normalisation applied; --normalised for the network\'s own space)'
        : 'inputs and outputs in the network\'s normalised space (without --normalised: physical units)');
    }
    return 0;
  },
};
