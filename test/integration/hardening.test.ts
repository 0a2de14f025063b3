/**
 * Hostile and careless input (issue 11): one test per class. Each builds its hostile files here and asserts the exact
 * outcome (the right verdict, or exit 2 with a located message) within a generous time limit. Commands run in this
 * process (`main`), not as child processes, to keep the suite cheap.
 */
import { after, test } from 'node:test';
import * as assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, symlinkSync, truncateSync, writeFileSync } from 'node:fs';
import { availableParallelism, tmpdir } from 'node:os';
import { join } from 'node:path';
import { main } from '../../src/cli/main';
import { threadsFlag } from '../../src/cli/args';
import { InputError } from '../../src/core/errors';
import { checkDocument } from '../../src/core/property';
import { fileHost } from '../../src/core/property/fileHost';
import { parseVnnlib } from '../../src/core/property/vnnlib';
import { loadModelFile } from '../../src/core/onnx/loadModelFile';
import { loadOnnxModel } from '../../src/core/onnx/import';
import { loadNnet } from '../../src/core/nnet/import';
import { verify } from '../../src/core/verify';
import type { Query } from '../../src/core/query/normalForm';
import { dataPath } from '../helpers';
import { buildModel, seeded, tensor } from '../onnxBuilder';

const tmp = mkdtempSync(join(tmpdir(), 'netmend-hardening-'));
after(() => rmSync(tmp, { recursive: true, force: true }));
const LIMIT = { timeout: 60_000 };

/** Runs `netmend ...` in this process: the exit code and what it printed. */
async function cli(...args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  const out: string[] = [];
  const err: string[] = [];
  const saved = { log: console.log, error: console.error };
  console.log = (...a: unknown[]) => { out.push(a.join(' ')); };
  console.error = (...a: unknown[]) => { err.push(a.map(String).join(' ')); };
  try {
    const code = await main(args);
    return { code, stdout: out.join('\n'), stderr: err.join('\n') };
  } finally {
    Object.assign(console, saved);
  }
}

function write(name: string, content: string | Uint8Array): string {
  const path = join(tmp, name);
  writeFileSync(path, content);
  return path;
}

function throwsInputError(fn: () => unknown, pattern: RegExp): InputError {
  try {
    fn();
  } catch (err) {
    assert.ok(err instanceof InputError, `expected an InputError, got ${(err as Error)?.stack ?? String(err)}`);
    assert.match(err.describe(), pattern);
    return err;
  }
  assert.fail(`expected an InputError matching ${pattern}`);
}

/** The error diagnostics of a .prop text as "line:column message". */
function propErrors(text: string, file = join(tmp, 'p.prop')): string[] {
  return checkDocument(text, fileHost(file, { loadModels: false })).diagnostics
    .filter((d) => d.severity === 'error').map((d) => `${d.range.start.line + 1}:${d.range.start.character + 1} ${d.message}`);
}

const vnnlibHead = (inputs: number, outputs: number): string =>
  [...Array.from({ length: inputs }, (_, i) => `(declare-const X_${i} Real)`), ...Array.from({ length: outputs }, (_, i) => `(declare-const Y_${i} Real)`)].join('\n');

const boxAsserts = (inputs: number, lo: number, hi: number): string =>
  Array.from({ length: inputs }, (_, i) => `(assert (>= X_${i} ${lo}))\n(assert (<= X_${i} ${hi}))`).join('\n');

/** One affine layer y = W x + b with W m x n (seeded) and b = [0.1, -0.2, 0, ...]; its exact maximum of y_0 on [-1, 1]^n. */
function affineModel(n: number, m = 2): { bytes: Uint8Array; maxY0: number } {
  const w = seeded(m * n, 7);
  const bytes = buildModel({
    input: ['x', [1, n]], output: ['y', [1, m]],
    nodes: [{ op: 'Gemm', inputs: ['x', 'W', 'b'], output: 'y', attrs: { transB: 1 } }],
    initializers: [tensor('W', [m, n], w), tensor('b', [m], [0.1, -0.2, ...Array<number>(m - 2).fill(0)])],
  });
  // The file stores float32 weights: the maximum is computed from what it stores.
  const stored = Float32Array.from(w);
  return { bytes, maxY0: stored.slice(0, n).reduce((s, v) => s + Math.abs(v), 0) + Math.fround(0.1) };
}

