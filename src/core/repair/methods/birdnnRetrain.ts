/**
 * BIRDNN-RT (seed 004, §IV-B, Algs. 1-2, Eqs. 1-3): every negative (violating) sample gets as its target the mean of
 * the k nearest positive outputs (in output space, Euclidean), or the nearest one when that mean is itself a violation
 * (the paper's fallback; the code used the nearest only); positive samples keep their own outputs. The network is
 * retrained on alpha·L_DRP + beta·L_MPR (mean squared error, as the code; the paper leaves the norm open), with
 * 10% negative and 90% positive samples as in the paper. It keeps the epoch with the best validation accuracy (negatives
 * fixed and positives that kept their behaviour, as the code's accuracy on a mixed set) and stops when that has not
 * improved for `patience` epochs (the paper: "stable within 10 successive epochs").
 */
import { InputError } from '../../errors';
import { forward } from '../../network/forward';
import { asLayerSequence, isGraph } from '../../network/model';
import type { Network } from '../../network/network';
import { violationMargin, type OutputDnf } from '../../query/normalForm';
import { mseLoss } from '../../train/losses';
import { adam } from '../../train/optimizers';
import { train } from '../../train/train';
import { seededRandom } from '../../verify/falsify';
import { CERTIFY_OPTIONS } from '../birdnn/certify';
import { SHIFT_OPTIONS } from '../birdnn/outputShift';
import { refineIfAsked } from '../birdnn/refine';
import { collectRepairData, decisions } from '../birdnn/data';
import { pickRows } from '../../localize/sampling';
import type { RepairMethod, RepairOutcome, RepairTask } from '../types';
import { catalogEntry } from '../catalog';

export const birdnnRetrain: RepairMethod = {
  ...catalogEntry('birdnn-rt'),
  options: [
    { name: 'k', default: 10, description: 'Nearest positive outputs averaged into a negative sample\'s target.' },
    { name: 'alpha', default: 0.5, description: 'Weight of the repair term L_DRP; the keep term L_MPR gets 1 - alpha (the paper: 0.5).' },
    { name: 'samples', default: 10000, description: 'Training samples: 10% negative (violating), 90% positive (safe region samples and whole-domain samples).' },
    { name: 'learningRate', default: 0.0001, description: 'Adam learning rate (ACAS Xu\'s advisories differ by 1e-3 in the outputs: larger steps flip decisions everywhere).' },
    { name: 'epochs', default: 200, description: 'Largest number of epochs.' },
    { name: 'batchSize', default: 256, description: 'Mini-batch size.' },
    { name: 'patience', default: 10, description: 'Stop when the validation accuracy has not improved for this many epochs.' },
    { name: 'seed', default: 1, description: 'Random seed (sampling, batches).' },
    ...SHIFT_OPTIONS,
    ...CERTIFY_OPTIONS,
  ],
  run: runRetrain,
};

