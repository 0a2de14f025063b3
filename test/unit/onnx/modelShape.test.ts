import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import { loadModelFile, readModelShape } from '../../../src/core/onnx/loadModelFile';
import { modelInputSize, modelOutputSize } from '../../../src/core/network/model';
import { acasNet, dataPath } from '../../helpers';

test('declared shapes (read without lowering the graph) equal the imported model\'s sizes', () => {
  for (const file of [acasNet(1, 1), dataPath('mnist', 'mnist-net_256x2.onnx'), dataPath('vnncomp_test', 'test_small.onnx'), dataPath('nnet', 'TestNetwork2.nnet')]) {
    const model = loadModelFile(file);
    assert.deepEqual(readModelShape(file), { inputs: modelInputSize(model), outputs: modelOutputSize(model) }, file);
  }
});
