/** What a repair did: verdict, fixes, regressions, fidelity, size, weight changes per layer, timings, log; Accept/Reject. */
import type { RepairReport } from '../src/core/repair/report';
import { acceptWarning, agreementText, VERDICT_LABEL } from '../src/core/repair/reportText';
import { count, fileName, h, percent, seconds } from './dom';
import type { ReviewStatus } from './protocol';
import { ramp, readPalette } from './theme';

export interface ReviewActions {
  readonly onAccept: (overwrite: boolean) => void;
  readonly onReject: () => void;
  /** Repair the same property again (another method); absent when the review has no .prop file. */
  readonly onRepairAgain?: () => void;
}

const VERDICT_DETAIL = { repaired: ': the property holds on the written model', 'not-repaired': '', unknown: ': the verifier ran out of time' } as const;
const verdictText = (status: RepairReport['verdict']['status']) => `${VERDICT_LABEL[status][0].toUpperCase()}${VERDICT_LABEL[status].slice(1)}${VERDICT_DETAIL[status]}`;

export function reviewView(report: RepairReport, status: ReviewStatus, actions: ReviewActions): HTMLElement {
  const v = report.verdict;
  const title = `${report.methodName} repair${report.property ? ` of ${report.property}` : ''}`;
  return h('section', { class: 'view review', 'aria-labelledby': 'view-title' },
    h('header', {},
      h('h1', { id: 'view-title' }, title),
      h('p', { class: 'muted' }, `${fileName(report.model)}${optionsText(report)}`)),
    h('div', { class: `verdict verdict-${v.status}`, role: 'status' },
      h('strong', {}, verdictText(v.status)), h('span', {}, ` — ${v.detail}`),
      report.regressions.length > 0 && h('div', { class: 'regression' },
        `but ${report.regressions.length === 1 ? 'another property no longer holds' : `${report.regressions.length} other properties no longer hold`} (below)`),
      v.status === 'not-repaired' && v.counterexample
        && h('div', { class: 'mono small' }, `counterexample: input [${v.counterexample.input.map((x) => x.toPrecision(4)).join(', ')}]`)),
    report.caveat && h('p', { class: 'caveat' }, report.caveat),
    actionBar(report, status, actions),
    actions.onRepairAgain && repairAgain(actions.onRepairAgain),
    h('div', { class: 'cards' },
      card('Counterexamples fixed', count(report.counterexamplesFixed),
        report.repairPoints && `${report.repairPoints.fixed} of ${report.repairPoints.total} repair points right${report.repairPoints.unfixed.length ? ` (still wrong: ${report.repairPoints.unfixed.slice(0, 8).join(', ')}${report.repairPoints.unfixed.length > 8 ? ', …' : ''})` : ''}`),
      card('Fidelity (whole domain)', report.fidelity ? agreementText(report.fidelity.domain) : '—',
        report.fidelity && [
          report.fidelity.region && `region ${report.fidelity.region.samples === 0 ? 'n/a (no sample where the original was safe)' : agreementText(report.fidelity.region)}`,
          report.fidelity.keepSet && `keep set ${agreementText(report.fidelity.keepSet)}`,
          report.fidelity.domain.samples > 0 && `${count(report.fidelity.domain.samples)} domain samples`,
        ].filter(Boolean).join(' · ')),
      card('Largest output change', report.fidelity ? precise(report.fidelity.maxOutputChange) : '—',
        report.fidelity && `mean ${precise(report.fidelity.meanOutputChange)}${report.fidelity.certifiedMaxChange !== undefined ? ` · certified ≤ ${precise(report.fidelity.certifiedMaxChange)}` : ''}`),
      card('Parameters', `${count(report.size.paramsBefore)} → ${count(report.size.paramsAfter)}`,
        `${count(report.size.changed)} changed · ${count(report.size.added)} added`)),
    propertiesSection(report),
    layerChanges(report),
    timings(report),
    stats(report),
    h('vscode-collapsible', { heading: `Log (${report.log.length} lines)` }, h('pre', { class: 'log' }, report.log.join('\n'))));
}

const precise = (v: number) => (v === 0 ? '0' : v.toPrecision(3));

function optionsText(report: RepairReport): string {
  const entries = Object.entries(report.options);
  return entries.length === 0 ? '' : ` · ${entries.map(([k, v]) => `${k}=${v}`).join(', ')}`;
}

function card(label: string, value: string, detail?: string | false): HTMLElement {
  return h('div', { class: 'card' }, h('div', { class: 'card-label' }, label), h('div', { class: 'card-value' }, value), detail ? h('div', { class: 'muted small' }, detail) : undefined);
}

