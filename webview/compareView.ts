/** The methods side by side on one property: one table, best value of each column marked (ordering: src/core/repair/comparison.ts). */
import type { RepairReport } from '../src/core/repair/report';
import { COMPARISON_COLUMNS, compareRepairs, formatCell } from '../src/core/repair/comparison';
import { h } from './dom';

export function compareView(reports: readonly RepairReport[], reviewIds: readonly (string | null)[], property: string | undefined, onReview: (reviewId: string) => void): HTMLElement {
  const rows = compareRepairs(reports);
  // A column no method has a value for (drawdown without a keep set) only takes width from the others.
  const columns = COMPARISON_COLUMNS.filter((c) => rows.some((row) => row.best.has(c.key) || formatCell(row, c.key) !== '—'));
  const body = rows.map((row) => {
    const id = reviewIds[row.index];
    const review = h('vscode-button', { secondary: true, disabled: id === null, 'aria-label': `Review the ${row.report.methodName} repair` }, 'Review');
    if (id !== null) review.addEventListener('click', () => onReview(id));
    return h('tr', { class: `verdict-row-${row.verdict}` },
      h('th', { scope: 'row' }, row.report.methodName),
      ...columns.map((c) => {
        const best = row.best.has(c.key);
        return h('td', { class: `${c.key === 'verdict' ? `verdict-text-${row.verdict}` : 'num'}${best ? ' best' : ''}` },
          formatCell(row, c.key), best ? h('span', { class: 'best-mark', 'aria-label': 'best' }, ' ★') : undefined);
      }),
      h('td', {}, review));
  });
  const subject = property ?? reports.find((r) => r.property)?.property;
  return h('section', { class: 'view compare', 'aria-labelledby': 'view-title' },
    h('header', {},
      h('h1', { id: 'view-title' }, `Repair methods compared${subject ? ` on ${subject}` : ''}`),
      h('p', { class: 'muted' }, `${reports.length} methods, best first; ★ marks the best value of each column.`)),
    reports.length === 0
      ? h('p', {}, 'No repair has finished yet.')
      : h('div', { class: 'table-scroll' }, h('table', { class: 'grid compare-table' },
        h('thead', {}, h('tr', {}, h('th', { scope: 'col' }, 'method'),
          ...columns.map((c) => h('th', { scope: 'col', class: c.key === 'verdict' ? undefined : 'num', title: `${c.better} is better` }, c.title)), h('th', { scope: 'col' }, h('span', { class: 'visually-hidden' }, 'review')))),
        h('tbody', {}, ...body))),
    h('p', { class: 'muted small' }, 'fidelity: decisions unchanged over the whole domain; drawdown: keep-set decisions changed; size: parameters after the repair (added).'));
}
