/**
 * nRepair (seed 000, "Towards Repairing Neural Networks Correctly"): Algorithm 2 bisects the property's region, always
 * on the original network, until each piece is proved (by its bounds, then by our verifier; left to the original) or
 * is as small as the partition goes; each violated piece gets a few neurons fixed to constants (a decision-keeping
 * shift its bounds prove, Algorithm 3 at a counterexample, or our bound-guided choice over the whole piece), proved.
 * First each region box is tried whole, as one piece repaired by a shift of neurons no sample activates (regionShift.ts).
 * The result is a gated model: the repaired pieces as clamps over the shared original, the pieces that could not be
 * repaired flagged (the run-time alarm) unless the final re-check proves them as they are.
 * The choices the paper leaves open are options, described in docs/repair-nrepair.md.
 */
import { specBounds, type SpecBounds } from '../../bounds/linearBounds';
import { smear } from '../../bounds/smear';
import { boxVolume as volume, type Box, type LayerBounds } from '../../bounds/box';
import { InputError } from '../../errors';
import { clampNetwork, gatedModel, type Clamp, type GatedPiece } from '../../network/gated';
import { asLayerSequence, type Model } from '../../network/model';
import type { Network } from '../../network/network';
import type { Query } from '../../query/normalForm';
import { verify } from '../../verify';
import { initLp } from '../../lp';
import { lowerBoundMinimiser } from '../../verify/searchKernel';
import type { VerifyResult } from '../../verify/types';
import { boundClamps } from '../nrepair/boundClamps';
import { gradientClamps, type ClampSearch } from '../nrepair/gradientClamps';
import { decisionChanges, samplesOf, type Samples } from '../nrepair/pieceSamples';
import { float32Above, float32Below, float32Middle, formatBox, queryOn } from '../nrepair/pieces';
import { recheckFlagged } from '../nrepair/recheck';
import { joinFlagged } from '../nrepair/joinFlagged';
import { catalogEntry } from '../catalog';
import { boundProof } from '../nrepair/boundProof';
import { decisionKeepingShift, shiftProves } from '../nrepair/shiftClamps';
import { mergeSettled, type SettledBox } from '../nrepair/mergePieces';
import { joinByVerifier } from '../nrepair/joinByVerifier';
import { runtimeChanges, sampledRegionShifts } from '../nrepair/regionShift';
import type { Decision, RepairMethod, RepairOutcome, RepairTask } from '../types';

interface Settings {
  readonly alpha: number;
  readonly beta: number;
  readonly eta: number;
  readonly clamps: 'bounds' | 'gradient';
  readonly counterexample: 'refresh' | 'fixed';
  readonly depth: number;
  readonly boundsDepth: number;
  readonly maxDepth: number;
  readonly split: 'smear' | 'widest';
  readonly changeBudget: number;
  readonly verifyTimeoutSec: number;
  readonly partitionTimeoutSec: number;
  readonly threads: number;
  readonly merge: boolean;
  readonly regionShift: boolean;
}

/**
 * The verifier's first attack on a piece: pieces are small and most violated ones are broken at a sample or a corner
 * (the search's own candidate points find the rest); on the pieces that hold, a full attack was most of the time.
 */
const QUICK_ATTACK = { samples: 256, starts: 2, steps: 20 };

const DEFAULTS: Settings = {
  alpha: 15, beta: 50, eta: 0.35, clamps: 'bounds', counterexample: 'refresh', depth: 8, boundsDepth: 12, maxDepth: 14, split: 'smear', changeBudget: 5e-4, verifyTimeoutSec: 10, partitionTimeoutSec: 0.4, threads: 1, merge: true, regionShift: true,
};

