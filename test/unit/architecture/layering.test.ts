/**
 * The import graph of src/: no import runs up a layer, and no two files import each other (directly or round a cycle).
 * Layers, lowest first; units on one line are siblings and must not import each other.
 */
import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import { readdirSync, readFileSync, statSync, existsSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';

const LAYERS: readonly (readonly string[])[] = [
  ['core/errors.ts', 'core/query'],
  ['core/files.ts'],
  ['core/lp', 'core/network'],
  ['core/nnet', 'core/bounds'],
  ['core/onnx'],
  ['core/verify', 'core/property'],
  ['core/train'],
  ['core/localize'],
  ['core/repair'],
  ['worker', 'cli'],
  ['extension'],
];

const SRC = resolve(__dirname, '..', '..', '..', 'src');

function sourceFiles(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    return statSync(path).isDirectory() ? sourceFiles(path) : path.endsWith('.ts') ? [path] : [];
  });
}

/** Relative imports and re-exports of a file, resolved to files under src (paths relative to src). */
export function importsOf(file: string, source: string, exists: (path: string) => boolean): string[] {
  const specs = [...source.matchAll(/(?:^|\n)\s*(?:import|export)\b[^'"]*?from\s+'(\.[^']+)'|(?:^|\n)\s*import\s+'(\.[^']+)'/g)].map((m) => m[1] ?? m[2]);
  return specs.map((spec) => {
    const base = join(dirname(file), spec);
    return [`${base}.ts`, join(base, 'index.ts'), base].find(exists) ?? `${base}.ts`;
  });
}

const unitOf = (file: string): string | undefined =>
  LAYERS.flat().filter((u) => file === u || file.startsWith(`${u}/`)).sort((a, b) => b.length - a.length)[0];
const rankOf = (unit: string): number => LAYERS.findIndex((layer) => layer.includes(unit));

/** Every import from a unit to a sibling or a higher layer, and every file outside the table. */
export function layerViolations(graph: ReadonlyMap<string, readonly string[]>): string[] {
  const problems: string[] = [];
  for (const [file, imports] of graph) {
    const from = unitOf(file);
    if (!from) {
      problems.push(`${file} belongs to no layer (add its folder to LAYERS)`);
      continue;
    }
    for (const target of imports) {
      const to = unitOf(target);
      if (!to || to === from) continue;
      if (rankOf(to) >= rankOf(from)) problems.push(`${file} imports ${target}: ${from} may not import ${to}`);
    }
  }
  return problems;
}

/** Import cycles between files, each as the files round it. */
export function importCycles(graph: ReadonlyMap<string, readonly string[]>): string[][] {
  const cycles: string[][] = [];
  const state = new Map<string, 'open' | 'done'>();
  const stack: string[] = [];
  const visit = (file: string): void => {
    state.set(file, 'open');
    stack.push(file);
    for (const next of graph.get(file) ?? []) {
      if (!graph.has(next)) continue;
      if (state.get(next) === 'open') cycles.push([...stack.slice(stack.indexOf(next)), next]);
      else if (!state.has(next)) visit(next);
    }
    stack.pop();
    state.set(file, 'done');
  };
  for (const file of graph.keys()) if (!state.has(file)) visit(file);
  return cycles;
}

function srcGraph(): Map<string, string[]> {
  const graph = new Map<string, string[]>();
  for (const path of sourceFiles(SRC)) {
    const file = relative(SRC, path);
    graph.set(file, importsOf(file, readFileSync(path, 'utf8'), (p) => existsSync(join(SRC, p)) && statSync(join(SRC, p)).isFile()));
  }
  return graph;
}

test('no import in src/ runs up a layer or across siblings', () => {
  const graph = srcGraph();
  assert.ok(graph.size > 50, `read ${graph.size} files`);
  assert.deepEqual(layerViolations(graph), []);
});

test('no import cycles between the files of src/', () => {
  assert.deepEqual(importCycles(srcGraph()).map((c) => c.join(' -> ')), []);
});

test('the checks see an upward import, a sibling import and a cycle', () => {
  const exists = (p: string): boolean => p === 'core/verify/index.ts' || p === 'core/network/graph.ts';
  const graph = new Map<string, string[]>([
    ['core/network/forward.ts', importsOf('core/network/forward.ts', "import { x } from '../verify';\nimport type { Y } from './graph';", exists)],
    ['core/network/graph.ts', importsOf('core/network/graph.ts', "export { z } from './forward';", exists)],
    ['cli/main.ts', ["worker/client.ts"]],
  ]);
  assert.deepEqual(graph.get('core/network/forward.ts'), ['core/verify/index.ts', 'core/network/graph.ts']);
  assert.deepEqual(layerViolations(graph), [
    'core/network/forward.ts imports core/verify/index.ts: core/network may not import core/verify',
    'cli/main.ts imports worker/client.ts: cli may not import worker',
  ]);
  assert.deepEqual(importCycles(graph), [['core/network/forward.ts', 'core/network/graph.ts', 'core/network/forward.ts']]);
});
