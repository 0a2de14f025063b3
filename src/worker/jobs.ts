import { availableParallelism } from 'node:os';
/** What each job kind does inside the worker thread. */
import { forward } from '../core/network/forward';
import { inputSize, outputSize } from '../core/network/network';
import { InputError } from '../core/errors';
import { checkQueryFits, verify } from '../core/verify';
import { localize } from '../core/localize';
import { cachedModel } from './models';
import type { JobKind, JobKinds, JobProgress } from './protocol';

export interface JobContext {
  readonly signal: AbortSignal;
  readonly progress: (p: JobProgress) => void;
}

type Handlers = { [K in JobKind]: (params: JobKinds[K]['params'], ctx: JobContext) => Promise<JobKinds[K]['result']> };

export const productionJobs: Omit<Handlers, 'testBusy' | 'testCrash'> = {
  async loadModel({ modelPath }) {
    const net = cachedModel(modelPath);
    return {
      path: modelPath,
      inputName: net.inputName,
      outputName: net.outputName,
      inputSize: inputSize(net),
      outputSize: outputSize(net),
      layerCount: net.layers.length,
      notes: net.notes,
    };
  },
  async evaluate({ modelPath, input }) {
    const net = cachedModel(modelPath);
    if (input.length !== inputSize(net)) throw new InputError(`the model takes ${inputSize(net)} inputs, got ${input.length}`, { file: modelPath });
    return Array.from(forward(net, Float64Array.from(input)));
  },
  async falsify({ modelPath, query, timeoutSec }, ctx) {
    return verify(cachedModel(modelPath), query, { timeoutSec, falsifyOnly: true, signal: ctx.signal, onProgress: ctx.progress });
  },
  async verify({ modelPath, query, timeoutSec, threads }, ctx) {
    return verify(cachedModel(modelPath), query, { timeoutSec, threads: threads ?? availableParallelism(), signal: ctx.signal, onProgress: ctx.progress });
  },
  async localize({ modelPath, query, method, samples, topK, counterexamples }, ctx) {
    const net = cachedModel(modelPath);
    checkQueryFits(net, query);
    ctx.progress({ stage: 'localize' });
    return localize(net, query, { method, samples, topK, counterexamples });
  },
};

/** Jobs that simulate a hang and a crash, so tests can exercise the host's recovery. Never enabled in the extension. */
export const testJobs: Pick<Handlers, 'testBusy' | 'testCrash'> = {
  async testBusy({ ms }) {
    const end = Date.now() + ms;
    let spins = 0;
    while (Date.now() < end) spins++;
    return spins;
  },
  async testCrash() {
    process.exit(3);
  },
};
