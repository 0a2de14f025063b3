/** A repair report as text: the verdict first, then what the driver measured. */
import type { RepairReport } from '../core/repair/report';
import { agreementText, VERDICT_LABEL } from '../core/repair/reportText';

const of = (a: { agreement: number; samples: number }) => (a.samples === 0 ? agreementText(a) : `${agreementText(a, 2)} of ${a.samples}`);
const num = (x: number) => (Number.isFinite(x) ? Number(x.toPrecision(4)).toString() : '-');

export function formatReport(r: RepairReport): string {
  const lines: string[] = [];
  const verdict = VERDICT_LABEL[r.verdict.status].toUpperCase();
  lines.push(`${r.methodName}${r.property ? ` on ${r.property}` : ''}: ${verdict} — ${r.verdict.detail}`);
  if (r.repairPoints) lines.push(`  repair points: ${r.repairPoints.fixed}/${r.repairPoints.total} right under ONNX Runtime`);
  if (r.recheckedProperties.length > 0) {
    lines.push(r.regressions.length === 0
      ? `  other properties: all ${r.recheckedProperties.length} that held still hold (${r.recheckedProperties.join(', ')})`
      : `  REGRESSIONS: ${r.regressions.map((g) => `${g.property} is now ${g.after} (${g.detail})`).join('; ')}`);
  }
  const f = r.fidelity;
  if (f) {
    const parts = [`domain ${of(f.domain)}`];
    if (f.region) parts.push(f.region.samples === 0 ? 'property region: n/a (no sample where the original was safe)' : `property region (where it was safe) ${of(f.region)}`);
    if (f.keepSet) parts.push(`keep set ${of(f.keepSet)}`);
    lines.push(`  decisions unchanged: ${parts.join(', ')}`);
    lines.push(`  largest output change ${num(f.maxOutputChange)}, mean ${num(f.meanOutputChange)}${f.certifiedMaxChange === undefined ? '' : `; certified bound over the whole domain ${num(f.certifiedMaxChange)}`}`);
  }
  const s = r.size;
  lines.push(`  size: ${s.paramsBefore} -> ${s.paramsAfter} parameters (${num(s.paramsAfter / s.paramsBefore)}x), ${s.changed} changed, ${s.added} added`);
  const stats = Object.entries(r.stats).map(([k, v]) => `${k} ${num(v)}`).join(', ');
  if (stats) lines.push(`  ${stats}`);
  lines.push(`  time: ${r.timings.map((t) => `${t.stage} ${t.sec.toFixed(2)} s`).join(', ')}`);
  if (r.caveat) lines.push(`  note: ${r.caveat}`);
  if (r.repairedFile) lines.push(`  written: ${r.repairedFile}`);
  return lines.join('\n');
}
