// The README's demo: the built CLI on the bundled ACAS Xu example, ending with a repair.
import { spawnSync } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const model = 'examples/acasxu/ACASXU_run2a_1_9_batch_2000.onnx';
const props = 'examples/acasxu/acasxu.prop';
// The repaired model goes to a temporary folder: the demo never writes beside the bundled example.
const repaired = join(mkdtempSync(join(tmpdir(), 'netmend-demo-')), 'ACASXU_run2a_1_9_batch_2000.repaired.onnx');
const steps = [
  ['info', model],
  ['eval', model, '--inputs', 'examples/acasxu/inputs.json'],
  ['check', props],
  // phi1 and phi10 hold on this network (proofs); phi3 and phi4 do not (counterexamples, re-checked by ONNX Runtime).
  ...['phi1', 'phi10', 'phi3', 'phi4'].map((p) => ['verify', model, props, '--property', p]),
  // nRepair splits phi4's region and clamps a few neurons per piece; the driver writes the model, re-reads it, proves
  // phi4 on it (or says why not), re-verifies the file's other properties and measures how many decisions changed.
  ['repair', model, props, '--property', 'phi4', '--method', 'nrepair', '--out', repaired, '--timeout', '60', '--verify-timeout', '20'],
  ['verify', repaired, props, '--property', 'phi4'],
];
for (const args of steps) {
  console.log(`\n$ netmend ${args.join(' ')}`);
  const run = spawnSync(process.execPath, ['dist/cli.js', ...args], { stdio: 'inherit' });
  // Exit 1 means "violated" or "not repaired", 3 "unknown": findings the demo shows, not failures.
  if (![0, 1, 3].includes(run.status ?? -1)) process.exit(run.status ?? 1);
}
