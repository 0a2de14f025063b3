/**
 * ONNX Runtime (onnxruntime-node) as the reference: run a model file on flat input vectors, feeding the file's own input
 * shape. Used to cross-check our forward pass, exports and counterexamples.
 */
import * as ort from 'onnxruntime-node';
import { InputError } from '../errors';

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

  /** Evaluates each input vector with its own call (files exported with batch size 1 cannot batch). */
  async run(inputs: readonly ArrayLike<number>[]): Promise<Float32Array[]> {
    const outputs: Float32Array[] = [];
    for (const x of inputs) {
      const feed = { [this.session.inputNames[0]]: new ort.Tensor('float32', Float32Array.from(x), this.inputShape) };
      const result = await this.session.run(feed);
      outputs.push(Float32Array.from(result[this.session.outputNames[0]].data as Float32Array));
    }
    return outputs;
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
