/** Models we cannot analyse, and broken files, get an InputError that says what and where; nothing else escapes. */
import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { loadOnnxModel } from '../../../src/core/onnx/import';
import { loadModelFile } from '../../../src/core/onnx/loadModelFile';
import { InputError } from '../../../src/core/errors';
import { acasNet, dataPath } from '../../helpers';
import { buildModel, seeded, tensor } from '../../onnxBuilder';

const acas = readFileSync(acasNet(1, 1));

function assertInputError(fn: () => unknown, pattern: RegExp, node?: string): InputError {
  try {
    fn();
  } catch (err) {
    assert.ok(err instanceof InputError, `expected an InputError, got ${String(err)}`);
    assert.match(err.describe(), pattern);
    if (node) assert.equal(err.location.node, node);
    return err;
  }
  assert.fail('expected an InputError');
}

test('an unsupported operator names the operator, the node and the supported set', () => {
  const bytes = buildModel({
    input: ['x', [1, 4]], output: ['y', [1, 4]],
    nodes: [{ op: 'Gemm', inputs: ['x', 'W'], output: 'g', attrs: { transB: 1 } }, { op: 'Elu', inputs: ['g'], output: 'y' }],
    initializers: [tensor('W', [4, 4], seeded(16, 1))],
  });
  const err = assertInputError(() => loadOnnxModel(bytes, 'model.onnx'), /model\.onnx \(node 'elu_1'\): operator Elu is not supported; supported operators: .*Relu/, 'elu_1');
  assert.equal(err.location.file, 'model.onnx');
});

test('truncated files and random bytes are reported as unreadable, at every cut of a real model', () => {
  for (const cut of [1, 10, 100, 1000, acas.length - 100, acas.length - 1]) {
    assertInputError(() => loadOnnxModel(acas.subarray(0, cut), 'cut.onnx'), /cut\.onnx: .*(truncated|corrupt|shape|no graph|reads|values)/);
  }
  const noise = Uint8Array.from(seeded(5000, 3), (v) => Math.floor((v + 1) * 127));
  assertInputError(() => loadOnnxModel(noise, 'noise.onnx'), /noise\.onnx/);
});

test('NaN or infinite weights are rejected with the tensor and position', () => {
  const weights = seeded(8, 2);
  weights[5] = NaN;
  const bytes = buildModel({
    input: ['x', [1, 4]], output: ['y', [1, 2]],
    nodes: [{ op: 'Gemm', inputs: ['x', 'W'], output: 'y', attrs: { transB: 1 } }],
    initializers: [tensor('W', [2, 4], weights)],
  });
  assertInputError(() => loadOnnxModel(bytes), /initializer 'W' holds NaN at index 5/);
});

test('shape mismatches and non-linear products are explained', () => {
  const mismatch = buildModel({
    input: ['x', [1, 4]], output: ['y', [1, 2]],
    nodes: [{ op: 'MatMul', inputs: ['x', 'W'], output: 'y' }],
    initializers: [tensor('W', [3, 2], seeded(6, 4))],
  });
  assertInputError(() => loadOnnxModel(mismatch), /inner dimensions differ: \[1, 4\] x \[3, 2\]/, 'matmul_0');
  const square = buildModel({
    input: ['x', [1, 4]], output: ['y', [1, 4]],
    nodes: [{ op: 'Mul', inputs: ['x', 'x'], output: 'y' }],
  });
  assertInputError(() => loadOnnxModel(square), /not linear/, 'mul_0');
});

test('a missing file and an unknown format are InputErrors with the path', () => {
  assertInputError(() => loadModelFile('/nonexistent/model.onnx'), /\/nonexistent\/model\.onnx: cannot read the model: no such file/);
  assertInputError(() => loadModelFile(dataPath('acasxu', 'prop_1.vnnlib')), /unknown model format '\.vnnlib'/);
});