export const nrepair: RepairMethod = {
  ...catalogEntry('nrepair'),
  options: [
    { name: 'alpha', default: DEFAULTS.alpha, description: 'At most this many distinct neurons clamped per piece (paper: 5% of the neurons, 15 on ACAS Xu).' },
    { name: 'beta', default: DEFAULTS.beta, description: 'Algorithm 3: at most this many changes of one neuron (paper: 50).' },
    { name: 'eta', default: DEFAULTS.eta, description: 'Algorithm 3: the descent step on a neuron output (paper: 0.35 ACAS Xu, 0.05 MNIST).' },
    { name: 'clamps', default: DEFAULTS.clamps, choices: ['bounds', 'gradient'], description: 'How a piece is repaired: "gradient" is the paper\'s Algorithm 3 at a counterexample; "bounds" chooses a last-hidden-layer clamp that the piece\'s linear bounds prove, changing the fewest decisions.' },
    { name: 'counterexample', default: DEFAULTS.counterexample, choices: ['refresh', 'fixed'], description: 'Algorithm 3 after its counterexample is fixed but the piece is not proved: ask the verifier for a new one ("refresh") or keep descending on the same one (the paper, "fixed").' },
    { name: 'depth', default: DEFAULTS.depth, description: 'Above this depth a box is settled by bounds alone (proved, or repaired by a decision-keeping shift they prove) or bisected; from it on the verifier checks the original and every repair is tried (the paper repairs where the partition stops).' },
    { name: 'boundsDepth', default: DEFAULTS.boundsDepth, description: 'From depth on, a box the bounds do not settle is still bisected by the bounds alone, down to this depth, while they settle at least a quarter of the boxes they test from depth on; otherwise it waits for the verifier.' },
    { name: 'maxDepth', default: DEFAULTS.maxDepth, description: 'A piece whose repair fails is bisected again, down to this depth (equal to depth: no second try, as in the paper).' },
    { name: 'split', default: DEFAULTS.split, choices: ['smear', 'widest'], description: 'The input bisected: the largest smear (bound derivative x width) of the row closest to a proof, or the widest relative to the region.' },
    { name: 'changeBudget', default: DEFAULTS.changeBudget, description: 'All kept repairs together may change decisions the original got right (sampled) on at most this share of the region\'s volume; a repair that would overspend it is bisected again instead, down to maxDepth (fidelity). 1 accepts every proof (the paper).' },
    { name: 'verifyTimeoutSec', default: DEFAULTS.verifyTimeoutSec, description: 'Time limit of one verifier call on a repaired (clamped) piece.' },
    { name: 'partitionTimeoutSec', default: DEFAULTS.partitionTimeoutSec, description: 'Time limit of the verifier on the original network for a box from the repair depth on (never more than the box\'s share of the time left): one it cannot decide by then is treated as violated (repaired).' },
    { name: 'threads', default: DEFAULTS.threads, description: 'Threads for each verifier call.' },
    { name: 'regionShift', default: DEFAULTS.regionShift, description: 'Before partitioning, try to repair each region polytope\'s whole box as one piece: a decision-keeping shift of the last-hidden-layer neurons no sample of it activates (values read from samples and the box\'s bounds), kept where the verifier proves it and its sampled changes fit the fidelity budget.' },
    { name: 'merge', default: DEFAULTS.merge, description: 'Join neighbouring boxes the bounds settled where one decision-keeping shift proves both and costs no more parameters (fewer, larger pieces).' },
  ],
  run,
};

