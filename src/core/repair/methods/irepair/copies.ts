/**
 * Near-copies of I-REPAIR's inputs (not in the paper; measured in docs/repair-irepair.md). The keep term only asks the
 * network to keep its original outputs, so copies of the 40 keep inputs need no labels and widen what it holds without
 * any data beyond the paper's; shifted copies of a stalled repair input, with its label, widen what the update fixes.
 * `shift` moves a square grayscale image (n = k², k >= 8) by one pixel in each of the 8 directions (vacated pixels
 * repeat the edge), the way handwritten digits vary; `mixup` takes seeded blends of two inputs (any input shape).
 */
import { seededRandom } from '../../../verify/falsify';

export type CopyKind = 'none' | 'shift' | 'mixup';

/** Copies made of each input. */
export const COPIES = 8;

const SHIFTS: readonly [number, number][] = [[-1, -1], [-1, 0], [-1, 1], [0, -1], [0, 1], [1, -1], [1, 0], [1, 1]];

/** The inputs (row-major, width n) followed by COPIES copies of each, in order; `shift` needs a square image (squareSide). */
export function withCopies(inputs: Float64Array, n: number, kind: CopyKind, seed: number): Float64Array {
  if (kind === 'none') return inputs;
  const count = inputs.length / n;
  const out = new Float64Array(inputs.length * (1 + SHIFTS.length));
  out.set(inputs);
  let at = inputs.length;
  if (kind === 'shift') {
    const side = squareSide(n)!;
    for (let r = 0; r < count; r++) {
      const image = inputs.subarray(r * n, (r + 1) * n);
      for (const [dy, dx] of SHIFTS) {
        for (let y = 0; y < side; y++) {
          const sy = Math.min(side - 1, Math.max(0, y - dy));
          for (let x = 0; x < side; x++) out[at + y * side + x] = image[sy * side + Math.min(side - 1, Math.max(0, x - dx))];
        }
        at += n;
      }
    }
  } else {
    const random = seededRandom(seed);
    for (let r = 0; r < count; r++) {
      for (let k = 0; k < SHIFTS.length; k++) {
        const other = Math.floor(random() * count);
        const lambda = 0.5 + 0.4 * random();
        for (let i = 0; i < n; i++) out[at + i] = lambda * inputs[r * n + i] + (1 - lambda) * inputs[other * n + i];
        at += n;
      }
    }
  }
  return out;
}

/** k when n = k² with k >= 8 (a grayscale image), else undefined. */
export function squareSide(n: number): number | undefined {
  const side = Math.round(Math.sqrt(n));
  return side >= 8 && side * side === n ? side : undefined;
}
