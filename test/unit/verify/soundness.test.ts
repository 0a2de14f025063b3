/**
 * The verifier never disagrees with an exact answer. Small random ReLU networks; the exact minimum of c·y over the box
 * comes from enumerating every activation pattern and solving an LP for each. Properties are placed just above and just
 * below that minimum, where a sloppy bound or a rounding slip would show.
 */
import { test, before } from 'node:test';
import * as assert from 'node:assert/strict';
import { initLp, solveMilp } from '../../../src/core/lp';
import { exactMinimum } from '../../exactMinimum';
import { clauseMilp } from '../../../src/core/verify/milp';
import { confirm } from '../../../src/core/verify/falsify';
import { verify } from '../../../src/core/verify';
import { searchReluSplits, settleClauses } from '../../../src/core/verify/reluSplitting';
import { solveClausesInParallel } from '../../../src/core/verify/parallel';
import { newSearchStats, newTactics } from '../../../src/core/verify/searchKernel';
import { seededRandom } from '../../../src/core/verify/falsify';
import { specBounds } from '../../../src/core/bounds/linearBounds';
import { forward } from '../../../src/core/network/forward';
import type { Network } from '../../../src/core/network/network';
import type { Query } from '../../../src/core/query/normalForm';
import { seeded } from '../../onnxBuilder';
import { randomNetwork } from '../../randomNetwork';

before(initLp);

test('random networks: holds and violated just either side of the exact minimum, never wrong', async () => {
  let checked = 0;
  for (let seed = 1; seed <= 12; seed++) {
    const net = randomNetwork([2, 4, 4, 2], seed);
    const lower = [-1, -0.5];
    const upper = [0.5, 1];
    const c = [1, -1];
    const min = exactMinimum(net, lower, upper, c);
    for (const [offset, expected] of [[-1e-3, 'holds'], [1e-3, 'violated']] as const) {
      // Violation: c·y <= min + offset. Below the minimum nothing can reach it.
      const query: Query = {
        name: `seed ${seed}`,
        region: [{ lower: Float64Array.from(lower), upper: Float64Array.from(upper), rows: [] }],
        violation: [[{ coeffs: Float64Array.from(c), rhs: min + offset }]],
      };
      const result = await verify(net, query, { timeoutSec: 20 });
      assert.equal(result.status, expected, `seed ${seed}, rhs min${offset > 0 ? '+' : ''}${offset}: ${JSON.stringify(result)}`);
      checked++;
    }
  }
  assert.equal(checked, 24);
});

test('a conjunction of two rows and a union of two boxes agree with dense sampling', async () => {
  for (let seed = 20; seed < 26; seed++) {
    const net = randomNetwork([3, 8, 8, 3], seed);
    const region = [
      { lower: Float64Array.of(-1, -1, -1), upper: Float64Array.of(0, 0, 1), rows: [] },
      { lower: Float64Array.of(0.5, 0.5, -1), upper: Float64Array.of(1, 1, 1), rows: [] },
    ];
    const violation = [[{ coeffs: Float64Array.of(1, -1, 0), rhs: 0 }, { coeffs: Float64Array.of(1, 0, -1), rhs: 0 }]];
    const query: Query = { name: `seed ${seed}`, region, violation };
    const result = await verify(net, query, { timeoutSec: 20 });
    assert.notEqual(result.status, 'unknown', JSON.stringify(result));
    if (result.status === 'holds') {
      // No sampled point may violate a property proved to hold.
      const random = seeded(3 * 20000, seed);
      for (let k = 0; k < 20000; k++) {
        const box = region[k % 2];
        const x = [0, 1, 2].map((i) => box.lower[i] + ((random[k * 3 + i] + 1) / 2) * (box.upper[i] - box.lower[i]));
        let a = x;
        for (const layer of net.layers) {
          a = Array.from({ length: layer.outSize }, (_, o) => {
            let s = layer.bias[o];
            for (let i = 0; i < layer.inSize; i++) s += layer.weights[o * layer.inSize + i] * a[i];
            return layer.activation.kind === 'relu' ? Math.max(0, s) : s;
          });
        }
        assert.ok(!(a[0] <= a[1] && a[0] <= a[2]), `seed ${seed}: sampled violation at ${x}`);
      }
    }
  }
});

