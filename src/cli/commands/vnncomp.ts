import { availableParallelism } from 'node:os';
import { writeFileSync } from 'node:fs';
import { InputError } from '../../core/errors';
import { loadCheckedModel } from '../../core/onnx/loadModelFile';
import { OrtModel } from '../../core/onnx/ort';
import { violatedClause } from '../../core/query/normalForm';
import { verify } from '../../core/verify';
import type { Command } from '../command';
import { loadQueries } from '../loadQueries';
import { parseArgs } from '../args';
import { assertWritable } from '../output';
import { COUNTEREXAMPLE_TOLERANCE } from './verify';

/** The VNN-COMP runner interface: the result file's first line is unsat / sat / timeout / unknown. */
export const vnncompCommand: Command = {
  name: 'vnncomp',
  usage: 'vnncomp <onnx> <vnnlib> <result_file> <timeout_s>',
  summary: 'VNN-COMP runner interface: writes unsat, sat (+ the counterexample), timeout or unknown',
  async run(args) {
    const started = Date.now();
    const [onnx, vnnlib, resultFile, timeout] = parseArgs(args, { positionals: 4 }).positional;
    const timeoutSec = Number(timeout);
    if (!onnx || !vnnlib || !resultFile || !(timeoutSec > 0)) throw new InputError(`usage: netmend ${this.usage}`);
    assertWritable(resultFile, 'result file');
    const net = await loadCheckedModel(onnx);
    const [{ query }] = loadQueries(vnnlib);
    // The budget covers reading the files too; leave a little of it for writing the answer.
    const remaining = timeoutSec - (Date.now() - started) / 1000 - 0.5;
    const result = await verify(net, query, { timeoutSec: Math.max(0.1, remaining), threads: availableParallelism() });
    let text: string;
    if (result.status === 'holds') text = 'unsat\n';
    else if (result.status === 'unknown') text = result.reason === 'timeout' ? 'timeout\n' : 'unknown\n';
    else {
      // Report what the original file computes, so the checker's re-run reproduces the outputs.
      const ort = await OrtModel.forModelFile(onnx, net);
      const [y] = await ort.run([result.counterexample.input]);
      await ort.release();
      if (violatedClause(query.violation, y, COUNTEREXAMPLE_TOLERANCE) < 0) text = 'unknown\n';
      else {
        const xs = Array.from(result.counterexample.input, (v, i) => `(X_${i} ${v})`);
        const ys = Array.from(y, (v, i) => `(Y_${i} ${v})`);
        text = `sat\n(${[...xs, ...ys].join('\n')})\n`;
      }
    }
    writeFileSync(resultFile, text);
    console.log(text.split('\n')[0]);
    return 0;
  },
};
