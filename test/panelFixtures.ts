/**
 * Realistic data for the side panel's tests and screenshots, computed from the shared networks (never hard-coded
 * results): an ACAS Xu responsibility map from activation statistics on sampled violating and safe inputs, real
 * localisations of MNIST 256x2 and of a two-branch graph, and repair reports measured on a perturbed copy of a
 * network. The repair pipeline computes the real reports; these only need the contract's shape filled with values of
 * the right size and spread.
 */
import { readFileSync } from 'node:fs';
import type { Responsibility, LayerResponsibility } from '../src/core/localize/types';
import type { RepairReport } from '../src/core/repair/report';
import type { RepairMethodId } from '../src/core/repair/types';
import type { DenseLayer, Network } from '../src/core/network/network';
import { forward } from '../src/core/network/forward';
import { parseVnnlib } from '../src/core/property/vnnlib';
import { violationMargin } from '../src/core/query/normalForm';
import { acasNet, dataPath, loadNetwork } from './helpers';
import { buildModel, seeded, tensor, type NodeSpec } from './onnxBuilder';
import { loadOnnxModel } from '../src/core/onnx/import';
import { isGraph } from '../src/core/network/model';
import { forwardModel } from '../src/core/network/forward';
import { localize } from '../src/core/localize';
import type { Query } from '../src/core/query/normalForm';

/** A deterministic stream of numbers in [0, 1), from the shared seeded sequence. */
function uniform(seed: number, count = 500_000): () => number {
  const values = seeded(count, seed);
  let next = 0;
  return () => (values[next++ % count] + 1) / 2;
}

/** Post-activation values of every hidden layer for one input. */
function hiddenActivations(net: Network, input: Float64Array): Float64Array[] {
  const out: Float64Array[] = [];
  let x = input;
  for (const layer of net.layers.slice(0, -1)) {
    x = forward({ ...net, layers: [layer] }, x);
    out.push(x);
  }
  return out;
}

/**
 * Scores each hidden neuron by how differently it behaves on violating and safe samples:
 * |mean on violating - mean on safe| weighted by the gap in how often it fires. A stand-in for BIRDNN's score.
 */
export function responsibilityFromSamples(net: Network, property: string, samples: readonly Float64Array[], violates: (y: Float64Array) => boolean, topK = 10): Responsibility {
  const started = performance.now();
  const hidden = net.layers.slice(0, -1);
  const sums = (fill: (layer: DenseLayer) => Float64Array) => hidden.map(fill);
  const stats = { violating: { n: 0, active: sums((l) => new Float64Array(l.outSize)), mean: sums((l) => new Float64Array(l.outSize)) }, safe: { n: 0, active: sums((l) => new Float64Array(l.outSize)), mean: sums((l) => new Float64Array(l.outSize)) } };
  for (const x of samples) {
    const bucket = violates(forward(net, x)) ? stats.violating : stats.safe;
    bucket.n++;
    hiddenActivations(net, x).forEach((a, l) => a.forEach((v, i) => { bucket.mean[l][i] += v; if (v > 0) bucket.active[l][i]++; }));
  }
  const average = (values: Float64Array, n: number) => Array.from(values, (v) => (n === 0 ? 0 : v / n));
  const layers = hidden.map((layer, l) => {
    const activeViolating = average(stats.violating.active[l], stats.violating.n);
    const activeSafe = average(stats.safe.active[l], stats.safe.n);
    const meanViolating = average(stats.violating.mean[l], stats.violating.n);
    const meanSafe = average(stats.safe.mean[l], stats.safe.n);
    const scores = meanViolating.map((m, i) => Math.abs(m - meanSafe[i]) * (0.5 + Math.abs(activeViolating[i] - activeSafe[i])));
    return { name: layer.name, scores, activeViolating, activeSafe, meanViolating, meanSafe };
  });
  const globalMax = Math.max(1e-12, ...layers.flatMap((l) => l.scores));
  const full: LayerResponsibility[] = layers.map((l) => {
    const layerMax = Math.max(1e-12, ...l.scores);
    return { ...l, perLayer: l.scores.map((s) => s / layerMax), global: l.scores.map((s) => s / globalMax) };
  });
  const top = full.flatMap((l, layer) => l.scores.map((score, neuron) => ({ layer, neuron, score })))
    .sort((a, b) => b.score - a.score).slice(0, topK);
  return { property, method: 'birdnn', layers: full, top, samples: { violating: stats.violating.n, safe: stats.safe.n }, timeSec: (performance.now() - started) / 1000 };
}

/** ACAS Xu 2_1 against VNN-COMP property 2 (violated): samples drawn uniformly from the property's box. */
export function acasResponsibility(samples = 2000): Responsibility {
  const net = loadNetwork(acasNet(2, 1));
  const query = parseVnnlib(readFileSync(dataPath('acasxu', 'prop_2.vnnlib'), 'utf8'));
  const { lower, upper } = query.region[0];
  const random = uniform(2);
  const inputs = Array.from({ length: samples }, () => lower.map((lo, i) => lo + random() * (upper[i] - lo)));
  return responsibilityFromSamples(net, 'phi2', inputs, (y) => violationMargin(query.violation, y) <= 0);
}

