/**
 * SpecRepair (seed 003): counterexample-guided penalty retraining, certified. Each round searches the most severe
 * violation of every property of the specification (the global minimum of the satisfaction function over the
 * property's region, ./../specrepair/search.ts), retrains the network with an L1 penalty on every counterexample kept so
 * far, doubling each still-violated counterexample's penalty weight (./../specrepair/penalty.ts), and asks our verifier
 * for a proof of every property with a short time limit; a counterexample the verifier returns joins the set. It stops
 * when every property is proved, after `rounds` rounds, or out of time. The driver re-verifies the written file anyway.
 *
 * Where the paper and its code differ (docs/repair-specrepair.md): `schedule` picks the paper's penalty schedule
 * (mu_0 = 1, no cap on the doublings) or the code's (mu_0 = 1/16, at most 10 updates); the search is our multi-start
 * gradient search, not SHGO.
 */
import { availableParallelism } from 'node:os';
import { InputError } from '../../errors';
import { forward } from '../../network/forward';
import { asLayerSequence, isGraph } from '../../network/model';
import type { Network } from '../../network/network';
import type { Query } from '../../query/normalForm';
import { seededRandom } from '../../verify/falsify';
import { verify } from '../../verify';
import { globalMinimum } from '../specrepair/search';
import { heldOutData, retrainingData } from '../specrepair/retrainingData';
import { penaltyRepair, type FidelityData, type PenaltyCounterexample } from '../specrepair/penalty';
import { retryUndecided, shrinkTowardOriginal, type CandidateVerdict, type ShrinkResult } from '../specrepair/shrink';
import { startEveryLayer, trainEveryLayer, type EveryLayerSettings, type RegionBox } from '../specrepair/everyLayer';
import { cutToBox } from '../../query/normalForm';
import { isBounded, isEmpty } from '../../bounds/box';
import { boxRepairNetwork, refineBoxes, startBoxRepair, trainBoxes, type BoxPenaltySettings } from '../specrepair/boxRepair';
import type { RepairMethod, RepairOutcome, RepairTask } from '../types';
import { catalogEntry } from '../catalog';
import { decisions } from '../birdnn/data';

/** mu_0 and the most penalty updates per round, by schedule. */
export const PENALTY_SCHEDULES = {
  paper: { initialPenalty: 1, maxUpdates: Infinity },
  code: { initialPenalty: 1 / 16, maxUpdates: 10 },
} as const;