function settingsOf(task: RepairTask): Settings {
  const o = task.options;
  const num = (name: keyof Settings, min: number) => {
    const v = o[name] ?? DEFAULTS[name];
    if (typeof v !== 'number' || !(v >= min)) throw new InputError(`nRepair option ${name} must be a number >= ${min}, not ${String(v)}`);
    return v;
  };
  const choice = <T extends string>(name: keyof Settings, choices: readonly T[]): T => {
    const v = o[name] ?? DEFAULTS[name];
    if (!choices.includes(v as T)) throw new InputError(`nRepair option ${name} must be one of ${choices.join(', ')}, not ${String(v)}`);
    return v as T;
  };
  const flag = (name: keyof Settings) => {
    const v = o[name] ?? DEFAULTS[name];
    if (typeof v !== 'boolean') throw new InputError(`nRepair option ${name} must be true or false, not ${String(v)}`);
    return v;
  };
  const depth = num('depth', 0);
  const maxDepth = Math.max(depth, num('maxDepth', 0));
  return {
    alpha: num('alpha', 1), beta: num('beta', 1), eta: num('eta', 0), depth, maxDepth, boundsDepth: Math.min(maxDepth, Math.max(depth, num('boundsDepth', 0))),
    verifyTimeoutSec: num('verifyTimeoutSec', 0.01), partitionTimeoutSec: num('partitionTimeoutSec', 0.01), threads: num('threads', 1), changeBudget: num('changeBudget', 0),
    clamps: choice('clamps', ['bounds', 'gradient'] as const), counterexample: choice('counterexample', ['refresh', 'fixed'] as const),
    split: choice('split', ['smear', 'widest'] as const), merge: flag('merge'), regionShift: flag('regionShift'),
  };
}

function reluNetwork(model: Model): Network {
  const net = asLayerSequence(model, 'nRepair');
  if (net.layers.slice(0, -1).some((l) => l.activation.kind !== 'relu')) throw new InputError('nRepair clamps ReLU neurons: every hidden layer must be ReLU');
  return net;
}


