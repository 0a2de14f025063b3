/**
 * The comparison of repair methods on one property: one row per report, ordered best first, with the best value of
 * each column marked. The side panel draws it and `netmend repair --method all` prints it (`formatComparison`).
 */
import type { RepairReport, RepairVerdict } from './report';
import { VERDICT_LABEL } from './reportText';

export type ComparisonColumn = 'verdict' | 'time' | 'fidelity' | 'drawdown' | 'maxChange' | 'size';

export interface ComparisonRow {
  readonly report: RepairReport;
  /** Index of the report in the input, so a caller can find what it keeps beside it (e.g. the repaired file). */
  readonly index: number;
  readonly verdict: RepairVerdict['status'];
  /** Total time over the report's stages, seconds. */
  readonly time: number;
  /** Share of samples of the whole domain whose decision is unchanged (none when no sample was measured). */
  readonly fidelity?: number;
  /** Share of the keep set (labelled points the original got right) whose decision changed. */
  readonly drawdown?: number;
  readonly maxChange?: number;
  /** Parameters after the repair. */
  readonly size: number;
  /** Columns where this row holds the best value (ties: every row that holds it). */
  readonly best: ReadonlySet<ComparisonColumn>;
}

export const COMPARISON_COLUMNS: readonly { readonly key: ComparisonColumn; readonly title: string; readonly better: 'higher' | 'lower' }[] = [
  { key: 'verdict', title: 'verdict', better: 'higher' },
  { key: 'time', title: 'time', better: 'lower' },
  { key: 'fidelity', title: 'fidelity', better: 'higher' },
  { key: 'drawdown', title: 'drawdown', better: 'lower' },
  { key: 'maxChange', title: 'max output change', better: 'lower' },
  { key: 'size', title: 'size', better: 'lower' },
];

/** A proof beats a timeout, which beats a counterexample: an unknown repair may still hold, a refuted one does not. */
const VERDICT_RANK: Record<RepairVerdict['status'], number> = { repaired: 2, unknown: 1, 'not-repaired': 0 };

/** Two values closer than this (relative) tie: timings and fractions printed to 3 digits should not pick a winner by noise. */
const TIE = 1e-9;

function columnValue(row: Omit<ComparisonRow, 'best'>, key: ComparisonColumn): number | undefined {
  return key === 'verdict' ? VERDICT_RANK[row.verdict] : row[key];
}

/**
 * Rows ordered by verdict (repaired first), then fidelity (higher first; missing last), then time (shorter first),
 * then method id so the order is stable. Each column's best is marked on every row that reaches it, among the rows with
 * the best verdict (except the verdict column itself); a column that no row has a value for, or where every row ties,
 * marks nothing (a mark must tell rows apart).
 */
export function compareRepairs(reports: readonly RepairReport[]): ComparisonRow[] {
  const rows = reports.map((report, index) => ({
    report,
    index,
    verdict: report.verdict.status,
    time: report.timings.reduce((sum, t) => sum + t.sec, 0),
    fidelity: report.fidelity && report.fidelity.domain.samples > 0 ? report.fidelity.domain.agreement : undefined,
    drawdown: report.fidelity?.keepSet && report.fidelity.keepSet.samples > 0 ? 1 - report.fidelity.keepSet.agreement : undefined,
    maxChange: report.fidelity?.maxOutputChange,
    size: report.size.paramsAfter,
  }));
  const best = new Map<number, Set<ComparisonColumn>>(rows.map((r) => [r.index, new Set()]));
  // A failed method that changed nothing keeps every decision: it must not win fidelity or size over a real repair.
  const topVerdict = Math.max(...rows.map((r) => VERDICT_RANK[r.verdict]));
  const contenders = rows.filter((r) => VERDICT_RANK[r.verdict] === topVerdict);
  for (const { key, better } of COMPARISON_COLUMNS) {
    const candidates = key === 'verdict' ? rows : contenders;
    const values = candidates.map((r) => columnValue(r, key)).filter((v): v is number => v !== undefined);
    if (values.length === 0) continue;
    const top = better === 'higher' ? Math.max(...values) : Math.min(...values);
    const reaches = (v: number | undefined) => v !== undefined && Math.abs(v - top) <= TIE * Math.max(1, Math.abs(top));
    const winners = candidates.filter((r) => reaches(columnValue(r, key)));
    if (rows.length > 1 && winners.length === rows.length) continue;
    for (const r of winners) best.get(r.index)!.add(key);
  }
  return rows
    .sort((a, b) =>
      VERDICT_RANK[b.verdict] - VERDICT_RANK[a.verdict]
      || (b.fidelity ?? -1) - (a.fidelity ?? -1)
      || a.time - b.time
      || a.report.method.localeCompare(b.report.method))
    .map((r) => ({ ...r, best: best.get(r.index)! }));
}

/** One cell's text, shared by the panel and the CLI so both print the same numbers. */
export function formatCell(row: ComparisonRow, key: ComparisonColumn): string {
  const percent = (v: number | undefined) => (v === undefined ? '—' : `${(100 * v).toFixed(1)}%`);
  switch (key) {
    case 'verdict': return VERDICT_LABEL[row.verdict];
    case 'time': return `${row.time.toFixed(1)} s`;
    case 'fidelity': return percent(row.fidelity);
    case 'drawdown': return percent(row.drawdown);
    case 'maxChange': return row.maxChange === undefined ? '—' : row.maxChange.toPrecision(3);
    case 'size': {
      const added = row.report.size.added;
      return added > 0 ? `${row.size} (+${added})` : `${row.size}`;
    }
  }
}

/** The table as plain text for a terminal: best values marked with `*`. */
export function formatComparison(rows: readonly ComparisonRow[]): string {
  const header = ['method', ...COMPARISON_COLUMNS.map((c) => c.title)];
  const body = rows.map((r) => [r.report.methodName, ...COMPARISON_COLUMNS.map((c) => `${formatCell(r, c.key)}${r.best.has(c.key) ? ' *' : ''}`)]);
  const widths = header.map((h, i) => Math.max(h.length, ...body.map((line) => line[i].length)));
  const line = (cells: string[]) => cells.map((c, i) => c.padEnd(widths[i])).join('  ').trimEnd();
  return [line(header), line(widths.map((w) => '-'.repeat(w))), ...body.map(line), '* best in its column'].join('\n');
}
