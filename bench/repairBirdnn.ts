/**
 * The BIRDNN section of the repair benchmark: birdnn-ft (plain and iterated with the verifier) and birdnn-rt on ACAS Xu
 * N2,9/prop 8 and N1,9/prop 7, on Tanh and LeakyReLU variants of N1,9, and birdnn-ft on the 34 prop-2 tasks
 * (networks N_{x>=2} that violate it). Like the driver, every verdict comes from our verifier on the written and
 * re-read ONNX file, never from the samples. Prints the table with the paper's figures beside ours and writes
 * docs/benchmarks/repair-birdnn.md.
 *
 * BENCH_TIMEOUT: the verifier's time on the written file (default 60 s); BENCH_PROP2=0 skips the 34 prop-2 tasks,
 * BENCH_PROP2_ITERATE=1 runs them iterated, BENCH_PROP2_CERTIFY=1 with certify too; BENCH_FILTER: a substring of the
 * task name (several separated by ";": any of them); BENCH_METHOD: substrings of the method's label separated by ";" (e.g. "iterate;certify"). Rows are kept in
 * docs/benchmarks/repair-birdnn.json (re-read before each write, so filtered runs side by side keep each other's rows)
 * and recorded for the summary table of every method (bench/repairSummary.ts); BENCH_REPORT_ONLY=1 rewrites the
 * reports from them.
 */
import { existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { cpus, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { exportOnnx } from '../src/core/onnx/export';
import { forward } from '../src/core/network/forward';
import type { Activation, Network } from '../src/core/network/network';
import { parseVnnlib } from '../src/core/property/vnnlib';
import { inRegion, violationMargin, type Query } from '../src/core/query/normalForm';
import { LOCALIZE_VERIFY_SEC, localize } from '../src/core/localize';
import { collectSamples } from '../src/core/localize/samples';
import { sampleBox, sampleRegion } from '../src/core/localize/sampling';
import { decisions } from '../src/core/repair/birdnn/data';
import { birdnnFineTune } from '../src/core/repair/methods/birdnnFineTune';
import { birdnnRetrain } from '../src/core/repair/methods/birdnnRetrain';
import { shiftOutputs } from '../src/core/repair/birdnn/outputShift';
import type { RepairMethod, RepairTask } from '../src/core/repair/types';
import { marginLoss, mseLoss } from '../src/core/train/losses';
import { adam } from '../src/core/train/optimizers';
import { train } from '../src/core/train/train';
import { seededRandom } from '../src/core/verify/falsify';
import { verify } from '../src/core/verify';
import { acasDomain, acasNet, dataPath, loadNetwork } from '../test/helpers';
import { recordSummaryRows, type SummaryRow } from './repairSummary';

const VERIFY_TIMEOUT = Number(process.env.BENCH_TIMEOUT ?? 60);
const FILTER = process.env.BENCH_FILTER ?? '';
const METHOD_FILTER = process.env.BENCH_METHOD ?? '';
const THREADS = cpus().length;
const domain = acasDomain();
const scratch = mkdtempSync(join(tmpdir(), 'netmend-birdnn-'));
const query = (p: number): Query => parseVnnlib(readFileSync(dataPath('acasxu', `prop_${p}.vnnlib`), 'utf8'), `prop_${p}.vnnlib`);

interface Row {
  task: string; method: string; verdict: string; methodSec: number; localizeSec: number; violationsBefore: number; violationsAfter: number;
  drawdown: number; fidelity: number; rounds: number; provenInRound: number; paper: string; verifySec: number;
  /** The method's own loop (iterate or certify) had the verifier prove the property before returning. */
  provenInLoop?: boolean;
  /** When the row was measured (UTC) and the load average then: rows of several filtered runs sit in one table. */
  ran?: string;
}

/** The driver's check: write the ONNX file, read it back, verify the property on it. */
async function verdictOnFile(net: Network, q: Query, name: string): Promise<string> {
  const file = join(scratch, `${name.replace(/[^\w]+/g, '_')}.onnx`);
  writeFileSync(file, exportOnnx(net));
  const reread = loadNetwork(file);
  const result = await verify(reread, q, { timeoutSec: VERIFY_TIMEOUT, threads: THREADS });
  return result.status === 'holds' ? 'repaired (proven)' : result.status === 'violated' ? 'not repaired (counterexample)' : 'unknown (timeout)';
}

/** Decision changes on 10,000 whole-domain samples; decision agreement on region samples where the original was safe. */
function fidelity(original: Network, repaired: Network, q: Query): { drawdown: number; fidelity: number } {
  const random = seededRandom(4242);
  const x = sampleBox(domain.lower, domain.upper, 10_000, random);
  const d0 = decisions(forward(original, x, 10_000), 10_000, 5, 'argmin');
  const d1 = decisions(forward(repaired, x, 10_000), 10_000, 5, 'argmin');
  const drawdown = d0.reduce((c, d, r) => c + (d !== d1[r] ? 1 : 0), 0) / 10_000;
  const region = sampleRegion(q.region, 10_000, random);
  const count = region.length / 5;
  const y0 = forward(original, region, count);
  const z0 = decisions(y0, count, 5, 'argmin');
  const z1 = decisions(forward(repaired, region, count), count, 5, 'argmin');
  let safe = 0;
  let same = 0;
  for (let r = 0; r < count; r++) {
    if (violationMargin(q.violation, y0.subarray(r * 5, (r + 1) * 5)) <= 0) continue;
    safe++;
    if (z0[r] === z1[r]) same++;
  }
  return { drawdown, fidelity: safe ? same / safe : 1 };
}

/** Violations among fresh samples of the region (uniform, faces, grown violations), another seed than the methods'. */
async function freshViolations(original: Network, q: Query): Promise<Float64Array> {
  const set = await collectSamples(original, q, { samples: 10_000, violatingTarget: 2000, random: seededRandom(777) });
  const n = 5;
  const out = new Float64Array(set.violating.length * n);
  set.violating.forEach((r, k) => out.set(set.inputs.subarray(r * n, (r + 1) * n), k * n));
  return out;
}

function countViolations(net: Network, q: Query, x: Float64Array): number {
  const count = x.length / 5;
  const y = forward(net, x, count);
  let v = 0;
  for (let r = 0; r < count; r++) if (violationMargin(q.violation, y.subarray(r * 5, (r + 1) * 5)) <= 0 && inRegion(q.region, x.subarray(r * 5, (r + 1) * 5))) v++;
  return v;
}

/** The method and the options that depart from the paper, e.g. "birdnn-ft (iterate, margin 0.001, certify)". */
function methodLabel(method: RepairMethod, options: RepairTask['options']): string {
  const parts = [
    options.iterate ? `iterate, margin ${options.margin ?? 0}` : '',
    options.shift ? 'shift' : '',
    options.certify ? `certify${options.certifyVerifySec ? `, verifier ${options.certifyVerifySec} s per round` : ''}` : '',
  ].filter(Boolean);
  return parts.length ? `${method.id} (${parts.join(', ')})` : method.id;
}

async function runTask(name: string, net: Network, q: Query, method: RepairMethod, options: RepairTask['options'], paper: string, timeoutSec = 300): Promise<Row | undefined> {
  if (!METHOD_FILTER.split(';').some((f) => methodLabel(method, options).includes(f))) return undefined;
  const fresh = await freshViolations(net, q);
  const task: RepairTask = { model: net, query: q, repairSet: [], keepSet: [], domain, decision: 'argmin', options, timeoutSec };
  const started = performance.now();
  const outcome = await method.run(task);
  const methodSec = (performance.now() - started) / 1000;
  const repaired = outcome.model as Network;
  const verdict = await verdictOnFile(repaired, q, `${name}_${method.id}`);
  const f = fidelity(net, repaired, q);
  const row: Row = {
    task: name, method: methodLabel(method, options), verdict, methodSec, localizeSec: outcome.stats.localizeSec ?? NaN,
    violationsBefore: fresh.length / 5, violationsAfter: countViolations(repaired, q, fresh), ...f,
    rounds: (outcome.stats.rounds ?? 1) + (outcome.stats.certifyRounds ?? 0), provenInRound: outcome.stats.provenInRound ?? 0, paper, verifySec: VERIFY_TIMEOUT,
    provenInLoop: outcome.stats.certifyProven === 1 || outcome.stats.provenInRound > 0,
    ran: `${new Date().toISOString().slice(0, 16).replace('T', ' ')}Z, load ${loadavg()[0].toFixed(1)}`,
  };
  console.log(JSON.stringify(row), '\n  ', outcome.log.join('\n   '));
  return row;
}

/**
 * BIRDNN's DNN_4/5: N1,9 with its ReLUs swapped, fine-tuned to imitate the original's outputs, then its decisions. The
 * outputs alone are not enough: ACAS Xu's scores differ by ~1e-3, and after 40 epochs of MSE the Tanh variant agreed
 * with N1,9 on 74% of the domain samples, the LeakyReLU one on 26% (advising SL or SR on 12% and 21%); 10 epochs of a
 * decision margin (0.001) bring both to 99.8%.
 */
async function variant(original: Network, activation: Activation): Promise<Network> {
  const swapped: Network = { ...original, layers: original.layers.map((l, k) => (k < original.layers.length - 1 ? { ...l, activation } : l)) };
  const random = seededRandom(11);
  const x = sampleBox(domain.lower, domain.upper, 20_000, random);
  const targets = forward(original, x, 20_000);
  const imitated = await train(swapped, { inputs: x, count: 20_000, loss: mseLoss(targets), optimizer: adam({ learningRate: 1e-3 }), epochs: 40, batchSize: 500, seed: 5 });
  const labels = decisions(targets, 20_000, 5, 'argmin');
  const decided = await train(imitated.network, { inputs: x, count: 20_000, loss: marginLoss(labels, 'argmin', 0.001), optimizer: adam({ learningRate: 1e-4 }), epochs: 10, batchSize: 500, seed: 6, engine: 'js' });
  const agreement = fidelity(original, decided.network, query(7)).drawdown;
  console.log(`variant ${activation.kind}: ${(100 * (1 - agreement)).toFixed(2)}% of 10,000 domain decisions as N1,9's`);
  return decided.network;
}

/** The control for the shift rows: the shift on the original network, with no BIRDNN step before it. */
const shiftAlone = {
  ...birdnnRetrain,
  id: 'shift alone (control, no BIRDNN step)',
  run: async (task: RepairTask) => {
    const log: string[] = [];
    const result = await shiftOutputs(task.model as Network, task.query!, {
      domain: task.domain, keepSet: [], decision: task.decision, maxDrawdown: 0.001, samples: 10_000, verifySec: 10, threads: THREADS, random: seededRandom(1), log,
    });
    return { model: result.network, log, stats: { shiftSize: result.size } };
  },
} as unknown as RepairMethod;

const PAPER_FT = 'FT: improvement 1.0, drawdown 0.0, loc 0.07 s, total 16-17 s (on samples; CARE 198-370 s)';
const PAPER_RT: Record<string, string> = { 'N2,9/prop 8': 'RT: 100% accuracy, 87.45 s', 'N1,9/prop 7': 'RT: 100% accuracy, 174.70 s' };

const STORE = join(__dirname, '..', 'docs', 'benchmarks', 'repair-birdnn.json');

async function main() {
  const stored = readStore();
  // This run's rows replace the stored ones of the same task and method (merged into the store at each write).
  const rows: Row[] = [];
  const push = (row: Row | undefined) => {
    if (row) rows.push(row);
  };
  const localization: string[] = [];
  if (process.env.BENCH_REPORT_ONLY === '1') return writeReport(stored.rows, stored.localization);
  const wanted = (name: string) => FILTER.split(';').some((f) => name.includes(f));
  const hard: [string, number, number, number][] = [['N2,9/prop 8', 2, 9, 8], ['N1,9/prop 7', 1, 9, 7]];
  for (const [name, i, j, p] of hard) {
    if (!wanted(name)) continue;
    const net = loadNetwork(acasNet(i, j));
    const q = query(p);
    for (const method of METHOD_FILTER ? [] : ['birdnn', 'birdnn-code', 'gradient'] as const) {
      await localize(net, q, { method, verifyTimeoutSec: LOCALIZE_VERIFY_SEC });
      const r = await localize(net, q, { method, verifyTimeoutSec: LOCALIZE_VERIFY_SEC });
      localization.push(`| ${name} | ${method} | ${r.samples.violating} / ${r.samples.safe} | ${r.timeSec.toFixed(3)} | ${r.top.slice(0, 5).map((t) => `${r.layers[t.layer].name}:${t.neuron}`).join(', ')} |`);
    }
    push(await runTask(name, net, q, birdnnFineTune, {}, PAPER_FT));
    push(await runTask(name, net, q, birdnnFineTune, { iterate: true, margin: 0.001 }, 'iterate: not in the paper', 180));
    push(await runTask(name, net, q, birdnnRetrain, {}, PAPER_RT[name]));
    push(await runTask(name, net, q, birdnnFineTune, { certify: true }, 'certify: not in the paper', 240));
    push(await runTask(name, net, q, birdnnRetrain, { certify: true }, 'certify: not in the paper', 240));
    push(await runTask(name, net, q, birdnnRetrain, { certify: true, certifyVerifySec: 60 }, 'certify: not in the paper', 400));
    push(await runTask(name, net, q, birdnnFineTune, { shift: true }, 'shift: not in the paper'));
    push(await runTask(name, net, q, birdnnRetrain, { shift: true }, 'shift: not in the paper'));
    push(await runTask(name, net, q, shiftAlone, {}, 'not BIRDNN: the shift on the original'));
    writeReport(rows, localization);
  }
  for (const [label, act] of [['Tanh', { kind: 'tanh' }], ['LeakyReLU', { kind: 'leakyRelu', alpha: 0.5 }]] as [string, Activation][]) {
    const name = `N1,9 ${label}/prop 7`;
    if (!wanted(name)) continue;
    const net = await variant(loadNetwork(acasNet(1, 9)), act);
    const q = query(7);
    const r = await localize(net, q, { method: 'birdnn-code', verifyTimeoutSec: LOCALIZE_VERIFY_SEC });
    if (!METHOD_FILTER) localization.push(`| ${name} | birdnn-code | ${r.samples.violating} / ${r.samples.safe} | ${r.timeSec.toFixed(3)} | ${r.top.slice(0, 5).map((t) => `${r.layers[t.layer].name}:${t.neuron}`).join(', ')} |`);
    if (r.samples.violating === 0) {
      if (!METHOD_FILTER) localization.push(`| ${name} | (the variant does not violate prop 7 on samples: not repaired) | | | |`);
      continue;
    }
    push(await runTask(name, net, q, birdnnFineTune, { iterate: true, margin: 0.001 }, 'FT: "repairs almost perfectly", no numbers (Fig. 3)', 120));
    push(await runTask(name, net, q, birdnnFineTune, { shift: true }, 'FT: "repairs almost perfectly", no numbers (Fig. 3)'));
    push(await runTask(name, net, q, birdnnRetrain, { shift: true }, '(RT: not run on the variants in the paper)'));
  }
  writeReport(rows, localization);
  if (process.env.BENCH_PROP2 !== '0') {
    const truth = readFileSync(dataPath('acasxu', 'ground_truth_vnncomp2021.csv'), 'utf8').split('\n')
      .filter((l) => /run2a_[2-5]_\d_batch_2000\.onnx,prop_2\.vnnlib,violated/.test(l));
    for (const line of truth) {
      const [, i, j] = line.match(/run2a_(\d)_(\d)_/)!;
      const name = `N${i},${j}/prop 2`;
      if (!wanted(name)) continue;
      const options: RepairTask['options'] = {
        ...(process.env.BENCH_PROP2_ITERATE === '1' ? { iterate: true, margin: 0.001 } : {}),
        ...(process.env.BENCH_PROP2_CERTIFY === '1' ? { certify: true } : {}),
      };
      push(await runTask(name, loadNetwork(acasNet(Number(i), Number(j))), query(2), birdnnFineTune, options, '(not in the paper)', options.certify ? 240 : 90));
      writeReport(rows, localization);
    }
  }
  writeReport(rows, localization);
}

function readStore(): { rows: Row[]; localization: string[] } {
  return existsSync(STORE) ? JSON.parse(readFileSync(STORE, 'utf8')) as { rows: Row[]; localization: string[] } : { rows: [], localization: [] };
}

/** Merges this run's rows and localisation lines into the store (re-read now: another filtered run may have written). */
function writeReport(mine: Row[], myLocalization: string[]) {
  const stored = readStore();
  const rows = [...stored.rows];
  for (const row of mine) {
    const at = rows.findIndex((r) => r.task === row.task && r.method === row.method);
    if (at >= 0) rows[at] = row;
    else rows.push(row);
  }
  const key = (line: string) => line.split('|').slice(1, 3).join('|');
  const localization = [...stored.localization.filter((l) => !myLocalization.some((m) => key(m) === key(l))), ...myLocalization];
  writeFileSync(STORE, JSON.stringify({ rows, localization }, null, 1));
  recordSummary(rows);
  const f = (v: number, d = 1) => (Number.isFinite(v) ? v.toFixed(d) : '-');
  const pct = (v: number) => `${(100 * v).toFixed(2)}%`;
  const table = [
    '| task | method | verdict on the written file (verifier time limit) | method time (s) | localisation (s) | fresh sampled violations before -> after | drawdown (10k domain samples) | fidelity in the region | rounds (proven in) | paper | run (UTC, load average) |',
    '|---|---|---|---|---|---|---|---|---|---|---|',
    ...rows.map((r) => `| ${r.task} | ${r.method} | ${r.verdict} (${r.verifySec} s) | ${f(r.methodSec)} | ${f(r.localizeSec, 3)} | ${r.violationsBefore} -> ${r.violationsAfter} | ${pct(r.drawdown)} | ${pct(r.fidelity)} | ${r.rounds}${r.provenInRound ? ` (${r.provenInRound})` : ''} | ${r.paper} | ${r.ran ?? ''} |`),
  ].join('\n');
  const iterated = rows.filter((r) => r.method.includes('iterate'));
  const provenFirst = iterated.filter((r) => r.provenInRound === 1).length;
  const provenLater = iterated.filter((r) => r.provenInRound > 1).length;
  const certified = rows.filter((r) => r.method.includes('certify'));
  const prop2 = rows.filter((r) => r.task.endsWith('prop 2') && r.method === 'birdnn-ft');
  const shifted = rows.filter((r) => r.method.startsWith('birdnn') && r.method.includes('shift'));
  const summary = [
    `- Iterated fine-tuning (localise -> fine-tune -> attack -> verify -> add the counterexample; the rows of the N1,9 variants and of prop 2 ran before the attack came first): ${iterated.length} tasks; the first fine-tuning was already proven in ${provenFirst}, iterating turned ${provenLater} more sampled repairs into proven ones.`,
    shifted.length ? `- shift (the output-bias shift after the paper's repair): ${shifted.length} runs, ${shifted.filter((r) => r.verdict.startsWith('repaired')).length} proven on the written file; of those, ${shifted.filter((r) => r.verdict.startsWith('repaired') && r.drawdown <= 0.001 && r.methodSec <= 16).length} with a drawdown <= 0.1% in <= 16 s (the issue's goal; times under load).` : '',
    certified.length ? `- certify (counterexample-guided margin training with the verifier in the loop): ${certified.length} runs; the loop's verifier proved ${certified.filter((r) => r.provenInLoop).length}, the verifier on the written file ${certified.filter((r) => r.verdict.startsWith('repaired')).length}.` : '',
    prop2.length ? `- The prop-2 tasks, plain fine-tuning: ${prop2.filter((r) => r.verdict.startsWith('repaired')).length} of ${prop2.length} proven on the written file; median method time ${f(median(prop2.map((r) => r.methodSec)))} s; median drawdown ${pct(median(prop2.map((r) => r.drawdown)))}.` : '',
  ].filter(Boolean).join('\n');
  const text = `# Repair: BIRDNN (fine-tuning and retraining)

\`npm run bench:repair:birdnn\` (every row; BENCH_FILTER and BENCH_METHOD re-run some), ${cpus().length} cores shared with other developers' builds and tests: times are inflated, up to several times. The rows come from several filtered runs; each row says when it ran and the load average then (rows with no such note come from the runs up to 2026-12-01 21:51Z, load 6.6 at the last). This file was written ${new Date().toISOString().slice(0, 16).replace('T', ' ')}Z.
Verifier: on the written and re-read ONNX file, ${THREADS} threads, the time limit in each row. "Fresh sampled violations": violating samples of the property's region drawn with another seed than the methods' (uniform, faces and grown neighbourhoods of rare violations). Drawdown: share of 10,000 uniform samples of the whole ACAS Xu domain (the bundled example's input declarations, normalised) whose advisory changed. Fidelity: share of region samples the original got right whose advisory is unchanged.

${table}

${summary}

## Localisation (10,000 region samples, grown to at least 100 violating ones)

| task | method | violating / safe samples | time (s) | top 5 |
|---|---|---|---|---|
${localization.join('\n')}

## What this shows

- The shift (not in the paper: after BIRDNN's repair, the output layer's bias raises the advisories the property
  forbids by what the verifier's bounds over the box need, \`docs/birdnn.md\`) makes both hard tasks proven on the
  written file, after fine-tuning and after retraining, with the verifier's proof in about 1 s. The shift itself
  changes none of the 10,000 whole-domain decisions sampled: N2,9 never advises WR, SL or SR on 100,000 domain
  samples, N1,9 never SL or SR; the drawdown in those rows is the paper's step's. The cost is the size of the change to
  those scores (20-36 output units where the scores span 0.02): the repaired networks never advise them anywhere. The
  control rows (the shift on the original, no BIRDNN step) are proven with no sampled decision changed: the shift does
  the proving, the paper's step only adds its drawdown and its time. Through the driver (\`netmend repair\` on the
  bundled acasxu.prop, phi7, birdnn-rt with \`--options shift=true\`, load ~20): REPAIRED, the proof on the written file
  1.1 s, the 3 other properties that held (phi1, phi2, phi10) still hold, 99.99% of 10,000 domain decisions unchanged,
  largest output change 107 (physical units), method 74 s under that load. The
  time is the paper's step's, dominated by growing the rare violations into 1,000-5,000 negatives and by the PSO or the
  epochs. Retraining + shift, re-run at 03:25Z (load 11): N2,9/prop 8 in 5.5 s (drawdown 0.08%), N1,9/prop 7 in
  5.0 s (0.01%), both proven: the issue's goal (proven, <= 0.1%, <= 16 s) is met by that pair; the same rows took 31 s
  and 9 s in the 02:10Z run at a similar load average. Fine-tuning + shift: 0.11% on N2,9 (50 s), 0.03% on N1,9 (14 s).
  On the 34 prop-2 tasks the shift would change 9.6-16.9% (median 11.5%) of the whole-domain decisions (it lowers
  COC's score everywhere; measured for every task with the shift's own size) and is refused, so it adds nothing there.
- On samples BIRDNN does what the paper reports: fine-tuning fixes every negative sample of N2,9/prop 8 and
  N1,9/prop 7 with 0.0-0.3% of whole-domain decisions changed, localisation by Eq. 5 takes 0.07-0.2 s when the
  machine is quiet (more under this run's load), fine-tuning 17-30 s. But without the shift no repair of the two hard tasks was proven
  on the written file: the verifier times out on N2,9/prop 8 (the repaired network is safe on all our samples but
  barely) and finds new counterexamples for N1,9/prop 7, whose violations sit in several separate pockets near the
  box's faces. Fresh samples show it: plain fine-tuning and retraining of N1,9 fix the pocket they were shown and
  leave the fresh samples' violations (another pocket) as they were.
- Why the sampled repairs are not proven, measured: both causes. (1) Real counterexamples between the samples:
  N1,9/prop 7 has several pockets, and the verifier in certify's loop found new counterexamples there twice in one
  run; on N2,9/prop 8 retraining leaves no violation in 100,000 region samples nor for a 2,048-start attack (smallest
  margin 0.00095), yet certify's verifier found one in round 8 of a run, and one of two identical certify runs after
  fine-tuning ended "not repaired" on the written file. (2) The verifier's time: prop 8 is hard to prove even on an
  unrepaired network (original N2,7: unknown after 60 s; N2,8 and N3,9 violate it, found in 24 s and 1.8 s), and many
  region points have margins of only 0.002-0.004 (ACAS Xu's advisory scores are close), so the bounds must split
  deep everywhere.
- Iterating (localise -> fine-tune -> attack -> verify -> add the counterexample) now attacks first and gives the
  verifier 10 s per round. It turned 0 sampled repairs into proven ones: N2,9/prop 8 stops at the first "unknown";
  N1,9/prop 7 spent its rounds on violations the attack found (2, then 9) and ran out of time under this load.
- certify (counterexample-guided margin training with the verifier in the loop, after the paper's method) drives the
  fresh sampled violations to 0 on both hard tasks, with 0.00-0.30% of whole-domain decisions changed, but reached no
  proof in 240 s under a load of 20-26 on 2 cores (three benchmark processes and other developers' work): its
  verifier, 10 s per round, answered "unknown" in most rounds and found counterexamples in a few. The issue's goal
  (both proven, drawdown <= 0.1%, <= 16 s) is not met.
- With the verifier given 60 s per round (retraining + certify on N1,9/prop 7, 400 s): it returned counterexamples
  in 3 of 7 rounds (each trained on) and "unknown" in the others; fresh sampled violations 0, no whole-domain
  decision changed, the written file still "unknown" after 60 s.
- The "unknown" verdicts hide real violations. Retraining with certify, re-run with the verifier given 600 s on the
  written file (as \`BENCH_FILTER="N1,9/prop 7;N2,9/prop 8" BENCH_METHOD="birdnn-rt (certify)" BENCH_TIMEOUT=600\`
  does; measured with the same calls in a scratch script, under a load of 25-29): N1,9/prop 7 violated, found in 33 s
  at v_own = -0.5 (a face of the box); N2,9/prop 8 violated, found in 51 s at v_own = 0.5 (a face) after splitting to
  depth 29. The search finds them, not the falsifier (2-3 s of falsification first): the violations left are small
  pockets on the box's faces that 256 attack starts (corners among them) miss. So the first cause dominates: the
  repairs are not safe, and the verifier needs longer than the loop's 10 s rounds to show it.
- The Tanh and LeakyReLU variants are now fine-tuned to N1,9's decisions (40 epochs of MSE to its outputs, then 10
  epochs of a decision margin of 0.001): 99.84% and 99.85% of 10,000 domain decisions as N1,9's. The MSE alone left
  74% and 26% (the scores differ by ~1e-3), and the earlier variant rows, measured on those, lost half their
  decisions under the iterated margin; they were re-run on the new variants (2026-12-02 02:2x-02:4xZ). Localisation
  and repair run on both. Iterated fine-tuning leaves a counterexample on both (drawdown 0.38% and 0.57%); with the
  shift all four runs are proven, after fine-tuning and after retraining, the drawdown (0.04-0.20%) being the paper's
  step's (times under loads of 16-35).
  The Tanh variant needs a shift of only 0.03 (its bounds are tight: tanh saturates), the LeakyReLU one 24.
- A margin on the negatives (0.001 in output units, the iterated rows; the plain rows use the paper's margin 0) costs
  drawdown where the advisories' scores are close.
- The prop-2 tasks (the intruder far away: COC must not have the maximal score) are harder on the drawdown: the
  violations fill large parts of the region, and with the paper's weights (0.6 on the negatives, 0.4 on the
  drawdown) PSO trades up to 13% (median 2.1%) of the whole domain's decisions for the last negatives. The verifier then finds
  counterexamples between the samples. The issue's goals (proven, drawdown <= 0.1%) are not met by this method.
- Retraining imitates well where the negatives are representative (N2,9/prop 8: all fresh violations fixed, 0.08%
  drawdown, 16 s against the paper's 87 s) and not where they are not (N1,9/prop 7).

BIRDNN's localisation figure (0.07 s) is for its Eq. 5 (our \`birdnn-code\`) over stored samples; the rows above time our whole \`localize()\`: sampling, the float64 forward pass, growing rare violations (and the verifier's search when no sample violates), the scores. Its step from the samples to the result, the forward pass included, takes 35-64 ms on 10,000 ACAS Xu samples at a load of 11-15 on this shared machine, up to 0.22 s at higher loads (\`docs/benchmarks/localize.md\`).
`;
  writeFileSync(join(__dirname, '..', 'docs', 'benchmarks', 'repair-birdnn.md'), text);
  console.log(table);
  console.log(summary);
}

/** The rows for the one table of every method, one experiment per group of tasks. */
function recordSummary(rows: Row[]) {
  const summary = (r: Row): SummaryRow => ({
    method: r.method, experiment: '', task: r.task, verdict: r.verdict, seconds: r.methodSec, fidelity: 1 - r.drawdown, sizeRatio: 1, paper: r.paper,
  });
  const groups: [string, (r: Row) => boolean][] = [
    ['ACAS Xu N2,9 prop 8 and N1,9 prop 7 (BIRDNN)', (r) => r.task === 'N2,9/prop 8' || r.task === 'N1,9/prop 7'],
    ['ACAS Xu N1,9 Tanh and LeakyReLU prop 7 (BIRDNN)', (r) => r.task.startsWith('N1,9 ')],
    ['ACAS Xu prop 2 (BIRDNN)', (r) => r.task.endsWith('prop 2')],
  ];
  for (const [experiment, member] of groups) {
    const chosen = rows.filter(member);
    if (chosen.length) recordSummaryRows(experiment, chosen.map((r) => ({ ...summary(r), experiment })));
  }
}

const median = (v: number[]) => (v.length ? [...v].sort((a, b) => a - b)[Math.floor(v.length / 2)] : NaN);

main().catch((e) => { console.error(e); process.exit(1); });
