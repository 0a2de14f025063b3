/**
 * REASSURE (Fu & Li, ICLR 2022; seed 002): leave the network's weights alone and add, for each buggy linear region, a
 * patch network that is the minimal affine correction on the region and vanishes outside a thin band around it.
 * Point-wise repair patches the region of each repair point; area repair asks the verifier for a counterexample of the
 * property, patches its region (within the property's region), and asks again until the verifier proves the property or
 * time runs out.
 */
import { InputError } from '../../../errors';
import { toGraph, type Graph } from '../../../network/graph';
import { forwardModel } from '../../../network/forward';
import { asLayerSequence, isGraph } from '../../../network/model';
import { initLp } from '../../../lp';
import { verify } from '../../../verify';
import { seededRandom } from '../../../verify/falsify';
import type { RepairMethod, RepairOutcome, RepairTask } from '../../types';
import { labelViolation } from '../../labels';
import { catalogEntry } from '../../catalog';
import { parameterCount } from '../../size';
import { solveAffinePatch, type AffinePatch, type SafeSet } from './affinePatch';
import { activationPattern, boundingBox, linearizeAt, preActivations, regionConstraints, type RegionConstraints } from './linearRegion';
import { boxPatchNetwork, regionDistance, stitchPatches, type PatchEntry } from './patchNetwork';
import { partitionForRepair } from './boxPartition';
import { composeFeatureRepair, featureDomain, featureNetwork, featuresOf } from './featureSpace';
import { inRegion, violationMargin, type OutputDnf, type Polytope } from '../../../query/normalForm';

const REFERENCE_SAMPLES = 1000;
/** Area repair: how often the supports may be made steeper where a counterexample falls in a patched region. */
const MAX_STEEPENINGS = 8;
/** Area repair: the falsification budget before each complete verification. */
const QUICK_SEARCH_SEC = 1;
/** Up to this many inputs a region's bounding box and the affine patch are cheap LPs. */
const NARROW_INPUTS = 64;
/** Area repair by boxes: a box is patched whole when its bound's step is within this factor of the need at samples. */
const BOX_TIGHTNESS = 1.5;
/** Area repair by boxes: at most this many bisections of the property's box. */
const BOX_MAX_DEPTH = 40;
/** Choose of the clauses' rows at most this many combinations (the safe set must be one convex polytope). */
const MAX_SAFE_SETS = 64;

export const reassure: RepairMethod = {
  ...catalogEntry('reassure'),
  options: [
    { name: 'form', default: 'auto', choices: ['auto', 'affine', 'constant'], description: 'The patch on a region: affine (the paper\'s c x + d), constant (d only: smaller, for wide inputs), or auto (affine up to 64 inputs).' },
    { name: 'margin', default: 1e-3, description: 'How far inside the safe set the patched outputs must be on the region, as a fraction of the typical spread of the outputs (so float32 rounding cannot undo the repair).' },
    { name: 'gammaMin', default: 1e4, description: 'The smallest support slope gamma: the patch fades out within a distance 2 / gamma of its region (in pre-activation and input units); gamma grows further until no keep-set point or domain sample outside the region is touched.' },
    { name: 'radius', default: 1e-4, description: 'Point-wise repair: patch only the part of each linear region within this L-infinity distance of the point, as a fraction of the domain\'s width; 0 patches the whole linear region, as the paper does (it then also changes other inputs of that region).' },
    { name: 'maxRegions', default: 500, description: 'Area repair by linear regions: stop after patching this many regions.' },
    { name: 'area', default: 'auto', choices: ['auto', 'box', 'region'], description: 'Area repair: by boxes (split the property\'s box, patch each box not proved safe by a step along one output direction, from sound bounds: converges where the property is violated almost everywhere, but a box\'s patch also changes its safe inputs), by linear regions (the paper: one patch per counterexample\'s linear region, local but may never cover the region), or auto (boxes up to 64 inputs).' },
    { name: 'layer', default: 0, description: 'Feature-space repair (the paper\'s section 3.7): patch the network after this many of its nodes, reading their features (0: the input, as the paper does by default). Point-wise only; the patch is then local in those features, not in the input space.' },
    { name: 'maxBoxes', default: 64, description: 'Area repair by boxes: split into at most this many boxes (more boxes: patches closer to where the property is violated, a larger patch network).' },
  ],
  run: runReassure,
};

interface Settings {
  readonly form: 'affine' | 'constant';
  readonly margin: number;
  readonly gammaMin: number;
  readonly maxRegions: number;
  readonly radius: number;
  readonly area: 'box' | 'region';
  readonly maxBoxes: number;
}

