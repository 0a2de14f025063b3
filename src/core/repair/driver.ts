/**
 * The repair driver: runs a method, then judges what it returned without taking its word for anything. It writes the
 * ONNX file, reads it back with our importer, verifies the property on that model, checks every repair point with ONNX
 * Runtime on the written bytes, re-verifies every other property of the file that held before, and measures fidelity
 * and size against the original.
 */
import { exportOnnx } from '../onnx/export';
import { loadOnnxModel } from '../onnx/import';
import { OrtModel } from '../onnx/ort';
import { BatchForward } from '../onnx/batchForward';
import { isGated, modelInputSize, modelOutputSize, type Model } from '../network/model';
import { inRegion, violationMargin, type Query } from '../query/normalForm';
import { verify, type VerifyResult } from '../verify';
import { seededRandom } from '../verify/falsify';
import { measureSize, parameterCount } from './size';
import { certifiedMaxChange } from './certifiedChange';
import type { Fidelity, Regression, RepairReport, RepairVerdict } from './report';
import type { RepairMethod, RepairTask } from './types';
import { decide, labelViolation } from './labels';

export interface NamedQuery {
  readonly name: string;
  readonly query: Query;
}

/** What the driver needs: the method's task (less the query, which `target` names) and what the judging needs. */
export interface RepairRequest extends Omit<RepairTask, 'query' | 'alsoRequired'> {
  /** Where the original came from (for the report only: nothing is written there). */
  readonly modelPath: string;
  readonly method: RepairMethod;
  /** The property to repair, if any (point repairs may have none). */
  readonly target?: NamedQuery;
  /** Properties that must hold together with the target (a specification of several): each is proved on the written file. */
  readonly alsoRequired?: readonly NamedQuery[];
  /** The file's other properties: any that held before and not after is a regression. */
  readonly others: readonly NamedQuery[];
  /** Each verification of the written model gets this long (`timeoutSec` is the method's budget). */
  readonly verifyTimeoutSec: number;
  readonly threads?: number;
  readonly fidelitySamples?: number;
}

export interface RepairRun {
  readonly report: RepairReport;
  /** The written ONNX file (what the report judged); absent when the method failed before returning a model. */
  readonly bytes?: Uint8Array;
}

const FIDELITY_SAMPLES = 10_000;

export async function runRepair(req: RepairRequest): Promise<RepairRun> {
  const method = req.method;
  const timings: { stage: string; sec: number }[] = [];
  const timed = async <T>(stage: string, work: () => Promise<T>): Promise<T> => {
    const start = performance.now();
    try {
      return await work();
    } finally {
      timings.push({ stage, sec: (performance.now() - start) / 1000 });
    }
  };
  const verifyOn = (model: Model, q: Query) =>
    verify(model, q, { timeoutSec: req.verifyTimeoutSec, threads: req.threads ?? 1, signal: req.signal });

  req.onProgress?.({ stage: 'checking the original' });
  const heldBefore = await timed('verify the other properties before', async () => {
    const held: NamedQuery[] = [];
    for (const q of req.others) if ((await verifyOn(req.model, q.query)).status === 'holds') held.push(q);
    return held;
  });

  req.onProgress?.({ stage: `running ${method.name}` });
  const outcome = await timed(`${method.name}`, () => method.run({
    model: req.model, query: req.target?.query, alsoRequired: req.alsoRequired?.map((q) => q.query), repairSet: req.repairSet, keepSet: req.keepSet, domain: req.domain,
    decision: req.decision, options: req.options, timeoutSec: req.timeoutSec, signal: req.signal, onProgress: req.onProgress,
  }));

  req.onProgress?.({ stage: 'writing and re-reading the repaired model' });
  const bytes = exportOnnx(outcome.model, { docString: `repaired by NetMend (${method.name}) from ${req.modelPath}` });
  const reread = loadOnnxModel(bytes, 'the repaired model');

  req.onProgress?.({ stage: 'verifying the repaired model' });
  const targets = req.target ? [req.target, ...(req.alsoRequired ?? [])] : [];
  const targetResults = await timed('verify the repaired model', async () => {
    const results: { name: string; result: VerifyResult }[] = [];
    for (const q of targets) results.push({ name: q.name, result: await verifyOn(reread, q.query) });
    return results;
  });
  const repairPoints = req.repairSet.length > 0 ? await timed('check the repair points with ONNX Runtime', () => checkPoints(bytes, reread, req)) : undefined;

  const regressions: Regression[] = await timed('re-verify the other properties', async () => {
    const found: Regression[] = [];
    for (const q of heldBefore) {
      const after = await verifyOn(reread, q.query);
      if (after.status !== 'holds') found.push({ property: q.name, after: after.status, detail: describe(after) });
    }
    return found;
  });

  req.onProgress?.({ stage: 'measuring fidelity' });
  const measured = await timed('measure fidelity', () => measureFidelity(req, reread));
  const certified = await timed('bound the output change', async () => certifiedMaxChange(req.model, reread, req.domain));
  const fidelity = certified === undefined ? measured : { ...measured, certifiedMaxChange: certified };
  // Which weights changed is read off the method's model, whose nodes keep the original's order (the importer may fold
  // linear nodes of the written file together); the parameter count is the written file's.
  const { size: changes, layerChanges } = measureSize(req.model, outcome.model);
  const size = { ...changes, paramsAfter: parameterCount(reread), added: Math.max(0, parameterCount(reread) - changes.paramsBefore) };
  return {
    bytes,
    report: {
      method: method.id,
      methodName: method.name,
      options: req.options,
      model: req.modelPath,
      property: targets.length > 0 ? targets.map((q) => q.name).join(' + ') : undefined,
      verdict: verdictOf(targetResults, repairPoints, isGated(reread) ? reread.pieces.filter((p) => p.unrepaired).length : 0),
      repairPoints,
      regressions,
      recheckedProperties: heldBefore.map((q) => q.name),
      fidelity,
      size,
      layerChanges,
      stats: outcome.stats,
      counterexamplesFixed: outcome.counterexamples?.length ?? 0,
      caveat: outcome.caveat,
      timings,
      log: outcome.log,
    },
  };
}

