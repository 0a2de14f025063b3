/**
 * I-REPAIR (seed 001, Henriksen, Leofante & Lomuscio, SAC '22; Alg. 2): repairs misclassified inputs R with little data.
 * Every iteration: the influence of each parameter on R's remaining errors (mean cross-entropy gradient over R⊥) and on
 * the keep set C (mean gradient of sum_i |y_i|, the paper's recommended loss; cross-entropy as an option), the score
 * (1/gamma)(|I_R| + eps)/(|I_C| + eps), every parameter scoring < 1 frozen (its gradient zeroed, l. 14), one RMSprop
 * step on the rest; the masks are recomputed every iteration; it stops when R⊥ is empty or after `ub` iterations.
 * Where the paper and its code differ (the update set, where eps sits, RMSprop's decay), both are options and
 * docs/repair-irepair.md says which is the default and why. Not in the paper, on by default (measured there): a keep
 * term in the step's loss that pulls the logits of C and of its shifted copies (images) back to the original's, and,
 * once the worst margin of R⊥ stalls, the shifted copies of R⊥ in the update; C chosen from the keep inputs given (4 per
 * class nearest to R) and the rest watched, a flipped one swapping into C; once R is fixed, a polish on R and the keep
 * inputs it flipped; a distill term holding the original logits on a draw of the other given keep inputs every
 * iteration, a quarter of it the ones the repair is eroding. Inputs still wrong when it stops are listed.
 */
import { InputError } from '../../../errors';
import { isGated, modelOutputSize } from '../../../network/model';
import { unlockInfluential, type ScoreForm } from '../../../localize/influence';
import type { Vec } from '../../../train/kernels';
import { absOutputLoss, crossEntropyLoss, mseLoss } from '../../../train/losses';
import { rmsprop } from '../../../train/optimizers';
import { maskShapedLike, vector, type ParameterMask, type Parameters, type Precision } from '../../../train/parameters';
import { trainedModel, type Trainable } from '../../../train/trainable';
import { seededRandom } from '../../../verify/falsify';
import { catalogEntry } from '../../catalog';
import { parameterCount as countParameters } from '../../size';
import type { KeepPoint, RepairMethod, RepairOutcome, RepairTask } from '../../types';
import { SetGradient, setForward, setPass, workingCopy, type Engine } from './engine';
import { COPIES, withCopies, squareSide, type CopyKind } from './copies';
import { isRepaired, margin, type MarginSpace } from './margin';
import { chooseKeepPoints, type KeepChoice } from '../../nearestKeep';
import { KeepReserve, type KeepRows } from './keepReserve';
import { polish, type PolishResult } from './polish';
import { DistillDraw } from './distillDraw';
import { heldRows } from './heldRows';
import { forwardModel32 } from '../../../network/forward';

/**
 * From this many parameters the ONNX Runtime backward graph takes the gradients: on MNIST 256x2 (269,322) it is 2.5-10x
 * faster than our kernels (docs/benchmarks/repair-irepair.md); the threshold itself, where a session call's overhead
 * stops mattering, is not measured.
 */
const ORT_FROM_PARAMETERS = 10_000;

/** A rise of the worst margin (logits) below this is no progress for `stallIterations`. */
const STALL_PROGRESS = 1e-3;

