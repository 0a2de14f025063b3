// The README's demo: the built CLI on the bundled ACAS Xu example.
import { spawnSync } from 'node:child_process';

const model = 'examples/acasxu/ACASXU_run2a_1_9_batch_2000.onnx';
const steps = [
  ['info', model],
  ['eval', model, '--inputs', 'examples/acasxu/inputs.json'],
  // Property 1 holds on this network (a proof); property 3 does not (a counterexample, re-checked by ONNX Runtime).
  ['verify', model, 'examples/acasxu/vnnlib/prop_1.vnnlib'],
  ['verify', model, 'examples/acasxu/vnnlib/prop_3.vnnlib'],
];
for (const args of steps) {
  console.log(`\n$ netmend ${args.join(' ')}`);
  const run = spawnSync(process.execPath, ['dist/cli.js', ...args], { stdio: 'inherit' });
  // Exit 1 means "a property is violated": a finding the demo shows, not a failure.
  if (run.status !== 0 && run.status !== 1) process.exit(run.status ?? 1);
}
