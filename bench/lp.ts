/**
 * LP backends: HiGHS (npm `highs`) against javascript-lp-solver 1.0.3, on LPs with known optima and on the triangle
 * relaxation of a real ACAS Xu verification problem. Writes docs/benchmarks/lp.md.
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { readFileSync } from 'node:fs';
import { Worker } from 'node:worker_threads';
import { initLp, solveLp, type LinearProgram, type LpResult } from '../src/core/lp';
import { parseVnnlib } from '../src/core/property/vnnlib';
import { specBounds } from '../src/core/bounds/linearBounds';
import type { Network } from '../src/core/network/network';
import { lpSuite } from '../test/lpSuite';
import { acasNet, dataPath, loadNetwork } from '../test/helpers';

/** javascript-lp-solver's model format: variables are >= 0 unless listed as unrestricted. */
function toJsModel(lp: LinearProgram): object {
  const n = lp.objective.length;
  const constraints: Record<string, { min?: number; max?: number; equal?: number }> = {};
  const variables: Record<string, Record<string, number>> = {};
  const unrestricted: Record<string, 1> = {};
  for (let i = 0; i < n; i++) {
    variables[`x${i}`] = { obj: lp.objective[i] };
    if (lp.lower[i] !== 0) unrestricted[`x${i}`] = 1;
    if (lp.lower[i] !== 0 && lp.lower[i] > -Infinity) { constraints[`lb${i}`] = { min: lp.lower[i] }; variables[`x${i}`][`lb${i}`] = 1; }
    if (lp.upper[i] < Infinity) { constraints[`ub${i}`] = { max: lp.upper[i] }; variables[`x${i}`][`ub${i}`] = 1; }
  }
  lp.rows.forEach((row, k) => {
    constraints[`r${k}`] = row.lower === row.upper ? { equal: row.upper } : { ...(row.lower > -Infinity ? { min: row.lower } : {}), ...(row.upper < Infinity ? { max: row.upper } : {}) };
    for (let i = 0; i < n; i++) if (row.coeffs[i] !== 0) variables[`x${i}`][`r${k}`] = row.coeffs[i];
  });
  return { optimize: 'obj', opType: lp.sense === 'minimize' ? 'min' : 'max', constraints, variables, unrestricted };
}

/** Runs javascript-lp-solver in a worker so a run that does not finish can be stopped. */
function solveWithJs(lp: LinearProgram, timeoutMs: number): Promise<{ result: LpResult | 'timeout'; ms: number }> {
  const started = performance.now();
  const worker = new Worker(`const { parentPort, workerData } = require('node:worker_threads');
    const solver = require(${JSON.stringify(require.resolve('javascript-lp-solver'))});
    const r = solver.Solve(workerData);
    parentPort.postMessage({ feasible: r.feasible, bounded: r.bounded, result: r.result });`, { eval: true, workerData: toJsModel(lp) });
  return new Promise((resolve) => {
    const timer = setTimeout(() => { void worker.terminate(); resolve({ result: 'timeout', ms: timeoutMs }); }, timeoutMs);
    worker.once('message', (r: { feasible: boolean; bounded: boolean; result: number }) => {
      clearTimeout(timer);
      void worker.terminate();
      const value = lp.sense === 'minimize' ? r.result : r.result;
      const result: LpResult = !r.feasible ? { status: 'infeasible' } : r.bounded === false ? { status: 'unbounded' } : { status: 'optimal', value, x: new Float64Array() };
      resolve({ result, ms: performance.now() - started });
    });
  });
}

/**
 * The triangle (Planet) relaxation of an ACAS Xu network over a box: variables x, then per hidden layer z and a.
 * Minimises the first violation row; this is the LP a complete verifier solves per subproblem.
 */
function relaxationLp(net: Network, lower: Float64Array, upper: Float64Array, row: Float64Array): LinearProgram {
  const bounds = specBounds(net, { lower, upper }, [{ coeffs: row, rhs: 0 }]);
  const hidden = net.layers.length - 1;
  const sizes = [lower.length, ...net.layers.slice(0, hidden).flatMap((l) => [l.outSize, l.outSize])];
  const offsets: number[] = [];
  sizes.reduce((o, s) => { offsets.push(o); return o + s; }, 0);
  const total = sizes.reduce((a, b) => a + b, 0);
  const lo = new Float64Array(total).fill(0);
  const hi = new Float64Array(total).fill(Infinity);
  lo.set(lower, 0);
  hi.set(upper, 0);
  const rows: LinearProgram['rows'][number][] = [];
  let prev = 0;
  for (let k = 0; k < hidden; k++) {
    const layer = net.layers[k];
    const z = offsets[1 + 2 * k];
    const a = offsets[2 + 2 * k];
    const { lo: l, hi: u } = bounds.preActivation[k];
    for (let o = 0; o < layer.outSize; o++) {
      const coeffs = new Float64Array(total);
      coeffs[z + o] = 1;
      for (let i = 0; i < layer.inSize; i++) coeffs[prev + i] = -layer.weights[o * layer.inSize + i];
      rows.push({ coeffs, lower: layer.bias[o], upper: layer.bias[o] });
      lo[z + o] = l[o];
      hi[z + o] = u[o];
      if (l[o] >= 0) {
        const eq = new Float64Array(total); eq[a + o] = 1; eq[z + o] = -1;
        rows.push({ coeffs: eq, lower: 0, upper: 0 });
        hi[a + o] = u[o];
      } else if (u[o] <= 0) {
        hi[a + o] = 0;
      } else {
        const s = u[o] / (u[o] - l[o]);
        const ge = new Float64Array(total); ge[a + o] = 1; ge[z + o] = -1;
        rows.push({ coeffs: ge, lower: 0, upper: Infinity });
        const chord = new Float64Array(total); chord[a + o] = 1; chord[z + o] = -s;
        rows.push({ coeffs: chord, lower: -Infinity, upper: -s * l[o] });
        hi[a + o] = u[o];
      }
    }
    prev = a;
  }
  const last = net.layers[hidden];
  const objective = new Float64Array(total);
  for (let o = 0; o < last.outSize; o++) for (let i = 0; i < last.inSize; i++) objective[prev + i] += row[o] * last.weights[o * last.inSize + i];
  return { sense: 'minimize', objective, rows, lower: lo, upper: hi };
}

