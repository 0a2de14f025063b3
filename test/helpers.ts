import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import * as path from 'node:path';
import { loadModelFile } from '../src/core/onnx/loadModelFile';
import { asLayerSequence } from '../src/core/network/model';
import type { Network } from '../src/core/network/network';
import { checkDocument } from '../src/core/property';
import { fileHost } from '../src/core/property/fileHost';
import type { Query } from '../src/core/query/normalForm';
import { seededRandom } from '../src/core/verify/falsify';

/**
 * The shared data folder beside the project (`../shared/data`), or beside any folder above it so that a git worktree
 * nested elsewhere finds it too; overridable for unusual checkouts.
 */
export const SHARED_DATA = process.env.NETMEND_SHARED_DATA ?? findSharedData(path.resolve(__dirname, '..'));

function findSharedData(project: string): string {
  for (let dir = path.dirname(project); ; dir = path.dirname(dir)) {
    const candidate = path.join(dir, 'shared', 'data');
    if (existsSync(candidate)) return candidate;
    if (path.dirname(dir) === dir) return path.join(path.dirname(project), 'shared', 'data');
  }
}
export const dataPath = (...parts: string[]): string => path.join(SHARED_DATA, ...parts);
export const acasNet = (i: number, j: number): string => dataPath('acasxu', `ACASXU_run2a_${i}_${j}_batch_2000.onnx`);

/** A model file that must be a plain layer sequence (every shared network is). */
export function loadNetwork(file: string): Network {
  const model = loadModelFile(file);
  return asLayerSequence(model, file);
}

/** The 15 MNIST test images behind the VNN-COMP robustness properties: pixels in [0, 1] and the true label. */
export function mnistPropImages(): { label: number; pixels: Float64Array }[] {
  const [, ...rows] = readFileSync(dataPath('mnist', 'mnist_images_from_props.csv'), 'utf8').trim().split('\n');
  return rows.map((row) => {
    const cells = row.split(',').map(Number);
    return { label: cells[1], pixels: Float64Array.from(cells.slice(2)) };
  });
}

/** Runs the `netmend` CLI from source, as a user would, and returns its exit code and output. */
export function runCli(args: string[], cwd = path.resolve(__dirname, '..')): { code: number; stdout: string; stderr: string } {
  const run = spawnSync(process.execPath, ['--import', 'tsx', path.resolve(__dirname, '..', 'src', 'cli', 'main.ts'), ...args], { cwd, encoding: 'utf8' });
  return { code: run.status ?? -1, stdout: run.stdout, stderr: run.stderr };
}

/** A 2 -> 8 -> 8 -> 3 ReLU network with seeded float32 weights (seed 11: output 0 is the largest on about 8% of [-1, 1]^2). */
export function smallNet(seed: number): Network {
  const r = seededRandom(seed);
  const sizes = [2, 8, 8, 3];
  const layers = sizes.slice(1).map((out, k) => ({
    inSize: sizes[k], outSize: out, name: `layer${k}`,
    weights: Float64Array.from({ length: out * sizes[k] }, () => Math.fround(r() * 2 - 1)),
    bias: Float64Array.from({ length: out }, () => Math.fround(r() * 0.4 - 0.2)),
    activation: { kind: k === 2 ? 'identity' : 'relu' } as const,
  }));
  return { layers, inputName: 'input', inputShape: [1, 2], outputName: 'output', outputShape: [1, 3], notes: [] };
}

/** For smallNet: violated where output 0 is the largest, on [-1, 1]^2. */
export const notFirst: Query = {
  name: 'output 0 is never the largest',
  region: [{ lower: Float64Array.of(-1, -1), upper: Float64Array.of(1, 1), rows: [] }],
  violation: [[{ coeffs: Float64Array.of(-1, 1, 0), rhs: 0 }, { coeffs: Float64Array.of(-1, 0, 1), rhs: 0 }]],
};

/**
 * The whole ACAS Xu input domain in the network's normalised space, from the bundled example's `input ... in [lo, hi]`
 * declarations and their normalisation (not the union of the properties' boxes).
 */
export function acasDomain(): { lower: Float64Array; upper: Float64Array } {
  const file = path.resolve(__dirname, '..', 'examples', 'acasxu', 'acasxu.prop');
  const doc = checkDocument(readFileSync(file, 'utf8'), fileHost(file));
  const inputs = doc.symbols.variables('input');
  return {
    lower: Float64Array.from(inputs, (s) => (s.domain!.lower - s.mean) / s.divisor),
    upper: Float64Array.from(inputs, (s) => (s.domain!.upper - s.mean) / s.divisor),
  };
}

/** REASSURE's running example (its section 3.1): y = relu(x1 + 2 x2 - 1) + relu(2 x1 - x2) on [0, 1]^2, which must stay at most 2. */
export const paperExample: Network = {
  layers: [
    { inSize: 2, outSize: 2, weights: Float64Array.of(1, 2, 2, -1), bias: Float64Array.of(-1, 0), activation: { kind: 'relu' }, name: 'hidden' },
    { inSize: 2, outSize: 1, weights: Float64Array.of(1, 1), bias: Float64Array.of(0), activation: { kind: 'identity' }, name: 'output' },
  ],
  inputName: 'x', inputShape: [1, 2], outputName: 'y', outputShape: [1, 1], notes: [],
};
export const unitSquare = { lower: Float64Array.of(0, 0), upper: Float64Array.of(1, 1) };
/** Violated when y >= 2 (written -y <= -2). */
export const atMostTwo: Query = { name: 'y <= 2', region: [{ ...unitSquare, rows: [] }], violation: [[{ coeffs: Float64Array.of(-1), rhs: -2 }]] };
