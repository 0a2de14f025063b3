import { setRelaxation, type ActivationModule } from './types';

export const identityActivation: ActivationModule = {
  apply: () => undefined,
  value: (z) => z,
  derivative: () => 1,
  derivativeRange: () => [1, 1],
  relax: (_l, _u, r) => setRelaxation(r, 1, 0, 1, 0),
  onnxNode: () => undefined,
};
