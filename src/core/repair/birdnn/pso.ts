/**
 * Particle swarm optimisation (BIRDNN's Eq. 6, pyswarms' GlobalBestPSO as its code runs it): velocities
 * v <- w v + U(0,c1)(p_i - x) + U(0,c2)(p_g - x), positions clipped to the bounds. Every particle starts at `start`
 * (the unmodified network); the paper's zero initial velocities would leave such a swarm still, so, as pyswarms does,
 * they are random (here symmetric, uniform in ±half the bounds' width). Stops at `iterations`, on a zero cost, or when
 * the best cost improved by less than `ftol` (relative) for `patience` iterations in a row.
 */
export interface PsoOptions {
  readonly dimensions: number;
  readonly lower: number;
  readonly upper: number;
  readonly particles: number;
  readonly iterations: number;
  readonly inertia: number;
  readonly cognitive: number;
  readonly social: number;
  readonly ftol: number;
  readonly patience: number;
  readonly random: () => number;
  readonly start?: ArrayLike<number>;
  readonly deadline?: number;
  readonly signal?: AbortSignal;
}

export interface PsoResult {
  readonly best: Float64Array;
  readonly cost: number;
  readonly iterations: number;
  /** Best cost after each iteration. */
  readonly history: readonly number[];
}

export async function pso(cost: (x: Float64Array) => number | Promise<number>, o: PsoOptions): Promise<PsoResult> {
  const d = o.dimensions;
  const width = o.upper - o.lower;
  const positions = Array.from({ length: o.particles }, () => Float64Array.from({ length: d }, (_, i) => o.start?.[i] ?? 0));
  const velocities = Array.from({ length: o.particles }, () => Float64Array.from({ length: d }, () => (o.random() - 0.5) * width));
  const personal = positions.map((p) => Float64Array.from(p));
  const personalCost = new Float64Array(o.particles);
  for (let p = 0; p < o.particles; p++) personalCost[p] = await cost(positions[p]);
  let bestIndex = personalCost.indexOf(Math.min(...personalCost));
  let best = Float64Array.from(personal[bestIndex]);
  let bestCost = personalCost[bestIndex];
  const history: number[] = [];
  let stale = 0;
  let iteration = 0;
  while (iteration < o.iterations && bestCost > 0 && stale < o.patience) {
    if (o.signal?.aborted || (o.deadline !== undefined && Date.now() > o.deadline)) break;
    iteration++;
    const before = bestCost;
    for (let p = 0; p < o.particles; p++) {
      const x = positions[p];
      const v = velocities[p];
      for (let i = 0; i < d; i++) {
        v[i] = o.inertia * v[i] + o.random() * o.cognitive * (personal[p][i] - x[i]) + o.random() * o.social * (best[i] - x[i]);
        x[i] = Math.min(o.upper, Math.max(o.lower, x[i] + v[i]));
      }
      const c = await cost(x);
      if (c < personalCost[p]) {
        personalCost[p] = c;
        personal[p].set(x);
        if (c < bestCost) {
          bestCost = c;
          best = Float64Array.from(x);
          bestIndex = p;
        }
      }
    }
    history.push(bestCost);
    stale = before - bestCost <= o.ftol * Math.abs(before) ? stale + 1 : 0;
  }
  return { best, cost: bestCost, iterations: iteration, history };
}