/**
 * The real localisation of MNIST 256x2 on VNN-COMP's prop_14_0.05 (violated): no uniform sample of the box violates,
 * so the verifier's counterexample and its neighbourhoods give the violating samples (src/core/localize).
 */
export function mnistResponsibility(): Promise<Responsibility> {
  const model = loadOnnxModel(readFileSync(dataPath('mnist', 'mnist-net_256x2.onnx')), 'mnist-net_256x2.onnx');
  if (isGraph(model) || 'kind' in model) throw new Error('MNIST 256x2 should import as a plain network');
  const query = parseVnnlib(readFileSync(dataPath('mnist', 'prop_14_0.05.vnnlib'), 'utf8'), 'prop_14_0.05');
  return localize(model, query, { topK: 10, verifyTimeoutSec: 120 });
}

/**
 * A report on a real change: `net`'s chosen layers perturbed by relative noise `strength`, the size, per-layer changes,
 * agreement and output changes measured on `samples` inputs of the box [lower, upper]. Verdict, timings and log are
 * the caller's (they describe the pipeline, which a fixture cannot run).
 */
export function measuredReport(options: {
  net: Network; modelPath: string; method: RepairMethodId; methodName: string; property: string;
  layers: readonly number[]; strength: number; added?: number; seed: number;
  lower: Float64Array; upper: Float64Array; samples?: number;
  verdict: RepairReport['verdict']; timings: RepairReport['timings']; regressions?: RepairReport['regressions'];
  keepSet?: boolean; log?: readonly string[];
}): { report: RepairReport; repaired: Network } {
  const random = uniform(options.seed);
  const repaired: Network = {
    ...options.net,
    layers: options.net.layers.map((layer, l) => options.layers.includes(l)
      ? { ...layer, weights: layer.weights.map((w) => (random() < 0.3 ? w * (1 + options.strength * (random() * 2 - 1)) : w)) }
      : layer),
  };
  const layerChanges = options.net.layers.map((layer, l) => {
    const deltas = layer.weights.map((w, i) => Math.abs(repaired.layers[l].weights[i] - w));
    const changed = deltas.filter((d) => d > 0).length;
    return { name: layer.name, meanAbsChange: deltas.reduce((s, d) => s + d, 0) / deltas.length, maxAbsChange: Math.max(...deltas), changed, params: layer.weights.length + layer.bias.length };
  });
  const n = options.samples ?? 500;
  let agree = 0;
  let maxChange = 0;
  let meanChange = 0;
  for (let s = 0; s < n; s++) {
    const x = options.lower.map((lo, i) => lo + random() * (options.upper[i] - lo));
    const a = forward(options.net, x);
    const b = forward(repaired, x);
    const decide = (y: Float64Array) => y.indexOf(Math.min(...y));
    if (decide(a) === decide(b)) agree++;
    const change = Math.max(...a.map((v, i) => Math.abs(v - b[i])));
    maxChange = Math.max(maxChange, change);
    meanChange += change / n;
  }
  const params = layerChanges.reduce((s, l) => s + l.params, 0);
  const added = options.added ?? 0;
  const report: RepairReport = {
    method: options.method,
    methodName: options.methodName,
    options: { timeoutSec: 300 },
    model: options.modelPath,
    property: options.property,
    repairedFile: `${options.modelPath.replace(/\.onnx$/, '')}.${options.method}.candidate.onnx`,
    verdict: options.verdict,
    regressions: options.regressions ?? [],
    recheckedProperties: ['phi1', 'phi3', 'phi4'],
    fidelity: {
      domain: { agreement: agree / n, samples: n },
      keepSet: options.keepSet ? { agreement: Math.min(1, agree / n + 0.01), samples: 200 } : undefined,
      maxOutputChange: maxChange,
      meanOutputChange: meanChange,
    },
    size: { paramsBefore: params, paramsAfter: params + added, changed: layerChanges.reduce((s, l) => s + l.changed, 0), added },
    layerChanges,
    stats: { iterations: options.layers.length * 3 },
    counterexamplesFixed: options.verdict.status === 'repaired' ? 12 : 7,
    timings: options.timings,
    log: options.log ?? [`${options.methodName}: started on ${options.property}`, 'wrote the repaired model', 're-read it and verified the property'],
  };
  return { report, repaired };
}

