/** Runs an explain model (autodiff/rewrite.ts): one session run per batch returns the scores and, per target layer, A and dA. */
import { compileExplainModel, type CompileOptions, type ExplainModel } from '../autodiff/rewrite.js';
import type { DecodedModel } from '../onnx/decode.js';
import type { GraphView } from '../onnx/graph.js';
import { DataType } from '../onnx/schema.js';
import type { Runtime, Session, SessionOptions } from './types.js';
import { InvalidInputError } from '../errors.js';
import { openSession } from './open-session.js';
import { padRows, toF32, toRt } from './tensors.js';

export interface LayerResult {
  tensor: string;
  /** [N, C, h, w] (or the layer's own rank) */
  dims: number[];
  activation: Float32Array;
  /** dA; empty when the run computed activations only (runtime/forward-session.ts). */
  gradient: Float32Array;
}

export interface ExplainRun {
  /** [N, numClasses], row-major */
  scores: Float32Array;
  numClasses: number;
  layers: LayerResult[];
}

export type ExplainSessionOptions = CompileOptions & SessionOptions;

export class ExplainSession {
  private constructor(
    readonly model: ExplainModel,
    private readonly session: Session,
    readonly inputShape: readonly number[],
    /** The model's own batch size when it fixes one: shorter batches are padded with zero rows. */
    private readonly fixedBatch: number | undefined,
  ) {}

  static async create(
    runtime: Runtime,
    decoded: DecodedModel,
    options: ExplainSessionOptions,
    view?: GraphView,
  ): Promise<ExplainSession> {
    const model = await compileExplainModel(runtime, decoded, options, view);
    const session = await openSession(runtime, model.bytes, decoded, options);
    const declared = view?.inputs[0].dims?.[0];
    return new ExplainSession(model, session, options.inputShape, typeof declared === 'number' ? declared : undefined);
  }

  /**
   * @param input float32 NCHW (or NCDHW) data, N = input.length / (C·H·W) (C·D·H·W)
   * @param targetWeights [N, numClasses]: the score explained for image n is Σ_k scores[n,k]·targetWeights[n,k]; a row
   *   of zeros explains image n's predicted class (its first top score, chosen inside the run: autodiff/seed.ts)
   */
  async run(input: Float32Array, targetWeights: Float32Array): Promise<ExplainRun> {
    const one = this.inputShape.slice(1);
    const per = one.reduce((a, b) => a * b, 1);
    if (input.length === 0 || input.length % per !== 0)
      throw new InvalidInputError(`Input holds ${input.length} values, not a whole number of [${one.join(', ')}] images.`);
    const n = input.length / per;
    const k = this.model.numClasses;
    if (targetWeights.length !== n * k)
      throw new InvalidInputError(
        `targetWeights must have shape [${n}, ${k}] (${n * k} values) for ${n} image(s) and ${k} classes; got ${targetWeights.length} values.`,
      );
    const rows = this.fixedBatch ?? n;
    if (n > rows)
      throw new InvalidInputError(`The model takes batches of exactly ${rows} image(s); got ${n}. Use batchSize ${rows}.`);
    const scoreType = this.model.inputElemType === DataType.FLOAT16 ? DataType.FLOAT16 : DataType.FLOAT;
    const feeds = {
      [this.model.inputName]: toRt(padRows(input, n, rows), [rows, ...one], this.model.inputElemType),
      [this.model.targetWeightsName]: toRt(padRows(targetWeights, n, rows), [rows, k], scoreType),
    };
    const fetch = [this.model.scoresName, ...this.model.layers.flatMap((l) => [l.activation, l.gradient])];
    const out = await this.session.run(feeds, fetch);
    const firstRows = (data: Float32Array) => (rows === n ? data : data.subarray(0, (data.length / rows) * n));
    return {
      scores: firstRows(toF32(out[this.model.scoresName])),
      numClasses: k,
      layers: this.model.layers.map((l) => ({
        tensor: l.tensor,
        dims: [n, ...out[l.activation].dims.slice(1)],
        activation: firstRows(toF32(out[l.activation])),
        gradient: firstRows(toF32(out[l.gradient])),
      })),
    };
  }

  release(): Promise<void> {
    return this.session.release();
  }
}