async function run(task: RepairTask): Promise<RepairOutcome> {
  const net = reluNetwork(task.model);
  const query = task.query;
  if (!query) throw new InputError('nRepair repairs a property: give one');
  const s = settingsOf(task);
  await initLp();
  const started = performance.now();
  const finalDeadline = Date.now() + task.timeoutSec * 1000;
  // The last share of the time re-checks the pieces the partition had to flag.
  const deadline = finalDeadline - RECHECK_SHARE * task.timeoutSec * 1000;
  const log: string[] = [];
  const pieces: GatedPiece[] = [];
  const counterexamples: Float64Array[] = [];
  const stats = {
    verifierCalls: 0, regionShifts: 0, regionSec: 0, verifierJoins: 0, verifierJoinsTried: 0, verifierJoinSec: 0, deepBoundTests: 0, deepBoundSettled: 0, verifySec: 0, boundSec: 0, shiftsByBounds: 0, joins: 0, flaggedJoins: 0, mergeSec: 0, originalSec: 0, originalUnknown: 0, repairSec: 0, boxesProved: 0, repairSteps: 0, repairsTooCostly: 0, maxDepth: 0,
  };
  const timed = async (call: () => Promise<VerifyResult>) => {
    const t = performance.now();
    const r = await call();
    stats.verifierCalls++;
    stats.verifySec += (performance.now() - t) / 1000;
    return r;
  };
  const since = (t: number) => (performance.now() - t) / 1000;
  const check = (candidate: Network, q: Query, limitSec = s.verifyTimeoutSec) => {
    const remaining = (deadline - Date.now()) / 1000;
    return timed(() => verify(candidate, q, {
      timeoutSec: Math.max(0.01, Math.min(limitSec, remaining)), threads: s.threads, signal: task.signal, quickAttack: QUICK_ATTACK,
    }));
  };
  const totalVolume = query.region.reduce((sum, p) => sum + volume(p), 0);
  let doneVolume = 0;
  // The region's volume where kept repairs change decisions (estimated on samples): one budget for the whole region.
  let changedVolume = 0;
  const affordable = (changed: number, box: Box) => changedVolume + changed * volume(box) <= s.changeBudget * totalVolume;
  // Progress in tenths of the region's volume: a handful of lines, not one per box.
  let reportedTenths = 0;
  const settle = (box: Box) => {
    doneVolume += volume(box);
    const fraction = Math.min(1, doneVolume / totalVolume);
    if (Math.floor(10 * fraction) <= reportedTenths) return;
    reportedTenths = Math.floor(10 * fraction);
    task.onProgress?.({ stage: 'partition', fraction, message: `${Math.round(100 * fraction)}% of the region settled (${stats.boxesProved} box(es) proved as they were, ${pieces.filter((p) => !p.unrepaired).length} piece(s) repaired)` });
  };
  // The boxes the bounds settled, and the pieces among them: joined at the end where one shift proves neighbours.
  const settledByBounds: SettledBox[] = [];
  const boundPieces = new Set<GatedPiece>();
  const keepRepair = (box: Box, clamps: readonly Clamp[], changed: number, how: string) => {
    const piece = { ...box, clamps, unrepaired: false };
    pieces.push(piece);
    changedVolume += changed * volume(box);
    settle(box);
    log.push(`piece ${formatBox(box)}: repaired with ${clampsText(clamps)} (${how})${changed > 0 ? `; changes ${(100 * changed).toFixed(1)}% of the sampled decisions` : ''}`);
    return piece;
  };
  // Boxes not yet bound-tested come first (each costs a bound computation, and an LP where a shift may prove it); the
  // ones the bounds cannot settle wait in `hard` for the verifier, so that one hard corner cannot starve the rest.
  const fresh: Open[] = [];
  const hard: Open[] = [];
  for (const polytope of query.region) {
    if (!polytope.lower.every(Number.isFinite) || !polytope.upper.every(Number.isFinite)) throw new InputError(`property '${query.name}': nRepair bisects boxes; bound every input`);
    // float32 edges: the exported gate compares float32 inputs with them exactly.
    const root: Box = { lower: polytope.lower.map(float32Below), upper: polytope.upper.map(float32Above) };
    if (s.regionShift && s.clamps === 'bounds' && Date.now() < deadline && !task.signal?.aborted) {
      const regionAt = performance.now();
      const whole = await regionRepair(net, queryOn(query, root), root, s, task.decision, affordable, check, task.timeoutSec, log);
      stats.regionSec += since(regionAt);
      if (whole) {
        stats.regionShifts++;
        keepRepair(root, whole.clamps, whole.changed, 'a decision-keeping shift of neurons no sample activates, proved by the verifier on the whole box');
        continue;
      }
    }
    fresh.push({ box: root, depth: 0, root });
  }
  while (fresh.length > 0 || hard.length > 0) {
    const isFresh = fresh.length > 0;
    const open = isFresh ? fresh.pop()! : hard.pop()!;
    const { box, depth, root } = open;
    stats.maxDepth = Math.max(stats.maxDepth, depth);
    const q = queryOn(query, box);
    if (q.region.length === 0) continue;
    const piece = `piece ${formatBox(box)} (depth ${depth})`;
    if (Date.now() > deadline || task.signal?.aborted) {
      pieces.push({ ...box, clamps: [], unrepaired: true });
      log.push(`${piece}: not searched (${task.signal?.aborted ? 'cancelled' : 'time ran out'}); unrepaired, raises the alarm`);
      continue;
    }
    if (isFresh) {
      const boundAt = performance.now();
      const settled = settleByBounds(net, q, open, task.decision, s, affordable);
      stats.boundSec += since(boundAt);
      if (depth >= s.depth) {
        stats.deepBoundTests++;
        if (settled.kind !== 'open') stats.deepBoundSettled++;
      }
      if (settled.kind === 'proved') {
        stats.boxesProved++;
        settle(box);
        if (s.merge) settledByBounds.push({ box, parts: [{ box, bounds: settled.bounds }], clamps: [], changed: 0 });
      } else if (settled.kind === 'repaired') {
        stats.shiftsByBounds++;
        boundPieces.add(keepRepair(box, settled.clamps, settled.changed, 'a decision-keeping shift its bounds prove'));
        if (s.merge) settledByBounds.push({ box, parts: [{ box, bounds: settled.bounds }], clamps: settled.clamps, changed: settled.changed * volume(box) });
      } else {
        // Above the repair depth the bounds alone drive the partition (the verifier's short checks on such large boxes
        // almost never decide them); from it on, down to boundsDepth, while they still settle boxes there (a half's
        // tighter bounds often admit a shift where the box's did not); otherwise the box waits for the verifier.
        const deeper = depth < s.boundsDepth && boundsSettleDeep(stats.deepBoundSettled, stats.deepBoundTests);
        const halves = depth < s.depth || deeper || (open.boundsOnly && depth < s.maxDepth) ? bisect(net, q, box, root, s.split) : undefined;
        if (halves) fresh.push(...halves.map((b) => ({ box: b, depth: depth + 1, root, enclosing: settled.preActivation })));
        else hard.push({ ...open, enclosing: settled.preActivation });
      }
      continue;
    }
    // The verifier on the original, with a short limit (never more than this box's share of the time left): a box it
    // cannot decide by then is repaired (a clamped piece is proved in a fraction of the time the original's
    // near-violations take).
    const share = (deadline - Date.now()) / 1000 / (hard.length + 1);
    const checkedAt = performance.now();
    const result = await check(net, q, Math.min(s.partitionTimeoutSec, share));
    stats.originalSec += since(checkedAt);
    if (result.status === 'unknown') stats.originalUnknown++;
    if (result.status === 'holds') {
      stats.boxesProved++;
      settle(box);
      continue;
    }
    const halves = depth < s.maxDepth ? bisect(net, q, box, root, s.split) : undefined;
    const samples = samplesOf(net, q, box, task.decision, CHANGE_SAMPLES);
    const changedFraction = (repaired: Network) => (samples.count === 0 ? 0 : decisionChanges(repaired, samples, task.decision) / samples.count);
    const repairAt = performance.now();
    const search: ClampSearch = s.clamps === 'bounds'
      ? await boundClamps(net, q, box, {
        alpha: s.alpha, chase: halves ? CHASE_BEFORE_SPLIT : s.alpha, decision: task.decision, deadline, verifyPiece: (c) => check(c, q),
        // Worth proving only if it would be kept: a piece that can still be split is split instead.
        worthProving: (c) => !halves || affordable(changedFraction(c), box),
      })
      : await gradientClamps(net, q, result.status === 'violated' ? result.counterexample.input : likeliestViolation(net, q, box), { alpha: s.alpha, beta: s.beta, eta: s.eta, refresh: s.counterexample === 'refresh', deadline, verifyPiece: (c) => check(c, q) });
    stats.repairSteps += search.steps;
    stats.repairSec += since(repairAt);
    const changed = search.kind === 'repaired' ? changedFraction(clampNetwork(net, search.clamps)) : 0;
    if (search.kind === 'repaired' && !affordable(changed, box) && halves) {
      // Proved, but it changes decisions the original got right: smaller pieces leave more of them alone.
      stats.repairsTooCostly++;
      fresh.push(...halves.map((b) => ({ box: b, depth: depth + 1, root })));
    } else if (search.kind === 'repaired') {
      if (result.status === 'violated') counterexamples.push(result.counterexample.input);
      keepRepair(box, search.clamps, changed, 'proved by the verifier');
    } else if (halves) {
      // Where the verifier could not decide the original in its time, its halves are split once more by the bounds
      // before it is asked again: its short checks of such boxes mostly run out of time again.
      fresh.push(...halves.map((b) => ({ box: b, depth: depth + 1, root, boundsOnly: result.status === 'unknown' })));
    } else {
      pieces.push({ ...box, clamps: [], unrepaired: true });
      log.push(`${piece}: NOT repaired (${search.reason}${result.status === 'unknown' ? `; the verifier said unknown: ${result.reason}` : ''}); raises the alarm`);
    }
  }
  if (s.merge) {
    const mergeAt = performance.now();
    const samples = new Map<Box, Samples>();
    const merged = mergeSettled(net, query, settledByBounds, {
      alpha: s.alpha, decision: task.decision, budget: s.changeBudget * totalVolume - changedVolume, deadline: finalDeadline,
      samplesOf: (box) => samples.get(box) ?? samples.set(box, samplesOf(net, query, box, task.decision, CHANGE_SAMPLES)).get(box)!,
    });
    stats.joins = merged.joins;
    log.push(`joins: ${merged.joins} kept; refused ${merged.refused.noShift} (no common shift), ${merged.refused.cost} (more parameters), ${merged.refused.budget} (decisions)`);
    stats.mergeSec = since(mergeAt);
    changedVolume += merged.changedDelta;
    const kept = pieces.filter((p) => !boundPieces.has(p));
    const joined = merged.boxes.filter((b) => b.clamps.length > 0 && b.parts.length > 1);
    for (const b of joined) log.push(`piece ${formatBox(b.box)}: ${b.parts.length} boxes the bounds settled, joined, repaired with ${clampsText(b.clamps)} (one decision-keeping shift each one's bounds prove)`);
    pieces.splice(0, pieces.length, ...kept, ...merged.boxes.filter((b) => b.clamps.length > 0).map((b) => ({ ...b.box, clamps: b.clamps, unrepaired: false })));
  }
  if (s.merge && Date.now() < deadline) {
    // Neighbours no bounds join: one short verifier call per candidate, for at most as long as the partition took.
    const joinAt = performance.now();
    const joinDeadline = Math.min(deadline, Date.now() + (joinAt - started));
    const flagged = pieces.filter((p) => p.unrepaired);
    const joined = await joinByVerifier(net, query, pieces.filter((p) => !p.unrepaired), {
      deadline: joinDeadline,
      prove: (candidate, q) => check(candidate, q, VERIFIER_JOIN_SEC),
      changedShare: (candidate, box) => {
        const samples = samplesOf(net, query, box, task.decision, CHANGE_SAMPLES);
        return samples.count === 0 ? 0 : decisionChanges(candidate, samples, task.decision) / samples.count;
      },
      budget: s.changeBudget * totalVolume - changedVolume,
    });
    changedVolume += joined.changedDelta;
    pieces.splice(0, pieces.length, ...flagged, ...joined.pieces);
    Object.assign(stats, { verifierJoins: joined.joins, verifierJoinsTried: joined.tried, verifierJoinSec: since(joinAt) });
    log.push(`joins the verifier proved: ${joined.joins} of ${joined.tried} tried`);
  }
  const provedOnRecheck = await recheckFlagged(net, query, pieces, log, { deadline: finalDeadline, threads: s.threads, signal: task.signal });
  const flaggedJoined = joinFlagged(pieces);
  pieces.splice(0, pieces.length, ...flaggedJoined.pieces);
  stats.flaggedJoins = flaggedJoined.joins;
  if (flaggedJoined.joins > 0) log.push(`flagged pieces: ${flaggedJoined.joins} joins of neighbours (the same alarm on the same inputs, fewer boxes)`);
  const model = gatedModel(net, pieces);
  const repaired = pieces.filter((p) => !p.unrepaired);
  const unrepaired = pieces.length - repaired.length;
  const clamps = repaired.reduce((sum, p) => sum + p.clamps.length, 0);
  log.unshift(`${repaired.length} piece(s) repaired with ${clamps} clamp(s), ${unrepaired} unrepaired, ${stats.boxesProved} box(es) proved as they were; ${stats.verifierCalls} verifier calls in ${((performance.now() - started) / 1000).toFixed(1)} s`);
  return {
    model,
    log,
    stats: { pieces: pieces.length, piecesRepaired: repaired.length, piecesUnrepaired: unrepaired, clamps, provedOnRecheck, ...stats },
    counterexamples,
    ...(unrepaired > 0 ? { caveat: `${unrepaired} piece(s) could not be repaired: the property is not proved there, and inputs in them raise the alarm (the model's second output)` } : {}),
  };
}