function settings(task: RepairTask): Settings {
  const o = task.options;
  const form = String(o.form ?? 'auto');
  if (!['auto', 'affine', 'constant'].includes(form)) throw new InputError(`REASSURE: form must be auto, affine or constant, not '${form}'`);
  const margin = Number(o.margin ?? 1e-3);
  const gammaMin = Number(o.gammaMin ?? 1e4);
  const maxRegions = Number(o.maxRegions ?? 500);
  const radius = Number(o.radius ?? 1e-4);
  const area = String(o.area ?? 'auto');
  if (!['auto', 'box', 'region'].includes(area)) throw new InputError(`REASSURE: area must be auto, box or region, not '${area}'`);
  const maxBoxes = Number(o.maxBoxes ?? 64);
  if (!(margin >= 0) || !(gammaMin > 0) || !(maxRegions >= 1) || !(radius >= 0) || !(maxBoxes >= 1)) {
    throw new InputError('REASSURE: margin must be >= 0, gammaMin > 0, maxRegions >= 1, maxBoxes >= 1 and radius >= 0');
  }
  const narrow = task.domain.lower.length <= NARROW_INPUTS;
  return {
    form: form === 'auto' ? (narrow ? 'affine' : 'constant') : (form as 'affine' | 'constant'),
    margin, gammaMin, maxRegions, radius, maxBoxes,
    area: area === 'auto' ? (narrow ? 'box' : 'region') : (area as 'box' | 'region'),
  };
}

/** Everything a patch needs to know about where it must not act: reference points (keep set + domain samples). */
interface References {
  readonly points: readonly Float64Array[];
  /** Their pre-activations in the original network (the base of every region's distance). */
  readonly zs: readonly (readonly Float64Array[])[];
}

function references(graph: Graph, task: RepairTask): References {
  const random = seededRandom(0x7ea55);
  const { lower, upper } = task.domain;
  const samples = Array.from({ length: REFERENCE_SAMPLES }, () => Float64Array.from(lower, (lo, j) => lo + random() * (upper[j] - lo)));
  const points = [...task.keepSet.map((k) => k.input), ...samples];
  return { points, zs: points.map((x) => preActivations(graph, x)) };
}

async function runReassure(task: RepairTask): Promise<RepairOutcome> {
  const layer = Number(task.options.layer ?? 0);
  const base = isGraph(task.model) ? task.model : toGraph(asLayerSequence(task.model, 'REASSURE'));
  return layer === 0 ? runInInputSpace(task, base) : runInFeatureSpace(task, base, layer);
}

/** Repairs f2 on the features of the first `layer` nodes (featureSpace.ts) and puts the first nodes back in front. */
async function runInFeatureSpace(task: RepairTask, base: Graph, layer: number): Promise<RepairOutcome> {
  if (task.query) throw new InputError('REASSURE: feature-space repair (layer > 0) is point-wise: a property\'s region is a set of inputs, not of features; give a repair set, or layer 0');
  const f2 = featureNetwork(base, layer);
  const features = (x: Float64Array) => featuresOf(base, layer, x);
  const outcome = await runInInputSpace({
    ...task, model: f2, domain: featureDomain(base, layer, task.domain), options: { ...task.options, layer: 0 },
    repairSet: task.repairSet.map((p) => ({ ...p, input: features(p.input) })),
    keepSet: task.keepSet.map((p) => ({ ...p, input: features(p.input) })),
  }, f2);
  const at = base.nodes[layer - 1].name;
  return {
    ...outcome,
    model: composeFeatureRepair(base, layer, outcome.model as Graph),
    log: [`feature-space repair from the output of node '${at}' (${f2.inputSize} features)`, ...outcome.log],
    stats: { ...outcome.stats, featureLayer: layer },
    caveat: `feature-space repair (from node '${at}'): the patch is local in that node's features, not in the input space; inputs far from the repair points whose features fall in a patched region are changed too (REASSURE section 3.7)`,
  };
}

