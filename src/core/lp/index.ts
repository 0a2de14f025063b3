/**
 * One small LP interface, on HiGHS (npm `highs`, WebAssembly). javascript-lp-solver was measured and rejected: it
 * calls feasible LPs with free variables infeasible, and a wrong "infeasible" becomes a wrong "holds"
 * (docs/benchmarks/lp.md).
 */
// eslint-disable-next-line @typescript-eslint/no-require-imports
const loadHighs: () => Promise<Highs> = require('highs');

interface Highs {
  solve(problem: string): { Status: string; ObjectiveValue: number; Columns: Record<string, { Primal: number }> };
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
