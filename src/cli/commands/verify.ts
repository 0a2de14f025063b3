import { realpathSync } from 'node:fs';
import { resolve } from 'node:path';
import { InputError } from '../../core/errors';
import { loadCheckedModel } from '../../core/onnx/loadModelFile';
import { OrtModel } from '../../core/onnx/ort';
import { violatedClause } from '../../core/query/normalForm';
import { verify, type VerifyResult } from '../../core/verify';
import { parseArgs, stringFlag, threadsFlag } from '../args';
import type { Command } from '../command';
import { loadQueries, type LoadedQuery } from '../loadQueries';

/** VNN-COMP's tolerance for a counterexample re-checked by another runtime. */
export const COUNTEREXAMPLE_TOLERANCE = 1e-4;

const fmt = (v: ArrayLike<number>) => `[${Array.from(v, (x) => Number(x.toPrecision(8))).join(', ')}]`;

export const verifyCommand: Command = {
  name: 'verify',
  usage: 'verify <model> <spec.prop|spec.vnnlib> [--property NAME] [--timeout SEC] [--threads N] [--json]',
  summary: 'prove each property or find a counterexample (exit 0 all hold, 1 some violated, 3 some unknown)',
  async run(args) {
    const parsed = parseArgs(args, { values: ['property', 'timeout', 'threads'], switches: ['json'], positionals: 2 });
    const [modelPath, specPath] = parsed.positional;
    if (!modelPath || !specPath) throw new InputError(`usage: netmend ${this.usage}`);
    const timeoutSec = Number(stringFlag(parsed, 'timeout') ?? 60);
    if (!(timeoutSec > 0)) throw new InputError('--timeout must be a positive number of seconds');
    const threads = threadsFlag(stringFlag(parsed, 'threads'));
    const net = await loadCheckedModel(modelPath);
    const wanted = stringFlag(parsed, 'property');
    const all = loadQueries(specPath);
    if (all.length === 0) throw new InputError('the file states no property to verify (a `for each` over an empty data set?)', { file: specPath });
    const queries = all.filter((q) => !wanted || q.query.name === wanted);
    if (queries.length === 0) throw new InputError(`no property named '${wanted}'; the file has ${all.map((q) => q.query.name).join(', ')}`, { file: specPath });
    warnOnOtherModel(specPath, all[0].model, modelPath);
    const ort = await OrtModel.forModelFile(modelPath, net);
    const results: { name: string; result: VerifyResult; ortOutput?: number[] }[] = [];
    for (const loaded of queries) {
      const { query } = loaded;
      let result = await verify(net, query, { timeoutSec, threads });
      let ortOutput: number[] | undefined;
      if (result.status === 'violated') {
        // Cross-check on the original file with ONNX Runtime before reporting.
        const [y] = await ort.run([result.counterexample.input]);
        ortOutput = Array.from(y);
        if (violatedClause(query.violation, y, COUNTEREXAMPLE_TOLERANCE) < 0) {
          result = { status: 'unknown', timeSec: result.timeSec, reason: 'a counterexample was found but ONNX Runtime does not reproduce it within 1e-4' };
        }
      }
      results.push({ name: query.name, result, ortOutput });
      if (!parsed.flags.has('json')) console.log(describe(loaded, result) + (result.note ? `\n  note: ${result.note}` : ''));
    }
    await ort.release();
    if (parsed.flags.has('json')) {
      console.log(JSON.stringify(results.map(({ name, result, ortOutput }) => ({
        property: name,
        status: result.status,
        timeSec: result.timeSec,
        ...(result.status === 'violated' ? { counterexample: { input: Array.from(result.counterexample.input), output: Array.from(result.counterexample.output), ortOutput, clause: result.counterexample.clause } } : {}),
        ...(result.status === 'unknown' ? { reason: result.reason } : {}),
        ...(result.note ? { note: result.note } : {}),
      })), null, 2));
    }
    const statuses = results.map((r) => r.result.status);
    return statuses.includes('violated') ? 1 : statuses.includes('unknown') ? 3 : 0;
  },
};

/** A .prop file names its model; verifying it against another file is allowed (a repaired copy) but said. */
function warnOnOtherModel(specPath: string, named: string | undefined, given: string): void {
  if (named === undefined || sameFile(named, given)) return;
  console.error(`netmend verify: warning: ${specPath} is written for the model ${named}; verifying ${given} instead`);
}

function sameFile(a: string, b: string): boolean {
  try {
    return realpathSync(a) === realpathSync(b);
  } catch {
    return resolve(a) === resolve(b);
  }
}

function describe({ query, describe: terms }: LoadedQuery, r: VerifyResult): string {
  const time = `(${r.timeSec.toFixed(2)} s)`;
  switch (r.status) {
    case 'holds': return `${query.name}: holds ${time}`;
    case 'unknown': return `${query.name}: unknown ${time}: ${r.reason}`;
    case 'violated': {
      const { input, output, clause } = r.counterexample;
      if (!terms) return `${query.name}: violated ${time}: input ${fmt(input)} gives ${fmt(output)} (clause ${clause + 1})`;
      return `${query.name}: violated ${time}\n  inputs:  ${terms.inputs(input)}\n  outputs: ${terms.outputs(output)}\n  breaks:  ${terms.clauses[clause]}`;
    }
  }
}
