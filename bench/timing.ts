/** Timing helpers shared by the benchmarks. */

export const now = (): number => performance.now();

/** Median wall time (ms) of `runs` calls of fn, after one warm-up call. */
export async function medianTime(runs: number, fn: () => Promise<unknown> | unknown): Promise<number> {
  await fn();
  const times: number[] = [];
  for (let i = 0; i < runs; i++) {
    const t = now();
    await fn();
    times.push(now() - t);
  }
  return times.sort((a, b) => a - b)[Math.floor(runs / 2)];
}