const y0AtLeast = (n: number, m: number, t: number): Query => ({
  name: 'y0',
  region: [{ lower: new Float64Array(n).fill(-1), upper: new Float64Array(n).fill(1), rows: [] }],
  violation: [[{ coeffs: Float64Array.from({ length: m }, (_, i) => (i === 0 ? -1 : 0)), rhs: -t }]],
});

test('a network without a hidden activation is verified: holds above its exact maximum, violated below', LIMIT, async () => {
  // Narrow outputs (3 -> 2, 100 -> 2) and wide ones (2 -> 6).
  for (const [n, m] of [[3, 2], [100, 2], [2, 6]]) {
    const { bytes, maxY0 } = affineModel(n, m);
    const net = loadOnnxModel(bytes, 'affine.onnx');
    assert.ok('layers' in net && net.layers.length === 1);
    assert.equal((await verify(net, y0AtLeast(n, m, maxY0 + 1e-3), { timeoutSec: 20 })).status, 'holds', `${n} -> ${m}`);
    const below = await verify(net, y0AtLeast(n, m, maxY0 - 1e-3), { timeoutSec: 20 });
    assert.equal(below.status, 'violated', `${n} -> ${m}`);
  }
  // The CLI end to end: a .nnet of one layer (affine), cross-checked by ONNX Runtime on its export.
  const model = write('affine.nnet', ['1,2,1,', '2,1,', '0,', '-1,-1,', '1,1,', '0,0,0,', '1,1,1,', '2,-3,', '0.5,'].join('\n'));
  const holds = await cli('verify', model, write('affine-holds.vnnlib', `${vnnlibHead(2, 1)}\n${boxAsserts(2, -1, 1)}\n(assert (>= Y_0 5.6))`), '--timeout', '20');
  assert.equal(holds.code, 0, holds.stderr);
  assert.match(holds.stdout, /affine-holds: holds/);
  const violated = await cli('verify', model, write('affine-violated.vnnlib', `${vnnlibHead(2, 1)}\n${boxAsserts(2, -1, 1)}\n(assert (>= Y_0 5.4))`), '--timeout', '20');
  assert.equal(violated.code, 1, violated.stderr);
  assert.match(violated.stdout, /affine-violated: violated .*input \[1, -1\] gives \[5\.5\]/);
});

test('non-finite constants are refused where they are written, in .prop and VNN-LIB files', LIMIT, () => {
  const prop = (where: string, normalize = '') => `input x in [0, 1] ${normalize}\noutput y\nproperty p { where ${where} require y <= 1 }\n`;
  assert.deepEqual(propErrors(prop('x <= 1e999')), ['3:25 this number is infinite in float64 arithmetic (a constant too large, or a division by a tiny one)']);
  assert.deepEqual(propErrors(prop('x <= 1e999 - 1e999')), ['3:25 this number is infinite in float64 arithmetic (a constant too large, or a division by a tiny one)']);
  assert.deepEqual(propErrors(prop('x <= 1e308 * 10')), ['3:25 this expression is infinite in float64 arithmetic (a constant too large, or a division by a tiny one)']);
  assert.deepEqual(propErrors(prop('x <= 1', 'normalize mean 0 range 1e999')), ['1:42 this number is infinite in float64 arithmetic (a constant too large, or a division by a tiny one)']);
  const vnnlib = (term: string) => `${vnnlibHead(1, 1)}\n(assert (<= X_0 1))\n(assert (>= X_0 ${term}))\n(assert (>= Y_0 0))`;
  throwsInputError(() => parseVnnlib(vnnlib('1e999'), 'f.vnnlib'), /^f\.vnnlib:4:17: 1e999 is too large for a float64 number$/);
  throwsInputError(() => parseVnnlib(vnnlib('(* 1e308 10)'), 'f.vnnlib'), /^f\.vnnlib:4:17: this term overflows float64/);
  throwsInputError(() => parseVnnlib(vnnlib('(- 1e308 (- 0 1e308))'), 'f.vnnlib'), /^f\.vnnlib:4:17: this term overflows float64/);
});