export const specrepair: RepairMethod = {
  ...catalogEntry('specrepair'),
  options: [
    { name: 'mode', default: 'boxes', choices: ['boxes', 'points'], description: 'What the penalty is on: \'boxes\' (ours: a lower bound of the violation margin over boxes of the region, split until they hold, last layer retrained) or \'points\' (the paper\'s: the margin at counterexamples).' },
    { name: 'maxBoxes', default: 20000, description: 'Boxes mode: the most boxes of the region in the penalty.' },
    { name: 'minBoxes', default: 200, description: 'Boxes mode: boxes below the margin are split until there are this many before the first retraining (finer boxes: tighter bounds, smaller changes).' },
    { name: 'polishPasses', default: 10, description: 'Boxes mode: penalty passes after every box holds (the task loss pulls the decisions back while the hinge keeps the boxes).' },
    { name: 'decisionWeight', default: 1000, description: 'Boxes mode: weight of the decision-keeping hinge on the domain samples (a pull back once a sample\'s gap between its decision and another output has shrunk by half).' },
    { name: 'bounds', default: 'auto', choices: ['auto', 'forward', 'tight', 'backsub'], description: 'Boxes mode: how each box\'s hidden layers are bounded. \'forward\': forward intervals only (the first version; loose, so the network is trained to hold with room and the proof is quick). \'tight\': intersected with the verifier\'s back-substituted pre-activation intervals (the penalty asks for less change; ACAS Xu N3,8: 99.87% of the decisions kept instead of 87.77%, but proofs take longer). \'auto\': forward, then tight from the original again when the first retraining keeps fewer than keepTarget of the decisions. \'backsub\': tight, and each row\'s bound back-substituted through the hidden layers\' relaxations as the verifier does (the tightest; per row a pass through every weight, affordable for MNIST 256x2\'s one box, not for ACAS Xu\'s thousands).' },
    { name: 'layers', default: 'last', choices: ['last', 'all'], description: 'Boxes mode: retrain the last layer only (the hidden layers\' bounds never change: cheap exact bounds, box splitting) or every layer (the region\'s boxes unsplit, each bound back-substituted through the current network\'s relaxations over the verifier\'s intervals, refreshed every refreshSteps steps; MNIST\'s eps = 0.05 boxes, which the last layer alone fixes only by losing digits).' },
    { name: 'refreshSteps', default: 10, description: 'Boxes mode with layers=all: Adam steps between two recomputations of the hidden layers\' intervals and relaxations (the bound\'s linearisation).' },
    { name: 'keepTarget', default: 0.999, description: 'The share of the retraining samples\' decisions below which boxes mode with bounds=auto starts the retraining again with tight bounds, and the certified network steps back toward the original (shrink). 0.999, not 0.997: the retraining samples overstate what is kept by 0.1-0.3 points, so at 0.997 tasks that kept 99.7% of them but fewer than 99.5% of other samples were left as they were (docs/repair-specrepair.md; the price is time: most tasks then retrain twice and step back).' },
    { name: 'shrinkTimeout', default: 30, description: 'The verifier\'s time per step-back candidate (s): candidates near the boundary take longer to prove than the certified network, and an undecided one counts as not proved.' },
    { name: 'heldOutSamples', default: 10000, description: 'Uniform samples of the whole input domain that the retraining never sees (their own random stream), labelled by the original: keepFloor is judged on them (the decision hinge trains on the retraining samples, which overstate what is kept by 0.1-0.3 points).' },
    { name: 'keepFloor', default: 0.995, description: 'When the stepped-back network keeps fewer than this share of the held-out samples\' decisions, the candidates the bisection left undecided are certified once more with shrinkRetryTimeout, smallest t first, past violated ones, until one is proved or one is undecided again (proofs near the boundary take longest; ACAS Xu N4,5: t = 0.5 undecided in 30 s, proved in 202 s at load 18, 99.59% kept against 99.46%).' },
    { name: 'shrinkRetryTimeout', default: 240, description: 'The verifier\'s time (s) for that one more try (0: never; the task\'s time budget still bounds it).' },
    { name: 'shrink', default: 4, description: 'After the certified round, when it keeps fewer than keepTarget of the retraining samples\' decisions: verifier calls of a bisection for the smallest t in (0, 1] at which original + t · (certified - original) is still proved; the smallest proved is returned (0: the certified network as it is). Our bounds are looser than the verifier\'s, so the certified network moved further than the proof needs (ACAS Xu N4,5: t = 0.6 proved, 99.67% of the decisions kept instead of 99.46%).' },
    { name: 'schedule', default: 'paper', choices: ['paper', 'code'], description: 'Penalty schedule: the paper\'s (mu_0 = 1, doubled with no cap until every counterexample is fixed) or its code\'s (mu_0 = 1/16, at most 10 updates).' },
    { name: 'margin', default: 0.002, description: 'Satisfaction margin eps (output units): a counterexample is fixed once its satisfaction value is at least this, and a searched point below it is a counterexample. Room for the proof (the code: 1e-4).' },
    { name: 'samples', default: 10000, description: 'Samples of the whole input domain, labelled by the original network\'s outputs: the fidelity term\'s data.' },
    { name: 'regionSamples', default: 0, description: 'Samples of each property\'s region, kept where the original satisfies the property, added to the retraining data (with the keep set\'s inputs, when the task has one): all labelled by the original\'s outputs.' },
    { name: 'learningRate', default: 0.0001, description: 'Adam learning rate of the retraining (the code\'s 1e-4; ACAS Xu\'s advisories differ by 1e-3 in the outputs).' },
    { name: 'steps', default: 200, description: 'Adam steps per penalty update: the penalised loss is trained on after the counterexamples are fixed (the hinge keeps them fixed while the task loss pulls the rest back to the original).' },
    { name: 'fidelityWeight', default: 10000, description: 'Weight of the task loss (mean squared error to the original\'s outputs on the domain samples) beside the penalty: ACAS Xu\'s decisions turn on output differences of 1e-3, whose squares are 1e-6 (at 1, one pass kept 92-96% of the decisions on N2,1; at 1e4, 99.7%).' },
    { name: 'trainLayers', default: 0, description: 'Points mode: retrain only the last this many layers (0: every layer, the paper\'s way; boxes mode always retrains the last layer only): the hidden layers below keep their weights, so the verifier meets the original\'s unstable neurons there.' },
    { name: 'batchSize', default: 256, description: 'Domain samples per step (every counterexample is in every step).' },
    { name: 'rounds', default: 30, description: 'Most rounds of search, retraining and certification.' },
    { name: 'verifyTimeout', default: 10, description: 'The verifier\'s time per property per round (s); doubled after a round that found no counterexample and proved not every property.' },
    { name: 'searchSamples', default: 2000, description: 'Counterexample search: random samples per box of the region (plus its corners in few dimensions).' },
    { name: 'searchStarts', default: 10, description: 'Counterexample search: gradient descents from the best samples.' },
    { name: 'searchSteps', default: 60, description: 'Counterexample search: steps per descent (each run to its end: the global minimum, not the first violation).' },
    { name: 'counterexamplesPerRound', default: 10, description: 'Counterexamples per property per round: the lowest points of this many descents that end below the margin (the paper: 1, the global minimiser).' },
    { name: 'keepCounterexamples', default: true, description: 'Keep every round\'s counterexamples (the code\'s default) or only the latest round\'s.' },
    { name: 'seed', default: 1, description: 'Random seed (samples, search, batches).' },
  ],
  run: runSpecRepair,
};