async function runInInputSpace(task: RepairTask, base: Graph): Promise<RepairOutcome> {
  const options = settings(task);
  await initLp();
  const refs = references(base, task);
  const margin = options.margin * outputSpread(refs);
  const log: string[] = [`margin ${margin.toPrecision(3)} (output units)`];
  const entries: PatchEntry[] = [];
  let current = base;
  const rebuild = () => { current = stitchPatches(base, entries, task.domain.lower, task.domain.upper); };
  const deadline = Date.now() + task.timeoutSec * 1000;
  const counterexamples: Float64Array[] = [];

  /** Patches the original network's linear region at x (within `within`, else the domain) into one of the safe sets. */
  const patchAt = (x: Float64Array, safeSets: readonly SafeSet[], within?: Polytope, radius = 0): string | undefined => {
    const lin = linearizeAt(base, x);
    const width = (j: number) => task.domain.upper[j] - task.domain.lower[j];
    const near = radius > 0 ? { lower: x.map((v, j) => v - radius * width(j)), upper: x.map((v, j) => v + radius * width(j)) } : undefined;
    const outerLower = Float64Array.from(task.domain.lower, (lo, j) => Math.max(lo, within?.lower[j] ?? -Infinity, near?.lower[j] ?? -Infinity));
    const outerUpper = Float64Array.from(task.domain.upper, (hi, j) => Math.min(hi, within?.upper[j] ?? Infinity, near?.upper[j] ?? Infinity));
    const described = regionConstraints(base, lin, activationPattern(base, lin), outerLower, outerUpper);
    const region = withRows(described.constraints, within, x.length);
    // Narrow inputs: the region's own bounding box (2m small LPs); wide inputs: the outer box.
    const box = x.length <= NARROW_INPUTS ? boundingBox(region, outerLower, outerUpper, 5) : { lower: outerLower, upper: outerUpper };
    let best: AffinePatch | undefined;
    let failure = 'no safe set';
    for (const safe of safeSets) {
      const remaining = Math.max(0.5, (deadline - Date.now()) / 1000);
      const patch = solveAffinePatch({
        region, ...box, jacobian: lin.outJacobian, offset: lin.outOffset, outputs: lin.output.length, safe, form: options.form,
      }, remaining);
      if ('failure' in patch) failure = patch.failure;
      else if (!best || patch.size < best.size) best = patch;
    }
    if (!best) return failure;
    // The support must leave every reference point outside the region untouched.
    let nearest = Infinity;
    refs.zs.forEach((zs, r) => {
      const v = regionDistance(described.pattern, zs) + boxDistance(box, refs.points[r]);
      if (v > 0) nearest = Math.min(nearest, v);
    });
    const gamma = Math.max(options.gammaMin, Number.isFinite(nearest) ? (2 * 2) / nearest : options.gammaMin);
    entries.push({ pattern: described.pattern, box, patch: best, gamma });
    rebuild();
    log.push(`region ${entries.length}: ${region.count} constraints, patch size ${best.size.toPrecision(4)}, gamma ${gamma.toPrecision(3)}`);
    return undefined;
  };
  /** The entries whose region holds x: a counterexample there lies where supports blend, and steeper supports help. */
  const holding = (x: Float64Array): number[] => {
    const zs = preActivations(base, x);
    return entries.flatMap((e, k) => (boxDistance(e.box, x) === 0 && regionDistance(e.pattern, zs) === 0 ? [k] : []));
  };

  const unfixed: number[] = [];
  task.repairSet.forEach((point, k) => {
    if (task.signal?.aborted || Date.now() > deadline) { unfixed.push(k); return; }
    const violation = point.violation ?? labelViolation(point.label, task.decision, outputCount(current));
    const y = forwardModel(current, point.input);
    if (violationMargin(violation, y) > margin / 2) return; // Already right (or fixed by an earlier region's patch).
    task.onProgress?.({ stage: 'patch', message: `repair point ${k + 1} of ${task.repairSet.length}`, fraction: k / task.repairSet.length });
    const failure = patchAt(point.input, safeSets(violation, margin), undefined, options.radius);
    if (failure) { unfixed.push(k); log.push(`repair point ${k + 1}: ${failure}`); }
  });

  let areaStatus = 'no property';
  let boxStats: Record<string, number> = {};
  if (task.query && options.area === 'box') {
    const query = task.query;
    task.onProgress?.({ stage: 'patch', message: 'bounding the property\'s boxes' });
    const partition = partitionForRepair(current, query.region.map((p) => ({ lower: p.lower, upper: p.upper })), query.violation, {
      margin, maxBoxes: options.maxBoxes, tightness: BOX_TIGHTNESS, maxDepth: BOX_MAX_DEPTH, deadline,
    });
    if ('failure' in partition) areaStatus = partition.failure;
    else {
      current = boxPatchNetwork(current, partition.patched, partition.direction, options.gammaMin);
      boxStats = { boxesPatched: partition.patched.length, boxesProvedSafe: partition.safeLeaves, largestStep: partition.patched.reduce((m, p) => Math.max(m, p.delta), 0) };
      log.push(`area repair by boxes: ${partition.patched.length} box(es) patched along (${[...partition.direction].map((v) => v.toPrecision(3)).join(', ')}), ${partition.safeLeaves} proved safe as they are${partition.protectsAll ? '' : ' (the direction cannot keep every violation row: a safe box relies on the chosen rows only)'}`);
      // Sound by construction (boxPartition.ts); the driver proves it on the written file, so no second proof here.
      areaStatus = 'every box proved safe or patched by a step its bounds prove enough; the proof is the driver\'s, on the written file';
    }
    log.push(`area repair: ${areaStatus}`);
  } else if (task.query) {
    const query = task.query;
    const sets = safeSets(query.violation, margin);
    areaStatus = 'timeout';
    let steepenings = 0;
    while (Date.now() < deadline && !task.signal?.aborted && entries.length < options.maxRegions) {
      task.onProgress?.({ stage: 'verify', message: `${entries.length} regions patched` });
      // A quick falsification finds most counterexamples; the complete search runs when it finds none.
      const remaining = (deadline - Date.now()) / 1000;
      const quick = await verify(current, query, { timeoutSec: Math.min(remaining, QUICK_SEARCH_SEC), falsifyOnly: true, signal: task.signal });
      const result = quick.status === 'violated' ? quick : await verify(current, query, { timeoutSec: remaining, signal: task.signal, threads: 1 });
      if (result.status === 'holds') { areaStatus = 'proved'; break; }
      if (result.status === 'unknown') { areaStatus = `verifier: ${result.reason}`; break; }
      const x = result.counterexample.input;
      counterexamples.push(x);
      const patched = holding(x);
      if (patched.length > 0) {
        // Its region is patched already: the counterexample sits where a later region's support fades out.
        if (++steepenings > MAX_STEEPENINGS) { areaStatus = 'counterexamples remain where patched regions meet'; break; }
        for (let k = Math.min(...patched) + 1; k < entries.length; k++) entries[k] = { ...entries[k], gamma: entries[k].gamma * 16 };
        rebuild();
        log.push(`a counterexample in patched region ${Math.min(...patched) + 1}: the later supports made 16x steeper`);
        continue;
      }
      const within = query.region.find((p) => inRegion([p], x, 1e-9)) ?? query.region[0];
      const failure = patchAt(x, sets, within);
      if (failure) { areaStatus = `region at a counterexample: ${failure}`; break; }
    }
    log.push(`area repair: ${areaStatus} after ${entries.length} region(s)`);
  }
  if (unfixed.length > 0) log.push(`repair points not patched: ${unfixed.map((k) => k + 1).join(', ')}`);
  const largest = (f: (e: PatchEntry) => number) => entries.reduce((m, e) => Math.max(m, f(e)), 0);
  return {
    model: current,
    log,
    stats: {
      regionsPatched: entries.length, ...boxStats, parametersAdded: parameterCount(current) - parameterCount(base),
      largestPatch: largest((e) => e.patch.size), largestGamma: largest((e) => e.gamma), pointsNotPatched: unfixed.length,
    },
    counterexamples,
  };
}