test('wide inputs (ReLU splitting): the bound never exceeds the exact minimum, and each side of it is answered right', async () => {
  for (let seed = 40; seed < 46; seed++) {
    const n = 70;
    const net = randomNetwork([n, 5, 5, 1], seed);
    const lower = Array.from({ length: n }, (_, i) => -0.2 - 0.01 * (i % 7));
    const upper = Array.from({ length: n }, (_, i) => 0.2 + 0.01 * (i % 5));
    const min = exactMinimum(net, lower, upper, [1]);
    const box = { lower: Float64Array.from(lower), upper: Float64Array.from(upper) };
    // Row y - min: its lower bound is <= 0 exactly when the bound on y is sound; a non-positive row gets optimised slopes.
    const gap = specBounds(net, box, [{ coeffs: Float64Array.of(1), rhs: min }]).lower[0];
    assert.ok(gap <= 1e-9, `seed ${seed}: bound ${gap} above the exact minimum`);
    for (const [offset, expected] of [[-1e-3, 'holds'], [1e-3, 'violated']] as const) {
      const query: Query = { name: `seed ${seed}`, region: [{ ...box, rows: [] }], violation: [[{ coeffs: Float64Array.of(1), rhs: min + offset }]] };
      const result = await verify(net, query, { timeoutSec: 20 });
      assert.equal(result.status, expected, `seed ${seed}, rhs min${offset > 0 ? '+' : ''}${offset}: ${JSON.stringify(result)}`);
    }
  }
});

test('split subdomains: bounds with split constraints never exceed the exact minimum over the subdomain', () => {
  let checked = 0;
  for (let seed = 50; seed < 54; seed++) {
    const n = 70;
    const net = randomNetwork([n, 5, 5, 1], seed);
    const lower = Array.from({ length: n }, () => -0.3);
    const upper = Array.from({ length: n }, () => 0.3);
    const box = { lower: Float64Array.from(lower), upper: Float64Array.from(upper) };
    const root = specBounds(net, box, [{ coeffs: Float64Array.of(1), rhs: 0 }], { optimiseIntermediate: true });
    // Fix the first unstable neuron of layer 1 active, then inactive; the exact minimum over each half is an LP per
    // activation pattern with that neuron's sign.
    const j = Array.from(root.preActivation[0].lo).findIndex((l, k) => l < 0 && root.preActivation[0].hi[k] > 0);
    if (j < 0) continue;
    for (const sign of [1, -1]) {
      const splits = [new Int8Array(5), new Int8Array(5)];
      splits[0][j] = sign;
      const enclosing = root.preActivation.map((b) => ({ lo: Float64Array.from(b.lo), hi: Float64Array.from(b.hi) }));
      if (sign > 0) enclosing[0].lo[j] = 0; else enclosing[0].hi[j] = 0;
      const min = exactMinimum(net, lower, upper, [1], { layer: 0, neuron: j, sign });
      if (!Number.isFinite(min)) continue;
      const bound = specBounds(net, box, [{ coeffs: Float64Array.of(1), rhs: min }], { enclosing, splits }).lower[0];
      assert.ok(bound <= 1e-9, `seed ${seed}, neuron ${j} ${sign > 0 ? 'active' : 'inactive'}: bound ${bound} above the exact minimum`);
      checked++;
    }
  }
  assert.ok(checked >= 4, `only ${checked} subdomains checked`);
});

/**
 * A wide network (ReLU splitting's case) and, per offset, a query whose second clause is at the exact minimum + offset
 * (the first holds everywhere), with the root's optimised pre-activation bounds.
 */
function wideClauses(seed: number): (offset: number) => { net: Network; query: Query; polytope: Query['region'][number]; root: ReturnType<typeof specBounds> } {
  const n = 70;
  const net = randomNetwork([n, 5, 5, 2], seed);
  const lower = Array.from({ length: n }, (_, i) => -0.25 - 0.01 * (i % 3));
  const upper = Array.from({ length: n }, (_, i) => 0.25 + 0.01 * (i % 4));
  const min = exactMinimum(net, lower, upper, [1, -1]);
  const polytope = { lower: Float64Array.from(lower), upper: Float64Array.from(upper), rows: [] };
  return (offset) => {
    const query: Query = {
      name: `seed ${seed}`,
      region: [polytope],
      violation: [[{ coeffs: Float64Array.of(0, 1), rhs: -1e6 }], [{ coeffs: Float64Array.of(1, -1), rhs: min + offset }]],
    };
    return { net, query, polytope, root: specBounds(net, polytope, query.violation.flat(), { optimiseIntermediate: true }) };
  };
}

