/**
 * Fuzzing the ONNX reader with mutations of the shared models: flipped bytes, truncations, and swapped or altered
 * fields (decoded, changed, encoded again). Every case must load or fail with an InputError that names the file;
 * nothing may crash, hang or allocate without bound. A loaded model must be a consistent, finite network.
 */
import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { onnx } from 'onnx-proto';
import { InputError } from '../../../src/core/errors';
import { loadOnnxModel } from '../../../src/core/onnx/import';
import { forwardModel } from '../../../src/core/network/forward';
import { asLayerSequence, isGraph, modelInputSize, type Model } from '../../../src/core/network/model';
import { sourceSize, toGraph } from '../../../src/core/network/graph';
import { acasNet, dataPath } from '../../helpers';

/** Deterministic generator (mulberry32). */
function rng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

type Mutation = { name: string; bytes: Uint8Array };

function flips(model: Uint8Array, count: number, random: () => number): Mutation[] {
  return Array.from({ length: count }, (_, k) => {
    const bytes = model.slice();
    // Mostly one byte; sometimes a burst. The header (graph structure) is hit as often as the weights.
    const hits = k % 4 === 0 ? 8 : 1;
    const structural = k % 2 === 0;
    for (let h = 0; h < hits; h++) {
      const at = structural ? Math.floor(random() * Math.min(bytes.length, 2048)) : Math.floor(random() * bytes.length);
      bytes[at] = k % 3 === 0 ? bytes[at] ^ (1 << Math.floor(random() * 8)) : Math.floor(random() * 256);
    }
    return { name: `flip ${k}`, bytes };
  });
}

function truncations(model: Uint8Array, count: number, random: () => number): Mutation[] {
  return Array.from({ length: count }, (_, k) => {
    const cut = k < 16 ? k : Math.floor(random() * model.length);
    return { name: `truncate at ${cut}`, bytes: model.subarray(0, cut) };
  });
}

/** Structural mutations: the model decoded, one field changed or two swapped, and encoded again. */
function fieldMutations(model: Uint8Array, count: number, random: () => number): Mutation[] {
  const pick = <T>(xs: readonly T[]): T => xs[Math.floor(random() * xs.length)];
  const edits: ((m: { graph: onnx.GraphProto } & onnx.ModelProto) => void)[] = [
    (m) => { const n = m.graph.node; const [i, j] = [Math.floor(random() * n.length), Math.floor(random() * n.length)]; [n[i], n[j]] = [n[j], n[i]]; },
    (m) => { const n = pick(m.graph.node); const o = pick(m.graph.node); [n.input, o.input] = [o.input, n.input]; },
    (m) => { const n = pick(m.graph.node); const o = pick(m.graph.node); [n.opType, o.opType] = [o.opType, n.opType]; },
    (m) => { const t = pick(m.graph.initializer); const u = pick(m.graph.initializer); [t.dims, u.dims] = [u.dims, t.dims]; },
    (m) => { const t = pick(m.graph.initializer); const u = pick(m.graph.initializer); [t.rawData, u.rawData] = [u.rawData, t.rawData]; },
    (m) => { const t = pick(m.graph.initializer); t.dims = (t.dims ?? []).map(() => pick([0, 1, 3, 4e9, -1, 2 ** 31])); },
    (m) => { const t = pick(m.graph.initializer); t.dataType = pick([0, 2, 3, 6, 7, 8, 10, 11, 16, 99]); },
    (m) => { m.graph.initializer.splice(Math.floor(random() * m.graph.initializer.length), 1); },
    (m) => { m.graph.node.splice(Math.floor(random() * m.graph.node.length), 1); },
    (m) => { const d = m.graph.input[0]?.type?.tensorType?.shape?.dim; if (d?.length) pick(d).dimValue = pick([0, -5, 4e9, 7, 2 ** 40]); },
    (m) => { const d = m.graph.output[0]?.type?.tensorType?.shape?.dim; if (d?.length) pick(d).dimValue = pick([0, 4e9, 7]); },
    (m) => { [m.graph.input, m.graph.output] = [m.graph.output, m.graph.input]; },
    (m) => { const n = pick(m.graph.node); n.output = [pick(m.graph.node).output?.[0] ?? 'x']; },
    (m) => { const n = pick(m.graph.node); n.attribute = [{ name: pick(['transB', 'alpha', 'axis', 'group', 'pads', 'strides']), type: 2, i: pick([0, 1, -1, 1e9]) }]; },
    (m) => { m.graph.input.push(onnx.ValueInfoProto.create({ name: 'extra' })); },
    (m) => { m.opsetImport = []; },
  ];
  return Array.from({ length: count }, (_, k) => {
    const m = onnx.ModelProto.decode(model) as { graph: onnx.GraphProto } & onnx.ModelProto;
    const edit = edits[k % edits.length];
    edit(m);
    if (k % 3 === 0) pick(edits)(m);
    return { name: `field edit ${k % edits.length} (case ${k})`, bytes: onnx.ModelProto.encode(m).finish() };
  });
}