/** The median over the reference points of max(y) - min(y): the scale of a decision's margin. */
function outputSpread(refs: References): number {
  const spreads = refs.zs.map((zs) => {
    const y = zs[zs.length - 1];
    return Math.max(...y) - Math.min(...y);
  }).sort((a, b) => a - b);
  return spreads[spreads.length >> 1] || 1;
}

const outputCount = (g: Graph) => g.nodes[g.nodes.length - 1].outSize;

/**
 * Convex safe sets inside "no clause of the violation holds": one row negated per clause (its complement, pushed in by
 * the margin), every combination up to MAX_SAFE_SETS. The patch LP picks the one with the smallest patch.
 */
export function safeSets(violation: OutputDnf, margin: number): SafeSet[] {
  const n = violation[0]?.[0]?.coeffs.length ?? 0;
  const sets: SafeSet[] = [];
  const choose = (k: number, picked: number[]) => {
    if (sets.length >= MAX_SAFE_SETS) return;
    if (k === violation.length) {
      const rows = new Float64Array(picked.length * n);
      const rhs = new Float64Array(picked.length);
      picked.forEach((r, c) => {
        const row = violation[c][r];
        for (let i = 0; i < n; i++) rows[c * n + i] = -row.coeffs[i];
        rhs[c] = -row.rhs - margin;
      });
      sets.push({ rows, rhs, count: picked.length });
      return;
    }
    violation[k].forEach((_, r) => choose(k + 1, [...picked, r]));
  };
  choose(0, []);
  return sets;
}

function withRows(region: RegionConstraints, within: Polytope | undefined, m: number): RegionConstraints {
  if (!within || within.rows.length === 0) return region;
  const rows = new Float64Array((region.count + within.rows.length) * m);
  rows.set(region.rows);
  within.rows.forEach((r, k) => rows.set(r.coeffs, (region.count + k) * m));
  return { rows, rhs: Float64Array.from([...region.rhs, ...within.rows.map((r) => r.rhs)]), count: region.count + within.rows.length };
}

function boxDistance(box: { lower: Float64Array; upper: Float64Array }, x: ArrayLike<number>): number {
  let v = 0;
  for (let j = 0; j < x.length; j++) v += Math.max(0, x[j] - box.upper[j]) + Math.max(0, box.lower[j] - x[j]);
  return v;
}
