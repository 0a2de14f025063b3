/**
 * REASSURE on small networks where everything can be checked by hand: the paper's running example (section 3.1), its
 * support network, its patch LP against the region's vertices, stitching of adjacent regions, and the written model
 * under ONNX Runtime.
 */
import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import * as ort from 'onnxruntime-node';
import { initLp } from '../../../src/core/lp';
import type { Network } from '../../../src/core/network/network';
import { toGraph, type Graph } from '../../../src/core/network/graph';
import type { Model } from '../../../src/core/network/model';
import { forwardModel } from '../../../src/core/network/forward';
import { exportOnnx } from '../../../src/core/onnx/export';
import { loadOnnxModel } from '../../../src/core/onnx/import';
import { verify } from '../../../src/core/verify';
import { reassure } from '../../../src/core/repair/methods/reassure';
import { solveAffinePatch } from '../../../src/core/repair/methods/reassure/affinePatch';
import { activationPattern, linearizeAt, regionConstraints } from '../../../src/core/repair/methods/reassure/linearRegion';
import { boxPatchNetwork, stitchPatches } from '../../../src/core/repair/methods/reassure/patchNetwork';
import { partitionForRepair } from '../../../src/core/repair/methods/reassure/boxPartition';
import type { RepairTask } from '../../../src/core/repair/types';
import { readFileSync } from 'node:fs';
import { parseVnnlib } from '../../../src/core/property/vnnlib';
import { acasNet, atMostTwo, dataPath, loadNetwork, paperExample, unitSquare } from '../../helpers';

const example = paperExample;
const yAtMostTwo = atMostTwo;
const y = (g: Model, x: number[]) => forwardModel(g, Float64Array.from(x))[0];

function task(overrides: Partial<RepairTask>): RepairTask {
  return { model: example, repairSet: [], keepSet: [], domain: unitSquare, decision: 'argmax', options: {}, timeoutSec: 30, ...overrides };
}

/** Vertices of the 2-D polygon {x in box : rows x <= rhs}: every pair of boundary lines, kept where feasible. */
function vertices(rows: Float64Array, rhs: Float64Array, lower: Float64Array, upper: Float64Array): number[][] {
  const lines: [number, number, number][] = [];
  for (let k = 0; k < rhs.length; k++) lines.push([rows[2 * k], rows[2 * k + 1], rhs[k]]);
  lines.push([1, 0, upper[0]], [-1, 0, -lower[0]], [0, 1, upper[1]], [0, -1, -lower[1]]);
  const points: number[][] = [];
  for (let a = 0; a < lines.length; a++) {
    for (let b = a + 1; b < lines.length; b++) {
      const [p, q, r] = lines[a];
      const [s, t, u] = lines[b];
      const det = p * t - q * s;
      if (Math.abs(det) < 1e-12) continue;
      const x = [(r * t - q * u) / det, (p * u - r * s) / det];
      const known = points.some((p) => Math.hypot(p[0] - x[0], p[1] - x[1]) < 1e-9);
      if (!known && lines.every(([c, d, e]) => c * x[0] + d * x[1] <= e + 1e-9)) points.push(x);
    }
  }
  return points;
}

test('the patch LP puts every vertex of the buggy region into the safe set, with the minimal size (the paper\'s example)', async () => {
  await initLp();
  const g = toGraph(example);
  const lin = linearizeAt(g, [0.9, 0.9]);
  assert.ok(Math.abs(lin.output[0] - 2.6) < 1e-12, 'f(0.9, 0.9) = 2.6 as in the paper');
  const { constraints } = regionConstraints(g, lin, activationPattern(g, lin), unitSquare.lower, unitSquare.upper);
  const patch = solveAffinePatch({
    region: constraints, ...unitSquare, jacobian: lin.outJacobian, offset: lin.outOffset, outputs: 1,
    safe: { rows: Float64Array.of(1), rhs: Float64Array.of(2), count: 1 }, form: 'affine',
  }, 10);
  assert.ok(!('failure' in patch));
  // The summary's check: the optimum is H = 1 (the paper's printed patch misses the vertex (0.2, 0.4)).
  assert.ok(Math.abs(patch.size - 1) < 1e-6, `patch size ${patch.size}`);
  const corners = vertices(constraints.rows, constraints.rhs, unitSquare.lower, unitSquare.upper);
  assert.equal(corners.length, 4, JSON.stringify(corners));
  for (const v of corners) {
    const p = patch.c[0] * v[0] + patch.c[1] * v[1] + patch.d[0];
    assert.ok(y(example, v) + p <= 2 + 1e-7, `vertex ${v}: f + p = ${y(example, v) + p}`);
    assert.ok(Math.abs(p) <= patch.size + 1e-7);
  }
});

