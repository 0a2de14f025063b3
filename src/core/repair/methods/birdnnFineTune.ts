/**
 * BIRDNN-FT (seed 004, §IV-C): rank neurons by responsibility on negative vs positive samples, then let PSO search a
 * factor (1 + w), w in [-1, 1], on the top-r neurons' outputs, minimising alpha·unexpBeh + (1 - alpha)·drawDown; the
 * factors are folded into plain weights (./../birdnn/foldScales.ts).
 *
 * Choices where paper and code differ (seed summary §8): alpha weights the unexpected behaviour as in the paper's
 * Eq. 7 (the code's --alpha weights the drawdown); the drawdown is the share of whole-domain samples whose decision
 * changed plus safe region samples that became violating (the paper's "performance loss"; ACAS Xu has no test labels).
 *
 * `select` replaces the ranking by neurons the user chose (the side panel's "Fine-tune these neurons"); everything
 * else is the same search.
 *
 * `iterate`: localise -> fine-tune -> verify -> add the counterexample (and its neighbourhood) to the negatives, until
 * the verifier proves the property or time runs out. Sampling alone never claims a repair: the driver re-verifies.
 */
import { availableParallelism } from 'node:os';
import { InputError } from '../../errors';
import { asLayerSequence, isGraph } from '../../network/model';
import type { Network } from '../../network/network';
import { violationMargin, type Query } from '../../query/normalForm';
import { neuronScores, rankNeurons } from '../../localize';
import { attackViolations } from '../../localize/violations';
import type { ResponsibilityMethod } from '../../localize/types';
import { seededRandom } from '../../verify/falsify';
import { verify } from '../../verify';
import { CERTIFY_OPTIONS } from '../birdnn/certify';
import { SHIFT_OPTIONS } from '../birdnn/outputShift';
import { refineIfAsked } from '../birdnn/refine';
import { collectRepairData, type RepairData } from '../birdnn/data';
import { pickRows, splitRows } from '../../localize/sampling';
import { decide } from '../labels';
import { foldScales } from '../birdnn/foldScales';
import { parseNeuronList, type NeuronRef } from '../birdnn/neuronList';
import { pso } from '../birdnn/pso';
import { ScaledForward } from '../birdnn/scaledForward';
import type { RepairMethod, RepairOutcome, RepairTask } from '../types';
import { catalogEntry } from '../catalog';

interface FineTuneSettings {
  /** The neurons to tune when the user chose them (the `select` option); otherwise the top `neurons` by responsibility. */
  readonly selected?: readonly NeuronRef[];
  readonly neurons: number;
  readonly layer: number;
  readonly responsibility: ResponsibilityMethod;
  readonly alpha: number;
  readonly margin: number;
  readonly particles: number;
  readonly iterations: number;
  readonly patience: number;
  readonly inertia: number;
  readonly cognitive: number;
  readonly social: number;
}

export const birdnnFineTune: RepairMethod = {
  ...catalogEntry('birdnn-ft'),
  options: [
    { name: 'neurons', default: 10, description: 'How many of the most responsible neurons to tune (the paper: 10 cross-layer, 5 per layer).' },
    { name: 'select', default: '', description: 'Tune exactly these neurons instead of the most responsible ones: layer:neuron pairs from 0 (0 = first hidden layer, the last layer is the output), separated by ; + or spaces, e.g. "0:12;1:40". Overrides neurons and layer.' },
    { name: 'layer', default: -1, description: 'Tune only neurons of this layer (0 = first hidden layer); -1 ranks neurons across all layers.' },
    { name: 'responsibility', default: 'birdnn-code', choices: ['birdnn-code', 'birdnn', 'gradient'], description: 'How neurons are ranked: the code\'s Eq. 5 sums, the paper\'s pairwise form, or the margin gradient.' },
    { name: 'alpha', default: 0.6, description: 'Weight of the unexpected behaviour in the PSO fitness; the drawdown gets 1 - alpha (the paper: 0.6).' },
    { name: 'margin', default: 0, description: 'A negative counts as fixed only when its outputs are this far (violation margin, output units) from the violation: room between the samples for a proof. 0 is the paper.' },
    { name: 'negatives', default: 5000, description: 'Negative (violating) samples to repair; as many safe region samples and whole-domain samples measure the drawdown.' },
    { name: 'particles', default: 20, description: 'PSO particles.' },
    { name: 'iterations', default: 100, description: 'Largest number of PSO iterations.' },
    { name: 'patience', default: 10, description: 'PSO stops after this many iterations without a 0.1% better cost.' },
    { name: 'inertia', default: 0.8, description: 'PSO inertia weight.' },
    { name: 'cognitive', default: 0.41, description: 'PSO cognitive coefficient c1.' },
    { name: 'social', default: 0.41, description: 'PSO social coefficient c2.' },
    { name: 'iterate', default: false, description: 'Attack, then verify, after each fine-tuning and fine-tune again with the counterexample added, until proven or out of time.' },
    { name: 'roundVerifySec', default: 10, description: 'The verifier\'s limit per round of iterate (seconds).' },
    { name: 'seed', default: 1, description: 'Random seed (sampling, PSO).' },
    ...SHIFT_OPTIONS,
    ...CERTIFY_OPTIONS,
  ],
  run: runFineTune,
};