async function runSpecRepair(task: RepairTask): Promise<RepairOutcome> {
  if (isGraph(task.model)) throw new InputError('SpecRepair retrains sequential networks; this model is a graph');
  if (!task.query) throw new InputError('SpecRepair repairs a property: give one');
  const opt = (name: string) => task.options[name] ?? specrepair.options.find((o) => o.name === name)!.default;
  const scheduleName = String(opt('schedule'));
  if (!(scheduleName in PENALTY_SCHEDULES)) throw new InputError(`SpecRepair's schedule is 'paper' or 'code', not '${scheduleName}'`);
  const schedule = PENALTY_SCHEDULES[scheduleName as keyof typeof PENALTY_SCHEDULES];
  const queries: readonly Query[] = [task.query, ...(task.alsoRequired ?? [])];
  const original = asLayerSequence(task.model, 'SpecRepair');
  const deadline = Date.now() + task.timeoutSec * 1000;
  const random = seededRandom(Number(opt('seed')));
  const ctx = { random, deadline, signal: task.signal };
  const margin = Number(opt('margin'));
  const search = { samples: Number(opt('searchSamples')), starts: Number(opt('searchStarts')), steps: Number(opt('searchSteps')) };
  const penalty = { ...schedule, margin, learningRate: Number(opt('learningRate')), steps: Number(opt('steps')), batchSize: Number(opt('batchSize')), fidelityWeight: Number(opt('fidelityWeight')), trainLayers: Number(opt('trainLayers')) };
  const log: string[] = [`specification: ${queries.map((q) => q.name).join(', ')}; ${scheduleName} schedule (mu_0 = ${schedule.initialPenalty}, at most ${schedule.maxUpdates} updates), margin ${margin}`];

  const data = retrainingData(original, queries, task, { domain: Number(opt('samples')), region: Number(opt('regionSamples')) }, random);
  const { count } = data;
  const time = { searchSec: 0, fixSec: 0, verifySec: 0 };
  const timed = async <T>(key: keyof typeof time, work: () => T | Promise<T>): Promise<T> => {
    const started = performance.now();
    try {
      return await work();
    } finally {
      time[key] += (performance.now() - started) / 1000;
    }
  };
  const before = decisions(data.targets, count, data.targets.length / count, task.decision);
  const agreementOn = (set: FidelityData, kept: Int32Array) => (candidate: Network) => {
    const after = decisions(forward(candidate, set.inputs, set.count), set.count, set.targets.length / set.count, task.decision);
    return after.reduce((c, d, r) => c + (d === kept[r] ? 1 : 0), 0) / set.count;
  };
  const agreement = agreementOn(data, before);
  // Their own stream: the retraining's samples, batches and search are those of the same seed without them.
  const heldOut = heldOutData(original, task.domain, Number(opt('heldOutSamples')), seededRandom(Number(opt('seed')) + HELD_OUT_STREAM));
  const back = {
    steps: Number(opt('shrink')), keepTarget: Number(opt('keepTarget')), timeout: Number(opt('shrinkTimeout')), keepFloor: Number(opt('keepFloor')), retryTimeout: Number(opt('shrinkRetryTimeout')),
    heldOut: heldOut.count > 0 ? agreementOn(heldOut, decisions(heldOut.targets, heldOut.count, heldOut.targets.length / heldOut.count, task.decision)) : undefined,
  };
  if (String(opt('mode')) === 'boxes') {
    const settings = { ...penalty, maxBoxes: Number(opt('maxBoxes')), minBoxes: Number(opt('minBoxes')), polishPasses: Number(opt('polishPasses')), decisionWeight: Number(opt('decisionWeight')), bounds: String(opt('bounds')), keepTarget: Number(opt('keepTarget')) };
    if (!['last', 'all'].includes(String(opt('layers')))) throw new InputError(`SpecRepair's layers are 'last' or 'all', not '${String(opt('layers'))}'`);
    if (opt('layers') === 'all') return everyLayerRounds(task, original, queries, { ...data, decisions: before, argmin: task.decision === 'argmin' }, { ...settings, refreshSteps: Number(opt('refreshSteps')) }, { ...ctx, log, maxRounds: Number(opt('rounds')), verifyTimeout: Number(opt('verifyTimeout')), back, agreement, timed, time });
    return boxRounds(task, original, queries, { ...data, decisions: before, argmin: task.decision === 'argmin' }, settings, { ...ctx, log, maxRounds: Number(opt('rounds')), verifyTimeout: Number(opt('verifyTimeout')), back, agreement, timed, time });
  }
  let net: Network = original;
  let cxs: PenaltyCounterexample[] = [];
  // The verifier's counterexamples of the last round: the next round's set gets them whether or not it keeps older ones.
  let fromVerifier: PenaltyCounterexample[] = [];
  let evaluations = 0;
  let passes = 0;
  let rounds = 0;
  let provenInRound = 0;
  const maxRounds = Number(opt('rounds'));
  const perRound = Number(opt('counterexamplesPerRound'));
  // Doubled after a round that changed nothing and left a property undecided: the next round can only prove more.
  let verifyTimeout = Number(opt('verifyTimeout'));
  while (rounds < maxRounds && Date.now() < deadline && !task.signal?.aborted) {
    rounds++;
    task.onProgress?.({ stage: 'search', message: `round ${rounds}: searching counterexamples`, fraction: rounds / maxRounds });
    const found: PenaltyCounterexample[] = fromVerifier;
    fromVerifier = [];
    await timed('searchSec', () => {
      for (const q of queries) {
        const min = globalMinimum(net, q, task.domain, search, ctx);
        if (!min) continue;
        evaluations += min.evaluations;
        for (const d of min.descents.slice(0, perRound)) if (d.margin < margin) found.push({ input: d.input, violation: q.violation, property: q.name });
        log.push(`round ${rounds}: ${q.name}: lowest satisfaction ${min.margin.toExponential(3)} at ${fmt(min.input)} (${min.evaluations} evaluations)`);
      }
    });
    cxs = opt('keepCounterexamples') ? [...cxs, ...found] : found;
    if (cxs.length > 0) {
      task.onProgress?.({ stage: 'retrain', message: `round ${rounds}: fixing ${cxs.length} counterexample(s)` });
      const fixed = await timed('fixSec', () => penaltyRepair(net, cxs, data, penalty, { ...ctx, log }));
      net = fixed.network;
      passes += fixed.passes;
      log.push(`round ${rounds}: ${fixed.passes} penalty pass(es) on ${cxs.length} counterexample(s), ${fixed.stillViolated} still below the margin; decisions kept on ${(100 * agreement(net)).toFixed(2)}% of the domain samples`);
    }
    task.onProgress?.({ stage: 'verify', message: `round ${rounds}: certifying` });
    const verdicts = await timed('verifySec', () => certify(net, queries, verifyTimeout, deadline, task.signal, log, `round ${rounds}`, (q, input) =>
      fromVerifier.push({ input, violation: q.violation, property: q.name })));
    if (verdicts.every((v) => v === 'holds')) {
      provenInRound = rounds;
      log.push(`round ${rounds}: every property proved`);
      break;
    }
    if (found.length === 0 && fromVerifier.length === 0) verifyTimeout *= 2;
  }
  const stepped = provenInRound > 0 ? await stepBack(task, original, net, queries, back, { deadline, log, agreement, timed }) : { t: 1, network: net };
  return {
    model: stepped.network,
    log,
    stats: { rounds, provenInRound, shrinkT: stepped.t, counterexamples: cxs.length + fromVerifier.length, penaltyPasses: passes, searchEvaluations: evaluations, ...time },
    counterexamples: [...cxs, ...fromVerifier].map((c) => c.input),
  };
}

