/** `npm run bench:mnist`: the 30 VNN-COMP 2021 MNIST 256x2 robustness instances. */
import { runBenchmark } from './runBenchmark';

void runBenchmark({
  name: 'mnist',
  title: 'MNIST 784-256-256-10',
  folder: 'mnist',
  instancesCsv: 'mnistfc_instances.csv',
  defaultTimeout: 120,
  goal: 'Goal: every instance with a known answer answered, 0 wrong.',
  extraRows: [],
});
