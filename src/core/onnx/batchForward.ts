/**
 * Large batches through ONNX Runtime: the model is exported in float64 (or float32) and ORT's optimised kernels do the
 * matrix work. A plain JS loop is 30-130x slower on these batches (docs/benchmarks/forward.md); `forwardModel` stays the
 * choice for single points and small batches, where ORT's per-call overhead dominates.
 */
import * as ort from 'onnxruntime-node';
import { exportOnnx, type Precision } from './export';
import { modelInputSize, modelOutputSize, type Model } from '../network/model';

export class BatchForward {
  private constructor(
    private readonly session: ort.InferenceSession,
    private readonly precision: Precision,
    readonly inSize: number,
    readonly outSize: number,
  ) {}

  static async create(model: Model, precision: Precision = 'float64'): Promise<BatchForward> {
    const session = await ort.InferenceSession.create(exportOnnx(model, { precision }));
    return new BatchForward(session, precision, modelInputSize(model), modelOutputSize(model));
  }

  /** Row-major [batch][inSize] -> [batch][outSize]. */
  async run(inputs: Float64Array, batch: number): Promise<Float64Array> {
    const data = this.precision === 'float64' ? inputs : Float32Array.from(inputs);
    const feed = { input: new ort.Tensor(this.precision, data, [batch, this.inSize]) };
    const out = (await this.session.run(feed)).output.data as Float64Array | Float32Array;
    return out instanceof Float64Array ? out : Float64Array.from(out);
  }

  async release(): Promise<void> {
    await this.session.release();
  }
}