/**
 * Whether the bounds settle enough of the boxes they test from the repair depth on to keep bisecting by them: at least
 * a quarter (counted with one settled and one open box beforehand, so the first boxes are bisected). On ACAS Xu
 * property 2 a half's bounds often admit a decision-keeping shift where its parent's did not (about 60% of the boxes
 * from depth 8 to 12 settled), and a box costs a few ms against the verifier's 0.4 s checks, half of them undecided;
 * on property 7 (the whole input domain) hardly a box of that depth has a neuron inactive on it, and the verifier's
 * route (a clamp it proves on the large box) is the one that progresses.
 */
export function boundsSettleDeep(settled: number, tested: number): boolean {
  return (settled + 1) / (tested + 2) >= 0.25;
}

/** Samples of a region on which the whole-box shifts' decision changes are counted (one change is 2.4e-4 of them). */
const REGION_SAMPLES = 4096;

/**
 * The whole-box shifts' targets, from the bound down: the first whose runtime changes fit the budget and which the
 * verifier proves is kept. Near the bound the clamped network's own bounds prove it at once (0.1-1 s on ACAS Xu);
 * nearer the samples the values are smaller (fewer decisions blurred in float32) but the proofs slower (1_9 /
 * property 7: 0.03 and 0.1 undecided in 4 s).
 */
