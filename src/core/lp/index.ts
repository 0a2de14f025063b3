/**
 * One small LP interface, on HiGHS (npm `highs`, WebAssembly). javascript-lp-solver was measured and rejected: it
 * calls feasible LPs with free variables infeasible, and a wrong "infeasible" becomes a wrong "holds"
 * (docs/benchmarks/lp.md).
 */
// eslint-disable-next-line @typescript-eslint/no-require-imports
const loadHighs: () => Promise<Highs> = require('highs');

interface Highs {
  solve(problem: string): { Status: string; ObjectiveValue: number; Columns: Record<string, { Primal: number }> };
  createModel(data: object): HighsModel;
  readonly infinity: number;
  readonly constants: { callbackType: { mipImprovingSolution: number; mipInterrupt: number }; modelStatus: { infeasible: number; optimal: number } };
}

interface HighsModel {
  options: { set(values: Record<string, unknown>): void };
  run(callbacks: Record<number, (event: { data: { mip_solution?: Float64Array }; interrupt?: () => void }) => void>): unknown;
  getModelStatus(): number;
  getSolution(): { colValue: Float64Array };
  dispose(): void;
}

export interface LpRow {
  readonly coeffs: ArrayLike<number>;
  /** lower <= coeffs . x <= upper; either side may be infinite. */
  readonly lower: number;
  readonly upper: number;
}

export interface LinearProgram {
  readonly sense: 'minimize' | 'maximize';
  readonly objective: ArrayLike<number>;
  readonly rows: readonly LpRow[];
  /** Variable bounds; -Infinity / Infinity for free sides. */
  readonly lower: ArrayLike<number>;
  readonly upper: ArrayLike<number>;
}

export type LpResult =
  | { readonly status: 'optimal'; readonly value: number; readonly x: Float64Array }
  | { readonly status: 'infeasible' }
  | { readonly status: 'unbounded' }
  | { readonly status: 'error'; readonly message: string };

let highs: Highs | undefined;

/** Loads the solver once per thread; solveLp needs it. */
export async function initLp(): Promise<void> {
  highs ??= await loadHighs();
}

/** Whether solveLp can run in this thread (initLp has completed). */
export const lpReady = (): boolean => highs !== undefined;

const term = (c: number, name: string): string => `${c < 0 ? '-' : '+'} ${Math.abs(c)} ${name}`;

function toLpText(lp: LinearProgram): string {
  const n = lp.objective.length;
  const v = (i: number) => `x${i}`;
  const lines = [lp.sense === 'minimize' ? 'Minimize' : 'Maximize'];
  const obj = Array.from({ length: n }, (_, i) => term(lp.objective[i], v(i)));
  lines.push(` obj: ${obj.join(' ')}`, 'Subject To');
  lp.rows.forEach((row, k) => {
    const lhs = Array.from({ length: n }, (_, i) => (row.coeffs[i] !== 0 ? term(row.coeffs[i], v(i)) : '')).filter(Boolean).join(' ') || `+ 0 ${v(0)}`;
    if (row.lower === row.upper) lines.push(` r${k}: ${lhs} = ${row.upper}`);
    else {
      if (row.upper < Infinity) lines.push(` u${k}: ${lhs} <= ${row.upper}`);
      if (row.lower > -Infinity) lines.push(` l${k}: ${lhs} >= ${row.lower}`);
    }
  });
  lines.push('Bounds');
  for (let i = 0; i < n; i++) {
    const lo = lp.lower[i];
    const hi = lp.upper[i];
    if (lo === -Infinity && hi === Infinity) lines.push(` ${v(i)} free`);
    else lines.push(` ${lo === -Infinity ? '-inf' : lo} <= ${v(i)} <= ${hi === Infinity ? 'inf' : hi}`);
  }
  lines.push('End');
  return lines.join('\n');
}

export function solveLp(lp: LinearProgram): LpResult {
  if (!highs) throw new Error('initLp() must be awaited before solveLp()');
  let result;
  try {
    result = highs.solve(toLpText(lp));
  } catch (err) {
    return { status: 'error', message: (err as Error).message };
  }
  switch (result.Status) {
    case 'Optimal': {
      const x = Float64Array.from({ length: lp.objective.length }, (_, i) => result.Columns[`x${i}`]?.Primal ?? 0);
      return { status: 'optimal', value: result.ObjectiveValue, x };
    }
    case 'Infeasible': return { status: 'infeasible' };
    case 'Unbounded': return { status: 'unbounded' };
    default: return { status: 'error', message: `HiGHS status ${result.Status}` };
  }
}

/** A large sparse LP, its rows in compressed sparse row form (row r: entries starts[r]..starts[r+1]). */
export interface SparseLinearProgram {
  /** Objective to minimise. */
  readonly cost: Float64Array;
  readonly lower: Float64Array;
  readonly upper: Float64Array;
  readonly rows: { readonly starts: Int32Array; readonly indices: Int32Array; readonly values: Float64Array; readonly lower: Float64Array; readonly upper: Float64Array };
}

