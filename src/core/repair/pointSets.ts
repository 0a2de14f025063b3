/**
 * A `for each` property (one instance per point of a data set: robustness or label properties around the points) as a
 * point repair's sets, from the model's own verdicts: a point whose instance the model breaks goes to the repair set R
 * with its label (the point itself when it is misclassified, else the counterexample a short falsification finds in
 * its region); every other point goes to the keep set C with the model's decision there. So a user can repair from a
 * .prop file (the editor, `netmend repair --property NAME`) without writing the sets as JSON.
 */
import { InputError } from '../errors';
import { forwardModel } from '../network/forward';
import { isGated, isGraph, type Model } from '../network/model';
import { inRegion, violationMargin, type Query } from '../query/normalForm';
import { falsifyBox, polytopeBox, seededRandom } from '../verify/falsify';
import { decide } from './labels';
import type { Decision, KeepPoint, RepairPoint } from './types';

/** One instance of a `for each` property: its query, its data point as a network input, and the point's label. */
export interface PointProperty {
  readonly name: string;
  readonly query: Query;
  readonly input: Float64Array;
  readonly label?: number;
}

export interface PointSets {
  readonly repairSet: RepairPoint[];
  readonly keepSet: KeepPoint[];
  readonly log: string[];
}

/** A short search per point: the sets need the points the model gets wrong, not a proof for the others. */
const SEARCH = { samples: 16, starts: 2, steps: 10 };

export function pointSetRepairSets(model: Model, points: readonly PointProperty[], decision: Decision, budgetSec = 30): PointSets {
  const random = seededRandom(0x5e75);
  const deadline = Date.now() + budgetSec * 1000;
  const repairSet: RepairPoint[] = [];
  const keepSet: KeepPoint[] = [];
  let counterexamples = 0;
  for (const p of points) {
    const y = forwardModel(model, p.input);
    const broken = inRegion(p.query.region, p.input, 1e-9) && violationMargin(p.query.violation, y) <= 0;
    const found = broken || isGraph(model) || isGated(model) || Date.now() > deadline ? undefined
      : p.query.region.map((polytope) => falsifyBox(model, p.query, polytopeBox(polytope), { ...SEARCH, deadline, random })).find((c) => c);
    if (!broken && !found) {
      keepSet.push({ input: p.input, label: decide(y, 0, y.length, decision) });
      continue;
    }
    if (p.label === undefined) throw new InputError(`${p.name} is violated but its data point has no label: a repair needs the right label of each point`);
    if (found) counterexamples++;
    repairSet.push({ input: found ? found.input : p.input, label: p.label, violation: p.query.violation });
  }
  const log = [`${points.length} point(s): ${repairSet.length} broken (${repairSet.length - counterexamples} misclassified, ${counterexamples} by a counterexample in their region) -> repair set; ${keepSet.length} -> keep set`];
  return { repairSet, keepSet, log };
}