async function runFineTune(task: RepairTask): Promise<RepairOutcome> {
  if (isGraph(task.model)) throw new InputError('BIRDNN fine-tuning works on sequential networks; this model is a graph');
  if (!task.query) throw new InputError('BIRDNN fine-tuning repairs a property: give one');
  const query = task.query;
  const opt = (name: string) => task.options[name] ?? birdnnFineTune.options.find((o) => o.name === name)!.default;
  const original: Network = asLayerSequence(task.model, 'BIRDNN fine-tuning');
  let net = original;
  const select = String(opt('select'));
  const settings: FineTuneSettings = {
    selected: select.trim() === '' ? undefined : parseNeuronList(select, net.layers.map((l) => l.outSize)),
    neurons: Number(opt('neurons')), layer: Number(opt('layer')), responsibility: String(opt('responsibility')) as ResponsibilityMethod,
    alpha: Number(opt('alpha')), margin: Number(opt('margin')), particles: Number(opt('particles')), iterations: Number(opt('iterations')), patience: Number(opt('patience')),
    inertia: Number(opt('inertia')), cognitive: Number(opt('cognitive')), social: Number(opt('social')),
  };
  const deadline = Date.now() + task.timeoutSec * 1000;
  const random = seededRandom(Number(opt('seed')));
  const log: string[] = [];
  const counterexamples: Float64Array[] = [];
  let rounds = 0;
  let stats: Record<string, number> = {};
  for (;;) {
    rounds++;
    task.onProgress?.({ stage: 'sample', message: `round ${rounds}: sampling` });
    const data = await collectRepairData(net, query, task, { negatives: Number(opt('negatives')), domainSamples: Number(opt('negatives')), random, counterexamples });
    if (data.set.violating.length === 0) {
      log.push(`round ${rounds}: no violating sample found in the property's region; nothing to fine-tune`);
      break;
    }
    const round = await fineTuneOnce(net, query, data, settings, { deadline, random, task, log });
    net = round.network;
    stats = { ...round.stats, rounds };
    if (!opt('iterate') || Date.now() > deadline || task.signal?.aborted) break;
    // Our attack first: a counterexample it finds costs no verifier time.
    const attacked = query.region.flatMap((p) => splitRows(attackViolations(net, query.violation, p, 512, 60, random), net.layers[0].inSize)).slice(0, 20);
    if (attacked.length > 0) {
      counterexamples.push(...attacked);
      log.push(`round ${rounds}: the attack finds ${attacked.length} violation(s) of the fine-tuned network; added to the negatives`);
      continue;
    }
    task.onProgress?.({ stage: 'verify', message: `round ${rounds}: verifying` });
    const limit = Math.min(Number(opt('roundVerifySec')), (deadline - Date.now()) / 1000);
    if (limit < 0.5) break;
    const result = await verify(net, query, { timeoutSec: limit, signal: task.signal, threads: availableParallelism() });
    if (result.status === 'holds') {
      log.push(`round ${rounds}: the verifier proves the property on the fine-tuned network (${result.timeSec.toFixed(2)} s)`);
      stats.provenInRound = rounds;
      break;
    }
    if (result.status === 'unknown') {
      log.push(`round ${rounds}: the verifier could not decide (${result.reason})`);
      break;
    }
    counterexamples.push(result.counterexample.input);
    log.push(`round ${rounds}: counterexample ${fmt(result.counterexample.input)}; added to the negatives`);
  }
  if (!stats.provenInRound) {
    const certified = await refineIfAsked(task, original, net, deadline, random, log);
    net = certified.network;
    stats = { ...stats, ...certified.stats };
  }
  return { model: net, log, stats, counterexamples };
}

const fmt = (v: ArrayLike<number>) => `[${Array.from(v, (x) => x.toPrecision(4)).join(', ')}]`;

