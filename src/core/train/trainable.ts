/**
 * What the training core trains: a plain Network (its layer kernels, or ONNX Runtime's backward graph) or a Graph
 * (skip connections, branches; `GraphBackprop`). These three calls are all a training loop needs to tell them apart.
 */
import { isGraph, type Model } from '../network/model';
import type { Graph } from '../network/graph';
import type { Network } from '../network/network';
import { Backprop, type GradientPass } from './backprop';
import { GraphBackprop } from './graphBackprop';
import { graphParametersOf, graphWith } from './graphParameters';
import { networkWith, parametersOf, type Parameters, type Precision } from './parameters';

export type Trainable = Network | Graph;

export const isTrainable = (m: Model): m is Trainable => isGraph(m) || !('kind' in m);

export function trainableParameters(model: Trainable, precision: Precision): Parameters {
  return isGraph(model) ? graphParametersOf(model, precision) : parametersOf(model, precision);
}

/** A new model of the same form with these parameters. */
export function trainedModel<T extends Trainable>(model: T, params: Parameters): T {
  return (isGraph(model) ? graphWith(model, params) : networkWith(model as Network, params)) as T;
}

export function gradientPass(model: Trainable, precision: Precision, maxBatch: number): GradientPass {
  return isGraph(model) ? new GraphBackprop(model, precision, maxBatch) : new Backprop(model, precision, maxBatch);
}
