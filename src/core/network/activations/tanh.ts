import { sShapedActivation } from './sShaped';

export const tanhActivation = sShapedActivation(Math.tanh, (t) => 1 - t * t, 1, 'Tanh');