test('ReLU splitting from given root bounds with a subdomain budget: never a wrong answer, and it pauses at the budget', async () => {
  let paused = 0;
  for (let seed = 80; seed < 86; seed++) {
    const instance = wideClauses(seed);
    for (const [offset, wrong] of [[-1e-3, 'violated'], [1e-3, 'safe']] as const) {
      const { net, query, polytope, root } = instance(offset);
      for (const maxDomains of [1, 1000]) {
        const tactics = newTactics();
        const ctx = { deadline: Date.now() + 20000, stats: newSearchStats(), random: seededRandom(seed), tactics };
        const outcome = await searchReluSplits(net, query, polytope, ctx, { rootBounds: root.preActivation, maxDomains });
        assert.notEqual(outcome.kind, wrong, `seed ${seed}, rhs min${offset > 0 ? '+' : ''}${offset}, budget ${maxDomains}`);
        assert.ok(ctx.stats.domains <= maxDomains, `seed ${seed}: ${ctx.stats.domains} subdomains searched, budget ${maxDomains}`);
        if (maxDomains > 1) assert.notEqual(outcome.kind, 'paused', `seed ${seed}: open after ${ctx.stats.domains} subdomains`);
        else if (outcome.kind === 'paused') paused++;
      }
    }
  }
  assert.ok(paused > 0, 'no search paused at a budget of one subdomain');
});

test('clause by clause on the search threads (ReLU splitting, then the MILP): either side of the exact minimum answered right', async () => {
  let milps = 0;
  for (let seed = 90; seed < 94; seed++) {
    const instance = wideClauses(seed);
    for (const [offset, expected] of [[-1e-3, 'safe'], [1e-3, 'violated']] as const) {
      const instanceQuery = instance(offset);
      const { net, polytope, root } = instanceQuery;
      // Copies of the second clause as clauses 2 and 3: taken from the easy end, splitting (one subdomain) leaves them
      // open, so clause 0, in the middle, goes to its MILP without splitting.
      const copy = instanceQuery.query.violation[1];
      const query = { ...instanceQuery.query, violation: [...instanceQuery.query.violation, copy, copy] };
      // One subdomain: the MILP decides; the default budget: splitting does on these small networks.
      for (const splitDomains of [1, undefined]) {
        const stats = newSearchStats();
        const outcome = await solveClausesInParallel(net, query, polytope, root.preActivation, [1, 0, 2, 3], { threads: 2, deadline: Date.now() + 20000, stats }, splitDomains);
        assert.equal(outcome.kind, expected, `seed ${seed}, rhs min${offset > 0 ? '+' : ''}${offset}, budget ${splitDomains}: ${JSON.stringify(outcome)}`);
        if (outcome.kind === 'violated') assert.ok(confirm(net, query, outcome.counterexample.input), 'the counterexample does not reproduce');
        if (splitDomains === 1) milps += stats.milps;
      }
    }
  }
  assert.ok(milps > 0, 'no clause reached its MILP with a budget of one subdomain');
});

test('the clause MILP is infeasible just below the exact minimum and finds a confirmed point just above it (also with the box search solver options); its LP relaxation never misses a violation', () => {
  for (let seed = 60; seed < 63; seed++) {
    const n = 70;
    const net = randomNetwork([n, 5, 5, 1], seed);
    const lower = Array.from({ length: n }, () => -0.25);
    const upper = Array.from({ length: n }, () => 0.25);
    const min = exactMinimum(net, lower, upper, [1]);
    const polytope = { lower: Float64Array.from(lower), upper: Float64Array.from(upper), rows: [] };
    const bounds = specBounds(net, polytope, [{ coeffs: Float64Array.of(1), rhs: 0 }]).preActivation;
    // Both encodings: stable neurons as columns, and substituted into the rows; the box search's solver options too.
    for (const [substitute, boxOptions] of [[false, false], [true, false], [true, true]]) {
      const label = `seed ${seed}, ${substitute ? 'substituted' : 'columns'}${boxOptions ? ', no feasibility jump or presolve' : ''}`;
      for (const offset of [-1e-3, 1e-3]) {
        const clause = [{ coeffs: Float64Array.of(1), rhs: min + offset }];
        const result = solveMilp(clauseMilp(net, polytope, bounds, clause, { substitute }), 20, undefined, { feasibilityJump: !boxOptions, presolve: !boxOptions });
        if (offset < 0) {
          assert.equal(result.status, 'infeasible', `${label}: ${result.status} below the minimum`);
          continue;
        }
        const relaxed = solveMilp(clauseMilp(net, polytope, bounds, clause, { substitute, relaxed: true }), 20);
        assert.notEqual(relaxed.status, 'infeasible', `${label}: the LP relaxation is infeasible above the minimum`);
        assert.equal(result.status, 'feasible', `${label}: ${result.status} above the minimum`);
        if (result.status !== 'feasible') continue;
        const x = result.x.slice(0, n).map((v, i) => Math.min(upper[i], Math.max(lower[i], v)));
        const query: Query = { name: 'milp', region: [polytope], violation: [clause] };
        assert.ok(confirm(net, query, x), `${label}: the MILP's point does not violate the row`);
      }
    }
  }
});