/** Three ACAS Xu repairs of property 2 on network 2_1, by three methods with different outcomes. */
export function acasReports(): RepairReport[] {
  const modelPath = acasNet(2, 1);
  const net = loadNetwork(modelPath);
  const lower = new Float64Array(5).fill(-0.5);
  const upper = new Float64Array(5).fill(0.5);
  const common = { net, modelPath, property: 'phi2', lower, upper };
  const counterexample = [0.6, 0.01, -0.49, 0.45, -0.45];
  return [
    measuredReport({
      ...common, method: 'reassure', methodName: 'REASSURE', layers: [6], strength: 0.05, added: 1260, seed: 11,
      verdict: { status: 'repaired', detail: 'proved on the written file in 3.2 s' }, keepSet: true,
      timings: [{ stage: 'counterexamples', sec: 1.4 }, { stage: 'patch LPs', sec: 5.8 }, { stage: 'write and verify', sec: 3.2 }],
      log: ['REASSURE: 12 counterexamples from falsification', 'linear regions: 9, one patch each', 'patch LPs solved (HiGHS)', 'wrote ACASXU_run2a_2_1_batch_2000.reassure.candidate.onnx', 'verified phi2: holds (3.2 s)', 'phi1, phi3, phi4 re-verified: hold'],
    }).report,
    measuredReport({
      ...common, method: 'specrepair', methodName: 'SpecRepair', layers: [3, 4, 5, 6], strength: 0.3, seed: 12,
      verdict: { status: 'repaired', detail: 'proved on the written file in 8.9 s' }, keepSet: true,
      regressions: [{ property: 'phi4', after: 'violated', detail: 'counterexample at rho=1910 ft, theta=0.01 rad' }],
      timings: [{ stage: 'counterexamples', sec: 2.1 }, { stage: 'penalised training', sec: 31.0 }, { stage: 'write and verify', sec: 8.9 }],
    }).report,
    measuredReport({
      ...common, method: 'birdnn-ft', methodName: 'BIRDNN (fine-tune)', layers: [2, 3], strength: 0.15, seed: 13,
      verdict: { status: 'not-repaired', detail: 'a counterexample remains on the written file', counterexample: { input: counterexample, output: Array.from(forward(net, Float64Array.from(counterexample))) } },
      keepSet: true,
      timings: [{ stage: 'localisation', sec: 0.9 }, { stage: 'fine-tuning', sec: 12.4 }, { stage: 'write and verify', sec: 6.1 }],
    }).report,
  ];
}

/**
 * A real localisation on a graph model (built as ONNX and read by our importer): two branches from the input (a -> aa
 * and b), joined by a node that reads both, and a skip from aa into the output. The property "y0 stays below its 90th
 * percentile on the box" is violated on about a tenth of the box, so both kinds of samples exist.
 */
export async function graphResponsibility(): Promise<Responsibility> {
  const gemm = (x: string, w: string, b: string, out: string): NodeSpec => ({ op: 'Gemm', inputs: [x, w, b], output: out, attrs: { transB: 1 } });
  const [n, wa, wb, wj, m] = [4, 24, 16, 12, 3];
  const weights = (name: string, rows: number, cols: number, seed: number) => tensor(name, [rows, cols], seeded(rows * cols, seed).map((v) => v * 1.5 / Math.sqrt(cols)));
  const model = loadOnnxModel(buildModel({
    input: ['x', [1, n]], output: ['y', [1, m]],
    nodes: [
      gemm('x', 'Wa', 'ba', 'a1'), { op: 'Relu', inputs: ['a1'], output: 'a' },
      gemm('a', 'Wa2', 'ba2', 'a2'), { op: 'Relu', inputs: ['a2'], output: 'aa' },
      gemm('x', 'Wb', 'bb', 'b1'), { op: 'Relu', inputs: ['b1'], output: 'b' },
      { op: 'Concat', inputs: ['aa', 'b'], output: 'c', attrs: { axis: 1 } },
      gemm('c', 'Wj', 'bj', 'j1'), { op: 'Relu', inputs: ['j1'], output: 'j' },
      gemm('j', 'Wy', 'by', 'y1'), gemm('aa', 'Ws', 'bs', 'y2'), { op: 'Add', inputs: ['y1', 'y2'], output: 'y' },
    ],
    initializers: [
      weights('Wa', wa, n, 11), tensor('ba', [wa], seeded(wa, 12)), weights('Wa2', wa, wa, 13), tensor('ba2', [wa], seeded(wa, 14)),
      weights('Wb', wb, n, 15), tensor('bb', [wb], seeded(wb, 16)), weights('Wj', wj, wa + wb, 17), tensor('bj', [wj], seeded(wj, 18)),
      weights('Wy', m, wj, 19), tensor('by', [m], seeded(m, 20)), weights('Ws', m, wa, 21), tensor('bs', [m], seeded(m, 22)),
    ],
  }), 'two-branch.onnx');
  if (!isGraph(model)) throw new Error('the two-branch fixture should import as a graph');
  const box = { lower: new Float64Array(n).fill(-1), upper: new Float64Array(n).fill(1), rows: [] };
  const random = uniform(23);
  const y0 = Array.from({ length: 2000 }, () => forwardModel(model, Float64Array.from({ length: n }, () => 2 * random() - 1))[0]).sort((p, q) => p - q);
  const query: Query = { name: 'y0_bounded', region: [box], violation: [[{ coeffs: Float64Array.from([-1, 0, 0]), rhs: -y0[1800] }]] };
  return localize(model, query, { samples: 4000, topK: 10 });
}
