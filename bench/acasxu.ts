/** `npm run bench:acasxu`: the 186 VNN-COMP 2021 ACAS Xu instances. */
import { runBenchmark } from './runBenchmark';

void runBenchmark({
  name: 'acasxu',
  title: 'ACAS Xu',
  folder: 'acasxu',
  instancesCsv: 'acasxu_instances.csv',
  defaultTimeout: 116,
  goal: 'Goal: 186/186, 0 wrong, total <= 99 s, median <= 0.2 s.',
  extraRows: ['| nnenum (its code on this kind of machine, anchors.md) | 184/186 | 0 | 448 | 0.74 | 39.6 |'],
});