test('the support is 1 on the region and the patch vanishes 2 / gamma away from it', async () => {
  await initLp();
  const g = toGraph(example);
  const lin = linearizeAt(g, [0.9, 0.9]);
  const { constraints, pattern } = regionConstraints(g, lin, activationPattern(g, lin), unitSquare.lower, unitSquare.upper);
  const patch = { c: Float64Array.of(0, 0), d: Float64Array.of(-0.75), size: 0.75 };
  const gamma = 50;
  const patched = stitchPatches(g, [{ pattern, box: unitSquare, patch, gamma }], unitSquare.lower, unitSquare.upper);
  const support = patched.nodes.findIndex((n) => n.name === 'reassure0_support');
  const supportAt = (x: number[]) => {
    // The support's value is g = relu(1 + tau - gamma v) - relu(tau - gamma v): read both neurons off a forward pass.
    const sub: Graph = { ...patched, nodes: [...patched.nodes.slice(0, support + 1), { name: 'g', outSize: 1, sources: [{ from: support, weights: Float64Array.of(1, -1) }], bias: Float64Array.of(0), activation: { kind: 'identity' } }] };
    return forwardModel(sub, Float64Array.from(x))[0];
  };
  // Inside the region (both neurons active, x1 + 2 x2 >= 1 and 2 x1 >= x2): g = 1 and the output is f + p.
  for (const x of [[0.9, 0.9], [1, 0.3], [0.5, 1], [0.3, 0.35]]) {
    assert.equal(supportAt(x), 1, `g at ${x}`);
    assert.ok(Math.abs(y(patched, x) - (y(example, x) - 0.75)) < 1e-12);
  }
  // Outside by more than 2 / gamma in the violated neuron's pre-activation: g = 0 and the output is f's.
  for (const x of [[0.1, 0.2], [0.2, 0.8], [0.05, 0.05]]) {
    assert.equal(supportAt(x), 0, `g at ${x}`);
    assert.equal(y(patched, x), y(example, x));
  }
  assert.ok(constraints.count >= 2);
});

test('area repair of the paper\'s example by linear regions: proved by our verifier on the patched graph, and ONNX Runtime runs the written file', async () => {
  const outcome = await reassure.run(task({ query: yAtMostTwo, options: { area: 'region' } }));
  assert.equal((await verify(example, yAtMostTwo, { timeoutSec: 10 })).status, 'violated');
  assert.equal((await verify(outcome.model, yAtMostTwo, { timeoutSec: 30 })).status, 'holds', outcome.log.join('\n'));
  assert.ok(outcome.stats.regionsPatched >= 1);
  const bytes = exportOnnx(outcome.model);
  const reread = loadOnnxModel(bytes);
  const session = await ort.InferenceSession.create(bytes);
  for (let i = 0; i <= 10; i++) {
    for (let j = 0; j <= 10; j++) {
      const x = [i / 10, j / 10];
      const out = await session.run({ input: new ort.Tensor('float32', Float32Array.from(x), [1, 2]) });
      const runtime = (out.output.data as Float32Array)[0];
      assert.ok(Math.abs(runtime - y(outcome.model as Graph, x)) < 1e-4, `ONNX Runtime at ${x}`);
      assert.ok(Math.abs(y(reread, x) - y(outcome.model as Graph, x)) < 1e-5, `re-read model at ${x}`);
      assert.ok(runtime <= 2 + 1e-4, `the repaired output ${runtime} at ${x}`);
    }
  }
  await session.release();
});

