/** The .prop language: the examples compile to the shared VNN-LIB queries; errors are reported with exact ranges. */
import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { checkDocument, type CompileHost } from '../../../src/core/property';
import { fileHost, polytopeFeasible } from '../../../src/core/property/fileHost';
import { initLp } from '../../../src/core/lp';
import { verify } from '../../../src/core/verify';
import type { Network } from '../../../src/core/network/network';
import { parseVnnlib } from '../../../src/core/property/vnnlib';
import { queryToProp } from '../../../src/core/property/toProp';
import { inRegion, violationMargin, type Query } from '../../../src/core/query/normalForm';
import { dataPath } from '../../helpers';
import { seeded } from '../../onnxBuilder';

const examples = join(__dirname, '..', '..', '..', 'examples');
const compileFile = (file: string) => checkDocument(readFileSync(file, 'utf8'), fileHost(file));

function assertSameRegion(a: Query, b: Query, tol: number, what: string): void {
  assert.equal(a.region.length, b.region.length, `${what}: number of boxes`);
  a.region.forEach((p, k) => {
    p.lower.forEach((l, i) => assert.ok(Math.abs(l - b.region[k].lower[i]) <= tol, `${what}: box ${k} input ${i} lower ${l} vs ${b.region[k].lower[i]}`));
    p.upper.forEach((u, i) => assert.ok(Math.abs(u - b.region[k].upper[i]) <= tol, `${what}: box ${k} input ${i} upper ${u} vs ${b.region[k].upper[i]}`));
  });
}

/** Same violation meaning: agree on random outputs and on outputs with ties, where <= and < would differ. */
function assertSameViolation(a: Query, b: Query, what: string): void {
  const m = a.violation[0][0].coeffs.length;
  const noise = seeded(m * 3000, m);
  for (let k = 0; k < 3000; k++) {
    const y = Array.from({ length: m }, (_, j) => (k % 3 === 0 ? Math.round(noise[k * m + j] * 2) / 2 : noise[k * m + j] * 10));
    assert.equal(violationMargin(a.violation, y) <= 1e-12, violationMargin(b.violation, y) <= 1e-12, `${what}: differs at outputs ${y}`);
  }
}

test('the ACAS Xu properties in physical units compile to the VNN-COMP boxes and violations', () => {
  const doc = compileFile(join(examples, 'acasxu', 'acasxu.prop'));
  assert.deepEqual(doc.diagnostics, []);
  assert.equal(doc.properties.length, 10);
  for (let k = 1; k <= 10; k++) {
    const ours = doc.properties.find((p) => p.name === `phi${k}`)!.query;
    const theirs = parseVnnlib(readFileSync(dataPath('acasxu', `prop_${k}.vnnlib`), 'utf8'));
    // The VNN-LIB files print 9 decimals of the same physical bounds.
    assertSameRegion(ours, theirs, 1e-8, `phi${k}`);
    assertSameViolation(ours, theirs, `phi${k}`);
  }
});

test('MNIST robustness for each digit of a data set compiles to the VNN-COMP L-inf boxes clipped to [0, 1]', () => {
  const doc = compileFile(join(examples, 'mnist', 'mnist.prop'));
  assert.deepEqual(doc.diagnostics, []);
  assert.deepEqual(doc.properties.map((p) => p.name), ['robust[0]', 'robust[1]', 'robust[2]', 'robust[3]', 'robust[4]', 'robust_wide']);
  for (const [k, eps, name] of [[0, '0.03', 'robust[0]'], [3, '0.03', 'robust[3]'], [0, '0.05', 'robust_wide']] as const) {
    const theirs = parseVnnlib(readFileSync(dataPath('mnist', `prop_${k}_${eps}.vnnlib`), 'utf8'));
    const ours = doc.properties.find((p) => p.name === name)!.query;
    // The shared CSV stores pixels with 6 decimals; the VNN-LIB boxes were written from the unrounded images.
    assertSameRegion(ours, theirs, 1e-6, name);
    assertSameViolation(ours, theirs, name);
  }
});

const noModel: CompileHost = { resolve: (p) => p };

test('every error of a broken file in one pass, each with its exact range', () => {
  const text = [
    'input a in [0, 10] normalize mean 5 range 10',   // 1
    'input v[0..3]',                                 // 2
    'output y, z',                                   // 3
    'property p1 {',                                 // 4
    '  where 3 <= a <= 1',                           // 5: inverted box
    '  require y <= q',                              // 6: unknown name
    '}',                                             // 7
    'property p2 {',                                 // 8
    '  where v <= 1, y >= 0',                        // 9: vector not indexed
    '  require argmax == 2',                         // 10
    '}',                                             // 11
    'property p3 {',                                 // 12
    '  where a >= 5000',                             // 13: unit slip (warning) and empty region
    '  require y <= 1 +',                            // 14: syntax
    '}',                                             // 15
  ].join('\n');
  const doc = checkDocument(text, noModel);
  const at = (line: number, code: string) => doc.diagnostics.find((d) => d.range.start.line === line - 1 && d.code === code);
  assert.ok(at(5, 'empty-region'), 'inverted box');
  const unknown = at(6, 'unknown-name');
  assert.ok(unknown);
  assert.match(unknown.message, /unknown name 'q'/);
  assert.deepEqual(unknown.range, { start: { line: 5, character: 15 }, end: { line: 5, character: 16 } });
  assert.match(at(9, 'dimension')!.message, /'v' is a vector of 4 values; name one element, e.g. v\[0\]/);
  assert.ok(at(13, 'unit-slip')?.severity === 'warning');
  assert.ok(at(15, 'syntax') ?? at(14, 'syntax'), 'syntax error');
  assert.ok(doc.diagnostics.every((d) => d.message.length > 0));
});

