/** Small random dense networks for the training and localisation tests. */
import type { Activation, DenseLayer, Network } from '../src/core/network/network';
import { seeded } from './onnxBuilder';

export function randomNetwork(sizes: readonly number[], seed: number, hidden: Activation = { kind: 'relu' }, scale = 1): Network {
  const layers: DenseLayer[] = [];
  for (let k = 0; k + 1 < sizes.length; k++) {
    const values = seeded(sizes[k] * sizes[k + 1] + sizes[k + 1], seed * 31 + k);
    layers.push({
      inSize: sizes[k], outSize: sizes[k + 1],
      weights: Float64Array.from(values.slice(0, sizes[k] * sizes[k + 1]), (v) => v * scale),
      bias: Float64Array.from(values.slice(sizes[k] * sizes[k + 1]), (v) => v * 0.5),
      activation: k + 2 < sizes.length ? hidden : { kind: 'identity' },
      name: `layer${k}`,
    });
  }
  return { layers, inputName: 'x', inputShape: [1, sizes[0]], outputName: 'y', outputShape: [1, sizes[sizes.length - 1]], notes: [] };
}
