/**
 * The analysed network is the graph ONNX Runtime runs, or a refusal: generated graphs with dead branches, nodes after
 * the output, extra outputs, a trailing Softmax and versions ONNX Runtime refuses.
 */
import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import { onnx } from 'onnx-proto';
import { loadOnnxModel } from '../../src/core/onnx/import';
import { checkAgainstOrt } from '../../src/core/onnx/checkAgainstOrt';
import { OrtModel } from '../../src/core/onnx/ort';
import { forwardModel } from '../../src/core/network/forward';
import { InputError } from '../../src/core/errors';
import { verify } from '../../src/core/verify';
import type { Query } from '../../src/core/query/normalForm';
import { buildModel, seeded, tensor, type NodeSpec } from '../onnxBuilder';

const initializers = [tensor('W1', [4, 3], seeded(12, 1)), tensor('b1', [4], seeded(4, 2)), tensor('W2', [2, 4], seeded(8, 3)), tensor('b2', [2], seeded(2, 4))];
const mlp: NodeSpec[] = [
  { op: 'Gemm', inputs: ['x', 'W1', 'b1'], output: 'a', attrs: { transB: 1 } },
  { op: 'Relu', inputs: ['a'], output: 'h' },
  { op: 'Gemm', inputs: ['h', 'W2', 'b2'], output: 'y', attrs: { transB: 1 } },
];
const build = (nodes: NodeSpec[], output = 'y', opset?: number): Uint8Array => buildModel({ input: ['x', [1, 3]], output: [output, [1, 2]], nodes, initializers, opset });

async function assertEqualsOrt(bytes: Uint8Array, what: string): Promise<void> {
  const model = loadOnnxModel(bytes, 'm.onnx');
  await checkAgainstOrt(bytes, model);
  const ort = await OrtModel.load(bytes, [1, 3]);
  const inputs = Array.from({ length: 6 }, (_, k) => Float64Array.from(Float32Array.from(seeded(3, 50 + k))));
  const expected = await ort.run(inputs);
  inputs.forEach((x, k) => forwardModel(model, x).forEach((v, i) => assert.ok(Math.abs(v - expected[k][i]) <= 1e-5 * Math.max(1, Math.abs(expected[k][i])), `${what}: input ${k} output ${i}: ${v} vs ${expected[k][i]}`)));
  await ort.release();
}

test('a dead branch (even of an operator we do not support) and nodes after the output are not part of the model', async () => {
  await assertEqualsOrt(build([
    { op: 'Elu', inputs: ['x'], output: 'dead' },
    { op: 'Gemm', inputs: ['dead', 'W1', 'b1'], output: 'dead2', attrs: { transB: 1 } },
    ...mlp,
    { op: 'Relu', inputs: ['y'], output: 'after' },
  ]), 'dead branch');
});

test('the output taken between a Gemm and a later Relu is the Gemm, as ONNX Runtime returns it', async () => {
  // The declared output is 'a' (before the Relu): only the first Gemm is the model.
  const bytes = buildModel({ input: ['x', [1, 3]], output: ['a', [1, 4]], nodes: mlp, initializers });
  const model = loadOnnxModel(bytes);
  assert.equal(forwardModel(model, Float64Array.of(0.1, 0.2, 0.3)).length, 4);
  await checkAgainstOrt(bytes, model);
});

test('a graph with two outputs is refused', () => {
  const model = onnx.ModelProto.decode(build(mlp));
  model.graph!.output!.push({ name: 'h', type: model.graph!.output![0].type });
  assert.throws(() => loadOnnxModel(onnx.ModelProto.encode(model).finish()), (err: unknown) => err instanceof InputError && /2 outputs/.test(err.message));
});

test('a trailing Softmax is recorded: order properties are verified on the logits (said in the result), others refused', async () => {
  const bytes = build([...mlp.slice(0, 2), { op: 'Gemm', inputs: ['h', 'W2', 'b2'], output: 'z', attrs: { transB: 1 } }, { op: 'Softmax', inputs: ['z'], output: 'y', attrs: { axis: -1 } }]);
  const model = loadOnnxModel(bytes);
  assert.equal(model.droppedSoftmax, 'softmax_3');
  // The check applies the Softmax before comparing with ONNX Runtime.
  await checkAgainstOrt(bytes, model);
  const region = [{ lower: Float64Array.of(-1, -1, -1), upper: Float64Array.of(1, 1, 1), rows: [] }];
  const order: Query = { name: 'order', region, violation: [[{ coeffs: Float64Array.of(1, -1), rhs: 0 }]] };
  const threshold: Query = { name: 'threshold', region, violation: [[{ coeffs: Float64Array.of(1, 0), rhs: 0.5 }]] };
  const ordered = await verify(model, order, { timeoutSec: 10 });
  assert.notEqual(ordered.status, 'unknown');
  assert.match(ordered.note ?? '', /before the final Softmax/);
  const refused = await verify(model, threshold, { timeoutSec: 10 });
  assert.equal(refused.status, 'unknown');
  assert.match(refused.status === 'unknown' ? refused.reason : '', /only order properties .* 'threshold' is not one/);
});

test('an opset ONNX Runtime refuses gets its reason, not a verdict', async () => {
  const bytes = build(mlp, 'y', 99);
  await assert.rejects(checkAgainstOrt(bytes, loadOnnxModel(bytes)), (err: unknown) => err instanceof InputError && /ONNX Runtime cannot load the model: .*NetMend analyses only models ONNX Runtime runs/s.test(err.message));
  const domain = onnx.ModelProto.decode(build(mlp));
  domain.graph!.node![1].domain = 'com.example.custom';
  const custom = onnx.ModelProto.encode(domain).finish();
  await assert.rejects(checkAgainstOrt(custom, loadOnnxModel(custom)), /ONNX Runtime cannot load the model/);
});

test('a model that differs from the file is refused', async () => {
  const bytes = build(mlp);
  const other = buildModel({ input: ['x', [1, 3]], output: ['y', [1, 2]], nodes: mlp, initializers: [...initializers.slice(0, 3), tensor('b2', [2], [5, 5])] });
  await assert.rejects(checkAgainstOrt(bytes, loadOnnxModel(other)), /computes .* where ONNX Runtime computes .*refuses/);
});