function describe(r: VerifyResult): string {
  switch (r.status) {
    case 'holds': return `proved in ${r.timeSec.toFixed(2)} s`;
    case 'unknown': return r.reason;
    case 'violated': return `counterexample ${fmt(r.counterexample.input)} gives ${fmt(r.counterexample.output)}`;
  }
}

const fmt = (v: ArrayLike<number>) => `[${Array.from(v, (x) => Number(x.toPrecision(6))).join(', ')}]`;

/**
 * Repaired only when every target property is proved (and every repair point right); a counterexample to any is "not
 * repaired", and so is a gated model with pieces its method could not repair (they raise the alarm at run time, even
 * where the verifier, given more time than the method had, proves the property).
 */
function verdictOf(targets: readonly { name: string; result: VerifyResult }[], points: RepairReport['repairPoints'], alarmPieces: number): RepairVerdict {
  const several = targets.length > 1;
  const named = (name: string, text: string) => (several ? `${name}: ${text}` : text);
  const violated = targets.find((t) => t.result.status === 'violated');
  if (violated?.result.status === 'violated') {
    const { input, output } = violated.result.counterexample;
    return { status: 'not-repaired', detail: `the repaired model still violates ${several ? `property ${violated.name}` : 'the property'}: ${describe(violated.result)}`, counterexample: { input: Array.from(input), output: Array.from(output) } };
  }
  if (points && points.fixed < points.total) {
    return { status: 'not-repaired', detail: `${points.total - points.fixed} of ${points.total} repair point(s) still wrong under ONNX Runtime` };
  }
  if (alarmPieces > 0) {
    const proved = targets.length > 0 && targets.every((t) => t.result.status === 'holds');
    return { status: 'not-repaired', detail: `${alarmPieces} piece(s) of the written model are flagged unrepaired: inputs there raise the alarm${proved ? ' (the property is proved on the written model, but the method could not decide those pieces in its time)' : ''}` };
  }
  const unknown = targets.find((t) => t.result.status === 'unknown');
  if (unknown?.result.status === 'unknown') return { status: 'unknown', detail: named(unknown.name, `the verifier could not decide the property on the repaired model: ${unknown.result.reason}`) };
  const parts = [
    ...targets.map((t) => named(t.name, `the property is proved on the written model (${t.result.timeSec.toFixed(2)} s)`)),
    ...(points ? [`all ${points.total} repair point(s) right under ONNX Runtime`] : []),
  ];
  return parts.length > 0 ? { status: 'repaired', detail: parts.join('; ') } : { status: 'unknown', detail: 'nothing to check: no property and no repair points' };
}