/** Solves a sparse LP to optimality through HiGHS's model API (no text round trip: thousands of columns stay fast). */
export function solveSparseLp(p: SparseLinearProgram, timeLimitSec: number): LpResult {
  if (!highs) throw new Error('initLp() must be awaited before solveSparseLp()');
  const model = createModel(highs, p, new Int32Array(p.cost.length));
  try {
    model.options.set({ output_flag: false, time_limit: Math.max(0.01, timeLimitSec) });
    model.run({});
    const status = model.getModelStatus();
    if (status === highs.constants.modelStatus.infeasible) return { status: 'infeasible' };
    if (status !== highs.constants.modelStatus.optimal) return { status: 'error', message: `HiGHS model status ${status}` };
    const x = Float64Array.from(model.getSolution().colValue);
    let value = 0;
    for (let i = 0; i < x.length; i++) value += p.cost[i] * x[i];
    return { status: 'optimal', value, x };
  } finally {
    model.dispose();
  }
}

function createModel(h: Highs, p: SparseLinearProgram, integrality: Int32Array): HighsModel {
  const finite = (v: Float64Array) => Float64Array.from(v, (x) => (x === Infinity ? h.infinity : x === -Infinity ? -h.infinity : x));
  const columns = p.cost.length;
  const rows = p.rows.lower.length;
  return h.createModel({
    numCols: columns, numRows: rows, colCost: p.cost, colLower: finite(p.lower), colUpper: finite(p.upper),
    rowLower: finite(p.rows.lower), rowUpper: finite(p.rows.upper),
    matrix: { format: 'csr', numRows: rows, numCols: columns, starts: p.rows.starts, indices: p.rows.indices, values: p.rows.values },
    integrality,
  });
}

/** A mixed-integer feasibility problem, its rows in compressed sparse row form (row r: entries starts[r]..starts[r+1]). */
export interface MixedIntegerProgram extends SparseLinearProgram {
  /** 1 for an integer column. The objective only guides the search towards a solution; the answer is any feasible point. */
  readonly integer: Uint8Array;
}

export type MilpResult =
  | { readonly status: 'infeasible' }
  /** The first feasible point found (the solver stops there). */
  | { readonly status: 'feasible'; readonly x: Float64Array }
  | { readonly status: 'stopped'; readonly reason: string };

export interface MilpOptions {
  /**
   * Run HiGHS's feasibility jump (a primal heuristic before the root node; default on). It can only find feasible
   * points, never prove infeasibility: on programs that are nearly always infeasible it is pure cost (ACAS Xu's per-box
   * clause MILPs: 0.58x the time without it, docs/benchmarks/tuning.md).
   */
  readonly feasibilityJump?: boolean;
  /**
   * Run HiGHS's presolve (default on). On small programs that are nearly always infeasible the root's LP and cuts
   * prove them sooner without it (ACAS Xu's per-box clause MILPs, with no feasibility jump: 0.68-0.83x the time).
   */
  readonly presolve?: boolean;
}

/**
 * Finds a feasible point of the MIP or proves there is none. Blocks its thread: `shouldStop` is polled at the solver's
 * checkpoints (cancellation, deadlines), and `timeLimitSec` bounds the run.
 */
export function solveMilp(p: MixedIntegerProgram, timeLimitSec: number, shouldStop: () => boolean = () => false, options: MilpOptions = {}): MilpResult {
  if (!highs) throw new Error('initLp() must be awaited before solveMilp()');
  const h = highs;
  const model = createModel(h, p, Int32Array.from(p.integer));
  try {
    model.options.set({
      output_flag: false, time_limit: Math.max(0.01, timeLimitSec), mip_heuristic_run_feasibility_jump: options.feasibilityJump ?? true,
      presolve: (options.presolve ?? true) ? 'choose' : 'off',
    });
    let found: Float64Array | undefined;
    let stopped = false;
    const { mipImprovingSolution, mipInterrupt } = h.constants.callbackType;
    model.run({
      [mipImprovingSolution]: (event) => { found ??= event.data.mip_solution; },
      [mipInterrupt]: (event) => {
        if (found) event.interrupt?.();
        else if (shouldStop()) { stopped = true; event.interrupt?.(); }
      },
    });
    if (found) return { status: 'feasible', x: Float64Array.from(found) };
    const status = model.getModelStatus();
    if (status === h.constants.modelStatus.infeasible) return { status: 'infeasible' };
    if (status === h.constants.modelStatus.optimal) return { status: 'feasible', x: Float64Array.from(model.getSolution().colValue) };
    return { status: 'stopped', reason: stopped ? 'stopped' : `HiGHS model status ${status}` };
  } finally {
    model.dispose();
  }
}