export const irepair: RepairMethod = {
  ...catalogEntry('irepair'),
  options: [
    { name: 'gamma', default: 2, description: 'Locking strength: parameters with (1/gamma)(|I_R| + eps)/(|I_C| + eps) < 1 are frozen; 0 unlocks all (plain retraining). Paper: 1 (MNIST, the largest it tried), 2 (CIFAR ResNet); 2 measured best here (docs/repair-irepair.md).' },
    { name: 'learningRate', default: 0.0001, description: 'RMSprop learning rate (paper: 1e-4 MNIST, 1e-5 CIFAR).' },
    { name: 'ub', default: 5000, description: 'Largest number of iterations (paper: 5000).' },
    { name: 'epsilon', default: 1e-8, description: 'The eps of the score (the paper: "arbitrarily small"; its code: 1e-8).' },
    { name: 'correctLoss', default: 'absOutput', choices: ['absOutput', 'crossEntropy'], description: 'Influence loss on the keep set: sum of |outputs| (the paper\'s recommendation) or cross-entropy (its ablation).' },
    { name: 'updateSet', default: 'remaining', choices: ['remaining', 'keepAndRepair', 'repair'], description: 'What each step trains on: R⊥ (the paper\'s pseudo-code; the default, measured), C ∪ R (the authors\' code) or all of R.' },
    { name: 'scoreForm', default: 'paper', choices: ['paper', 'code'], description: 'Score (1/gamma)(|I_R|+eps)/(|I_C|+eps) (paper) or (|I_R|+eps)/(gamma|I_C|+eps) (code).' },
    { name: 'locking', default: 'influence', choices: ['influence', 'none', 'random'], description: 'Which parameters are frozen: by influence (I-REPAIR), none (the paper\'s retraining baseline) or at random (its ablation).' },
    { name: 'lockProbability', default: 0.5, description: 'With locking=random: the chance each parameter is frozen in an iteration.' },
    { name: 'delta', default: 0, description: 'Margin: an input counts as repaired when its label beats every other output by more than delta (paper, RQ iii).' },
    { name: 'marginSpace', default: 'softmax', choices: ['softmax', 'logits'], description: 'Where delta is measured: softmax probabilities (the paper) or logits.' },
    { name: 'rmsDecay', default: 0.99, description: 'RMSprop\'s running-average decay (the code\'s PyTorch default 0.99; the paper does not say).' },
    { name: 'engine', default: 'auto', choices: ['auto', 'ort', 'js'], description: 'Gradients by ONNX Runtime\'s backward graph (plain networks) or our JavaScript backpropagation; auto: ORT from 10,000 parameters.' },
    { name: 'precision', default: 'float32', choices: ['float32', 'float64'], description: 'Arithmetic of the gradients and the step; float64 (for checks) takes our JavaScript backpropagation.' },
    { name: 'keepTerm', default: 30, description: 'Weight of an extra term in the update loss (not in the paper): the squared change of the logits of the keep set (and its copies, keepCopies) from the original network\'s, summed over the logits, mean over the inputs; 30 measured best on MNIST, 0 is the paper\'s algorithm (docs/repair-irepair.md).' },
    { name: 'keepCopies', default: 'shift', choices: ['none', 'shift', 'mixup'], description: 'Label-free copies of each keep input that the keep term also holds (not in the paper): shift = the 8 one-pixel shifts of a square grayscale image, mixup = 8 seeded blends with other keep inputs.' },
    { name: 'stallIterations', default: 30, description: 'With repairCopies=onStall: how many iterations without a rise of the worst margin of R⊥ make a stall.' },
    { name: 'repairCopies', default: 'onStall', choices: ['none', 'shift', 'onStall'], description: 'Not in the paper: the update also trains on the 8 one-pixel shifts of each repair input still wrong (square grayscale images), with its label: never, from the start, or once the worst margin of R⊥ has not risen for stallIterations iterations.' },
    { name: 'keepPerClass', default: 4, description: 'Not in the paper (which draws C at random): from the keep inputs given, the keep set is this many of each class, the first in keepChoice\'s order (the paper\'s |C| = 40 on 10 classes); 0 takes every keep input given (docs/repair-irepair.md, "The keep set").' },
    { name: 'keepChoice', default: 'nearest', choices: ['nearest', 'margin'], description: 'With keepPerClass: which keep inputs of each class: the nearest to the repair inputs, or the closest to flipping (the smallest margin of their label under the original network).' },
    { name: 'keepReserve', default: 600, description: 'Not in the paper: with keepPerClass, up to this many more given keep inputs of each class (the next in keepChoice\'s order) are run every keepCheck iterations; one the repair has flipped swaps into C for the member of its class least at risk (|C| unchanged). 0: C stays as chosen (docs/repair-irepair.md).' },
    { name: 'keepCheck', default: 50, description: 'Iterations between two checks of the keep reserve.' },
    { name: 'keepMargin', default: 0, description: 'Not in the paper: with the keep reserve, a reserve input also swaps into C before it flips, once its margin (logits) is below this and below half its margin under the original network. 0: only flipped ones.' },
    { name: 'polish', default: 300, description: 'Not in the paper: with the keep reserve, once R is fixed, at most this many more iterations of the same loop on R and the given keep inputs the repair flipped (with their labels); the state with R right and the fewest flipped is kept. 0: none (docs/repair-irepair.md).' },
    { name: 'distill', default: 256, description: 'Not in the paper: with keepPerClass, this many of the other given keep inputs (drawn each iteration, see distillAtRisk) join the step\'s loss with the squared change of their logits from the original network\'s, weighted by distillTerm: the original outputs held on all the keep data given, not just C. 256 measured on MNIST; 0: none (docs/repair-irepair.md).' },
    { name: 'distillTerm', default: 100, description: 'Weight of the distill term (the keep term\'s units: summed over the logits, mean over the drawn inputs); 100 measured better than 30 on MNIST.' },
    { name: 'distillAtRisk', default: 0.25, description: 'Not in the paper: the share of each distill draw taken from the other given keep inputs the repair is eroding (margin, as last seen, below the original network\'s; the smallest first), the rest a seeded uniform draw. 0: all uniform. 0.25 measured on MNIST (docs/repair-irepair.md).' },
    { name: 'seed', default: 1, description: 'Random seed (locking=random, keepCopies=mixup and the distill draws only).' },
  ],
  run: runIRepair,
};

