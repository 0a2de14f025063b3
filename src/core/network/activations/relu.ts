import { onnx } from 'onnx-proto';
import { kinkActivation } from './kink';

export const reluActivation = kinkActivation(0, (input, output, name) => onnx.NodeProto.create({ opType: 'Relu', input: [input], output: [output], name }));