test('a model whose sizes differ from the declarations is an error on the declaration', () => {
  const host: CompileHost = { resolve: (p) => p, modelShape: () => ({ inputs: 5, outputs: 5 }) };
  const doc = checkDocument('model "net.onnx"\ninput x[0..3]\noutput y[0..4]\n', host);
  const d = doc.diagnostics.find((x) => x.code === 'dimension');
  assert.match(d!.message, /the model has 5 inputs but the file declares 4/);
  assert.equal(d!.range.start.line, 1);
  const missing = checkDocument('model "gone.onnx"\n', { resolve: (p) => p, modelShape: () => ({ error: 'gone.onnx: cannot read the model: no such file' }) });
  assert.match(missing.diagnostics[0].message, /no such file/);
});

test('VNN-LIB -> .prop -> normal form keeps the meaning (every ACAS Xu and fixture file, four MNIST files)', () => {
  const files = ['acasxu', 'mnist', 'vnncomp_test'].flatMap((d) => readdirSync(dataPath(d)).filter((f) => f.endsWith('.vnnlib')).slice(0, d === 'mnist' ? 4 : undefined).map((f) => dataPath(d, f)));
  for (const file of files) {
    const original = parseVnnlib(readFileSync(file, 'utf8'), file);
    const doc = checkDocument(queryToProp(original, file), noModel);
    assert.deepEqual(doc.diagnostics.filter((d) => d.severity === 'error'), [], file);
    const back = doc.properties[0].query;
    const n = original.region[0].lower.length;
    const noise = seeded(n * 300, n);
    for (let k = 0; k < 300; k++) {
      const p = original.region[k % original.region.length];
      const x = Array.from({ length: n }, (_, i) => p.lower[i] + (noise[k * n + i] * 0.6 + 0.5) * (p.upper[i] - p.lower[i]));
      assert.equal(inRegion(back.region, x, 1e-12), inRegion(original.region, x, 1e-12), `${file}: region differs`);
    }
    assertSameViolation(back, original, file);
  }
});

test('fuzz: thousands of mutations of the examples never throw, and every diagnostic has a range and a message', () => {
  const sources = [readFileSync(join(examples, 'acasxu', 'acasxu.prop'), 'utf8'), readFileSync(join(examples, 'mnist', 'mnist.prop'), 'utf8')];
  const alphabet = ['(', ')', '{', '}', '[', ']', ',', '<=', '==', 'and', 'or', 'not', 'argmin', 'in', '..', '-', '*', '/', '"', 'rho', 'x', '0', '1e9', '\n', ' ', 'property', 'where', 'require', 'within'];
  const random = seeded(3000 * 4, 42).map((v) => (v + 1) / 2);
  for (let k = 0; k < 3000; k++) {
    let text = sources[k % 2];
    for (let e = 0; e < 1 + (k % 4); e++) {
      const r = random[(k * 4 + e) % random.length];
      const pos = Math.floor(r * text.length);
      const op = Math.floor(r * 1000) % 3;
      const piece = alphabet[Math.floor(r * 7919) % alphabet.length];
      text = op === 0 ? text.slice(0, pos) + text.slice(pos + 1 + Math.floor(r * 20)) : op === 1 ? text.slice(0, pos) + piece + text.slice(pos) : text.slice(0, pos) + piece + text.slice(pos + piece.length);
    }
    const doc = checkDocument(text, { resolve: (p) => p, readData: () => [{ values: new Array(784).fill(0.5), label: 3 }] });
    for (const d of doc.diagnostics) {
      assert.ok(d.message.length > 0 && d.range.start.line >= 0 && d.range.end.line >= d.range.start.line, JSON.stringify(d));
    }
  }
});

test('an input region that linear constraints make empty is an error once the LP solver is loaded', async () => {
  await initLp();
  const text = 'input a in [0, 10]\ninput b in [0, 10]\noutput y\nproperty p {\n  where a + b <= 3, a + b >= 5\n  require y <= 1\n}\n';
  const withLp = checkDocument(text, { ...noModel, isFeasible: polytopeFeasible });
  assert.match(withLp.diagnostics.find((d) => d.code === 'empty-region')!.message, /the constraints contradict each other/);
  const satisfiable = checkDocument(text.replace('a + b >= 5', 'a + b >= 2'), { ...noModel, isFeasible: polytopeFeasible });
  assert.deepEqual(satisfiable.diagnostics.map((d) => d.code), ['no-model']);
});

test('an empty input region compiles to no region (never the whole domain) and is not verified', async () => {
  await initLp();
  const text = 'input a in [0, 10]\noutput y\nproperty p {\n  where a >= 8, a <= 2\n  require y <= 1\n}\n';
  const doc = checkDocument(text, noModel);
  assert.ok(doc.diagnostics.some((d) => d.code === 'empty-region' && d.severity === 'error'));
  assert.deepEqual(doc.properties[0].query.region, []);
  const net: Network = {
    inputName: 'x', inputShape: [1, 1], outputName: 'y', outputShape: [1, 1], notes: [],
    layers: [{ name: 'y', inSize: 1, outSize: 1, weights: Float64Array.of(1), bias: Float64Array.of(0), activation: { kind: 'identity' } }],
  };
  const result = await verify(net, doc.properties[0].query, { timeoutSec: 5 });
  assert.equal(result.status, 'unknown');
  assert.match(result.status === 'unknown' ? result.reason : '', /input region of 'p' is empty/);
});
