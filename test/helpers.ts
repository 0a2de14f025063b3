import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import * as path from 'node:path';
import { loadModelFile } from '../src/core/onnx/loadModelFile';
import { isGraph } from '../src/core/network/model';
import type { Network } from '../src/core/network/network';
import { checkDocument } from '../src/core/property';
import { fileHost } from '../src/core/property/fileHost';

/** The shared data folder beside the project (`../shared/data`), overridable for unusual checkouts. */
export const SHARED_DATA = process.env.NETMEND_SHARED_DATA ?? path.resolve(__dirname, '..', '..', 'shared', 'data');
export const dataPath = (...parts: string[]): string => path.join(SHARED_DATA, ...parts);
export const acasNet = (i: number, j: number): string => dataPath('acasxu', `ACASXU_run2a_${i}_${j}_batch_2000.onnx`);

/** A model file that must be a plain layer sequence (every shared network is). */
export function loadNetwork(file: string): Network {
  const model = loadModelFile(file);
  if (isGraph(model)) throw new Error(`${file} imported as a graph, not a layer sequence`);
  return model;
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