function option<T extends number | string>(task: RepairTask, name: string): T {
  const spec = irepair.options.find((o) => o.name === name)!;
  const value = task.options[name] ?? spec.default;
  if (spec.choices && !spec.choices.includes(String(value))) throw new InputError(`I-REPAIR option ${name} must be one of ${spec.choices.join(', ')}, not '${value}'`);
  if (!spec.choices && typeof spec.default === 'number' && !Number.isFinite(Number(value))) throw new InputError(`I-REPAIR option ${name} must be a number, not '${value}'`);
  return (typeof spec.default === 'number' ? Number(value) : String(value)) as T;
}

async function runIRepair(task: RepairTask): Promise<RepairOutcome> {
  if (isGated(task.model)) throw new InputError('I-REPAIR trains a plain network or a graph; this model is a gated model (nRepair pieces)');
  if (task.decision !== 'argmax') throw new InputError('I-REPAIR repairs classifiers whose decision is the largest output (argmax); this task reads argmin');
  const model = task.model as Trainable;
  const m = modelOutputSize(model);
  const R = task.repairSet;
  const perClass = Math.max(0, Math.floor(option<number>(task, 'keepPerClass')));
  const keepChoice = option<KeepChoice>(task, 'keepChoice');
  const reservePerClass = perClass > 0 ? Math.max(0, Math.floor(option<number>(task, 'keepReserve'))) : 0;
  // C and the reserve: the first perClass of each class in the chosen order, the next reservePerClass.
  const ranked = perClass > 0 ? chooseKeepPoints(keepChoice, model, task.keepSet, R, perClass + reservePerClass) : [...task.keepSet];
  const C: KeepPoint[] = [];
  const reserve: KeepPoint[] = [];
  const taken = new Map<number, number>();
  for (const p of ranked) {
    const t = taken.get(p.label) ?? 0;
    taken.set(p.label, t + 1);
    (perClass === 0 || t < perClass ? C : reserve).push(p);
  }
  if (R.length === 0) throw new InputError('I-REPAIR needs a repair set R: misclassified inputs with their true labels');
  if (C.length === 0) throw new InputError('I-REPAIR needs a keep set C of correctly classified inputs (the paper: 40, spread over the classes)');
  R.forEach((p, k) => {
    if (p.label === undefined || !Number.isInteger(p.label) || p.label < 0 || p.label >= m) throw new InputError(`I-REPAIR needs the true label (0..${m - 1}) of every repair input; repair-set entry ${k + 1} has ${p.label === undefined ? 'none' : p.label}`);
  });
  const gamma = option<number>(task, 'gamma');
  const ub = Math.max(0, Math.floor(option<number>(task, 'ub')));
  const epsilon = option<number>(task, 'epsilon');
  const updateSet = option<'keepAndRepair' | 'remaining' | 'repair'>(task, 'updateSet');
  const locking = option<'influence' | 'none' | 'random'>(task, 'locking');
  const delta = option<number>(task, 'delta');
  const space = option<MarginSpace>(task, 'marginSpace');
  const scoreForm = option<ScoreForm>(task, 'scoreForm');
  const lockProbability = option<number>(task, 'lockProbability');
  const random = seededRandom(option<number>(task, 'seed'));

  const started = Date.now();
  const deadline = started + task.timeoutSec * 1000;
  const chosen = option<'auto' | Engine>(task, 'engine');
  const parameterCount = countParameters(model);
  const precision = option<Precision>(task, 'precision');
  if (precision === 'float64' && chosen === 'ort') throw new InputError('I-REPAIR: ONNX Runtime computes in float32; float64 takes engine=js');
  const engine: Engine = precision === 'float64' ? 'js' : chosen === 'auto' ? (parameterCount >= ORT_FROM_PARAMETERS ? 'ort' : 'js') : chosen;
  const params = workingCopy(model, engine, precision);
  const n = R[0].input.length;
  const toPrecision = (xs: ArrayLike<number>) => {
    const v = vector(params.precision, xs.length);
    v.set(xs);
    return v;
  };
  const rows = (points: readonly { input: Float64Array }[]) => {
    const xs = vector(params.precision, points.length * n);
    points.forEach((p, k) => xs.set(p.input, k * n));
    return xs;
  };
  const labelsR = Int32Array.from(R, (p) => p.label!);
  const allRows = (count: number) => Int32Array.from({ length: count }, (_, i) => i);
  // The shifted copies (keepCopies, repairCopies) are for square grayscale images; other inputs get none.
  const image = squareSide(n) !== undefined;
  const labelsC = Int32Array.from(C, (p) => p.label);
  const inputsR = rows(R);
  const inputsC = rows(C);
  // Once the copies are on (repairCopies=shift from the start, onStall after a stall) the cross-entropy also takes the
  // 8 one-pixel shifts of every repair input still wrong, with its label (rows R.length + 8k .. R.length + 8k + 7 for input k).
  const repairCopies = option<'none' | 'shift' | 'onStall'>(task, 'repairCopies');
  const copiesR = repairCopies !== 'none' && image ? COPIES : 0;
  let copiesOn = repairCopies === 'shift';
  const repairGradient = await SetGradient.create(model, engine, precision, params, copiesR ? toPrecision(withCopies(Float64Array.from(inputsR), n, 'shift', 0)) : inputsR, n,
    crossEntropyLoss(Int32Array.from({ length: R.length * (1 + copiesR) }, (_, i) => labelsR[i < R.length ? i : Math.floor((i - R.length) / copiesR)])));
  const withCopiesR = (rowsR: Int32Array) => !copiesOn ? rowsR : Int32Array.from([...rowsR, ...Array.from(rowsR).flatMap((k) => Array.from({ length: copiesR }, (_, j) => R.length + k * copiesR + j))]);
  const correctLoss = option<string>(task, 'correctLoss') === 'absOutput' ? absOutputLoss() : crossEntropyLoss(labelsC);
  const correctGradient = locking === 'influence' ? await SetGradient.create(model, engine, precision, params, inputsC, n, correctLoss) : undefined;
  const unionInputs = concat(inputsC, inputsR);
  const unionLabels = Int32Array.from([...labelsC, ...labelsR]);
  const union = updateSet === 'keepAndRepair' ? await SetGradient.create(model, engine, precision, params, unionInputs, n, crossEntropyLoss(unionLabels)) : undefined;
  const outputsR = await setPass(model, engine, params, inputsR, n);
  // The keep term: the squared change of C's logits from the original network's, summed over the logits (mseLoss
  // averages over them too: heldRows folds the factor m into each row's weight). Not in the paper; measured in
  // docs/repair-irepair.md. The locking only keeps C's most influential parameters still; this pulls C's outputs back.
  const keepWeight = option<number>(task, 'keepTerm');
  const asked = option<CopyKind>(task, 'keepCopies');
  const copies = asked === 'shift' && !image ? 'none' : asked;
  const inputsK = copies === 'none' ? inputsC : toPrecision(withCopies(Float64Array.from(inputsC), n, copies, option<number>(task, 'seed')));
  const keepCount = inputsK.length / n;
  const targetsK = Float64Array.from(setForward(model, params, inputsK, n)());
  // The keep reserve rewrites rows of C in place: every set that holds C reads these arrays by reference; the held
  // rows (a copy, with C's shifted copies) are rewritten here.
  const outputsC = await setPass(model, engine, params, inputsC, n);
  const keepRows: KeepRows = {
    points: C,
    outputs: () => outputsC.run(),
    write(k, p) {
      C[k] = p;
      inputsC.set(p.input, k * n);
      labelsC[k] = p.label;
      unionInputs.set(p.input, k * n);
      unionLabels[k] = p.label;
      if (!keepOn) return;
      // The point and, with shift copies, its 8 shifts (rows C.length + 8k ...); mixup copies blend other rows: kept.
      const own = copies === 'shift' ? withCopies(p.input, n, 'shift', 0) : p.input;
      const y0 = forwardModel32(model, own, own.length / n);
      [k, ...(copies === 'shift' ? Array.from({ length: COPIES }, (_, j) => C.length + k * COPIES + j) : [])].forEach((row, j) => {
        held.inputs.set(own.subarray(j * n, (j + 1) * n), row * n);
        held.targets.set(y0.subarray(j * m, (j + 1) * m), row * m);
      });
    },
  };
  // The distill term: a seeded draw of the other given keep inputs each iteration, their logits pulled back to the
  // original's (the fixed list as given, whatever the reserve swaps). Not in the paper; measured in docs/repair-irepair.md.
  const distillBatch = Math.min(reserve.length, Math.max(0, Math.floor(option<number>(task, 'distill'))));
  const distillWeight = option<number>(task, 'distillTerm');
  const inputsD = distillBatch > 0 && distillWeight > 0 ? rows(reserve) : undefined;
  const targetsD = inputsD ? Float64Array.from(await runOnce(await setPass(model, engine, params, inputsD, n))) : new Float64Array(0);
  // Both terms in one set, one backward pass per iteration (heldRows).
  const keepOn = keepWeight > 0;
  const distillOn = inputsD !== undefined;
  const held = heldRows(precision, n, m, keepOn ? { inputs: inputsK, targets: targetsK, weight: keepWeight } : undefined, inputsD ? { inputs: inputsD, targets: targetsD, weight: distillWeight, batch: distillBatch } : undefined);
  const heldGradient = keepOn || distillOn ? await SetGradient.create(model, engine, precision, params, held.inputs, n, mseLoss(held.targets, held.weights)) : undefined;
  const atRiskShare = option<number>(task, 'distillAtRisk');
  const draw = distillOn ? new DistillDraw(targetsD, Int32Array.from(reserve, (p) => p.label), m, distillBatch, atRiskShare, seededRandom(option<number>(task, 'seed') + 1)) : undefined;
  const keepReserve = reserve.length > 0 ? await KeepReserve.create(reserve, C, n, m, model, engine, params, option<number>(task, 'keepMargin')) : undefined;
  const keepCheck = Math.max(1, Math.floor(option<number>(task, 'keepCheck')));
  const optimizer = rmsprop({ learningRate: option<number>(task, 'learningRate'), decay: option<number>(task, 'rmsDecay'), epsilon: 1e-8 });
  const mask = maskShapedLike(params);
  const everUnlocked = maskShapedLike(params);
  const wrongRows = (y: Vec) => Int32Array.from(labelsR.keys()).filter((k) => !isRepaired(y, k * m, m, labelsR[k], delta, space));

  // With the update on C ∪ R, that gradient's outputs (taken first, at the current parameters) tell which repair
  // inputs are still wrong: no separate forward pass.
  const unionOutputsR = async () => (await union!.gradient(params, allRows(C.length + R.length))).subarray(C.length * m);
  const log: string[] = [];
  let wrong = wrongRows(union ? await unionOutputsR() : await outputsR.run());
  log.push(`${R.length} repair input(s), ${wrong.length} misclassified at the start; keep set of ${C.length}${C.length < task.keepSet.length ? ` (of the ${task.keepSet.length} given, the ${perClass} of each class ${keepChoice === 'nearest' ? 'nearest to R' : 'closest to flipping'})` : ''}; ${parameterCount} parameters; gradients by ${engine === 'ort' ? 'ONNX Runtime (backward graph, float32)' : `our JavaScript backpropagation (${precision})`}`);
  if (keepReserve) log.push(`keep reserve: ${reserve.length} more given keep input(s), checked every ${keepCheck} iterations`);
  if (distillOn) log.push(`distill term (weight ${distillWeight}): ${distillBatch} of the ${reserve.length} other given keep inputs drawn each iteration${atRiskShare > 0 ? `, ${Math.round(100 * Math.min(1, atRiskShare))}% of them the ones the repair is eroding most` : ''}`);
  if (keepOn) log.push(`keep term (weight ${keepWeight}) on ${keepCount} input(s): C${copies === 'none' ? '' : ` and ${COPIES} ${copies} copies of each`}${asked !== copies ? ` (keepCopies=${asked} needs square grayscale images)` : ''}`);
  if (repairCopies !== 'none' && copiesR === 0) log.push(`repairCopies=${repairCopies} needs square grayscale images: the update trains on R⊥ alone`);
  const stallIterations = Math.max(1, Math.floor(option<number>(task, 'stallIterations')));
  let bestWorst = -Infinity;
  let stalled = 0;
  let iterations = 0;
  let unlockedSum = 0;
  let stopped = '';
  // The gradients besides the repair gradient, at the current parameters: I_C (the locking), the keep and distill terms.
  const sideGradients = async () => {
    if (locking === 'influence') await correctGradient!.gradient(params, allRows(C.length));
    if (!heldGradient) return;
    const drawn = draw ? draw.next() : new Int32Array(0);
    const y = await heldGradient.gradient(params, held.rows(drawn));
    draw?.observe(drawn, y.subarray(held.keepCount * m));
  };
  // The paper's l. 10-14 on the repair gradient iR (I_C from sideGradients): the scores, the mask; returns how many are unlocked.
  const lock = (iR: Parameters) => locking !== 'influence'
    ? fillMask(mask, () => (locking === 'none' || random() >= lockProbability ? 1 : 0))
    : unlockInfluential(iR, correctGradient!.grads, mask, gamma, epsilon, scoreForm);
  // l. 14-15: the keep and distill terms added, the frozen parameters' gradients zeroed, the RMSprop step.
  const finish = (update: Parameters) => {
    applyMask(update, mask, everUnlocked, heldGradient?.grads);
    optimizer.step(params, update);
  };
  const polishBudget = Math.max(0, Math.floor(option<number>(task, 'polish')));
  let polished: PolishResult | undefined;
  try {
    while (wrong.length > 0) {
      if (iterations >= ub) { stopped = `after ub = ${ub} iterations`; break; }
      if (task.signal?.aborted) { stopped = 'when cancelled'; break; }
      if (Date.now() > deadline) { stopped = `at the time limit (${task.timeoutSec} s)`; break; }
      await repairGradient.gradient(params, withCopiesR(wrong));
      await sideGradients();
      const unlocked = lock(repairGradient.grads);
      unlockedSum += unlocked / parameterCount;
      if (updateSet === 'repair') await repairGradient.gradient(params, withCopiesR(allRows(R.length)));
      finish(union ? union.grads : repairGradient.grads);
      iterations++;
      const y = union ? await unionOutputsR() : await outputsR.run();
      const before = wrong.length;
      wrong = wrongRows(y);
      if (repairCopies === 'onStall' && copiesR > 0 && !copiesOn && wrong.length > 0) {
        const worst = Math.min(...Array.from(wrong, (k) => margin(y, k * m, m, labelsR[k])));
        if (wrong.length < before || worst > bestWorst + STALL_PROGRESS) { bestWorst = worst; stalled = 0; }
        else if (++stalled >= stallIterations) {
          copiesOn = true;
          log.push(`iteration ${iterations}: the worst margin of R⊥ (${worst.toFixed(3)}) has not risen for ${stallIterations} iterations; the update now also trains on the shifted copies of R⊥`);
        }
      }
      if (keepReserve && iterations % keepCheck === 0 && wrong.length > 0) {
        const swapped = await keepReserve.check(keepRows);
        if (swapped > 0) log.push(`iteration ${iterations}: ${swapped} reserve keep input(s) flipped: swapped into C`);
      }
      if (iterations % 25 === 0) {
        task.onProgress?.({ stage: 'repair', message: `iteration ${iterations}: ${wrong.length}/${R.length} still wrong, ${(100 * unlocked / parameterCount).toFixed(2)}% of the parameters unlocked`, fraction: Math.min(1, iterations / Math.max(1, ub)) });
        if (engine === 'js') await new Promise((done) => setImmediate(done));
      }
    }
    if (keepReserve && polishBudget > 0 && wrong.length === 0) {
      polished = await polish({
        model, engine, precision, params, n, m, repair: R.map((p) => ({ input: p.input, label: p.label! })), delta, space,
        flipped: async () => {
          const y = await outputsC.run();
          return [...await keepReserve.flipped(), ...C.filter((p, k) => margin(y, k * m, m, p.label) <= 0)];
        },
        step: async (iR) => { await sideGradients(); lock(iR); finish(iR); },
        checkEvery: keepCheck, budget: polishBudget, deadline,
      });
      if (polished.before > 0) log.push(`polish: ${polished.before} given keep input(s) flipped when R was fixed, ${polished.after} after ${polished.iterations} iteration(s) on R and them (the best state kept)`);
      wrong = wrongRows(await outputsR.run());
    }
  } finally {
    await repairGradient.release();
    await correctGradient?.release();
    await union?.release();
    await heldGradient?.release();
    await keepReserve?.release();
    await outputsR.release();
    await outputsC.release();
  }
  const ever = everUnlocked.layers.reduce((s, l) => s + count(l.weights) + count(l.bias), 0);
  log.push(`${iterations} iteration(s) in ${((Date.now() - started) / 1000).toFixed(2)} s; on average ${(100 * unlockedSum / Math.max(1, iterations)).toFixed(2)}% of the parameters unlocked per iteration, ${ever} (${(100 * ever / parameterCount).toFixed(2)}%) ever`);
  if (keepReserve) log.push(`${keepReserve.swaps} flipped reserve keep input(s) swapped into C`);
  if (wrong.length === 0) log.push(`all ${R.length} repair input(s) classified right${delta > 0 ? ` by a margin above ${delta} (${space})` : ''}`);
  else log.push(`stopped ${stopped}: ${wrong.length} of ${R.length} repair input(s) NOT repaired: repair-set entries ${Array.from(wrong, (k) => k + 1).join(', ')}`);
  return {
    model: trainedModel(model, params),
    log,
    stats: {
      iterations, repaired: R.length - wrong.length, unrepaired: wrong.length, unlockedPerIteration: unlockedSum / Math.max(1, iterations), everUnlocked: ever / parameterCount,
      ...(polished ? { polishIterations: polished.iterations, keepFlippedBeforePolish: polished.before, keepFlippedAfterPolish: polished.after } : {}),
    },
  };
}