test('deep nesting is refused at the level past the limit; long flat sums and large data sets compile', LIMIT, () => {
  const deep = `${vnnlibHead(1, 1)}\n(assert ${'(or (and '.repeat(1000)}(<= X_0 1)${'))'.repeat(1000)})`;
  throwsInputError(() => parseVnnlib(deep, 'deep.vnnlib'), /^deep\.vnnlib:3:\d+: the expression is nested more than 256 levels deep$/);
  throwsInputError(() => parseVnnlib('('.repeat(1 << 20), 'open.vnnlib'), /^open\.vnnlib:1:257: the expression is nested more than 256 levels deep$/);
  const head = 'input x in [0, 1]\noutput y\n';
  assert.deepEqual(propErrors(`${head}property p { where ${'('.repeat(10_000)}x <= 1${')'.repeat(10_000)} require y <= 1 }`), ['3:275 nested more than 256 levels deep (parentheses, not, unary minus)']);
  assert.deepEqual(propErrors(`${head}property p { where x <= 1 require ${'not '.repeat(20_000)}y <= 1 }`), ['3:1059 nested more than 256 levels deep (parentheses, not, unary minus)']);
  // The editor hands over whatever text is open: a megabyte of '(' is read up to the token limit only.
  assert.deepEqual(propErrors('('.repeat(300_000)), [
    "1:1 expected a declaration (model, input, output, const, data, property), found '('",
    '1:200001 the file has more than 200000 tokens; the rest is not checked',
  ]);
  // A sum of 10,000 terms is legal: y + ... + y <= 10000 is the bound y <= 1, whose violation is y >= 1.
  const sum = checkDocument(`${head}property p { where x <= 1 require ${Array(10_000).fill('y').join(' + ')} <= 10000 }`, { resolve: (p) => p });
  assert.deepEqual(sum.diagnostics.filter((d) => d.severity === 'error'), []);
  assert.deepEqual(sum.properties[0].query.violation.map((c) => c.map((r) => [Array.from(r.coeffs), r.rhs])), [[[[-1], -1]]]);
  // A for each over 130,000 points: one property each, no stack overflow.
  write('points.csv', ['a,label', ...Array.from({ length: 130_000 }, (_, k) => `${(k % 100) / 100},0`)].join('\n'));
  const file = join(tmp, 'many.prop');
  const many = checkDocument('input x in [0, 1]\noutput y[0..1]\ndata d = "points.csv"\nproperty p for each q in d { where x within 0.01 of q require argmax == q.label }\n', fileHost(file, { loadModels: false }));
  assert.deepEqual(many.diagnostics.filter((d) => d.severity === 'error'), []);
  assert.equal(many.properties.length, 130_000);
  assert.equal(many.properties[129_999].name, 'p[129999]');
});

test('huge declarations are refused; many names and bounds are checked in linear time', LIMIT, () => {
  assert.deepEqual(propErrors('input x[0..1000000000] in [0, 1]\noutput y\n'), ['1:7 x[0..1000000000] makes more than 1048576 inputs, more than NetMend analyses']);
  throwsInputError(() => parseVnnlib('(declare-const X_4000000000 Real)\n(declare-const Y_0 Real)', 'wide.vnnlib'), /^wide\.vnnlib:1:1: X_4000000000: NetMend analyses at most 1048576 inputs and outputs$/);
  const n = 20_000;
  const names = Array.from({ length: n }, (_, i) => `a${i}`);
  const doc = checkDocument(`input ${names.join(', ')} in [0, 1]\noutput y\nproperty p { where ${names.map((a) => `${a} <= 0.5`).join(', ')} require y <= 1 }\n`, { resolve: (p) => p });
  assert.deepEqual(doc.diagnostics.filter((d) => d.severity === 'error'), []);
  const [region] = doc.properties[0].query.region;
  assert.equal(region.upper.length, n);
  assert.ok(region.upper.every((u) => u === 0.5));
});

test('output paths are checked before any work: a folder as the result file, a missing output folder (exit 2)', LIMIT, async () => {
  const { bytes } = affineModel(3);
  const model = write('out.onnx', bytes);
  const spec = write('out.vnnlib', `${vnnlibHead(3, 2)}\n${boxAsserts(3, -1, 1)}\n(assert (>= Y_0 100))`);
  const folder = join(tmp, 'result-folder');
  mkdirSync(folder);
  const run = await cli('vnncomp', model, spec, folder, '60');
  assert.equal(run.code, 2);
  assert.equal(run.stderr, `netmend vnncomp: ${folder}: cannot write the result file: it is a folder`);
  assert.equal(run.stdout, '');
  const missing = join(tmp, 'no-such-folder', 'out.prop');
  const convert = await cli('convert', spec, '--to', 'prop', '-o', missing);
  assert.equal(convert.code, 2);
  assert.equal(convert.stderr, `netmend convert: ${missing}: cannot write the output: the folder ${join(tmp, 'no-such-folder')} does not exist`);
});

