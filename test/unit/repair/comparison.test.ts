import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import { compareRepairs, formatCell, formatComparison } from '../../../src/core/repair/comparison';
import { acceptWarning, agreementText } from '../../../src/core/repair/reportText';
import { formatReport } from '../../../src/cli/repairReport';
import type { RepairReport } from '../../../src/core/repair/report';
import { acasReports } from '../../panelFixtures';

const reports = acasReports();
const byMethod = (rows: ReturnType<typeof compareRepairs>, method: string) => rows.find((r) => r.report.method === method)!;

test('rows: repaired before not repaired, then higher fidelity, then shorter time', () => {
  const rows = compareRepairs([...reports].reverse());
  assert.deepEqual(rows.map((r) => r.report.method), ['reassure', 'specrepair', 'birdnn-ft']);
  // The fixture's fidelities: REASSURE changed one layer a little, SpecRepair four layers a lot.
  assert.ok(rows[0].fidelity! > rows[1].fidelity!);
  // Indices point back into the input.
  for (const r of rows) assert.equal([...reports].reverse()[r.index], r.report);
});

test('best of each column among the best verdicts: the measured values, ties all marked, a column where all tie unmarked', () => {
  const rows = compareRepairs(reports);
  const repaired = reports.filter((r) => r.verdict.status === 'repaired');
  assert.ok(repaired.length >= 2 && repaired.length < reports.length, 'the fixture has repaired and failed methods');
  const time = (r: RepairReport) => r.timings.reduce((s, t) => s + t.sec, 0);
  const fastest = repaired.reduce((a, b) => (time(a) <= time(b) ? a : b));
  assert.ok(byMethod(rows, fastest.method).best.has('time'));
  assert.equal(rows.filter((r) => r.best.has('time')).length, 1);
  const smallest = Math.min(...repaired.map((r) => r.size.paramsAfter));
  const sizeWinners = rows.filter((r) => r.best.has('size')).map((r) => r.report.method).sort();
  assert.deepEqual(sizeWinners, repaired.filter((r) => r.size.paramsAfter === smallest).map((r) => r.method).sort());
  assert.deepEqual(rows.filter((r) => r.best.has('verdict')).map((r) => r.report.method).sort(), ['reassure', 'specrepair']);
  const allRepaired = compareRepairs(reports.slice(0, 2));
  assert.equal(allRepaired.some((r) => r.best.has('verdict')), false);
});

test('a failed method that changed nothing never wins fidelity, time or size over a repair', () => {
  const failed = reports.find((r) => r.verdict.status !== 'repaired')!;
  const untouched: RepairReport = {
    ...failed,
    timings: [{ stage: 'method', sec: 1e-6 }],
    size: { ...failed.size, paramsAfter: 1 },
    fidelity: { domain: { agreement: 1, samples: 10000 }, region: { agreement: 1, samples: 10000 }, maxOutputChange: 0, meanOutputChange: 0 },
  };
  const rows = compareRepairs([...reports.filter((r) => r !== failed), untouched]);
  const row = byMethod(rows, untouched.method);
  assert.deepEqual([...row.best], []);
  for (const key of ['time', 'fidelity', 'size'] as const) assert.ok(rows.some((r) => r.best.has(key)), key);
});

test('missing values are never best and sort last; a single row marks every value it has', () => {
  const noFidelity = { ...reports[0], method: 'nrepair' as const, methodName: 'nRepair', fidelity: undefined };
  const rows = compareRepairs([noFidelity, reports[1]]);
  assert.deepEqual(rows.map((r) => r.report.method), ['specrepair', 'nrepair']);
  assert.ok(!byMethod(rows, 'nrepair').best.has('fidelity') && byMethod(rows, 'specrepair').best.has('fidelity'));
  const single = compareRepairs([noFidelity])[0];
  assert.deepEqual([...single.best].sort(), ['size', 'time', 'verdict']);
  assert.deepEqual(compareRepairs([]), []);
});

test('the text table has a line per method with the marks', () => {
  const text = formatComparison(compareRepairs(reports));
  const lines = text.split('\n');
  assert.equal(lines.length, 2 + reports.length + 1);
  assert.match(lines[2], /^REASSURE\s+repaired \*/);
  assert.match(lines[4], /^BIRDNN \(fine-tune\)\s+not repaired\s/);
});

test('no sample measured is no fidelity: n/a in the CLI report, never 100%, and the column reads "not repaired" with a space', () => {
  const base = reports[2];
  const unmeasured: RepairReport = {
    ...base,
    verdict: { status: 'not-repaired', detail: 'a counterexample remains' },
    fidelity: { domain: { agreement: 1, samples: 0 }, region: { agreement: 1, samples: 0 }, maxOutputChange: 0, meanOutputChange: 0 },
  };
  const [row] = compareRepairs([unmeasured]);
  assert.equal(row.fidelity, undefined);
  assert.equal(formatCell(row, 'fidelity'), '—');
  assert.equal(formatCell(row, 'verdict'), 'not repaired');
  const text = formatReport(unmeasured);
  assert.match(text, /NOT REPAIRED/);
  assert.doesNotMatch(text, /100(\.0+)?%/);
  assert.match(text, /domain n\/a \(no samples\)/);
  assert.match(text, /property region: n\/a/);
  assert.equal(agreementText({ agreement: 1, samples: 0 }), 'n/a (no samples)');
  assert.equal(agreementText({ agreement: 0.98765, samples: 10 }), '98.8%');
});

test('Accept warns when the property is unproved or another property regressed, and only then', () => {
  const [proven, regressed, unproved] = reports;
  assert.equal(acceptWarning(proven), undefined);
  assert.match(acceptWarning(regressed)!, /breaks phi4 \(now violated\), which held before/);
  assert.doesNotMatch(acceptWarning(regressed)!, /did not prove/);
  assert.match(acceptWarning(unproved)!, /^The verifier did not prove phi2 on this repair \(not repaired: /);
  const both = acceptWarning({ ...unproved, regressions: regressed.regressions })!;
  assert.match(both, /did not prove phi2 .*; and it breaks phi4/);
});