/**
 * The paper's l. 14: frozen parameters' gradients are zeroed (so RMSprop's running averages still decay, as in its
 * code); the unlocked ones get the held terms' gradient (keep and distill, their weights folded into the set's rows)
 * added, in the same pass.
 */
function applyMask(grads: Parameters, mask: ParameterMask, ever: ParameterMask, held: Parameters | undefined): void {
  grads.layers.forEach((layer, k) => {
    for (const part of ['weights', 'bias'] as const) maskAndAdd(layer[part], mask.layers[k][part], ever.layers[k][part], held?.layers[k][part]);
  });
}

/** applyMask's loop on one array, a top-level function of its arguments (no closure state in the hot loop). */
function maskAndAdd(g: Vec, mask: Uint8Array, ever: Uint8Array, held: Vec | undefined): void {
  for (let i = 0; i < g.length; i++) {
    if (!mask[i]) g[i] = 0;
    else {
      ever[i] = 1;
      if (held) g[i] += held[i];
    }
  }
}

/** One pass over a fixed set, the pass released. */
async function runOnce(pass: { run(): Promise<Vec>; release(): Promise<void> }): Promise<Vec> {
  try {
    return (await pass.run()).slice();
  } finally {
    await pass.release();
  }
}

function fillMask(mask: ParameterMask, draw: () => number): number {
  let unlocked = 0;
  for (const layer of mask.layers) for (const part of [layer.weights, layer.bias]) for (let i = 0; i < part.length; i++) unlocked += part[i] = draw();
  return unlocked;
}

const count = (a: Uint8Array) => a.reduce((s, v) => s + v, 0);

function concat(a: Vec, b: Vec): Vec {
  const out = vector(a instanceof Float64Array ? 'float64' : 'float32', a.length + b.length);
  out.set(a);
  out.set(b, a.length);
  return out;
}
