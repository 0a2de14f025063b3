/**
 * How a violated piece is repaired, compared on small networks (cheap enough to run beside anything): the paper's
 * Algorithm 3 keeping its counterexample ("fixed"), Algorithm 3 asking the verifier for a new one ("refresh"), and our
 * bound-guided clamps. Every configuration uses the paper's partition rule (bisect violated pieces to a fixed depth,
 * repair there once, no second split, every proof accepted). Prints a table and appends it to
 * docs/benchmarks/repair-nrepair-algorithms.md.
 */
import { verify } from '../src/core/verify';
import { writeFileSync } from 'node:fs';
import { forward, forwardModel } from '../src/core/network/forward';
import type { GatedModel } from '../src/core/network/gated';
import { violationMargin } from '../src/core/query/normalForm';
import { nrepair } from '../src/core/repair/methods/nrepair';
import { decide } from '../src/core/repair/labels';
import { seededRandom } from '../src/core/verify/falsify';
import { notFirst, smallNet } from '../test/helpers';

/** Seeds whose network breaks the property on 4-20% of the region. */
const SEEDS = [4, 6, 11, 15, 16, 18, 22, 29];
const CONFIGS: Record<string, Record<string, string | number>> = {
  'Algorithm 3, fixed counterexample (paper)': { clamps: 'gradient', counterexample: 'fixed' },
  'Algorithm 3, refreshed counterexample': { clamps: 'gradient', counterexample: 'refresh' },
  'bound-guided clamps (ours)': { clamps: 'bounds' },
};
const PARTITION = { depth: 6, maxDepth: 6, changeBudget: 1 };

function fidelity(model: GatedModel, seed: number): number {
  const random = seededRandom(seed);
  const n = 20000;
  const xs = Float64Array.from({ length: 2 * n }, () => random() * 2 - 1);
  const a = forward(model.base, xs, n);
  const b = forwardModel(model, xs, n);
  let safe = 0;
  let same = 0;
  for (let k = 0; k < n; k++) {
    const y = a.subarray(3 * k, 3 * k + 3);
    if (violationMargin(notFirst.violation, y) <= 0) continue;
    safe++;
    if (decide(y, 0, 3, 'argmax') === decide(b, 3 * k, 3, 'argmax')) same++;
  }
  return same / safe;
}

async function main(): Promise<void> {
  const lines = [
    '# nRepair: how a piece is repaired (small networks)',
    '',
    `\`node --import tsx bench/repairNrepairAlgorithms.ts\`: ${SEEDS.length} seeded 2-8-8-3 ReLU networks (test/helpers.ts \`smallNet\`), property "output 0 is never the largest" on [-1, 1]^2; partition ${JSON.stringify(PARTITION)} for all.`,
    '',
    '| repair | pieces repaired / violated pieces | networks proven | clamps per repaired piece | fidelity (argmax, safe samples) | time (s) |',
    '|---|---|---|---|---|---|',
  ];
  for (const [label, options] of Object.entries(CONFIGS)) {
    let repaired = 0, pieces = 0, proven = 0, clamps = 0, agree = 0, seconds = 0;
    for (const seed of SEEDS) {
      const started = performance.now();
      const outcome = await nrepair.run({
        model: smallNet(seed), query: notFirst, repairSet: [], keepSet: [], decision: 'argmax', timeoutSec: 120,
        domain: { lower: notFirst.region[0].lower, upper: notFirst.region[0].upper }, options: { ...PARTITION, ...options },
      });
      seconds += (performance.now() - started) / 1000;
      const model = outcome.model as GatedModel;
      repaired += outcome.stats.piecesRepaired;
      pieces += outcome.stats.pieces;
      clamps += outcome.stats.clamps;
      if ((await verify(model, notFirst, { timeoutSec: 60 })).status === 'holds') proven++;
      agree += fidelity(model, seed);
    }
    const row = `| ${label} | ${repaired} / ${pieces} | ${proven} / ${SEEDS.length} | ${(clamps / Math.max(1, repaired)).toFixed(2)} | ${(100 * agree / SEEDS.length).toFixed(2)}% | ${seconds.toFixed(1)} |`;
    console.log(row);
    lines.push(row);
  }
  writeFileSync('docs/benchmarks/repair-nrepair-algorithms.md', `${lines.join('\n')}\n`);
}

void main();
