/**
 * The one table of every repair method. Each method's experiment (bench/repair*.ts) records its rows with
 * `recordSummaryRows` in docs/benchmarks/repair-summary/<key>.json; `summaryTable` joins them all, so a method's
 * benchmark can be re-run alone without losing the others' rows. Recording rows refreshes the table in
 * docs/benchmarks/repair.md, so the page never shows another run's rows.
 */
import { mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

export const SUMMARY_DIR = join(__dirname, '..', 'docs', 'benchmarks', 'repair-summary');

/** One repair task of one method, as judged by the driver (or the benchmark's own re-verification of the written file). */
export interface SummaryRow {
  /** Registry id, with a variant in parentheses where a benchmark runs one, e.g. "nrepair (fixed counterexample)". */
  readonly method: string;
  /** The experiment, e.g. "ACAS Xu prop 2 (34 tasks)", "MNIST point repair". */
  readonly experiment: string;
  /** The task, e.g. "N2,1/prop 2" or "|R| = 4". */
  readonly task: string;
  /** The driver's verdict: "repaired (proven)", "fixed (ONNX Runtime)" for point repairs, "not repaired ...", "unknown ...". */
  readonly verdict: string;
  /** Wall-clock seconds of the method (without the driver's checks). */
  readonly seconds: number;
  /** Decision agreement with the original on samples of the whole input domain (0..1), where measured. */
  readonly fidelity?: number;
  /** Accuracy drop (points of percent) on held-out data, where the experiment has labels. */
  readonly drawdown?: number;
  /** Parameters of the repaired model relative to the original (1 = unchanged size). */
  readonly sizeRatio?: number;
  /** The paper's figure for the same task, in words. */
  readonly paper?: string;
}

/** Replaces the rows stored under `key` (one key per experiment and method; any text, made into a file name). */
export function recordSummaryRows(key: string, rows: readonly SummaryRow[]): void {
  mkdirSync(SUMMARY_DIR, { recursive: true });
  const file = key.toLowerCase().replace(/[^a-z0-9]+/g, '-').replace(/^-|-$/g, '');
  writeFileSync(join(SUMMARY_DIR, `${file}.json`), JSON.stringify(rows, null, 1) + '\n');
  refreshSummaryTable();
}

const REPAIR_PAGE = join(__dirname, '..', 'docs', 'benchmarks', 'repair.md');

/** Rewrites the table under "## Every method, one table" in repair.md from every recorded row; the rest of the page stays. */
export function refreshSummaryTable(): void {
  let page: string;
  try {
    page = readFileSync(REPAIR_PAGE, 'utf8');
  } catch {
    return; // `npm run bench:repair` writes the page with the table
  }
  const lines = page.split('\n');
  const heading = lines.indexOf('## Every method, one table');
  const first = lines.findIndex((l, k) => k > heading && l.startsWith('|'));
  if (heading < 0 || first < 0) return;
  let end = first;
  while (end < lines.length && lines[end].startsWith('|')) end++;
  lines.splice(first, end - first, summaryTable(readSummaryRows()));
  writeFileSync(REPAIR_PAGE, lines.join('\n'));
}

export function readSummaryRows(): SummaryRow[] {
  let files: string[] = [];
  try {
    files = readdirSync(SUMMARY_DIR).filter((f) => f.endsWith('.json')).sort();
  } catch {
    return [];
  }
  return files.flatMap((f) => JSON.parse(readFileSync(join(SUMMARY_DIR, f), 'utf8')) as SummaryRow[]);
}

const cell = (x: number | undefined, f: (v: number) => string) => (x === undefined || !Number.isFinite(x) ? '' : f(x));

/** Markdown: one row per experiment and method — proven/fixed count, median time, worst fidelity, worst drawdown, largest size. */
export function summaryTable(rows: readonly SummaryRow[]): string {
  const groups = new Map<string, SummaryRow[]>();
  for (const r of rows) {
    const key = `${r.experiment}\u0000${r.method}`;
    groups.set(key, [...(groups.get(key) ?? []), r]);
  }
  const lines = [
    '| experiment | method | repaired (proven or fixed) | median time (s) | max time (s) | lowest fidelity | largest drawdown (points) | largest size | paper |',
    '|---|---|---|---|---|---|---|---|---|',
  ];
  for (const group of groups.values()) {
    const ok = group.filter((r) => r.verdict.startsWith('repaired') || r.verdict.startsWith('fixed')).length;
    const times = group.map((r) => r.seconds).sort((a, b) => a - b);
    const median = times.length % 2 ? times[(times.length - 1) / 2] : (times[times.length / 2 - 1] + times[times.length / 2]) / 2;
    const min = (xs: (number | undefined)[]) => { const v = xs.filter((x): x is number => x !== undefined); return v.length ? Math.min(...v) : undefined; };
    const max = (xs: (number | undefined)[]) => { const v = xs.filter((x): x is number => x !== undefined); return v.length ? Math.max(...v) : undefined; };
    const papers = [...new Set(group.map((r) => r.paper).filter(Boolean))];
    lines.push(`| ${group[0].experiment} | ${group[0].method} | ${ok}/${group.length} | ${median.toFixed(1)} | ${times[times.length - 1].toFixed(1)} | ` +
      `${cell(min(group.map((r) => r.fidelity)), (v) => `${(100 * v).toFixed(2)}%`)} | ${cell(max(group.map((r) => r.drawdown)), (v) => v.toFixed(2))} | ` +
      `${cell(max(group.map((r) => r.sizeRatio)), (v) => `${v.toFixed(2)}x`)} | ${papers.length === 1 ? papers[0] : papers.length ? 'per task, see its section' : ''} |`);
  }
  return lines.join('\n');
}
