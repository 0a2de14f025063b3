/**
 * Runs a VNN-COMP benchmark's instances against the ground truth; every counterexample is re-checked with ONNX Runtime
 * on the original file (tolerance 1e-4, as VNN-COMP). Writes docs/benchmarks/<name>.md and <name>-cactus.svg.
 * BENCH_TIMEOUT (s, default: the benchmark's VNN-COMP timeout) and BENCH_FILTER (substring of "onnx|vnnlib") narrow a run;
 * BENCH_THREADS sets the search threads (default: every core).
 */
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { cpus, loadavg } from 'node:os';
import { join } from 'node:path';
import { OrtModel } from '../src/core/onnx/ort';
import { parseVnnlib } from '../src/core/property/vnnlib';
import { inRegion, violatedClause } from '../src/core/query/normalForm';
import { verify } from '../src/core/verify';
import type { Network } from '../src/core/network/network';
import { dataPath, loadNetwork } from '../test/helpers';
import { cactusSvg, median, readInstances, readToolResults } from './vnncompResults';

interface Row { onnx: string; vnnlib: string; expected: string; got: string; seconds: number; wrong: boolean; note: string }

export interface BenchmarkSpec {
  /** File name stem under docs/benchmarks and the title. */
  readonly name: string;
  readonly title: string;
  /** Folder under ../shared/data. */
  readonly folder: string;
  readonly instancesCsv: string;
  readonly defaultTimeout: number;
  readonly goal: string;
  /** Extra comparison rows (markdown) measured elsewhere, e.g. a tool run on this machine. */
  readonly extraRows: readonly string[];
}

export async function runBenchmark(spec: BenchmarkSpec): Promise<void> {
  const TIMEOUT = Number(process.env.BENCH_TIMEOUT ?? spec.defaultTimeout);
  const FILTER = process.env.BENCH_FILTER ?? '';
  const THREADS = Number(process.env.BENCH_THREADS ?? cpus().length);
  const dir = dataPath(spec.folder);
  const instances = readInstances(dir, spec.instancesCsv).filter((i) => `${i.onnx}|${i.vnnlib}`.includes(FILTER));
  const nets = new Map<string, Network>();
  const rows: Row[] = [];
  for (const inst of instances) {
    const net = nets.get(inst.onnx) ?? loadNetwork(join(dir, inst.onnx));
    nets.set(inst.onnx, net);
    const query = parseVnnlib(readFileSync(join(dir, inst.vnnlib), 'utf8'), inst.vnnlib);
    const result = await verify(net, query, { timeoutSec: TIMEOUT, threads: THREADS });
    let got: string = result.status;
    let note = result.status === 'unknown' ? result.reason : '';
    if (result.status === 'violated') {
      const ort = await OrtModel.load(join(dir, inst.onnx), net.inputShape);
      const [y] = await ort.run([result.counterexample.input]);
      await ort.release();
      const reproduced = inRegion(query.region, result.counterexample.input, 1e-4) && violatedClause(query.violation, y, 1e-4) >= 0;
      if (!reproduced) { got = 'unknown'; note = 'counterexample not reproduced by ONNX Runtime'; }
    }
    const wrong = got !== 'unknown' && got !== inst.expected && inst.expected !== 'unknown';
    const row = { onnx: inst.onnx, vnnlib: inst.vnnlib, expected: inst.expected, got, seconds: result.timeSec, wrong, note };
    rows.push(row);
    console.log(`${inst.onnx.replace('ACASXU_run2a_', '').replace('_batch_2000.onnx', '')} ${inst.vnnlib.padEnd(18)} expected ${inst.expected.padEnd(8)} got ${got.padEnd(8)} ${result.timeSec.toFixed(2).padStart(7)} s ${wrong ? 'WRONG' : ''} ${note}`);
  }
  const solved = rows.filter((r) => r.got !== 'unknown' && !r.wrong);
  const wrong = rows.filter((r) => r.wrong);
  const solvedTimes = solved.map((r) => r.seconds);
  const ours = { solved: solved.length, wrong: wrong.length, total: solvedTimes.reduce((a, b) => a + b, 0), median: median(solvedTimes), max: Math.max(0, ...solvedTimes) };
  // Other tools' per-instance results exist for ACAS Xu only.
  const resultsDir = join(dir, 'results_vnncomp2021');
  const tools = existsSync(resultsDir) ? readToolResults(resultsDir) : new Map<string, { solved: boolean; seconds: number }[]>();
  const toolRow = (name: string) => {
    if (!tools.has(name)) return '';
    const runs = (tools.get(name) ?? []).filter((r) => r.solved);
    const t = runs.map((r) => r.seconds);
    return `| ${name} (VNN-COMP 2021, their hardware, start-up removed) | ${runs.length} | 0 | ${t.reduce((a, b) => a + b, 0).toFixed(0)} | ${median(t).toFixed(2)} | ${Math.max(0, ...t).toFixed(1)} |`;
  };
  const table = [
    '| tool | solved | wrong | total time of solved (s) | median (s) | max (s) |',
    '|---|---|---|---|---|---|',
    `| **NetMend** (this machine, ${cpus().length} cores, timeout ${TIMEOUT} s) | ${ours.solved}/${rows.length} | ${ours.wrong} | ${ours.total.toFixed(1)} | ${ours.median.toFixed(2)} | ${ours.max.toFixed(1)} |`,
    ...spec.extraRows,
    toolRow('nnenum'),
    toolRow('a-b-CROWN'),
  ].filter(Boolean).join('\n');
  console.log(`\n${table}`);
  const unsolved = rows.filter((r) => r.got === 'unknown').map((r) => `- ${r.onnx} / ${r.vnnlib} (expected ${r.expected}): ${r.note}`);
  const doc = `# ${spec.title} (VNN-COMP 2021, ${rows.length} instances)

\`npm run bench:${spec.name}\` on ${new Date().toISOString().slice(0, 10)}: ${cpus().length} cores (${cpus()[0]?.model ?? 'unknown CPU'}), ${THREADS} search thread(s), load average at the end ${loadavg().map((v) => v.toFixed(1)).join(' ')}.
${spec.goal} Every counterexample was re-checked with ONNX Runtime on the original file (tolerance 1e-4).

${table}

![cactus plot](${spec.name}-cactus.svg)

## Not solved within the timeout

${unsolved.join('\n') || 'none'}

## Every instance

| network | property | expected | NetMend | time (s) |
|---|---|---|---|---|
${rows.map((r) => `| ${r.onnx} | ${r.vnnlib} | ${r.expected} | ${r.got}${r.wrong ? ' **WRONG**' : ''} | ${r.seconds.toFixed(2)} |`).join('\n')}
`;
  const out = join(__dirname, '..', 'docs', 'benchmarks');
  writeFileSync(join(out, `${spec.name}.md`), doc);
  const series = [...tools.entries()].map(([name, runs]) => ({ name, times: runs.filter((r) => r.solved).map((r) => r.seconds) }));
  writeFileSync(join(out, `${spec.name}-cactus.svg`), cactusSvg(`${spec.title}: instances solved vs cumulative time`, [{ name: 'NetMend', times: solvedTimes, highlight: true }, ...series], `NetMend: this machine (2 cores), timeout ${TIMEOUT} s. Others: VNN-COMP 2021 results on their hardware, start-up time removed.`));
  process.exitCode = wrong.length > 0 ? 1 : 0;
}
