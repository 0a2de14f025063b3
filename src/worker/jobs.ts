import { mkdirSync, writeFileSync } from 'node:fs';
import { availableParallelism, tmpdir } from 'node:os';
import { basename, extname, join } from 'node:path';
/** What each job kind does inside the worker thread. */
import { forwardModel } from '../core/network/forward';
import { isGated, isGraph, modelInputSize, modelOutputSize } from '../core/network/model';
import { InputError } from '../core/errors';
import { checkQueryFits, verify } from '../core/verify';
import { localize } from '../core/localize';
import { localizable } from '../core/localize/model';
import { runRepair } from '../core/repair/driver';
import { pointSetRepairSets } from '../core/repair/pointSets';
import { REPAIR_METHODS, repairMethod } from '../core/repair/registry';
import { cachedModel } from './models';
import type { JobKind, JobKinds, JobProgress } from './protocol';

export interface JobContext {
  readonly signal: AbortSignal;
  readonly progress: (p: JobProgress) => void;
}

type Handlers = { [K in JobKind]: (params: JobKinds[K]['params'], ctx: JobContext) => Promise<JobKinds[K]['result']> };

export const productionJobs: Omit<Handlers, 'testBusy' | 'testCrash'> = {
  async loadModel({ modelPath }) {
    const net = await cachedModel(modelPath);
    return {
      path: modelPath,
      inputName: net.inputName,
      outputName: net.outputName,
      inputSize: modelInputSize(net),
      outputSize: modelOutputSize(net),
      layerCount: isGraph(net) ? net.nodes.length : isGated(net) ? net.base.layers.length : net.layers.length,
      notes: net.notes,
    };
  },
  async evaluate({ modelPath, input }) {
    const net = await cachedModel(modelPath);
    if (input.length !== modelInputSize(net)) throw new InputError(`the model takes ${modelInputSize(net)} inputs, got ${input.length}`, { file: modelPath });
    return Array.from(forwardModel(net, Float64Array.from(input)));
  },
  async falsify({ modelPath, query, timeoutSec }, ctx) {
    return verify(await cachedModel(modelPath), query, { timeoutSec, falsifyOnly: true, signal: ctx.signal, onProgress: ctx.progress });
  },
  async verify({ modelPath, query, timeoutSec, threads }, ctx) {
    return verify(await cachedModel(modelPath), query, { timeoutSec, threads: threads ?? availableParallelism(), signal: ctx.signal, onProgress: ctx.progress });
  },
  async repair(params, ctx) {
    const model = await cachedModel(params.modelPath);
    const { pointSet, ...request } = params;
    const sets = pointSet ? pointSetRepairSets(model, pointSet, params.decision) : undefined;
    if (sets && sets.repairSet.length === 0) throw new InputError(`every point is already right (${sets.log.join('; ')}): nothing to repair`);
    const { report, bytes } = await runRepair({
      ...request,
      repairSet: [...request.repairSet, ...(sets?.repairSet ?? [])],
      keepSet: [...request.keepSet, ...(sets?.keepSet ?? [])],
      method: repairMethod(params.method),
      model,
      signal: ctx.signal,
      onProgress: (p) => ctx.progress({ stage: p.message ? `${p.stage}: ${p.message}` : p.stage, fractionDone: p.fraction }),
    });
    if (!bytes) return { report };
    const folder = join(tmpdir(), 'netmend-repairs');
    mkdirSync(folder, { recursive: true });
    const repairedPath = join(folder, `${basename(params.modelPath, extname(params.modelPath))}.${params.method}.${Date.now()}.onnx`);
    writeFileSync(repairedPath, bytes);
    return { report, repairedPath };
  },
  async repairMethods() {
    return REPAIR_METHODS.map((m) => m.id);
  },
  async localize({ modelPath, query, method, samples, topK, counterexamples, verifyTimeoutSec }, ctx) {
    const net = localizable(await cachedModel(modelPath));
    checkQueryFits(net, query);
    ctx.progress({ stage: counterexamples?.length ? 'sampling around the counterexample' : 'sampling the region (the verifier looks for a counterexample if none violates)' });
    return localize(net, query, { method, samples, topK, counterexamples, verifyTimeoutSec, signal: ctx.signal });
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