const REGION_REACHES = [1, 0.3, 0.1, 0.03];

/** The whole-box trial's share of the time limit, in all and per verifier call. */
const REGION_SHARE = 0.25;
const REGION_CALL_SHARE = 0.1;

/**
 * The whole box as one piece, where a decision-keeping shift read from samples (`sampledRegionShifts`) fits the fidelity
 * budget (its changes counted by ONNX Runtime in float32, as the file runs) and the verifier proves it; undefined otherwise (the partition then starts
 * as before).
 */
async function regionRepair(
  net: Network, query: Query, box: Box, s: Settings, decision: Decision, affordable: (changed: number, box: Box) => boolean,
  prove: (candidate: Network, q: Query, limitSec: number) => Promise<VerifyResult>, timeoutSec: number, log: string[],
): Promise<{ clamps: readonly Clamp[]; changed: number } | undefined> {
  if (query.region.length === 0) return undefined;
  const until = Date.now() + REGION_SHARE * timeoutSec * 1000;
  const samples = samplesOf(net, query, box, decision, REGION_SAMPLES);
  for (const clamps of sampledRegionShifts(net, query, box, decision, s.alpha, REGION_SAMPLES, REGION_REACHES)) {
    const left = (until - Date.now()) / 1000;
    if (left <= 0) break;
    const changed = samples.count === 0 ? 0 : await runtimeChanges(net, clamps, samples, decision) / samples.count;
    const what = `whole box ${formatBox(box)}: a shift of ${clamps.length} neuron(s) up to ${Math.max(...clamps.map((c) => c.value)).toPrecision(3)}, changes ${(100 * changed).toFixed(2)}% of the sampled decisions (ONNX Runtime, float32)`;
    if (!affordable(changed, box)) {
      log.push(`${what}: over the fidelity budget`);
      continue;
    }
    const limit = Math.min(s.verifyTimeoutSec, REGION_CALL_SHARE * timeoutSec, left);
    const result = await prove(clampNetwork(net, clamps), query, limit);
    log.push(`${what}: the verifier says ${result.status} in ${result.timeSec.toFixed(1)} s`);
    if (result.status === 'holds') return { clamps, changed };
  }
  return undefined;
}

