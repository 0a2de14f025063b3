/**
 * The model we analyse must be the one ONNX Runtime runs: after import, both evaluate a few seeded inputs and any
 * difference refuses the model. A file ONNX Runtime itself refuses (its opset, IR version or an operator domain) gets
 * no verdict either: the refusal carries ONNX Runtime's reason.
 */
import { InputError } from '../errors';
import { forwardModel32 } from '../network/forward';
import { modelInputSize, type Model } from '../network/model';
import { OrtModel } from './ort';

const SAMPLES = 4;
/** Relative to the output's scale: float32 rounding is far below it, a wrongly lowered operator far above. */
const TOLERANCE = 1e-4;

export async function checkAgainstOrt(source: string | Uint8Array, model: Model, file = typeof source === 'string' ? source : undefined): Promise<void> {
  const ort = await OrtModel.load(source, model.inputShape).catch((err: unknown) => {
    throw err instanceof InputError ? new InputError(`${err.message}; NetMend analyses only models ONNX Runtime runs`, { file }) : err;
  });
  try {
    const n = modelInputSize(model);
    let s = 0x9e3779b9;
    const random = (): number => ((s = (s * 1664525 + 1013904223) >>> 0) / 4294967296) * 2 - 1;
    const inputs = Array.from({ length: SAMPLES }, () => Float32Array.from({ length: n }, random));
    const expected = await ort.run(inputs);
    inputs.forEach((x, k) => {
      const logits = forwardModel32(model, x);
      const ours = model.droppedSoftmax ? softmax(logits) : logits;
      const theirs = expected[k];
      if (ours.length !== theirs.length) {
        throw new InputError(`the imported network has ${ours.length} outputs where ONNX Runtime returns ${theirs.length}; NetMend refuses to analyse a different network`, { file });
      }
      const scale = Math.max(1, ...Array.from(theirs, Math.abs));
      const i = ours.findIndex((v, j) => !(Math.abs(v - theirs[j]) <= TOLERANCE * scale));
      if (i >= 0) {
        throw new InputError(`the imported network computes ${ours[i]} for output ${i} where ONNX Runtime computes ${theirs[i]} (test input ${k + 1} of ${SAMPLES}); NetMend refuses to analyse a network that differs from the file`, { file });
      }
    });
  } finally {
    await ort.release();
  }
}

function softmax(v: Float32Array): Float64Array {
  const top = Math.max(...v);
  const e = Float64Array.from(v, (x) => Math.exp(x - top));
  const sum = e.reduce((a, b) => a + b, 0);
  return e.map((x) => x / sum);
}