/** Localise (unless the neurons were chosen), PSO over the neurons' factors, fold. */
async function fineTuneOnce(net: Network, query: Query, data: RepairData, s: FineTuneSettings, ctx: { deadline: number; random: () => number; task: RepairTask; log: string[] }): Promise<{ network: Network; stats: Record<string, number> }> {
  const { set } = data;
  const started = performance.now();
  const chosen = s.selected ?? mostResponsible(net, query, data, s);
  const localizeSec = (performance.now() - started) / 1000;
  const names = chosen.map((c) => `${net.layers[c.layer].name}:${c.neuron}`).join(', ');
  ctx.log.push(s.selected
    ? `${set.violating.length} negative / ${set.safe.length} positive samples; tuning the ${chosen.length} selected neurons ${names}`
    : `localised ${set.violating.length} negative / ${set.safe.length} positive samples by ${s.responsibility} in ${localizeSec.toFixed(3)} s; tuning ${names}`);

  const n = net.layers[0].inSize;
  const m = net.layers[net.layers.length - 1].outSize;
  const negatives = pickRows(set.inputs, set.violating, n);
  const positives = pickRows(set.inputs, set.safe, n);
  const negCount = set.violating.length;
  const posCount = set.safe.length;
  const domainCount = data.domainLabels.length;
  const all = new Float64Array(negatives.length + positives.length + data.domain.length);
  all.set(negatives);
  all.set(positives, negatives.length);
  all.set(data.domain, negatives.length + positives.length);
  const engine = await ScaledForward.create(net, all, negCount + posCount + domainCount);
  const scales = net.layers.map((l) => new Float32Array(l.outSize).fill(1));
  const measure = async (w: ArrayLike<number>) => {
    chosen.forEach((c, i) => { scales[c.layer][c.neuron] = 1 + w[i]; });
    const y = await engine.run(scales);
    let unexpected = 0;
    for (let r = 0; r < negCount; r++) if (violationMargin(query.violation, y.subarray(r * m, (r + 1) * m)) <= s.margin) unexpected++;
    let drawn = 0;
    for (let r = negCount; r < negCount + posCount; r++) if (violationMargin(query.violation, y.subarray(r * m, (r + 1) * m)) <= 0) drawn++;
    const base = negCount + posCount;
    for (let r = 0; r < domainCount; r++) if (decide(y, (base + r) * m, m, ctx.task.decision) !== data.domainLabels[r]) drawn++;
    return { unexpected: unexpected / negCount, drawdown: drawn / (posCount + domainCount) };
  };
  try {
    const before = await measure(new Float64Array(chosen.length));
    const result = await pso(async (w) => {
      const { unexpected, drawdown } = await measure(w);
      return s.alpha * unexpected + (1 - s.alpha) * drawdown;
    }, {
      dimensions: chosen.length, lower: -1, upper: 1, particles: s.particles, iterations: s.iterations, inertia: s.inertia,
      cognitive: s.cognitive, social: s.social, ftol: 1e-3, patience: s.patience, random: ctx.random, deadline: ctx.deadline, signal: ctx.task.signal,
    });
    const after = await measure(result.best);
    const factors = chosen.map((c, i) => ({ layer: c.layer, neuron: c.neuron, factor: 1 + result.best[i] }));
    ctx.log.push(`PSO: ${result.iterations} iterations, cost ${result.cost.toFixed(5)}; negatives still violating ${pct(before.unexpected)} -> ${pct(after.unexpected)}, drawdown ${pct(after.drawdown)}; factors ${factors.map((f) => f.factor.toFixed(3)).join(', ')}`);
    return {
      network: foldScales(net, factors),
      stats: {
        negatives: negCount, positives: posCount, drawdownSamples: domainCount, neurons: chosen.length, psoIterations: result.iterations,
        bestCost: result.cost, unexpectedBefore: before.unexpected, unexpectedAfter: after.unexpected, drawdown: after.drawdown, localizeSec,
      },
    };
  } finally {
    await engine.release();
  }
}

/** The top `neurons` by responsibility (of one layer when `layer` >= 0), positive scores only. */
function mostResponsible(net: Network, query: Query, data: RepairData, s: FineTuneSettings): NeuronRef[] {
  const scores = neuronScores(net, query, data.set, s.responsibility);
  const ranked = rankNeurons(s.layer >= 0 ? scores.map((layer, k) => (k === s.layer ? layer : new Float64Array(layer.length))) : scores);
  return ranked.filter((r) => r.score > 0).slice(0, s.neurons);
}

const pct = (f: number) => `${(100 * f).toFixed(2)}%`;