test('stitched regions never correct twice: two adjacent buggy regions, each patched once, the spec holds across their shared edge', async () => {
  // y = relu(x1 - 0.5) * 8 + 2.5 exceeds 2 everywhere; its two linear regions meet at x1 = 0.5.
  const net: Network = {
    ...example,
    layers: [
      { inSize: 2, outSize: 1, weights: Float64Array.of(1, 0), bias: Float64Array.of(-0.5), activation: { kind: 'relu' }, name: 'hidden' },
      { inSize: 1, outSize: 1, weights: Float64Array.of(8), bias: Float64Array.of(2.5), activation: { kind: 'identity' }, name: 'output' },
    ],
  };
  const outcome = await reassure.run(task({ model: net, query: yAtMostTwo, options: { area: 'region' } }));
  assert.equal(outcome.stats.regionsPatched, 2, outcome.log.join('\n'));
  assert.equal((await verify(outcome.model, yAtMostTwo, { timeoutSec: 30 })).status, 'holds');
  // On the shared edge both supports are 1: a double correction would push y far below the minimal patch's value.
  for (const x2 of [0, 0.5, 1]) {
    const onEdge = y(outcome.model as Graph, [0.5, x2]);
    assert.ok(onEdge <= 2 + 1e-9 && onEdge > 1.5, `y(0.5, ${x2}) = ${onEdge}`);
  }
});

test('point-wise repair fixes each point and leaves points away from them unchanged', async () => {
  const points = [[0.9, 0.9], [0.95, 0.6]];
  const outcome = await reassure.run(task({ repairSet: points.map((p) => ({ input: Float64Array.from(p), violation: yAtMostTwo.violation })) }));
  for (const p of points) assert.ok(y(outcome.model as Graph, p) < 2, `y at ${p}`);
  for (const p of [[0.5, 0.5], [0.2, 0.9], [0.9, 0.2], [0.7, 0.7]]) assert.equal(y(outcome.model as Graph, p), y(example, p), `unchanged at ${p}`);
});

test('area repair by boxes: every box not proved safe gets a step along one direction that its bounds prove enough, and the verifier proves the patched graph', async () => {
  await initLp();
  const boxes = [{ lower: unitSquare.lower, upper: unitSquare.upper }];
  const partition = partitionForRepair(example, boxes, yAtMostTwo.violation, { margin: 1e-3, maxBoxes: 16, tightness: 1.5, maxDepth: 10, deadline: Date.now() + 10_000 });
  assert.ok(!('failure' in partition));
  // One output: the direction lowers y; the boxes' steps cover the worst output in each (f's maximum 3 at (1, 1)).
  assert.ok(partition.direction[0] < 0);
  assert.ok(partition.patched.length >= 1 && partition.patched.length + partition.safeLeaves <= 16);
  const corner = partition.patched.find((p) => p.box.upper[0] === 1 && p.box.upper[1] === 1)!;
  assert.ok(3 + corner.delta * partition.direction[0] <= 2 - 1e-3 + 1e-9, `step ${corner.delta} at the corner box`);
  // The leaves cover the square: a random point lies in a patched box or in a box proved safe.
  const patched = boxPatchNetwork(toGraph(example), partition.patched, partition.direction, 1e4);
  for (let i = 0; i <= 20; i++) for (let j = 0; j <= 20; j++) assert.ok(y(patched, [i / 20, j / 20]) <= 2, `y at (${i / 20}, ${j / 20})`);
  const outcome = await reassure.run(task({ query: yAtMostTwo, options: { area: 'box', maxBoxes: 16 } }));
  assert.ok(outcome.stats.boxesPatched >= 1, outcome.log.join('\n'));
  assert.equal((await verify(loadOnnxModel(exportOnnx(outcome.model)), yAtMostTwo, { timeoutSec: 30 })).status, 'holds', outcome.log.join('\n'));
  // Splitting keeps the large steps where the original violates: where it is well inside (y <= 1.5), at most the margin.
  for (let i = 0; i <= 20; i++) {
    for (let j = 0; j <= 20; j++) {
      const x = [i / 20, j / 20];
      if (y(example, x) <= 1.5) assert.ok(y(example, x) - y(outcome.model as Graph, x) <= 2e-3, `change at ${x}`);
    }
  }
});

