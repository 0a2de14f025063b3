import { onnx } from 'onnx-proto';
import type { ActivationModule } from './types';
import { floatAttribute, kinkActivation } from './kink';

export const leakyReluActivation = (alpha: number): ActivationModule =>
  kinkActivation(alpha, (input, output, name) => onnx.NodeProto.create({ opType: 'LeakyRelu', input: [input], output: [output], name, attribute: [floatAttribute('alpha', alpha)] }));
