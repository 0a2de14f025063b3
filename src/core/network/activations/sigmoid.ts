import { sShapedActivation } from './sShaped';

export const sigmoidActivation = sShapedActivation((z) => 1 / (1 + Math.exp(-z)), (s) => s * (1 - s), 0.25, 'Sigmoid');