/** The verifier's limit for one join of two repaired pieces (one piece's clamps on the joined box). */
const VERIFIER_JOIN_SEC = 1;

/** The share of the time limit kept for re-checking flagged pieces at the end. */
const RECHECK_SHARE = 0.1;

/**
 * Where a box can still be split, the bound-guided repair clamps at most this many neurons on its way to a proof
 * before giving up (its halves' bounds are tighter); at the last depth it may clamp alpha.
 */
const CHASE_BEFORE_SPLIT = 3;

/** Samples of a piece on which a repair's changes are counted. */
const CHANGE_SAMPLES = 256;

/** A box of the partition still to settle, with its polytope's root box and its parent's pre-activation bounds. */
interface Open {
  readonly box: Box;
  readonly depth: number;
  readonly root: Box;
  readonly enclosing?: readonly LayerBounds[];
  /** Split by the bounds alone when they do not settle it, whatever its depth (the verifier could not decide its parent). */
  readonly boundsOnly?: boolean;
}

type BoundSettlement =
  | { readonly kind: 'proved'; readonly bounds: SpecBounds }
  | { readonly kind: 'repaired'; readonly clamps: readonly Clamp[]; readonly changed: number; readonly bounds: SpecBounds }
  | { readonly kind: 'open'; readonly preActivation: readonly LayerBounds[] };

