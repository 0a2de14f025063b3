/**
 * Forward-pass throughput: ours (float64 and float32, batched) against ONNX Runtime's best case (the same network
 * exported by us with a batch dimension, one call for the whole batch), on 1000 ACAS Xu and 1000 MNIST inputs.
 * Prints a table and writes docs/benchmarks/forward.md.
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { cpus } from 'node:os';
import { loadModelFile } from '../src/core/onnx/loadModelFile';
import { exportOnnx } from '../src/core/onnx/export';
import { OrtModel } from '../src/core/onnx/ort';
import { forward, forward32 } from '../src/core/network/forward';
import { BatchForward } from '../src/core/network/batchForward';
import { inputSize } from '../src/core/network/network';
import { acasNet, dataPath } from '../test/helpers';

const BATCH = 1000;

const NOTES = `## What this means

- The plain JavaScript kernel (register-blocked, typed arrays) reaches 1-3% of ONNX Runtime's throughput. ORT runs
  MLAS kernels with SIMD on both cores; JavaScript has neither. No JS loop gets near the 0.5 goal on these layers.
- So batched work goes to ONNX Runtime itself: \`BatchForward\` exports the network in **float64** and runs it in ORT,
  equal to our float64 JS pass to about 1e-15 (checked in test/integration). In float64 ORT is about half as fast as in
  float32, which is the ratio in the last column. Analysis code uses \`forward\` (JS) for single points and small batches,
  where ORT's per-call overhead dominates, and \`BatchForward\` for data sets and training.
`;

async function timeIt(fn: () => unknown | Promise<unknown>): Promise<number> {
  for (let i = 0; i < 3; i++) await fn();
  const times: number[] = [];
  for (let i = 0; i < 15; i++) {
    const start = performance.now();
    await fn();
    times.push(performance.now() - start);
  }
  return times.sort((a, b) => a - b)[Math.floor(times.length / 2)];
}

async function measure(name: string, file: string) {
  const net = loadModelFile(file);
  const n = inputSize(net);
  const x64 = Float64Array.from({ length: BATCH * n }, () => Math.random());
  const x32 = Float32Array.from(x64);
  const ort = await OrtModel.load(exportOnnx(net), [BATCH, n]);
  const ortMs = await timeIt(() => ort.runBatch(x32, BATCH, n));
  const f64Ms = await timeIt(() => forward(net, x64, BATCH));
  const f32Ms = await timeIt(() => forward32(net, x32, BATCH));
  const engine = await BatchForward.create(net, 'float64');
  const engineMs = await timeIt(() => engine.run(x64, BATCH));
  await Promise.all([ort.release(), engine.release()]);
  return { name, ortMs, f64Ms, f32Ms, engineMs };
}

(async () => {
  const rows = [
    await measure('ACAS Xu 5-6x50-5', acasNet(1, 1)),
    await measure('MNIST 784-256-256-10', dataPath('mnist', 'mnist-net_256x2.onnx')),
  ];
  const fmt = (v: number) => v.toFixed(2);
  const lines = [
    `| network (batch ${BATCH}) | ONNX Runtime float32 (ms) | JS forward float64 (ms) | JS forward32 (ms) | BatchForward float64 on ORT (ms) | ratio JS float64 | ratio JS float32 | ratio BatchForward float64 |`,
    '|---|---|---|---|---|---|---|---|',
    ...rows.map((r) => `| ${r.name} | ${fmt(r.ortMs)} | ${fmt(r.f64Ms)} | ${fmt(r.f32Ms)} | ${fmt(r.engineMs)} | ${fmt(r.ortMs / r.f64Ms)} | ${fmt(r.ortMs / r.f32Ms)} | ${fmt(r.ortMs / r.engineMs)} |`),
  ];
  const table = lines.join('\n');
  console.log(table);
  const doc = `# Forward pass throughput\n\n\`npm run bench:forward\`, median of 15 runs after 3 warm-ups, on ${cpus().length} cores (${cpus()[0]?.model ?? 'unknown CPU'}), ${new Date().toISOString().slice(0, 10)}.\nONNX Runtime runs our export of the same network with a batch dimension, one call for the batch (its best case).\nRatio = our throughput / ONNX Runtime's (higher is better). Goal: ratio >= 0.5.\n\n${table}\n`;
  writeFileSync(join(__dirname, '..', 'docs', 'benchmarks', 'forward.md'), doc + '\n' + NOTES);
})();