const show = (r: LpResult | 'timeout') => (r === 'timeout' ? 'did not finish' : r.status === 'optimal' ? `optimal ${Number(r.value.toPrecision(8))}` : r.status);

(async () => {
  await initLp();
  const lines: string[] = ['| LP | expected | HiGHS | javascript-lp-solver |', '|---|---|---|---|'];
  let highsRight = 0;
  let jsRight = 0;
  for (const c of lpSuite) {
    const h = solveLp(c.lp);
    const j = (await solveWithJs(c.lp, 10000)).result;
    const right = (r: LpResult | 'timeout') => r !== 'timeout' && r.status === c.expected.status && (r.status !== 'optimal' || c.expected.status !== 'optimal' || Math.abs(r.value - c.expected.value) < 1e-7);
    if (right(h)) highsRight++;
    if (right(j)) jsRight++;
    const expected = c.expected.status === 'optimal' ? `optimal ${c.expected.value}` : c.expected.status;
    lines.push(`| ${c.name} | ${expected} | ${show(h)}${right(h) ? '' : ' **wrong**'} | ${show(j)}${right(j) ? '' : ' **wrong**'} |`);
  }
  lines.push('', `Correct: HiGHS ${highsRight}/${lpSuite.length}, javascript-lp-solver ${jsRight}/${lpSuite.length}.`, '');

  const net = loadNetwork(acasNet(1, 1));
  const q = parseVnnlib(readFileSync(dataPath('acasxu', 'prop_2.vnnlib'), 'utf8'));
  const box = q.region[0];
  const timing = ['| relaxation LP (ACAS Xu 1_1, property 2) | size | HiGHS | javascript-lp-solver |', '|---|---|---|---|'];
  for (const [label, shrink] of [['whole region', 1], ['a 1/8-width sub-box', 1 / 8]] as const) {
    const mid = box.lower.map((l, i) => (l + box.upper[i]) / 2);
    const lower = mid.map((m, i) => m - ((box.upper[i] - box.lower[i]) / 2) * shrink);
    const upper = mid.map((m, i) => m + ((box.upper[i] - box.lower[i]) / 2) * shrink);
    const lp = relaxationLp(net, lower, upper, q.violation[0][0].coeffs);
    const t = performance.now();
    const h = solveLp(lp);
    const hMs = performance.now() - t;
    const j = await solveWithJs(lp, 60000);
    timing.push(`| ${label} | ${lp.objective.length} variables, ${lp.rows.length} rows | ${show(h)} in ${hMs.toFixed(0)} ms | ${show(j.result)}${j.result === 'timeout' ? ' in 60 s' : ` in ${j.ms.toFixed(0)} ms`} |`);
  }
  const doc = `# LP backend: HiGHS vs javascript-lp-solver

\`npm run bench:lp\` on ${new Date().toISOString().slice(0, 10)} (2 cores, shared). NetMend's verifier and the REASSURE repair solve LPs; a
wrong "infeasible" from an LP solver becomes a wrong "holds" in a verifier, so correctness comes first.

## Known optima (test/lpSuite.ts, also a unit test on the chosen backend)

${lines.join('\n')}

## The LPs a verifier solves

${timing.join('\n')}

## Choice

HiGHS (npm \`highs\`, HiGHS compiled to WebAssembly). It answers every LP of the suite correctly, including free
variables, where javascript-lp-solver 1.0.3 reports a feasible LP as infeasible. On the relaxation LPs of a real ACAS Xu
problem javascript-lp-solver answers "infeasible" too, and they are feasible (every point of the box with its exact
activations satisfies the relaxation; HiGHS finds the optimum): a verifier built on it would call these properties
proved. HiGHS solves them in about 0.1-0.4 s. \`src/core/lp\` keeps one small interface over it and relaxes each row by a
tolerance before a feasibility test, so that a solver tolerance cannot turn a feasible system "infeasible".

The verifier's box search gives HiGHS a clause's exact MILP once a box has few unstable neurons, and its LP
relaxation on deep boxes while those LPs keep proving boxes (see docs/verifier.md: ACAS Xu 3_3/property 2 goes from
94k boxes to 6.5k boxes and 1.4k MILPs; 1_1/property 3 from 12.6k boxes to 339). Those programs go to HiGHS's
persistent model API as sparse arrays, with no LP text to write and parse.
`;
  writeFileSync(join(__dirname, '..', 'docs', 'benchmarks', 'lp.md'), doc);
  console.log(doc);
})();