function actionBar(report: RepairReport, status: ReviewStatus, actions: ReviewActions): HTMLElement {
  if (status.state === 'accepted') {
    return h('p', { class: 'status status-ok', role: 'status' }, `Accepted: written to ${status.path}`, status.backup ? ` (the original is backed up as ${fileName(status.backup)})` : '');
  }
  if (status.state === 'rejected') return h('p', { class: 'status', role: 'status' }, 'Rejected: the repaired model was discarded; nothing was written.');
  if (status.state === 'empty') return h('p', { class: 'status', role: 'status' }, 'The method produced no model: there is nothing to accept, and nothing was written.');
  const accept = h('vscode-button', {}, acceptWarning(report) ? 'Accept anyway' : 'Accept');
  const overwrite = h('vscode-button', { secondary: true }, 'Accept and overwrite the original…');
  const reject = h('vscode-button', { secondary: true }, 'Reject');
  accept.addEventListener('click', () => actions.onAccept(false));
  overwrite.addEventListener('click', () => actions.onAccept(true));
  reject.addEventListener('click', () => actions.onReject());
  return h('div', { class: 'actions' }, accept, overwrite, reject,
    h('span', { class: 'muted small' }, 'Accept writes a new file beside the model; nothing is written before.'),
    status.state === 'failed' && h('p', { class: 'status status-error', role: 'alert' }, status.message));
}

function repairAgain(onClick: () => void): HTMLElement {
  const button = h('vscode-button', { secondary: true }, 'Repair with another method…');
  button.addEventListener('click', onClick);
  return h('div', { class: 'actions' }, button);
}

function propertiesSection(report: RepairReport): HTMLElement {
  const regressed = new Map(report.regressions.map((r) => [r.property, r]));
  const kept = report.recheckedProperties.filter((p) => !regressed.has(p));
  return h('section', { 'aria-labelledby': 'props-title' },
    h('h2', { id: 'props-title' }, 'Other properties, re-verified'),
    report.recheckedProperties.length === 0 && report.regressions.length === 0
      ? h('p', { class: 'muted' }, 'No other property was re-verified.')
      : h('ul', { class: 'properties' },
        ...report.regressions.map((r) => h('li', { class: 'regression' }, h('strong', {}, `✗ ${r.property}: ${r.after}`), ` — ${r.detail}`)),
        ...kept.map((p) => h('li', { class: 'kept' }, `✓ ${p}: still holds`))));
}

/** One row per layer: a swatch coloured by its mean |change| on the report's own scale, then the numbers. */
function layerChanges(report: RepairReport): HTMLElement {
  const palette = readPalette();
  const largest = Math.max(1e-300, ...report.layerChanges.map((l) => l.meanAbsChange));
  const rows = report.layerChanges.map((l) => {
    const swatch = h('span', { class: 'swatch', role: 'img', 'aria-label': `${percent(l.meanAbsChange / largest, 0)} of the largest mean change` });
    swatch.style.backgroundColor = ramp(palette, l.meanAbsChange / largest);
    const share = h('span', { class: 'share' }, h('span', {}));
    (share.firstChild as HTMLElement).style.width = `${(100 * l.changed) / Math.max(1, l.params)}%`;
    return h('tr', {},
      h('th', { scope: 'row', class: 'mono' }, l.name),
      h('td', {}, swatch),
      h('td', { class: 'num' }, l.meanAbsChange === 0 ? '0' : l.meanAbsChange.toExponential(2)),
      h('td', { class: 'num' }, l.maxAbsChange === 0 ? '0' : l.maxAbsChange.toExponential(2)),
      h('td', {}, share, h('span', { class: 'num small' }, ` ${count(l.changed)} / ${count(l.params)}`)));
  });
  return h('section', { 'aria-labelledby': 'changes-title' },
    h('h2', { id: 'changes-title' }, 'Weight changes per layer'),
    h('table', { class: 'grid' },
      h('thead', {}, h('tr', {}, h('th', { scope: 'col' }, 'layer'), h('th', { scope: 'col' }, 'change'), h('th', { scope: 'col', class: 'num' }, 'mean |Δ|'),
        h('th', { scope: 'col', class: 'num' }, 'max |Δ|'), h('th', { scope: 'col' }, 'changed'))),
      h('tbody', {}, ...rows)));
}

function timings(report: RepairReport): HTMLElement {
  const total = report.timings.reduce((s, t) => s + t.sec, 0);
  return h('section', { 'aria-labelledby': 'time-title' },
    h('h2', { id: 'time-title' }, `Time per stage (${seconds(total)} in all)`),
    h('table', { class: 'grid timings' }, h('tbody', {}, ...report.timings.map((t) => {
      const bar = h('span', { class: 'bar' });
      bar.style.width = `${total > 0 ? (100 * t.sec) / total : 0}%`;
      return h('tr', {}, h('th', { scope: 'row' }, t.stage), h('td', { class: 'num' }, seconds(t.sec)), h('td', { class: 'bar-cell' }, bar));
    }))));
}

function stats(report: RepairReport): HTMLElement | undefined {
  const entries = Object.entries(report.stats);
  if (entries.length === 0) return undefined;
  return h('p', { class: 'muted small' }, entries.map(([k, v]) => `${k}: ${count(v)}`).join(' · '));
}