interface BoxContext {
  readonly random: () => number;
  readonly deadline: number;
  readonly signal?: AbortSignal;
  readonly log: string[];
  readonly maxRounds: number;
  readonly verifyTimeout: number;
  readonly back: StepBackSettings;
  readonly agreement: (net: Network) => number;
  readonly timed: <T>(key: 'searchSec' | 'fixSec' | 'verifySec', work: () => T | Promise<T>) => Promise<T>;
  readonly time: Record<string, number>;
}

/**
 * Boxes mode: each round splits the boxes whose bound is below eps and retrains the last layer on every box; once every
 * box holds by our bounds (or the budget of boxes is spent), the verifier certifies. Its counterexample, if any, lies in
 * a box still below eps (or our bounds would be wrong): the rounds go on.
 */
async function boxRounds(task: RepairTask, original: Network, queries: readonly Query[], data: FidelityData & { readonly decisions: Int32Array; readonly argmin: boolean }, s: BoxPenaltySettings & { readonly bounds: string; readonly keepTarget: number }, ctx: BoxContext): Promise<RepairOutcome> {
  const { log } = ctx;
  if (!['auto', 'forward', 'tight', 'backsub'].includes(s.bounds)) throw new InputError(`SpecRepair's bounds are 'auto', 'forward', 'tight' or 'backsub', not '${s.bounds}'`);
  const start = (tight: boolean) => ctx.timed('searchSec', () => startBoxRepair(original, queries, task.domain, data, s.initialPenalty, tight, s.bounds === 'backsub'));
  let state = await start(s.bounds !== 'forward' && s.bounds !== 'auto');
  let tight = s.bounds !== 'forward' && s.bounds !== 'auto';
  let net = original;
  let rounds = 0;
  let provenInRound = 0;
  let passes = 0;
  let verifyTimeout = ctx.verifyTimeout;
  let fallback: { net: Network; round: number } | undefined;
  const counterexamples: Float64Array[] = [];
  while (rounds < ctx.maxRounds && Date.now() < ctx.deadline && !task.signal?.aborted) {
    rounds++;
    task.onProgress?.({ stage: 'search', message: `round ${rounds}: splitting the region's boxes`, fraction: rounds / ctx.maxRounds });
    const below = await ctx.timed('searchSec', () => refineBoxes(state, s, ctx.deadline));
    log.push(`round ${rounds}: ${state.boxes.length} box(es), ${below} below the margin`);
    let stillViolated = below;
    if (below > 0) {
      task.onProgress?.({ stage: 'retrain', message: `round ${rounds}: retraining the last layer on ${state.boxes.length} box(es)` });
      const trained = await ctx.timed('fixSec', () => trainBoxes(state, data, s, ctx));
      passes += trained.passes;
      stillViolated = trained.stillViolated;
      net = boxRepairNetwork(state);
      const kept = ctx.agreement(net);
      log.push(`round ${rounds}: ${trained.passes} penalty pass(es), ${stillViolated} box(es) still below the margin; decisions kept on ${(100 * kept).toFixed(2)}% of the retraining samples`);
      // Tight bounds kept no more than the proved forward-trained network: its proof (slower: less room) is not worth it.
      if (tight && fallback && stillViolated === 0 && kept <= ctx.agreement(fallback.net)) {
        log.push(`round ${rounds}: no more decisions kept than the forward-trained network of round ${fallback.round}: that one is the result`);
        net = fallback.net;
        provenInRound = fallback.round;
        break;
      }
      // The forward bounds asked for too much change: start again from the original under the verifier's intervals.
      if (s.bounds === 'auto' && !tight && kept < s.keepTarget) {
        // Certified first (forward-trained networks hold with room: quick), so that a tight retraining cut short by the
        // time budget still leaves a proved network.
        if (stillViolated === 0) {
          const verdicts = await ctx.timed('verifySec', () => certify(net, queries, verifyTimeout, ctx.deadline, task.signal, log, `round ${rounds}`, () => undefined));
          if (verdicts.every((v) => v === 'holds')) fallback = { net, round: rounds };
        }
        log.push(`round ${rounds}: fewer than ${(100 * s.keepTarget).toFixed(1)}% kept${fallback ? ' (proved, kept as the fallback)' : ''}: retraining from the original with tight bounds`);
        tight = true;
        state = await start(true);
        net = original;
        continue;
      }
    }
    // Certify once our bounds say every box holds, or when no box can be split any more.
    if (stillViolated > 0 && state.boxes.length < s.maxBoxes) continue;
    task.onProgress?.({ stage: 'verify', message: `round ${rounds}: certifying` });
    const verdicts = await ctx.timed('verifySec', () => certify(net, queries, verifyTimeout, ctx.deadline, task.signal, log, `round ${rounds}`, (_q, input) =>
      counterexamples.push(input)));
    if (verdicts.every((v) => v === 'holds')) {
      provenInRound = rounds;
      log.push(`round ${rounds}: every property proved`);
      break;
    }
    if (verdicts.includes('unknown')) verifyTimeout *= 2;
  }
  if (provenInRound === 0 && fallback) {
    log.push(`tight bounds proved nothing in time: the forward-trained network proved in round ${fallback.round}`);
    net = fallback.net;
    provenInRound = fallback.round;
  } else if (provenInRound > 0 && fallback && ctx.agreement(fallback.net) > ctx.agreement(net)) {
    // Tight bounds ask for less change but do not always keep more (N4,5: 99.28% against 99.33%): both are proved.
    log.push(`the forward-trained network of round ${fallback.round} keeps more decisions: it is the result`);
    net = fallback.net;
  }
  const back = provenInRound > 0 ? await stepBack(task, original, net, queries, ctx.back, ctx) : { t: 1, network: net };
  return {
    model: back.network,
    log,
    stats: { rounds, provenInRound, shrinkT: back.t, boxes: state.boxes.length, counterexamples: counterexamples.length, penaltyPasses: passes, ...ctx.time },
    counterexamples,
  };
}

