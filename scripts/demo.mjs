// The README's demo: the built CLI on the bundled ACAS Xu example.
import { spawnSync } from 'node:child_process';

const model = 'examples/acasxu/ACASXU_run2a_1_9_batch_2000.onnx';
const steps = [
  ['info', model],
  ['eval', model, '--inputs', 'examples/acasxu/inputs.json'],
  ['check', 'examples/acasxu/acasxu.prop'],
  // phi1 and phi10 hold on this network (proofs); phi3 and phi4 do not (counterexamples, re-checked by ONNX Runtime).
  ...['phi1', 'phi10', 'phi3', 'phi4'].map((p) => ['verify', model, 'examples/acasxu/acasxu.prop', '--property', p]),
];
for (const args of steps) {
  console.log(`\n$ netmend ${args.join(' ')}`);
  const run = spawnSync(process.execPath, ['dist/cli.js', ...args], { stdio: 'inherit' });
  // Exit 1 means "a property is violated": a finding the demo shows, not a failure.
  if (run.status !== 0 && run.status !== 1) process.exit(run.status ?? 1);
}
