/** A CompileHost on the file system: resolves paths beside the .prop file, reads model shapes and data sets. */
import { dirname, resolve } from 'node:path';
import { InputError } from '../errors';
import { FILE_LIMITS, readRegularText } from '../files';
import { readModelShape } from '../onnx/loadModelFile';
import type { CompileHost } from './compile';
import { lpReady, solveLp } from '../lp';
import type { Polytope } from '../query/normalForm';
import type { DataPoint } from './symbols';

export function fileHost(propFile: string, options: { loadModels: boolean } = { loadModels: true }): CompileHost {
  return {
    resolve: (path) => resolve(dirname(propFile), path),
    modelShape: options.loadModels ? (path) => {
      try {
        return readModelShape(path);
      } catch (err) {
        if (err instanceof InputError) return { error: err.describe() };
        throw err;
      }
    } : undefined,
    isFeasible: (polytope) => (lpReady() ? polytopeFeasible(polytope) : true),
    readData: (path) => {
      try {
        return readDataFile(path);
      } catch (err) {
        if (err instanceof InputError) return { error: err.describe() };
        throw err;
      }
    },
  };
}

/**
 * Labelled points: CSV with a header (a `label` column is the label; other columns not named like an index are values)
 * or JSON (an array of {input: number[], label?: number}).
 */
export function readDataFile(path: string): DataPoint[] {
  const text = readRegularText(path, 'data file', FILE_LIMITS.data);
  if (path.toLowerCase().endsWith('.json')) {
    let data: unknown;
    try { data = JSON.parse(text); } catch (err) { throw new InputError(`invalid JSON: ${(err as Error).message}`, { file: path }); }
    if (!Array.isArray(data)) throw new InputError('expected an array of {"input": [...], "label": k}', { file: path });
    return data.map((d, k) => {
      const input = (d as { input?: unknown }).input;
      if (!Array.isArray(input) || !input.every((v) => typeof v === 'number' && Number.isFinite(v))) throw new InputError(`point ${k} has no "input" array of finite numbers`, { file: path });
      const label = (d as { label?: unknown }).label;
      if (label !== undefined && !(typeof label === 'number' && Number.isFinite(label))) throw new InputError(`point ${k} has a label that is not a finite number`, { file: path });
      return { values: input as number[], label: typeof label === 'number' ? label : undefined };
    });
  }
  const [header, ...lines] = text.split(/\r?\n/).map((content, i) => ({ content, line: i + 1 })).filter((l) => l.content.trim() !== '');
  const columns = (header?.content ?? '').split(',').map((c) => c.trim());
  const labelColumn = columns.indexOf('label');
  const skip = new Set(columns.map((c, i) => (/(^|_)(index|id)$/.test(c) ? i : -1)).filter((i) => i >= 0));
  return lines.map(({ content, line }, k) => {
    const where = { file: path, line };
    const texts = content.split(',');
    if (texts.length !== columns.length) throw new InputError(`row ${k + 1} has ${texts.length} cells but the header names ${columns.length} columns`, where);
    // Number('') is 0: an empty cell is a missing value, not a zero.
    const empty = texts.findIndex((t) => t.trim() === '');
    if (empty >= 0) throw new InputError(`row ${k + 1}, column ${empty + 1} (${columns[empty]}) is empty`, where);
    const cells = texts.map(Number);
    const bad = cells.findIndex((v) => !Number.isFinite(v));
    if (bad >= 0) throw new InputError(`row ${k + 1}, column ${bad + 1} (${columns[bad]}) is not a finite number`, where);
    return { values: cells.filter((_, i) => i !== labelColumn && !skip.has(i)), label: labelColumn >= 0 ? cells[labelColumn] : undefined };
  });
}

/** An LP feasibility test, with each row relaxed by a tolerance so that only a clear contradiction counts as empty. */
export function polytopeFeasible(p: Polytope): boolean {
  const rows = p.rows.map((r) => ({ coeffs: r.coeffs, lower: -Infinity, upper: r.rhs + 1e-9 * (1 + Math.abs(r.rhs)) }));
  return solveLp({ sense: 'minimize', objective: new Float64Array(p.lower.length), rows, lower: p.lower, upper: p.upper }).status !== 'infeasible';
}