/**
 * A box settled by bounds alone, without a verifier call: the original's bounds prove it, or a decision-keeping shift
 * (the kept outputs read from samples of the box) makes the clamped network's bounds prove it within the fidelity
 * budget.
 */
function settleByBounds(net: Network, query: Query, open: Open, decision: Decision, s: Settings, affordable: (changed: number, box: Box) => boolean): BoundSettlement {
  const { box, depth, enclosing } = open;
  const proof = boundProof(net, query, box, enclosing);
  if (proof.proved) return { kind: 'proved', bounds: proof.bounds };
  const unsettled = { kind: 'open', preActivation: proof.bounds.preActivation } as const;
  if (s.clamps !== 'bounds' || !hasInactiveLastNeuron(proof.bounds)) return unsettled;
  const samples = samplesOf(net, query, box, decision, CHANGE_SAMPLES);
  const clamps = decisionKeepingShift(net, query, box, s.alpha, new Set(samples.labels), decision, proof.bounds);
  if (!clamps) return unsettled;
  if (!shiftProves(net, query, proof.bounds, clamps)) return unsettled;
  const changed = samples.count > 0 ? decisionChanges(clampNetwork(net, clamps), samples, decision) / samples.count : 0;
  if (!(affordable(changed, box) || depth >= s.maxDepth)) return unsettled;
  return { kind: 'repaired', clamps, changed, bounds: proof.bounds };
}

const clampsText = (clamps: readonly Clamp[]): string => clamps.map((c) => `layer ${c.layer} neuron ${c.neuron} = ${c.value.toPrecision(6)}`).join(', ');

const hasInactiveLastNeuron = (bounds: SpecBounds): boolean => bounds.preActivation[bounds.preActivation.length - 1].hi.some((v) => v < 0);

/** A violated box's halves, at a float32 point near the middle of the chosen input; undefined when none can be split. */
function bisect(net: Network, query: Query, box: Box, root: Box, rule: 'smear' | 'widest'): [Box, Box] | undefined {
  const n = box.lower.length;
  const relativeWidth = (i: number) => (box.upper[i] - box.lower[i]) / Math.max(1e-300, root.upper[i] - root.lower[i]);
  let order = Array.from({ length: n }, (_, i) => i).sort((a, b) => relativeWidth(b) - relativeWidth(a));
  if (rule === 'smear') {
    const { bounds, row } = hardestRow(net, query, box);
    const weight = smear(net, box, bounds, row);
    order = order.sort((a, b) => weight[b] - weight[a]);
  }
  for (const dim of order) {
    const mid = float32Middle(box.lower[dim], box.upper[dim]);
    if (mid === undefined) continue;
    const leftUpper = Float64Array.from(box.upper);
    leftUpper[dim] = mid;
    const rightLower = Float64Array.from(box.lower);
    rightLower[dim] = mid;
    return [{ lower: box.lower, upper: leftUpper }, { lower: rightLower, upper: box.upper }];
  }
  return undefined;
}

/** Where the verifier gave no counterexample (a timeout): the box corner where the violation's bound is weakest. */
function likeliestViolation(net: Network, query: Query, box: Box): Float64Array {
  const { bounds, row } = hardestRow(net, query, box);
  return lowerBoundMinimiser(box, bounds.lowerCoeffs, row);
}

/** The violation row with the largest lower bound on the box: the one closest to a proof, as the verifier's search. */
function hardestRow(net: Network, query: Query, box: Box) {
  const bounds = specBounds(net, box, query.violation.flat());
  let row = 0;
  for (let r = 1; r < bounds.lower.length; r++) if (bounds.lower[r] > bounds.lower[row]) row = r;
  return { bounds, row };
}
