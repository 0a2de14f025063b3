/** LPs with known answers, shared by the LP unit tests and the LP benchmark (which runs them on every backend). */
import type { LinearProgram } from '../src/core/lp';

export interface LpCase {
  readonly name: string;
  readonly lp: LinearProgram;
  readonly expected: { status: 'optimal'; value: number } | { status: 'infeasible' } | { status: 'unbounded' };
}

const le = (coeffs: number[], upper: number) => ({ coeffs, lower: -Infinity, upper });
const eq = (coeffs: number[], value: number) => ({ coeffs, lower: value, upper: value });
const free = (n: number) => ({ lower: Array(n).fill(-Infinity), upper: Array(n).fill(Infinity) });

export const lpSuite: LpCase[] = [
  {
    // The case javascript-lp-solver 1.0.3 calls infeasible (../shared/docs/anchors.md).
    name: 'free variables: max x s.t. x - y <= 1, y <= -2',
    lp: { sense: 'maximize', objective: [1, 0], rows: [le([1, -1], 1), le([0, 1], -2)], ...free(2) },
    expected: { status: 'optimal', value: -1 },
  },
  {
    name: 'negative bounds: min x + y with x in [-3, -1], y in [-5, 2]',
    lp: { sense: 'minimize', objective: [1, 1], rows: [], lower: [-3, -5], upper: [-1, 2] },
    expected: { status: 'optimal', value: -8 },
  },
  {
    name: 'equality rows: min x + 2y + 3z s.t. x + y + z = 1, x - y = 0, x, y, z >= 0',
    lp: { sense: 'minimize', objective: [1, 2, 3], rows: [eq([1, 1, 1], 1), eq([1, -1, 0], 0)], lower: [0, 0, 0], upper: [Infinity, Infinity, Infinity] },
    expected: { status: 'optimal', value: 1.5 },
  },
  {
    name: 'degenerate vertex: max x + y s.t. x <= 1, y <= 1, x + y <= 2, x - y <= 0, x, y >= 0',
    lp: { sense: 'maximize', objective: [1, 1], rows: [le([1, 0], 1), le([0, 1], 1), le([1, 1], 2), le([1, -1], 0)], lower: [0, 0], upper: [Infinity, Infinity] },
    expected: { status: 'optimal', value: 2 },
  },
  {
    name: 'infeasible: x + y <= -1 with x, y >= 0',
    lp: { sense: 'minimize', objective: [1, 1], rows: [le([1, 1], -1)], lower: [0, 0], upper: [Infinity, Infinity] },
    expected: { status: 'infeasible' },
  },
  {
    name: 'infeasible with free variables: x - y <= -1, y - x <= -1',
    lp: { sense: 'minimize', objective: [0, 0], rows: [le([1, -1], -1), le([-1, 1], -1)], ...free(2) },
    expected: { status: 'infeasible' },
  },
  {
    name: 'unbounded: max x s.t. x - y <= 1, y free',
    lp: { sense: 'maximize', objective: [1, 0], rows: [le([1, -1], 1)], ...free(2) },
    expected: { status: 'unbounded' },
  },
  {
    name: 'box-only feasibility: 0 objective over a 5-D box with three cutting rows',
    lp: {
      sense: 'minimize', objective: [0, 0, 0, 0, 0],
      rows: [le([0.3, -1.2, 0.5, 0.1, -0.7], -0.2), le([-0.3, 1.1, 0.5, 0.1, -0.7], 0.1), le([0.3, 1.2, -0.5, 0.1, -0.7], 0.05)],
      lower: [-0.5, -0.5, -0.5, -0.5, -0.5], upper: [0.5, 0.5, 0.5, 0.5, 0.5],
    },
    expected: { status: 'optimal', value: 0 },
  },
];
