/**
 * A `for each` property's points as repair and keep sets: a misclassified point goes to R as itself, a right point with
 * a counterexample in its ball goes to R as that counterexample (in the ball, broken), every other point to C with the
 * model's decision; a broken point without a label is refused.
 */
import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import { forward } from '../../../src/core/network/forward';
import { inRegion, violationMargin, type Query } from '../../../src/core/query/normalForm';
import { labelViolation } from '../../../src/core/repair/labels';
import { pointSetRepairSets, type PointProperty } from '../../../src/core/repair/pointSets';
import { seededRandom } from '../../../src/core/verify/falsify';
import { smallNet } from '../../helpers';

const net = smallNet(11);
const decision = (x: Float64Array) => { const y = forward(net, x); return y.indexOf(Math.max(...y)); };

/** `x within r of p` (clipped to [-1, 1]^2), `argmax == label`. */
function ball(name: string, p: Float64Array, r: number, label: number | undefined, required = label ?? decision(p)): PointProperty {
  const query: Query = {
    name,
    region: [{ lower: p.map((v) => Math.max(-1, v - r)), upper: p.map((v) => Math.min(1, v + r)), rows: [] }],
    violation: labelViolation(required, 'argmax', 3),
  };
  return { name, query, input: p, label };
}

test('the model\'s verdicts split the points: misclassified and counterexample points to R, the rest to C', () => {
  const random = seededRandom(3);
  const grid = Array.from({ length: 400 }, () => Float64Array.of(random() * 2 - 1, random() * 2 - 1));
  // A right point near a decision boundary (a neighbour within 0.05 decides otherwise), and one far from any boundary.
  const nearBoundary = grid.find((p) => grid.some((q) => decision(q) !== decision(p) && Math.max(Math.abs(q[0] - p[0]), Math.abs(q[1] - p[1])) < 0.05))!;
  const interior = grid.find((p) => [-0.3, 0, 0.3].every((dx) => [-0.3, 0, 0.3].every((dy) => decision(Float64Array.of(p[0] + dx, p[1] + dy)) === decision(p))))!;
  const wrongLabel = (decision(interior) + 1) % 3;
  const points = [
    ball('robust[0]', interior, 0.05, decision(interior)),
    ball('robust[1]', nearBoundary, 0.1, decision(nearBoundary)),
    ball('robust[2]', interior, 0, wrongLabel),
  ];
  const sets = pointSetRepairSets(net, points, 'argmax');
  assert.equal(sets.keepSet.length, 1);
  assert.deepEqual(Array.from(sets.keepSet[0].input), Array.from(interior));
  assert.equal(sets.keepSet[0].label, decision(interior));
  assert.equal(sets.repairSet.length, 2);
  const [counterexample, misclassified] = sets.repairSet;
  assert.ok(inRegion(points[1].query.region, counterexample.input, 1e-12), 'the counterexample lies in its ball');
  assert.ok(violationMargin(points[1].query.violation, forward(net, counterexample.input)) <= 0, 'and breaks the property');
  assert.equal(counterexample.label, decision(nearBoundary));
  assert.deepEqual(Array.from(misclassified.input), Array.from(interior));
  assert.equal(misclassified.label, wrongLabel);
  assert.match(sets.log[0], /3 point\(s\): 2 broken \(1 misclassified, 1 by a counterexample in their region\) -> repair set; 1 -> keep set/);
});

test('a broken point without a label is refused', () => {
  const p = Float64Array.of(0.2, 0.4);
  assert.throws(() => pointSetRepairSets(net, [ball('robust[0]', p, 0, undefined, (decision(p) + 1) % 3)], 'argmax'), /no label/);
});