/** A loaded network must be usable: consistent sizes, finite weights, finite outputs at a finite input. */
function assertConsistent(model: Model, name: string): void {
  const g = isGraph(model) ? model : toGraph(asLayerSequence(model, 'this helper'));
  assert.ok(g.nodes.length > 0, name);
  g.nodes.forEach((node, k) => {
    assert.equal(node.bias.length, node.outSize, `${name}: node ${k}`);
    for (const s of node.sources) {
      assert.ok(s.from < k, `${name}: node ${k} reads a later node`);
      if (s.weights) assert.equal(s.weights.length, node.outSize * sourceSize(g, s.from), `${name}: node ${k}`);
      else assert.equal(sourceSize(g, s.from), node.outSize, `${name}: node ${k}`);
      if (s.weights) assert.ok(s.weights.every(Number.isFinite), `${name}: node ${k}`);
    }
    assert.ok(node.bias.every(Number.isFinite), `${name}: node ${k}`);
  });
  const y = forwardModel(model, new Float64Array(modelInputSize(model)).fill(0.1), 1);
  assert.ok(y.every((v) => !Number.isNaN(v)), name);
}

/** Runs the cases; returns how many loaded and how many were refused. Each case is timed against a generous limit. */
function fuzz(file: string, cases: Mutation[]): { loaded: number; refused: number } {
  let loaded = 0;
  let refused = 0;
  for (const { name, bytes } of cases) {
    const started = performance.now();
    try {
      assertConsistent(loadOnnxModel(bytes, file), name);
      loaded++;
    } catch (err) {
      if (err instanceof assert.AssertionError) throw err;
      assert.ok(err instanceof InputError, `${name}: not an InputError: ${(err as Error)?.stack ?? String(err)}`);
      assert.equal(err.location.file, file, `${name}: the error does not name the file: ${err.describe()}`);
      refused++;
    }
    assert.ok(performance.now() - started < 10_000, `${name} took ${performance.now() - started} ms`);
  }
  return { loaded, refused };
}

test('fuzzing the ONNX reader on ACAS Xu: 600 mutated files load consistently or are refused with the file named', () => {
  const model = new Uint8Array(readFileSync(acasNet(1, 1)));
  const random = rng(11);
  const cases = [...flips(model, 300, random), ...truncations(model, 120, random), ...fieldMutations(model, 180, random)];
  const { loaded, refused } = fuzz('acas.onnx', cases);
  assert.equal(loaded + refused, 600);
  // Both outcomes occur: flipped weight bytes load, broken structure is refused.
  assert.ok(loaded > 30 && refused > 30, `${loaded} loaded, ${refused} refused`);
});

test('fuzzing the ONNX reader on MNIST 256x2: 48 mutated files', () => {
  const model = new Uint8Array(readFileSync(dataPath('mnist', 'mnist-net_256x2.onnx')));
  const random = rng(12);
  // Field edits cycle through all 16 kinds: 16 cases cover each once.
  const cases = [...flips(model, 16, random), ...truncations(model, 16, random), ...fieldMutations(model, 16, random)];
  const { loaded, refused } = fuzz('mnist.onnx', cases);
  assert.equal(loaded + refused, 48);
});