/**
 * Boxes mode with every layer retrained (./../specrepair/everyLayer.ts): the region's boxes, unsplit, in the penalty;
 * the verifier certifies once every box holds by fresh bounds (or the passes run out), and the rounds go on otherwise.
 */
async function everyLayerRounds(task: RepairTask, original: Network, queries: readonly Query[], data: FidelityData & { readonly decisions: Int32Array; readonly argmin: boolean }, s: EveryLayerSettings, ctx: BoxContext): Promise<RepairOutcome> {
  const { log } = ctx;
  const boxes: RegionBox[] = [];
  for (const q of queries) {
    for (const p of q.region) {
      const cut = cutToBox(p, task.domain);
      const box = cut && { lower: cut.lower, upper: cut.upper };
      if (box && !isEmpty(box) && isBounded(box)) boxes.push({ box, violation: q.violation });
    }
  }
  const state = startEveryLayer(original, boxes, s);
  let rounds = 0;
  let provenInRound = 0;
  let passes = 0;
  let verifyTimeout = ctx.verifyTimeout;
  const counterexamples: Float64Array[] = [];
  while (rounds < ctx.maxRounds && Date.now() < ctx.deadline && !task.signal?.aborted) {
    rounds++;
    task.onProgress?.({ stage: 'retrain', message: `round ${rounds}: retraining every layer on ${boxes.length} box(es)`, fraction: rounds / ctx.maxRounds });
    // The training stops in time to leave the certification its time.
    const trained = await ctx.timed('fixSec', () => trainEveryLayer(state, boxes, data, s, { ...ctx, deadline: ctx.deadline - 1000 * verifyTimeout }));
    passes += trained.passes;
    log.push(`round ${rounds}: ${trained.passes} penalty pass(es), ${trained.stillViolated} box(es) still below the margin; decisions kept on ${(100 * ctx.agreement(state.net)).toFixed(2)}% of the retraining samples`);
    task.onProgress?.({ stage: 'verify', message: `round ${rounds}: certifying` });
    const verdicts = await ctx.timed('verifySec', () => certify(state.net, queries, verifyTimeout, ctx.deadline, task.signal, log, `round ${rounds}`, (_q, input) => counterexamples.push(input)));
    if (verdicts.every((v) => v === 'holds')) {
      provenInRound = rounds;
      log.push(`round ${rounds}: every property proved`);
      break;
    }
    if (verdicts.includes('unknown')) verifyTimeout *= 2;
  }
  const back = provenInRound > 0 ? await stepBack(task, original, state.net, queries, ctx.back, ctx) : { t: 1, network: state.net };
  return {
    model: back.network,
    log,
    stats: { rounds, provenInRound, shrinkT: back.t, boxes: boxes.length, counterexamples: counterexamples.length, penaltyPasses: passes, ...ctx.time },
    counterexamples,
  };
}

