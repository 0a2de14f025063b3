/** The module of each activation (types.ts): one place per activation instead of a switch over its kind in every file. */
import type { Activation } from '../network';
import type { ActivationModule } from './types';
import { identityActivation } from './identity';
import { reluActivation } from './relu';
import { leakyReluActivation } from './leakyRelu';
import { sigmoidActivation } from './sigmoid';
import { tanhActivation } from './tanh';

export type { ActivationModule, Relaxation } from './types';

const leaky = new Map<number, ActivationModule>();

export function activationOf(a: Activation): ActivationModule {
  switch (a.kind) {
    case 'identity': return identityActivation;
    case 'relu': return reluActivation;
    case 'sigmoid': return sigmoidActivation;
    case 'tanh': return tanhActivation;
    case 'leakyRelu': {
      let m = leaky.get(a.alpha);
      if (!m) leaky.set(a.alpha, (m = leakyReluActivation(a.alpha)));
      return m;
    }
  }
}