test('models too large to allocate are refused with what is too big, before allocating', LIMIT, () => {
  const huge = buildModel({
    input: ['x', [1, 4e9]], output: ['y', [1, 2]],
    nodes: [{ op: 'Relu', inputs: ['x'], output: 'y' }],
  });
  throwsInputError(() => loadOnnxModel(huge, 'huge.onnx'), /^huge\.onnx: the input 'x' is declared with shape \[1, 4000000000\], 4000000000 values; NetMend analyses inputs of at most 67108864 values$/);
  const conv = buildModel({
    input: ['x', [1, 3, 224, 224]], output: ['y', [1, 64, 224, 224]],
    nodes: [{ op: 'Conv', inputs: ['x', 'W'], output: 'y', attrs: { pads: [1, 1, 1, 1] } }],
    initializers: [tensor('W', [64, 3, 3, 3], seeded(64 * 27, 2))],
  });
  throwsInputError(() => loadOnnxModel(conv, 'conv.onnx'), /^conv\.onnx \(node 'conv_0'\): Conv: on input \[1, 3, 224, 224\] it lowers to a dense 3211264 x 150528 matrix \(4\.83e\+11 values\); NetMend handles at most 67108864 values \(512 MB\) per layer$/);
  throwsInputError(() => loadNnet('2,100000,100000,\n100000,100000,100000,\n0,\n', 'wide.nnet'), /^wide\.nnet:2: layer 1 is 100000 x 100000 \(1\.00e\+10 weights\); NetMend handles at most 67108864 per layer$/);
  throwsInputError(() => loadNnet('0,5,5,\n5,\n', 'empty.nnet'), /^empty\.nnet:1: the header declares 0 layers; a network has at least 1$/);
  throwsInputError(() => loadNnet('1,3,3,\n3,3,\n0,\n0,0,0,\n1,1,1,\n0,0,0,0,\n1,1,1,1,\n1,0,0,\n', 'short.nnet'), /^short\.nnet:9: the file ends before layer 1 weights$/);
});

test('devices, pipes and symlinks to them are refused without reading; a non-model path is not read', LIMIT, async () => {
  const fifo = join(tmp, 'pipe.onnx');
  execFileSync('mkfifo', [fifo]);
  throwsInputError(() => loadModelFile(fifo), /pipe\.onnx: cannot read the model: it is a pipe \(FIFO\); NetMend reads regular files only$/);
  const zero = join(tmp, 'zero.onnx');
  symlinkSync('/dev/zero', zero);
  throwsInputError(() => loadModelFile(zero), /zero\.onnx: cannot read the model: it is a device; NetMend reads regular files only$/);
  const random = join(tmp, 'random.nnet');
  symlinkSync('/dev/urandom', random);
  throwsInputError(() => loadModelFile(random), /random\.nnet: cannot read the model: it is a device/);
  throwsInputError(() => loadModelFile('/dev/zero'), /^\/dev\/zero: unknown model format ''; NetMend reads \.onnx and \.nnet files$/);
  // A 64 MB file of zeros named .onnx is refused from its first byte.
  const zeros = join(tmp, 'zeros.onnx');
  writeFileSync(zeros, '');
  truncateSync(zeros, 64 << 20);
  throwsInputError(() => loadModelFile(zeros), /zeros\.onnx: not an ONNX file/);
  const specFifo = join(tmp, 'pipe.vnnlib');
  execFileSync('mkfifo', [specFifo]);
  const run = await cli('verify', write('m.onnx', affineModel(3).bytes), specFifo);
  assert.equal(run.code, 2);
  assert.match(run.stderr, /pipe\.vnnlib: cannot read the property file: it is a pipe \(FIFO\)/);
  // A data set that is a pipe: a located diagnostic, no hang.
  const dataFifo = join(tmp, 'points.fifo.csv');
  execFileSync('mkfifo', [dataFifo]);
  assert.deepEqual(propErrors('input x in [0, 1]\noutput y\ndata d = "points.fifo.csv"\n'), [`3:1 ${dataFifo}: cannot read the data file: it is a pipe (FIFO); NetMend reads regular files only`]);
});