/** The step back's settings (options shrink, keepTarget, shrinkTimeout, keepFloor, shrinkRetryTimeout). */
interface StepBackSettings {
  readonly steps: number;
  readonly keepTarget: number;
  readonly timeout: number;
  readonly keepFloor: number;
  readonly retryTimeout: number;
  /** Share of the held-out samples' decisions a network keeps (undefined: no held-out samples). */
  readonly heldOut?: (net: Network) => number;
}

/** Stream offset of the held-out samples' random numbers from the seed. */
const HELD_OUT_STREAM = 0x4e1d;

/**
 * The option `shrink` (./../specrepair/shrink.ts): after the certified round, when it keeps fewer than `keepTarget` of the
 * retraining samples' decisions, the smallest t found by bisection at which original + t · (certified - original) is
 * still proved; each candidate certified like a round, undecided counting as not. When the result keeps fewer than
 * `keepFloor` of the held-out samples' decisions, the smallest undecided candidate gets one more, longer try.
 */
async function stepBack(
  task: RepairTask, original: Network, certified: Network, queries: readonly Query[], s: StepBackSettings,
  ctx: Pick<BoxContext, 'deadline' | 'log' | 'agreement' | 'timed'>,
): Promise<ShrinkResult> {
  const unchanged = { t: 1, network: certified, undecided: [] };
  if (s.steps <= 0) return unchanged;
  const kept = ctx.agreement(certified);
  if (kept >= s.keepTarget) {
    ctx.log.push(`no step back: ${(100 * kept).toFixed(2)}% of the retraining samples' decisions kept`);
    return unchanged;
  }
  task.onProgress?.({ stage: 'verify', message: 'stepping back toward the original' });
  const certifyWithin = (timeout: number) => async (candidate: Network, t: number): Promise<CandidateVerdict> => {
    const verdicts = await certify(candidate, queries, timeout, ctx.deadline, task.signal, [], '', () => undefined);
    const verdict = verdicts.every((v) => v === 'holds') ? 'holds' : verdicts.includes('violated') ? 'violated' : 'unknown';
    ctx.log.push(`step back to t = ${t}${timeout !== s.timeout ? ` (${timeout} s)` : ''}: ${verdict === 'holds' ? 'proved' : verdicts.join(', ')}; decisions kept on ${(100 * ctx.agreement(candidate)).toFixed(2)}% of the retraining samples`);
    return verdict;
  };
  let result = await ctx.timed('verifySec', () => shrinkTowardOriginal(original, certified, s.steps, certifyWithin(s.timeout)));
  let heldOut = s.heldOut?.(result.network);
  if (heldOut !== undefined && heldOut < s.keepFloor && s.retryTimeout > 0 && result.undecided.some((t) => t < result.t)) {
    ctx.log.push(`t = ${result.t} keeps ${(100 * heldOut).toFixed(2)}% of the held-out samples' decisions, fewer than ${(100 * s.keepFloor).toFixed(1)}%: the undecided candidates once more`);
    result = await ctx.timed('verifySec', () => retryUndecided(original, certified, result, certifyWithin(s.retryTimeout)));
    heldOut = s.heldOut?.(result.network);
  }
  const summary = `decisions kept on ${(100 * ctx.agreement(result.network)).toFixed(2)}% of the retraining samples${heldOut !== undefined ? `, ${(100 * heldOut).toFixed(2)}% of the held-out ones` : ''}`;
  ctx.log.push(result.t < 1 ? `stepped back: t = ${result.t}, ${summary}` : `no step back proved: the certified network as it is (${summary})`);
  return result;
}

const fmt = (v: ArrayLike<number>) => `[${Array.from(v, (x) => x.toPrecision(4)).join(', ')}]`;

/**
 * One certification: our verifier on every property, each within `verifyTimeout` and the time left; a property with no
 * time left is "unknown". Each counterexample goes to `onCounterexample` and the log.
 */
async function certify(
  net: Network, queries: readonly Query[], verifyTimeout: number, deadline: number, signal: AbortSignal | undefined,
  log: string[], round: string, onCounterexample: (query: Query, input: Float64Array) => void,
): Promise<string[]> {
  const out: string[] = [];
  for (const q of queries) {
    const remaining = (deadline - Date.now()) / 1000;
    if (remaining <= 0) { out.push('unknown'); continue; }
    const result = await verify(net, q, { timeoutSec: Math.min(verifyTimeout, remaining), signal, threads: availableParallelism() });
    out.push(result.status);
    if (result.status === 'violated') {
      onCounterexample(q, result.counterexample.input);
      log.push(`${round}: ${q.name}: the verifier's counterexample ${fmt(result.counterexample.input)}`);
    } else if (result.status === 'unknown') log.push(`${round}: ${q.name}: the verifier could not decide (${result.reason})`);
  }
  return out;
}
