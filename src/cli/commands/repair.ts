import { writeFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { InputError } from '../../core/errors';
import { FILE_LIMITS, readRegularText } from '../../core/files';
import { modelInputSize } from '../../core/network/model';
import { loadCheckedModel } from '../../core/onnx/loadModelFile';
import { polytopeBox } from '../../core/verify/falsify';
import { runRepair, type NamedQuery } from '../../core/repair/driver';
import { REPAIR_METHODS, repairMethod } from '../../core/repair/registry';
import type { RepairReport } from '../../core/repair/report';
import type { Decision, KeepPoint, RepairPoint } from '../../core/repair/types';
import { parseArgs, stringFlag, threadsFlag, UsageError } from '../args';
import type { Command } from '../command';
import { assertWritable } from '../output';
import { loadQueries, type LoadedQuery } from '../loadQueries';
import { formatReport } from '../repairReport';
import { compareRepairs, formatComparison } from '../../core/repair/comparison';
import { pointSetRepairSets } from '../../core/repair/pointSets';

export const repairCommand: Command = {
  name: 'repair',
  usage: 'repair <model> [<spec.prop|spec.vnnlib>] --method ID|all --out REPAIRED.onnx [--property NAME[,NAME...] (all to hold; a `for each` declaration: its points)] [--repair-set R.json] [--keep-set C.json] [--decision argmax|argmin] [--options k=v,...] [--timeout SEC] [--verify-timeout SEC] [--threads N] [--report REPORT.json] [--json]',
  summary: `repair the model for a property or a set of points (methods: ${REPAIR_METHODS.map((m) => m.id).join(', ')}, or all to compare them); exit 0 repaired and proven, 1 not repaired, 3 unknown`,
  async run(args) {
    const parsed = parseArgs(args, {
      values: ['method', 'out', 'property', 'repair-set', 'keep-set', 'decision', 'options', 'timeout', 'verify-timeout', 'threads', 'report'],
      switches: ['json'],
      short: { o: 'out', m: 'method' },
      positionals: 2,
    });
    const [modelPath, specPath] = parsed.positional;
    const methodId = stringFlag(parsed, 'method');
    const out = stringFlag(parsed, 'out');
    if (!modelPath || !methodId || !out) throw new UsageError(`usage: netmend ${this.usage}`);
    const methods = methodId === 'all' ? REPAIR_METHODS : [repairMethod(methodId)];
    if (resolve(out) === resolve(modelPath)) throw new UsageError('--out must not be the input model: a repair never overwrites the original', { file: out });
    assertWritable(out, 'repaired model');
    const reportPath = stringFlag(parsed, 'report');
    if (reportPath) assertWritable(reportPath, 'report');
    const timeoutSec = positive(stringFlag(parsed, 'timeout') ?? '300', '--timeout');
    const verifyTimeoutSec = positive(stringFlag(parsed, 'verify-timeout') ?? '60', '--verify-timeout');
    const threads = threadsFlag(stringFlag(parsed, 'threads'));

    const model = await loadCheckedModel(modelPath);
    const inputs = modelInputSize(model);
    const loaded: LoadedQuery[] = specPath ? loadQueries(specPath) : [];
    const wanted = stringFlag(parsed, 'property');
    // --property naming a `for each` declaration: its points' verdicts give the repair and keep sets;
    // --property a,b,c: a specification of several properties, all to hold after the repair.
    const instances = wanted && !loaded.some((q) => q.query.name === wanted) ? loaded.filter((q) => q.declaration === wanted && q.point) : [];
    const [target, ...alsoRequired] = instances.length > 0 ? [] : chooseTargets(loaded, wanted, specPath);
    const repairSet = readPoints(stringFlag(parsed, 'repair-set'), 'repair set', inputs) as RepairPoint[];
    const keepSet = readPoints(stringFlag(parsed, 'keep-set'), 'keep set', inputs, true) as KeepPoint[];
    if (instances.length > 0) {
      const sets = pointSetRepairSets(model, instances.map((q) => ({ name: q.query.name, query: q.query, input: pointInputOf(q, specPath), label: q.point!.label })), loaded[0].decision ?? 'argmax');
      repairSet.push(...sets.repairSet);
      keepSet.push(...sets.keepSet);
      if (!parsed.flags.has('json')) process.stderr.write(`  ${wanted}: ${sets.log.join('; ')}\n`);
      if (sets.repairSet.length === 0) throw new InputError(`every point of '${wanted}' is already right: nothing to repair`, { file: specPath });
    }
    if (!target && repairSet.length === 0) throw new UsageError('nothing to repair: give a property file (and --property) or --repair-set');
    // A method applies when it takes what was given: a property, or repair points.
    // With --method all, a method that needs a keep set (I-REPAIR) is left out when none was given.
    const applicable = methods.filter((m) => ((target && m.needs.includes('property')) || (repairSet.length > 0 && m.needs.includes('repairSet'))) &&
      (methodId !== 'all' || keepSet.length > 0 || !m.needs.includes('keepSet')));
    if (applicable.length === 0) throw new UsageError(`${methods.map((m) => m.name).join(', ')} cannot repair what was given: ${target ? 'a property needs a method that repairs properties' : 'repair points need a method that repairs points'}`);
    const decisionFlag = stringFlag(parsed, 'decision');
    if (decisionFlag && decisionFlag !== 'argmax' && decisionFlag !== 'argmin') throw new UsageError('--decision must be argmax or argmin');
    const decision: Decision = (decisionFlag as Decision | undefined) ?? loaded[0]?.decision ?? 'argmax';
    const domain = loaded[0]?.domain ?? (target ? boundingBox(target) : pointsBox(repairSet, inputs));

    const json = parsed.flags.has('json');
    const written: RepairReport[] = [];
    for (const method of applicable) {
      const { report, bytes } = await runRepair({
        modelPath, model, method,
        target, alsoRequired,
        others: loaded.filter((q) => ![target, ...alsoRequired].some((t) => t?.query === q.query) && !instances.includes(q)).map((q) => ({ name: q.query.name, query: q.query })),
        repairSet, keepSet, domain, decision,
        options: parseOptions(stringFlag(parsed, 'options')),
        timeoutSec, verifyTimeoutSec, threads,
        onProgress: json ? undefined : (p) => process.stderr.write(`  ${method.id}: ${p.stage}${p.message ? `: ${p.message}` : ''}\n`),
      });
      // With --method all every method's model is kept, as OUT with the method's id before the extension.
      const file = applicable.length > 1 || methodId === 'all' ? out.replace(/(\.onnx)?$/i, `.${method.id}.onnx`) : out;
      if (bytes) writeFileSync(file, bytes);
      written.push({ ...report, repairedFile: bytes ? file : undefined });
      if (!json) console.log(formatReport(written[written.length - 1]));
    }
    if (reportPath) writeFileSync(reportPath, JSON.stringify(methodId === 'all' ? written : written[0], null, 2));
    if (json) console.log(JSON.stringify(methodId === 'all' ? written : written[0], null, 2));
    else if (methodId === 'all') console.log(`\n${formatComparison(compareRepairs(written))}`);
    const statuses = written.map((r) => r.verdict.status);
    return statuses.includes('repaired') ? 0 : statuses.includes('unknown') ? 3 : 1;
  },
};

function pointInputOf(q: LoadedQuery, file: string | undefined): Float64Array {
  if (!q.point?.input) throw new InputError(`${q.query.name}: its data point needs one value per model input to be repaired as a point`, { file });
  return q.point.input;
}

function positive(text: string, flag: string): number {
  const v = Number(text);
  if (!(v > 0) || !Number.isFinite(v)) throw new UsageError(`${flag} must be a positive number of seconds`);
  return v;
}

function chooseTargets(loaded: readonly LoadedQuery[], wanted: string | undefined, file: string | undefined): NamedQuery[] {
  if (loaded.length === 0) {
    if (wanted) throw new UsageError('--property needs a property file');
    return [];
  }
  const names = loaded.map((q) => q.query.name);
  if (!wanted) {
    if (loaded.length === 1) return [{ name: loaded[0].query.name, query: loaded[0].query }];
    throw new InputError(`the file has ${loaded.length} properties; choose one with --property (${names.join(', ')}), or several separated by commas`, { file });
  }
  return wanted.split(',').map((name) => {
    const chosen = loaded.find((q) => q.query.name === name.trim());
    if (!chosen) throw new InputError(`no property named '${name.trim()}'; the file has ${names.join(', ')}`, { file });
    return { name: chosen.query.name, query: chosen.query };
  });
}

/** A JSON array of {"input": [...], "label": k} (network space). */
function readPoints(path: string | undefined, what: string, inputs: number, labelRequired = false): (RepairPoint | KeepPoint)[] {
  if (!path) return [];
  let data: unknown;
  try {
    data = JSON.parse(readRegularText(path, what, FILE_LIMITS.data));
  } catch (err) {
    if (err instanceof InputError) throw err;
    throw new InputError(`the ${what} is not valid JSON: ${(err as Error).message}`, { file: path });
  }
  if (!Array.isArray(data)) throw new InputError(`the ${what} must be a JSON array of {"input": [...], "label": k}`, { file: path });
  return data.map((item, k) => {
    const where = `${what} entry ${k + 1}`;
    const input = (item as { input?: unknown })?.input;
    const label = (item as { label?: unknown })?.label;
    if (!Array.isArray(input) || input.length !== inputs || !input.every((v) => typeof v === 'number' && Number.isFinite(v))) {
      throw new InputError(`${where}: "input" must be an array of ${inputs} finite numbers`, { file: path });
    }
    if (label !== undefined && !Number.isInteger(label)) throw new InputError(`${where}: "label" must be a whole number`, { file: path });
    if (labelRequired && label === undefined) throw new InputError(`${where}: needs a "label"`, { file: path });
    return { input: Float64Array.from(input as number[]), label: label as number };
  });
}

/** --options k=v,k=v: numbers and booleans parsed, the rest kept as text. */
function parseOptions(text: string | undefined): Record<string, number | string | boolean> {
  const options: Record<string, number | string | boolean> = {};
  for (const part of (text ?? '').split(',').filter(Boolean)) {
    const eq = part.indexOf('=');
    if (eq <= 0) throw new UsageError(`--options takes key=value pairs separated by commas, not '${part}'`);
    const value = part.slice(eq + 1);
    options[part.slice(0, eq)] = value === 'true' ? true : value === 'false' ? false : value !== '' && Number.isFinite(Number(value)) ? Number(value) : value;
  }
  return options;
}

function boundingBox(target: NamedQuery): { lower: Float64Array; upper: Float64Array } {
  const boxes = target.query.region.map(polytopeBox);
  const lower = Float64Array.from(boxes[0].lower, (_, j) => Math.min(...boxes.map((b) => b.lower[j])));
  const upper = Float64Array.from(boxes[0].upper, (_, j) => Math.max(...boxes.map((b) => b.upper[j])));
  return { lower, upper };
}

function pointsBox(points: readonly RepairPoint[], inputs: number): { lower: Float64Array; upper: Float64Array } {
  const lower = new Float64Array(inputs).fill(Infinity);
  const upper = new Float64Array(inputs).fill(-Infinity);
  for (const p of points) for (let j = 0; j < inputs; j++) { lower[j] = Math.min(lower[j], p.input[j]); upper[j] = Math.max(upper[j], p.input[j]); }
  return { lower, upper };
}