test('VNN-LIB asserts that expand past the clause or row limits are refused with their count, before expanding', LIMIT, () => {
  for (const k of [16, 20]) {
    const asserts = Array.from({ length: k }, (_, i) => `(assert (or (<= X_0 ${i}) (>= X_0 ${i + 0.5})))`).join('\n');
    throwsInputError(() => parseVnnlib(`${vnnlibHead(1, 1)}\n${asserts}\n(assert (>= Y_0 0))`, 'many.vnnlib'), new RegExp(`^many\\.vnnlib: the asserts expand to ${2 ** k} cases \\(input polytopes times output clauses\\); NetMend handles at most 4096$`));
  }
  // 2^10 output clauses of 10 comparisons each: within the case limit, but their bounds would outlast a timeout.
  const outputs = (k: number) => Array.from({ length: k }, (_, i) => `(assert (or (>= Y_${i % 2} ${100 + i}) (<= Y_${(i + 1) % 2} ${-100 - i})))`).join('\n');
  throwsInputError(() => parseVnnlib(`${vnnlibHead(1, 2)}\n${boxAsserts(1, 0, 1)}\n${outputs(10)}`, 'rows.vnnlib'), /^rows\.vnnlib: the output conditions expand to 10240 comparisons in all their clauses; NetMend handles at most 4096$/);
  assert.equal(parseVnnlib(`${vnnlibHead(1, 2)}\n${boxAsserts(1, 0, 1)}\n${outputs(8)}`, 'fits.vnnlib').violation.length, 256);
});

test('--threads beyond the cores is capped at the cores, and said', LIMIT, () => {
  const saved = console.error;
  const said: string[] = [];
  console.error = (m: string) => { said.push(m); };
  try {
    assert.equal(threadsFlag('1000'), availableParallelism());
  } finally {
    console.error = saved;
  }
  assert.deepEqual(said, [`netmend: --threads 1000 is more than the ${availableParallelism()} cores of this machine; searching on ${availableParallelism()} threads`]);
});

test('oversized property files are refused by their size before reading; a form feed is whitespace', LIMIT, async () => {
  const big = join(tmp, 'big.vnnlib');
  writeFileSync(big, '');
  truncateSync(big, 100 << 20);
  const run = await cli('verify', write('m2.onnx', affineModel(3).bytes), big);
  assert.equal(run.code, 2);
  assert.equal(run.stderr, `netmend verify: ${big}: the property file is 100 MB; NetMend reads property files of at most 8 MB`);
  // Atoms are separated by any whitespace (a form feed once made the reader loop forever).
  const query = parseVnnlib(`(declare-const X_0 Real)\f(declare-const Y_0 Real)\v(assert (<= X_0 1))\u00a0(assert (>= X_0 0))\f(assert (>= Y_0 0))`, 'ff.vnnlib');
  assert.deepEqual([query.region[0].lower[0] + 0, query.region[0].upper[0]], [0, 1]);
});

test('verify on a .nnet model: holds and violated, the counterexample reproduced by ONNX Runtime', LIMIT, async () => {
  const model = dataPath('nnet', 'TestNetwork2.nnet');
  const spec = (t: number) => write(`nnet-${t}.vnnlib`, `${vnnlibHead(5, 5)}\n${boxAsserts(5, 0, 0.1)}\n(assert (>= Y_0 ${t}))`);
  const holds = await cli('verify', model, spec(100), '--timeout', '30', '--json');
  assert.equal(holds.code, 0, holds.stderr);
  assert.equal(JSON.parse(holds.stdout)[0].status, 'holds');
  const violated = await cli('verify', model, spec(-100), '--timeout', '30', '--json');
  assert.equal(violated.code, 1, violated.stderr);
  const [result] = JSON.parse(violated.stdout);
  assert.equal(result.status, 'violated');
  result.counterexample.output.forEach((y: number, i: number) => assert.ok(Math.abs(y - result.counterexample.ortOutput[i]) < 1e-4));
});

