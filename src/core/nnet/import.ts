/**
 * The .nnet text format (Julian et al., the original ACAS Xu and HorizontalCAS networks): comment lines with '//', a
 * header (sizes, input bounds, means and ranges incl. the output's), then per layer its weight rows and bias values.
 * Hidden layers are ReLU, the last is linear. The normalisation is kept as metadata, not folded into the weights.
 */
import { InputError } from '../errors';
import { MAX_DENSE_VALUES, type DenseLayer, type Network } from '../network/network';

export function loadNnet(text: string, file?: string): Network {
  const lines = text.split(/\r?\n/).map((content, i) => ({ content: content.trim(), line: i + 1 }))
    .filter((l) => l.content !== '' && !l.content.startsWith('//'));
  let cursor = 0;
  const next = (what: string): number[] => {
    const l = lines[cursor++];
    if (!l) throw new InputError(`the file ends before ${what}`, { file, line: text.split(/\r?\n/).length });
    const values = l.content.split(',').map((s) => s.trim()).filter((s) => s !== '').map(Number);
    const bad = values.findIndex((v) => !Number.isFinite(v));
    if (bad >= 0) throw new InputError(`${what}: value ${bad + 1} is not a finite number`, { file, line: l.line });
    return values;
  };
  const expect = (values: number[], n: number, what: string): number[] => {
    if (values.length < n) throw new InputError(`${what}: expected ${n} values, found ${values.length}`, { file, line: lines[cursor - 1].line });
    return values.slice(0, n);
  };
  const [numLayers, inputSize, outputSize] = expect(next('the header'), 3, 'the header');
  const headerLine = lines[cursor - 1].line;
  if (!Number.isInteger(numLayers) || numLayers < 1) throw new InputError(`the header declares ${numLayers} layers; a network has at least 1`, { file, line: headerLine });
  // Each layer needs lines of its own: an absurd count is refused before the sizes are read.
  if (numLayers > lines.length) throw new InputError(`the header declares ${numLayers} layers but the file has ${lines.length} lines`, { file, line: headerLine });
  const sizes = expect(next('the layer sizes'), numLayers + 1, 'the layer sizes');
  const sizesLine = lines[cursor - 1].line;
  if (sizes[0] !== inputSize || sizes[numLayers] !== outputSize) {
    throw new InputError(`layer sizes ${sizes.join(',')} disagree with ${inputSize} inputs and ${outputSize} outputs`, { file, line: sizesLine });
  }
  const badSize = sizes.findIndex((s) => !Number.isInteger(s) || s < 1);
  if (badSize >= 0) throw new InputError(`layer size ${badSize + 1} is ${sizes[badSize]}; sizes are whole numbers of at least 1`, { file, line: sizesLine });
  for (let k = 0; k < numLayers; k++) {
    if (sizes[k] * sizes[k + 1] > MAX_DENSE_VALUES) {
      throw new InputError(`layer ${k + 1} is ${sizes[k]} x ${sizes[k + 1]} (${(sizes[k] * sizes[k + 1]).toExponential(2)} weights); NetMend handles at most ${MAX_DENSE_VALUES} per layer`, { file, line: sizesLine });
    }
  }
  next('the symmetric flag');
  const inputMin = expect(next('the input minimums'), inputSize, 'the input minimums');
  const inputMax = expect(next('the input maximums'), inputSize, 'the input maximums');
  const means = expect(next('the means'), inputSize + 1, 'the means');
  const ranges = expect(next('the ranges'), inputSize + 1, 'the ranges');
  // One line per weight row and per bias: a file shorter than its sizes claim is refused before anything is allocated.
  let rowsLeft = lines.length - cursor;
  for (let k = 0; k < numLayers; k++) {
    for (const part of ['weights', 'biases']) {
      if (rowsLeft < sizes[k + 1]) throw new InputError(`the file ends before layer ${k + 1} ${part}`, { file, line: text.split(/\r?\n/).length });
      rowsLeft -= sizes[k + 1];
    }
  }
  const layers: DenseLayer[] = [];
  for (let k = 0; k < numLayers; k++) {
    const [inSize, outSize] = [sizes[k], sizes[k + 1]];
    const weights = new Float64Array(inSize * outSize);
    for (let o = 0; o < outSize; o++) weights.set(expect(next(`layer ${k + 1} weights`), inSize, `layer ${k + 1} weights`), o * inSize);
    const bias = new Float64Array(outSize);
    for (let o = 0; o < outSize; o++) bias[o] = expect(next(`layer ${k + 1} biases`), 1, `layer ${k + 1} biases`)[0];
    layers.push({ inSize, outSize, weights, bias, activation: k === numLayers - 1 ? { kind: 'identity' } : { kind: 'relu' }, name: `layer${k + 1}` });
  }
  return {
    layers,
    inputName: 'input',
    inputShape: [1, inputSize],
    outputName: 'output',
    outputShape: [1, outputSize],
    notes: ['.nnet normalisation kept as metadata: the network reads normalised inputs and produces normalised outputs'],
    normalization: {
      inputMin, inputMax,
      inputMean: means.slice(0, inputSize), inputRange: ranges.slice(0, inputSize),
      outputMean: means[inputSize], outputRange: ranges[inputSize],
    },
  };
}
