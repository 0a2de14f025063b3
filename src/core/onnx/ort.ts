/**
 * ONNX Runtime (onnxruntime-node) as the reference: run a model file on flat input vectors, feeding the file's own input
 * shape. Used to cross-check our forward pass, exports and counterexamples.
 */
import { extname } from 'node:path';
import * as ort from 'onnxruntime-node';
import { InputError } from '../errors';
import { modelInputSize, type Model } from '../network/model';
import { exportOnnx } from './export';

export class OrtModel {
  private constructor(private readonly session: ort.InferenceSession, readonly inputShape: number[]) {}

  /** inputShape: the shape of ONE input as the file declares it (a leading batch dimension of 1 or 'N' included). */
  static async load(source: string | Uint8Array, inputShape: readonly number[]): Promise<OrtModel> {
    try {
      const session = typeof source === 'string' ? await ort.InferenceSession.create(source) : await ort.InferenceSession.create(source);
      return new OrtModel(session, [...inputShape]);
    } catch (err) {
      throw new InputError(`ONNX Runtime cannot load the model: ${(err as Error).message}`, typeof source === 'string' ? { file: source } : {});
    }
  }

  /**
   * The reference for a model file: the ONNX file itself, or for a .nnet file (which ONNX Runtime cannot read) the
   * network it was imported as, exported to ONNX, so ONNX Runtime still checks our forward pass on it.
   */
  static forModelFile(path: string, net: Model): Promise<OrtModel> {
    if (extname(path).toLowerCase() === '.nnet') return OrtModel.load(exportOnnx(net), [1, modelInputSize(net)]);
    return OrtModel.load(path, net.inputShape);
  }

  /**
   * Evaluates the input vectors: in one call when the file's leading dimension is symbolic (a batch dimension such as
   * our exports' 'N'), otherwise one call per input (files exported with batch size 1 cannot batch).
   */
  async run(inputs: readonly ArrayLike<number>[]): Promise<Float32Array[]> {
    if (inputs.length === 0) return [];
    const size = inputs[0].length;
    if (this.hasBatchDimension()) {
      const flat = new Float32Array(inputs.length * size);
      inputs.forEach((x, k) => flat.set(Float32Array.from(x), k * size));
      const shape = [inputs.length, ...this.inputShape.slice(1)];
      const result = await this.session.run({ [this.session.inputNames[0]]: new ort.Tensor('float32', flat, shape) });
      const out = result[this.session.outputNames[0]].data as Float32Array;
      const outSize = out.length / inputs.length;
      return inputs.map((_, k) => out.slice(k * outSize, (k + 1) * outSize));
    }
    const outputs: Float32Array[] = [];
    for (const x of inputs) {
      const feed = { [this.session.inputNames[0]]: new ort.Tensor('float32', Float32Array.from(x), this.inputShape) };
      const result = await this.session.run(feed);
      outputs.push(Float32Array.from(result[this.session.outputNames[0]].data as Float32Array));
    }
    return outputs;
  }

  private hasBatchDimension(): boolean {
    const meta = this.session.inputMetadata[0];
    return meta.isTensor && meta.shape.length > 1 && typeof meta.shape[0] !== 'number';
  }

  /** One call on a [batch, size] tensor: for models with a batch dimension (such as our exports). */
  async runBatch(inputs: Float32Array, batch: number, size: number): Promise<Float32Array> {
    const result = await this.session.run({ [this.session.inputNames[0]]: new ort.Tensor('float32', inputs, [batch, size]) });
    return result[this.session.outputNames[0]].data as Float32Array;
  }

  async release(): Promise<void> {
    await this.session.release();
  }
}
