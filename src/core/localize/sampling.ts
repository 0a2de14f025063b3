/**
 * Samples of a property's input region: uniform inside, on its faces (where a repair's decision boundary usually
 * runs), and around given points such as the verifier's counterexamples. All in the network's input space.
 */
import type { Polytope } from '../query/normalForm';
import { rowSlack } from '../query/normalForm';

export type Random = () => number;

/** `count` points uniform in a box, row-major. */
export function sampleBox(lower: ArrayLike<number>, upper: ArrayLike<number>, count: number, random: Random): Float64Array {
  const n = lower.length;
  const out = new Float64Array(count * n);
  for (let r = 0; r < count; r++) for (let i = 0; i < n; i++) out[r * n + i] = lower[i] + random() * (upper[i] - lower[i]);
  return out;
}

const volume = (p: Polytope) => p.lower.reduce((v, l, i) => v * Math.max(p.upper[i] - l, 1e-12), 1);

/**
 * `count` points of a union of bounded polytopes: each polytope in proportion to its box's volume, rows enforced by
 * rejection (a polytope whose rows reject nearly everything yields fewer points). A fraction `onFaces` of them lie on
 * a face of the box: one coordinate set to its bound.
 */
export function sampleRegion(region: readonly Polytope[], count: number, random: Random, onFaces = 0): Float64Array {
  const n = region[0].lower.length;
  const volumes = region.map(volume);
  const total = volumes.reduce((a, b) => a + b, 0);
  const out = new Float64Array(count * n);
  const x = new Float64Array(n);
  let made = 0;
  for (let attempt = 0; made < count && attempt < count * 50; attempt++) {
    let pick = random() * total;
    let k = 0;
    while (k < region.length - 1 && pick > volumes[k]) pick -= volumes[k++];
    const p = region[k];
    for (let i = 0; i < n; i++) x[i] = p.lower[i] + random() * (p.upper[i] - p.lower[i]);
    if (random() < onFaces) {
      const i = Math.floor(random() * n);
      x[i] = random() < 0.5 ? p.lower[i] : p.upper[i];
    }
    if (!withinRows(p, x)) continue;
    out.set(x, made * n);
    made++;
  }
  return out.subarray(0, made * n);
}

/** The polytope's rows hold at x (a loop: sampling calls this for every candidate point). */
function withinRows(p: Polytope, x: Float64Array): boolean {
  for (const row of p.rows) if (rowSlack(row, x) > 0) return false;
  return true;
}

/** `count` points uniform in the box of half-width `radius` times the box's width around each centre, clipped to the box. */
export function sampleAround(centres: readonly ArrayLike<number>[], box: { lower: ArrayLike<number>; upper: ArrayLike<number> }, radius: number, count: number, random: Random): Float64Array {
  const n = box.lower.length;
  const out = new Float64Array(centres.length * count * n);
  let r = 0;
  for (const c of centres) {
    for (let s = 0; s < count; s++, r++) {
      for (let i = 0; i < n; i++) {
        const w = (box.upper[i] - box.lower[i]) * radius;
        out[r * n + i] = Math.min(box.upper[i], Math.max(box.lower[i], c[i] + (2 * random() - 1) * w));
      }
    }
  }
  return out;
}

/** Row-major sample matrices (one input per row) joined end to end. */
export function concatRows(parts: readonly ArrayLike<number>[]): Float64Array {
  const out = new Float64Array(parts.reduce((s, p) => s + p.length, 0));
  let at = 0;
  for (const p of parts) {
    out.set(p, at);
    at += p.length;
  }
  return out;
}

/** The rows of a row-major matrix of width n, as views. */
export const splitRows = (flat: Float64Array, n: number): Float64Array[] => Array.from({ length: flat.length / n }, (_, r) => flat.subarray(r * n, (r + 1) * n));

/** Rows `rows` of a row-major matrix, copied. */
export function pickRows(values: Float64Array, rows: ArrayLike<number>, width: number): Float64Array {
  const out = new Float64Array(rows.length * width);
  for (let k = 0; k < rows.length; k++) out.set(values.subarray(rows[k] * width, (rows[k] + 1) * width), k * width);
  return out;
}