/** Each repair point through ONNX Runtime on the written bytes (float32, as deployed): fixed when its requirement holds. */
async function checkPoints(bytes: Uint8Array, reread: Model, req: RepairRequest): Promise<NonNullable<RepairReport['repairPoints']>> {
  const ort = await OrtModel.load(bytes, [1, modelInputSize(reread)]);
  try {
    const outputs = await ort.run(req.repairSet.map((p) => p.input));
    const unfixed: number[] = [];
    outputs.forEach((y, k) => {
      const p = req.repairSet[k];
      const violation = p.violation ?? labelViolation(p.label, req.decision, y.length);
      if (violationMargin(violation, y) <= 0) unfixed.push(k);
    });
    return { fixed: outputs.length - unfixed.length, total: outputs.length, unfixed };
  } finally {
    await ort.release();
  }
}

/**
 * Decision agreement with the original on samples of the whole domain, of the property's region where the original was
 * safe, and on the keep set; the largest and mean output change over all of them. Batched through ONNX Runtime (float64).
 */
async function measureFidelity(req: RepairRequest, reread: Model): Promise<Fidelity> {
  const count = req.fidelitySamples ?? FIDELITY_SAMPLES;
  const m = modelInputSize(req.model);
  const n = modelOutputSize(req.model);
  const random = seededRandom(0xf1de);
  const sampleBox = (lower: Float64Array, upper: Float64Array, k: number) => {
    const x = new Float64Array(k * m);
    for (let i = 0; i < k; i++) for (let j = 0; j < m; j++) x[i * m + j] = lower[j] + random() * (upper[j] - lower[j]);
    return x;
  };
  const before = await BatchForward.create(req.model);
  const after = await BatchForward.create(reread);
  let maxChange = 0;
  let sumChange = 0;
  let changeSamples = 0;
  const compare = async (inputs: Float64Array, k: number, keep?: (i: number) => boolean) => {
    const y0 = await before.run(inputs, k);
    const y1 = await after.run(inputs, k);
    let agree = 0;
    let counted = 0;
    for (let i = 0; i < k; i++) {
      if (keep && !keep(i)) continue;
      counted++;
      let change = 0;
      for (let o = 0; o < n; o++) change = Math.max(change, Math.abs(y1[i * n + o] - y0[i * n + o]));
      maxChange = Math.max(maxChange, change);
      sumChange += change;
      changeSamples++;
      if (decide(y0, i * n, n, req.decision) === decide(y1, i * n, n, req.decision)) agree++;
    }
    return { agreement: counted > 0 ? agree / counted : 1, samples: counted, y0 };
  };
  try {
    const domainResult = await compare(sampleBox(req.domain.lower, req.domain.upper, count), count);
    let region: Fidelity['region'];
    const target = req.target?.query;
    if (target) {
      // Samples of the region's boxes (rows filtered), kept where the original satisfied the property.
      const xs = new Float64Array(count * m);
      let k = 0;
      for (let tries = 0; k < count && tries < 20; tries++) {
        for (const p of target.region) {
          const lower = Float64Array.from(p.lower, (v, j) => Math.max(v, req.domain.lower[j]));
          const upper = Float64Array.from(p.upper, (v, j) => Math.min(v, req.domain.upper[j]));
          const batch = sampleBox(lower, upper, Math.ceil(count / target.region.length));
          for (let i = 0; i * m < batch.length && k < count; i++) {
            const x = batch.subarray(i * m, (i + 1) * m);
            if (inRegion(target.region, x, 1e-12)) xs.set(x, (k++) * m);
          }
        }
      }
      const y0 = await before.run(xs.subarray(0, k * m), k);
      const safe = (i: number) => violationMargin(target.violation, y0.subarray(i * n, (i + 1) * n)) > 0;
      const r = await compare(xs.subarray(0, k * m), k, safe);
      region = { agreement: r.agreement, samples: r.samples };
    }
    let keepSet: Fidelity['keepSet'];
    if (req.keepSet.length > 0) {
      const xs = new Float64Array(req.keepSet.length * m);
      req.keepSet.forEach((p, i) => xs.set(p.input, i * m));
      const y1 = await after.run(xs, req.keepSet.length);
      const agree = req.keepSet.filter((p, i) => decide(y1, i * n, n, req.decision) === p.label).length;
      keepSet = { agreement: agree / req.keepSet.length, samples: req.keepSet.length };
    }
    return {
      domain: { agreement: domainResult.agreement, samples: domainResult.samples },
      region,
      keepSet,
      maxOutputChange: maxChange,
      meanOutputChange: changeSamples > 0 ? sumChange / changeSamples : 0,
    };
  } finally {
    await before.release();
    await after.release();
  }
}