test('unknown flags and extra arguments are refused (exit 2) with the closest known flag', LIMIT, async () => {
  const model = write('flags.onnx', affineModel(3).bytes);
  const spec = write('flags.vnnlib', `${vnnlibHead(3, 2)}\n${boxAsserts(3, -1, 1)}\n(assert (>= Y_0 100))`);
  const cases: [string[], string][] = [
    [['verify', model, spec, '--timeot', '5'], "netmend verify: unknown option '--timeot'; did you mean --timeout?"],
    [['verify', model, spec, '-t', '5'], "netmend verify: unknown option '-t'; did you mean --timeout?"],
    [['verify', model, spec, 'extra'], "netmend verify: unexpected argument 'extra' (the command takes 2 arguments besides its flags)"],
    [['info', model, '--jsn'], "netmend info: unknown option '--jsn'; did you mean --json?"],
    [['convert', spec, '--to', 'prop', '--output', 'x'], "netmend convert: unknown option '--output'; did you mean --out (or -o)?"],
    [['check', spec, '--verbose'], "netmend check: unknown option '--verbose'; known options: --json"],
    [['vnncomp', model, spec, 'r.txt', '5', '6'], "netmend vnncomp: unexpected argument '6' (the command takes 4 arguments besides its flags)"],
  ];
  for (const [args, message] of cases) {
    const run = await cli(...args);
    assert.deepEqual([run.code, run.stderr], [2, message], args.join(' '));
  }
});

test('a .prop file verified against a model other than the one it names is warned about', LIMIT, async () => {
  const { bytes } = affineModel(3);
  write('a.onnx', bytes);
  const other = write('b.onnx', bytes);
  const spec = write('names-a.prop', 'model "a.onnx"\ninput x[0..2] in [-1, 1]\noutput y[0..1]\nproperty small { where x[0] <= 1 require y[0] <= 100 }\n');
  const run = await cli('verify', other, spec, '--timeout', '20');
  assert.equal(run.code, 0, run.stderr);
  assert.equal(run.stderr, `netmend verify: warning: ${spec} is written for the model ${join(tmp, 'a.onnx')}; verifying ${other} instead`);
  const same = await cli('verify', join(tmp, 'a.onnx'), spec, '--timeout', '20');
  assert.deepEqual([same.code, same.stderr], [0, '']);
});

test('no silent acceptance: inverted VNN-LIB bounds, hex numbers, empty CSV cells, empty data sets', LIMIT, async () => {
  throwsInputError(() => parseVnnlib(`${vnnlibHead(2, 1)}\n(assert (>= X_0 0))\n(assert (<= X_0 1))\n(assert (>= X_1 1))\n(assert (<= X_1 0))\n(assert (>= Y_0 0))`, 'inv.vnnlib'), /^inv\.vnnlib:7:9: the input region is empty: X_1 must be at least 1 and at most 0$/);
  throwsInputError(() => parseVnnlib(`${vnnlibHead(1, 1)}\n(assert (<= X_0 0x10))\n(assert (>= X_0 0))\n(assert (>= Y_0 0))`, 'hex.vnnlib'), /^hex\.vnnlib:3:17: '0x10' is neither a number nor a variable/);
  write('gaps.csv', 'a,b,label\n0.5,,1\n');
  assert.deepEqual(propErrors('input x[0..1] in [0, 1]\noutput y\ndata d = "gaps.csv"\n'), [`3:1 ${join(tmp, 'gaps.csv')}:2: row 1, column 2 (b) is empty`]);
  write('none.csv', 'a,label\n');
  const spec = write('none.prop', 'input x in [0, 1]\noutput y[0..1]\ndata d = "none.csv"\nproperty p for each q in d { where x within 0.1 of q require argmax == q.label }\n');
  const doc = checkDocument('input x in [0, 1]\noutput y[0..1]\ndata d = "none.csv"\nproperty p for each q in d { where x within 0.1 of q require argmax == q.label }\n', fileHost(spec, { loadModels: false }));
  assert.deepEqual(doc.diagnostics.filter((d) => d.code === 'empty-data').map((d) => d.message), ["the data set 'd' has no points: 'p' states nothing"]);
  const run = await cli('verify', write('none.onnx', affineModel(1).bytes), spec);
  assert.deepEqual([run.code, run.stderr], [2, `netmend verify: ${spec}: the file states no property to verify (a \`for each\` over an empty data set?)`]);
});

test('paths that leave the workspace are warned about; a path that is not a model is refused unread', LIMIT, () => {
  const text = 'model "../../../etc/shadow"\ninput x\noutput y\n';
  const file = join(tmp, 'sub', 'leaves.prop');
  const host = { ...fileHost(file), outsideWorkspace: (path: string) => !path.startsWith(tmp) };
  const doc = checkDocument(text, host);
  assert.deepEqual(doc.diagnostics.map((d) => `${d.severity} ${d.message}`), [
    'warning the model /etc/shadow is outside the workspace: check that this file should be read',
    "error /etc/shadow: unknown model format ''; NetMend reads .onnx and .nnet files",
  ]);
});