async function runRetrain(task: RepairTask): Promise<RepairOutcome> {
  if (isGraph(task.model)) throw new InputError('BIRDNN retraining works on sequential networks; this model is a graph');
  if (!task.query) throw new InputError('BIRDNN retraining repairs a property: give one');
  const net: Network = asLayerSequence(task.model, 'BIRDNN retraining');
  const query = task.query;
  const opt = (name: string) => Number(task.options[name] ?? birdnnRetrain.options.find((o) => o.name === name)!.default);
  const random = seededRandom(opt('seed'));
  const deadline = Date.now() + task.timeoutSec * 1000;
  const n = net.layers[0].inSize;
  const m = net.layers[net.layers.length - 1].outSize;
  const wantNegatives = Math.round(opt('samples') * 0.1);
  const wantPositives = opt('samples') - wantNegatives;
  const log: string[] = [];

  task.onProgress?.({ stage: 'sample' });
  const data = await collectRepairData(net, query, task, { negatives: wantNegatives, regionSamples: wantPositives, domainSamples: Math.ceil(wantPositives / 2), random });
  const { set } = data;
  if (set.violating.length === 0) {
    return { model: net, log: ['no violating sample found in the property\'s region; nothing to retrain'], stats: { negatives: 0 } };
  }
  // Spread over every violation found (the grown neighbourhoods come in rounds, each round's points together).
  const negRows = spread(set.violating, wantNegatives);
  const safeRows = set.safe.subarray(0, Math.max(0, wantPositives - data.domainLabels.length));
  const negCount = negRows.length;
  const regionPositives = pickRows(set.inputs, safeRows, n);
  const positives = concat(regionPositives, data.domain);
  const posCount = positives.length / n;
  const positiveOutputs = forward(net, positives, posCount);
  const negatives = pickRows(set.inputs, negRows, n);
  const negativeOutputs = forward(net, negatives, negCount);
  // Targets come from positives of the property's region (the negative domain), or its δ-neighbourhood.
  const regionOutputs = pickRows(set.activations[set.activations.length - 1], set.safe, m);
  const { targets: negativeTargets, fallbacks } = correctNegatives(negativeOutputs, regionOutputs, m, opt('k'), query.violation);

  const inputs = concat(negatives, positives);
  const targets = concat(negativeTargets, positiveOutputs);
  const alpha = opt('alpha');
  const count = negCount + posCount;
  // mseLoss averages over the batch: these weights make the expected loss alpha·mean(L_DRP) + (1 - alpha)·mean(L_MPR).
  const weights = Float64Array.from({ length: count }, (_, r) => (r < negCount ? (alpha * count) / negCount : ((1 - alpha) * count) / posCount));
  log.push(`${negCount} negative samples (targets: mean of ${opt('k')} nearest positive outputs, ${fallbacks} by the nearest alone), ${posCount} positive samples (${safeRows.length} in the region, ${data.domainLabels.length} from the whole domain)`);

  // Validation as the code's "accuracy": the share of negatives now safe and of positives that kept their behaviour
  // (region positives still safe, whole-domain samples with the same decision), on all negatives and up to as many
  // positives of each kind.
  const regionCheck = pickRows(regionPositives, Int32Array.from({ length: Math.min(negCount, safeRows.length) }, (_, i) => i), n);
  const domainCheckCount = Math.min(negCount, data.domainLabels.length);
  const validation = concat(concat(negatives, regionCheck), data.domain.subarray(0, domainCheckCount * n));
  const regionCheckCount = regionCheck.length / n;
  const accuracy = (candidate: Network) => {
    const y = forward(candidate, validation, negCount + regionCheckCount + domainCheckCount);
    let fixed = 0;
    let kept = 0;
    for (let r = 0; r < negCount; r++) if (violationMargin(query.violation, y.subarray(r * m, (r + 1) * m)) > 0) fixed++;
    for (let r = negCount; r < negCount + regionCheckCount; r++) if (violationMargin(query.violation, y.subarray(r * m, (r + 1) * m)) > 0) kept++;
    const labels = decisions(y.subarray((negCount + regionCheckCount) * m), domainCheckCount, m, task.decision);
    labels.forEach((label, r) => { if (label === data.domainLabels[r]) kept++; });
    return { fixed: fixed / negCount, accuracy: (fixed + kept) / (negCount + regionCheckCount + domainCheckCount) };
  };
  let best = { network: net, fixed: 0, accuracy: accuracy(net).accuracy, epoch: 0 };
  let stale = 0;
  task.onProgress?.({ stage: 'train' });
  const result = await train(net, {
    inputs, count, loss: mseLoss(targets, weights), optimizer: adam({ learningRate: opt('learningRate') }),
    epochs: opt('epochs'), batchSize: opt('batchSize'), seed: opt('seed'), deadline, signal: task.signal,
    onEpoch: (epoch, meanLoss, current) => {
      const candidate = current();
      const score = accuracy(candidate);
      task.onProgress?.({ stage: 'train', message: `epoch ${epoch + 1}: loss ${meanLoss.toExponential(3)}, negatives fixed ${(100 * score.fixed).toFixed(1)}%, accuracy ${(100 * score.accuracy).toFixed(2)}%`, fraction: (epoch + 1) / opt('epochs') });
      if (score.accuracy > best.accuracy) {
        best = { network: candidate, ...score, epoch: epoch + 1 };
        stale = 0;
      } else stale++;
      return best.accuracy === 1 || stale >= opt('patience');
    },
  });
  const domainAfter = decisions(forward(best.network, data.domain, data.domainLabels.length), data.domainLabels.length, m, task.decision);
  const changed = domainAfter.reduce((c, label, r) => c + (label !== data.domainLabels[r] ? 1 : 0), 0);
  const drawdown = changed / data.domainLabels.length;
  log.push(`trained ${result.epochs} epochs; best at epoch ${best.epoch}: ${(100 * best.fixed).toFixed(2)}% of the negatives fixed, validation accuracy ${(100 * best.accuracy).toFixed(2)}%, ${(100 * drawdown).toFixed(2)}% of ${data.domainLabels.length} whole-domain decisions changed`);
  const certified = await refineIfAsked(task, net, best.network, deadline, random, log);
  return {
    model: certified.network,
    log,
    stats: { negatives: negCount, positives: posCount, fallbackTargets: fallbacks, epochs: result.epochs, bestEpoch: best.epoch, negativesFixed: best.fixed, drawdown, ...certified.stats },
  };
}

/**
 * Alg. 2: each negative output's target is the mean of its k nearest positive outputs when that mean satisfies the
 * property, else the nearest positive output.
 */
export function correctNegatives(negatives: Float64Array, positives: Float64Array, m: number, k: number, violation: OutputDnf): { targets: Float64Array; fallbacks: number } {
  const negCount = negatives.length / m;
  const posCount = positives.length / m;
  if (posCount === 0) throw new InputError('no safe sample near the violating ones: BIRDNN has no behaviour to imitate');
  const targets = new Float64Array(negatives.length);
  const distances = new Float64Array(posCount);
  const order = Int32Array.from({ length: posCount }, (_, i) => i);
  let fallbacks = 0;
  for (let r = 0; r < negCount; r++) {
    for (let p = 0; p < posCount; p++) {
      let d = 0;
      for (let j = 0; j < m; j++) d += (negatives[r * m + j] - positives[p * m + j]) ** 2;
      distances[p] = d;
    }
    order.sort((a, b) => distances[a] - distances[b]);
    const kk = Math.min(k, posCount);
    const mean = new Float64Array(m);
    for (let t = 0; t < kk; t++) for (let j = 0; j < m; j++) mean[j] += positives[order[t] * m + j] / kk;
    if (violationMargin(violation, mean) > 0) targets.set(mean, r * m);
    else {
      targets.set(positives.subarray(order[0] * m, (order[0] + 1) * m), r * m);
      fallbacks++;
    }
  }
  return { targets, fallbacks };
}

/** `count` rows evenly spaced through `rows` (all of them when there are fewer). */
function spread(rows: Int32Array, count: number): Int32Array {
  if (rows.length <= count) return rows;
  return Int32Array.from({ length: count }, (_, i) => rows[Math.floor((i * rows.length) / count)]);
}

function concat(a: Float64Array, b: Float64Array): Float64Array {
  const out = new Float64Array(a.length + b.length);
  out.set(a);
  out.set(b, a.length);
  return out;
}
