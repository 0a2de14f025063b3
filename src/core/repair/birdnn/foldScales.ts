/**
 * BIRDNN-FT's repair, a factor on some neurons' outputs, folded into plain weights: a hidden neuron's factor scales
 * its column in the next layer's weights (the same function for any activation); an output neuron's scales its row
 * and bias in the last layer. No scaling layer is left in the model. Returns a new Network.
 */
import type { Network } from '../../network/network';

export interface NeuronScale {
  readonly layer: number;
  readonly neuron: number;
  readonly factor: number;
}

export function foldScales(net: Network, scales: readonly NeuronScale[]): Network {
  const weights = net.layers.map((l) => Float64Array.from(l.weights));
  const bias = net.layers.map((l) => Float64Array.from(l.bias));
  const last = net.layers.length - 1;
  for (const { layer, neuron, factor } of scales) {
    if (layer < last) {
      const next = net.layers[layer + 1];
      for (let o = 0; o < next.outSize; o++) weights[layer + 1][o * next.inSize + neuron] *= factor;
    } else {
      const n = net.layers[last].inSize;
      for (let i = 0; i < n; i++) weights[last][neuron * n + i] *= factor;
      bias[last][neuron] *= factor;
    }
  }
  return { ...net, layers: net.layers.map((l, k) => ({ ...l, weights: weights[k], bias: bias[k] })) };
}
