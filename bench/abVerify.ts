/**
 * A/B timing of the verifier between source trees (e.g. this checkout and `git archive <commit>` unpacked in /tmp),
 * robust to a loaded machine: every tree is loaded into this one process (each with its own module instances and
 * search threads), and the trees take turns instance by instance (ABBA order), so both see the same load. Each run
 * reports wall time and the process's CPU time (every thread) spent in verify(), with the boxes and programs searched.
 *
 *   node --import tsx bench/abVerify.ts [--runs 3] [--threads 2] [--timeout 116] \
 *     --tree before=/tmp/base --tree after=. acasxu:4_2:prop_2 mnist:prop_1_0.03 acasxu:1_3:prop_2,acasxu:2_1:prop_2
 *
 * An instance is acasxu:<i>_<j>:prop_<k> or mnist:prop_<k>_<eps>; a comma-separated group runs one after another (as
 * the benchmark does) and reports the sums. Before measuring, each tree verifies a warm-up instance of each benchmark
 * on the same threads (the benchmark's steady state: code compiled, search threads started).
 */
import { readFileSync } from 'node:fs';
import { cpus, loadavg } from 'node:os';
import { join, resolve } from 'node:path';

const SHARED = process.env.NETMEND_SHARED_DATA ?? resolve(__dirname, '..', '..', 'shared', 'data');

interface Instance { readonly onnx: string; readonly vnnlib: string }

function instanceFiles(spec: string): Instance {
  const [set, a, b] = spec.split(':');
  if (set === 'acasxu') return { onnx: join(SHARED, 'acasxu', `ACASXU_run2a_${a}_batch_2000.onnx`), vnnlib: join(SHARED, 'acasxu', `${b}.vnnlib`) };
  if (set === 'mnist') return { onnx: join(SHARED, 'mnist', 'mnist-net_256x2.onnx'), vnnlib: join(SHARED, 'mnist', `${a}.vnnlib`) };
  throw new Error(`unknown instance '${spec}' (acasxu:<i>_<j>:prop_<k> or mnist:prop_<k>_<eps>)`);
}

/** A quick instance of the same benchmark that reaches the search threads. */
const warmUpOf = (spec: string): string => (spec.startsWith('mnist') ? 'mnist:prop_2_0.03' : 'acasxu:1_9:prop_1');

interface RunResult { readonly statuses: string[]; readonly wall: number; readonly cpu: number; readonly domains: number; readonly programs: number }

type Runner = (spec: string) => Promise<RunResult>;

/** The tree's verifier, loaded from its sources (the property folder was renamed spec -> property with the graph core). */
async function loadTree(tree: string, threads: number, timeoutSec: number): Promise<Runner> {
  const load = async (file: string) => { const m = await import(join(tree, 'src', 'core', file)); return m.default ?? m; };
  const { loadModelFile } = await load('onnx/loadModelFile.ts');
  const { verify } = await load('verify/index.ts');
  const { parseVnnlib } = await load('property/vnnlib.ts').catch(() => load('spec/vnnlib.ts'));
  const nets = new Map<string, unknown>();
  return async (spec) => {
    const { onnx, vnnlib } = instanceFiles(spec);
    const net = nets.get(onnx) ?? loadModelFile(onnx);
    nets.set(onnx, net);
    const query = parseVnnlib(readFileSync(vnnlib, 'utf8'), vnnlib);
    const cpu0 = process.cpuUsage();
    const result = await verify(net, query, { timeoutSec, threads });
    const cpu = process.cpuUsage(cpu0);
    const stats = result.stats ?? {};
    return { statuses: [result.status], wall: result.timeSec, cpu: (cpu.user + cpu.system) / 1e6, domains: stats.domains ?? 0, programs: (stats.milps ?? 0) + (stats.lps ?? 0) };
  };
}

async function runGroup(run: Runner, group: string[]): Promise<RunResult> {
  const runs: RunResult[] = [];
  for (const spec of group) runs.push(await run(spec));
  const sum = (f: (r: RunResult) => number) => runs.reduce((a, r) => a + f(r), 0);
  return { statuses: runs.flatMap((r) => r.statuses), wall: sum((r) => r.wall), cpu: sum((r) => r.cpu), domains: sum((r) => r.domains), programs: sum((r) => r.programs) };
}

const median = (v: number[]): number => { const s = [...v].sort((a, b) => a - b); return s.length % 2 ? s[s.length >> 1] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2; };

async function main(args: string[]): Promise<void> {
  const trees: { name: string; dir: string; run?: Runner }[] = [];
  const groups: string[] = [];
  let runs = 3, threads = 2, timeout = 116;
  for (let i = 0; i < args.length; i++) {
    const a = args[i];
    if (a === '--runs') runs = Number(args[++i]);
    else if (a === '--threads') threads = Number(args[++i]);
    else if (a === '--timeout') timeout = Number(args[++i]);
    else if (a === '--tree') { const [name, dir] = args[++i].split('='); trees.push({ name, dir: resolve(dir) }); }
    else groups.push(a);
  }
  if (trees.length === 0 || groups.length === 0) throw new Error('usage: --tree name=dir [--tree name=dir ...] instance[,instance...] ...');
  const load = () => loadavg().map((v) => v.toFixed(1)).join(' ');
  console.log(`${cpus().length} cores, ${threads} search thread(s), ${runs} run(s) per tree and instance, load ${load()}`);
  const warmUps = [...new Set(groups.map(warmUpOf))];
  for (const t of trees) {
    t.run = await loadTree(t.dir, threads, timeout);
    for (const w of warmUps) await t.run(w);
  }
  const results = new Map<string, RunResult[]>();
  const key = (tree: string, group: string) => `${tree}|${group}`;
  for (let r = 0; r < runs; r++) {
    for (const group of groups) {
      // ABBA: neither tree always runs right after the other.
      for (const t of r % 2 === 0 ? trees : [...trees].reverse()) {
        const res = await runGroup(t.run!, group.split(','));
        results.set(key(t.name, group), [...(results.get(key(t.name, group)) ?? []), res]);
        console.log(`  ${group.slice(0, 40).padEnd(40)} ${t.name.padEnd(8)} ${[...new Set(res.statuses)].join(',').padEnd(14)} wall ${res.wall.toFixed(2).padStart(7)} s  cpu ${res.cpu.toFixed(2).padStart(7)} s  boxes ${res.domains}  programs ${res.programs}  (load ${loadavg()[0].toFixed(1)})`);
      }
    }
  }
  console.log(`\nmedians of ${runs} runs (load at the end ${load()}):`);
  console.log(`| instance | ${trees.map((t) => `${t.name} wall (s) | ${t.name} cpu (s)`).join(' | ')}${trees.length > 1 ? ` | ${trees[1].name}/${trees[0].name} wall | cpu |` : ' |'}`);
  for (const group of groups) {
    const med = trees.map((t) => { const rs = results.get(key(t.name, group))!; return { wall: median(rs.map((x) => x.wall)), cpu: median(rs.map((x) => x.cpu)) }; });
    const ratio = med.length > 1 ? ` | ${(med[1].wall / med[0].wall).toFixed(2)} | ${(med[1].cpu / med[0].cpu).toFixed(2)} |` : ' |';
    console.log(`| ${group.length > 40 ? `${group.split(',').length} instances` : group} | ${med.map((m) => `${m.wall.toFixed(2)} | ${m.cpu.toFixed(2)}`).join(' | ')}${ratio}`);
  }
  process.exit(0);
}

void main(process.argv.slice(2));