test('sigmoid, tanh and LeakyReLU layers: the box search (with MILPs for LeakyReLU) answers either side of the sampled minimum', async () => {
  for (const hidden of [{ kind: 'sigmoid' }, { kind: 'tanh' }, { kind: 'leakyRelu', alpha: 0.1 }] as const) {
    const net = randomNetwork([2, 6, 6, 1], 70, hidden);
    const lower = [-1, -1];
    const upper = [1, 1];
    // A 401 x 401 grid: its minimum is within a small Lipschitz margin of the true one.
    const grid = new Float64Array(401 * 401 * 2);
    for (let a = 0; a <= 400; a++) {
      for (let b = 0; b <= 400; b++) grid.set([-1 + a / 200, -1 + b / 200], 2 * (a * 401 + b));
    }
    const sampled = forward(net, grid, 401 * 401).reduce((a, b) => Math.min(a, b), Infinity);
    const region = [{ lower: Float64Array.from(lower), upper: Float64Array.from(upper), rows: [] }];
    const query = (rhs: number): Query => ({ name: hidden.kind, region, violation: [[{ coeffs: Float64Array.of(1), rhs }]] });
    const held = await verify(net, query(sampled - 0.05), { timeoutSec: 30 });
    assert.equal(held.status, 'holds', `${hidden.kind}: ${JSON.stringify(held)}`);
    const broken = await verify(net, query(sampled + 1e-3), { timeoutSec: 30 });
    assert.equal(broken.status, 'violated', `${hidden.kind}: ${JSON.stringify(broken)}`);
    if (hidden.kind === 'leakyRelu') assert.ok((held.stats?.milps ?? 0) > 0, 'the LeakyReLU network went through the MILPs');
  }
});

test('a fully split subdomain is settled per clause: a clause with one row positive everywhere is refuted', async () => {
  // y = (a, -a), a = relu(x), x in [-1, 1], the neuron split active (x >= 0). Clause: y1 <= -2 (never: y1 >= -1) and
  // y0 <= 0.5 (true for x <= 0.5). Row by row, the second row's minimiser x = 0 is no counterexample: "undecided".
  const net: Network = {
    inputName: 'x', inputShape: [1, 1], outputName: 'y', outputShape: [1, 2], notes: [],
    layers: [
      { name: 'h', inSize: 1, outSize: 1, weights: Float64Array.of(1), bias: Float64Array.of(0), activation: { kind: 'relu' } },
      { name: 'y', inSize: 1, outSize: 2, weights: Float64Array.of(1, -1), bias: Float64Array.of(0, 0), activation: { kind: 'identity' } },
    ],
  };
  const polytope = { lower: Float64Array.of(-1), upper: Float64Array.of(1), rows: [] };
  const clause = [{ coeffs: Float64Array.of(0, 1), rhs: -2 }, { coeffs: Float64Array.of(1, 0), rhs: 0.5 }];
  const query: Query = { name: 'q', region: [polytope], violation: [clause] };
  const settled = settleClauses(net, query, polytope, [Int8Array.of(1)], [{ lo: Float64Array.of(-1), hi: Float64Array.of(1) }], [0]);
  assert.equal(settled.kind, 'safe');
  // Without the first row the clause is violated on the subdomain (x in [0, 0.5]), and the point is confirmed.
  const violated = settleClauses(net, { ...query, violation: [[clause[1]]] }, polytope, [Int8Array.of(1)], [{ lo: Float64Array.of(-1), hi: Float64Array.of(1) }], [0]);
  assert.equal(violated.kind, 'violated');
  // Split inactive (x <= 0): y0 = 0 <= 0.5 everywhere there, so y0 <= 0.5 with y1 <= -0.5 (y1 = 0) is refuted too.
  const inactive = settleClauses(net, { ...query, violation: [[clause[1], { coeffs: Float64Array.of(0, 1), rhs: -0.5 }]] }, polytope, [Int8Array.of(-1)], [{ lo: Float64Array.of(-1), hi: Float64Array.of(1) }], [0]);
  assert.equal(inactive.kind, 'safe');
});