test('box supports: the step is at least each box\'s delta on its box and 0 beyond (1 + tau) / gamma of every box', () => {
  const single: Network = { ...example, layers: [{ inSize: 2, outSize: 1, weights: Float64Array.of(0, 0), bias: Float64Array.of(0), activation: { kind: 'identity' }, name: 'zero' }] };
  const boxes = [
    { box: { lower: Float64Array.of(0, 0), upper: Float64Array.of(0.5, 0.5) }, delta: 1 },
    { box: { lower: Float64Array.of(0.5, 0), upper: Float64Array.of(1, 0.5) }, delta: 3 },
  ];
  const g = boxPatchNetwork(toGraph(single), boxes, Float64Array.of(1), 100);
  for (const [x, least] of [[[0.25, 0.25], 1], [[0.5, 0.25], 3], [[0.75, 0.5], 3], [[0, 0], 1]] as const) {
    const step = y(g, [...x]);
    assert.ok(step >= least && step <= 1.05 * (least + 3), `step ${step} at ${x}`);
  }
  for (const x of [[0.25, 0.52], [1.02, 0.25], [0.5, 0.6]]) assert.equal(y(g, x), 0, `no step at ${x}`);
});

test('feature-space repair: the patch reads the hidden layer, fixes the point, keeps the first layer and says it is not local in the input', async () => {
  const outcome = await reassure.run(task({ options: { layer: 1 }, repairSet: [{ input: Float64Array.of(0.9, 0.9), violation: yAtMostTwo.violation }] }));
  const g = outcome.model as Graph;
  assert.ok(y(g, [0.9, 0.9]) < 2, outcome.log.join('\n'));
  assert.equal(g.nodes[0].sources[0].weights, example.layers[0].weights, 'the first layer is the original\'s');
  assert.ok(g.nodes.slice(1).every((n) => n.sources.every((s) => s.from !== -1)), 'nothing after the feature layer reads the input');
  assert.match(outcome.caveat ?? '', /not in the input space/);
  assert.equal(outcome.stats.featureLayer, 1);
  // Far from the point (another linear region of the features), the output is unchanged.
  assert.equal(y(g, [0.2, 0.9]), y(example, [0.2, 0.9]));
  await assert.rejects(reassure.run(task({ options: { layer: 1 }, query: yAtMostTwo })), /point-wise/);
  await assert.rejects(reassure.run(task({ options: { layer: 2 }, repairSet: [] })), /layer must be/);
});

test('ACAS Xu area repair by boxes: N2,1 violates property 2 almost everywhere in its box; the patched model, written and re-read, is proved', async () => {
  const net = loadNetwork(acasNet(2, 1));
  const query = parseVnnlib(readFileSync(dataPath('acasxu', 'prop_2.vnnlib'), 'utf8'), 'prop_2.vnnlib');
  const domain = { lower: Float64Array.of(-0.3284228772, -0.5, -0.5, -0.5, -0.5), upper: Float64Array.of(0.6798577687, 0.5, 0.5, 0.5, 0.5) };
  const outcome = await reassure.run({ model: net, query, repairSet: [], keepSet: [], domain, decision: 'argmin', options: { maxBoxes: 32 }, timeoutSec: 600 });
  assert.ok(outcome.stats.boxesPatched >= 1, outcome.log.join('\n'));
  const reread = loadOnnxModel(exportOnnx(outcome.model));
  assert.equal((await verify(reread, query, { timeoutSec: 600 })).status, 'holds', outcome.log.join('\n'));
  // Outside the property's box (rho below it) the decision surface is the original's.
  for (const x of [[-0.3, 0, 0, 0, 0], [0, 0.4, -0.2, 0.1, -0.4]]) assert.deepEqual(forwardModel(reread, Float64Array.from(x)), forwardModel(net, Float64Array.from(x)));
});
