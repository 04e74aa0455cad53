/**
 * Runs an explain model: one session run per batch returns the scores and, per target layer, A and dA.
 * Also the session cache: compiling (probe + rewrite + session creation) happens once per
 * (model, layers, output, input shape, options).
 */
import { compileExplainModel, type CompileOptions, type ExplainModel } from './autodiff/rewrite.js';
import type { DecodedModel } from './onnx/decode.js';
import { DataType } from './onnx/schema.js';
import { float16ArrayToFloat32, float32ArrayToFloat16 } from './onnx/tensor.js';
import type { RtTensor, Runtime, Session, SessionOptions } from './runtime/types.js';
import { InvalidInputError } from './errors.js';
import { compileTailModel, type TailModel, type TailOptions } from './autodiff/tail.js';

export interface LayerResult {
  tensor: string;
  /** [N, C, h, w] (or the layer's own rank) */
  dims: number[];
  activation: Float32Array;
  gradient: Float32Array;
}

export interface ExplainRun {
  /** [N, numClasses], row-major */
  scores: Float32Array;
  numClasses: number;
  layers: LayerResult[];
}

export type ExplainerOptions = CompileOptions & SessionOptions;

export class Explainer {
  private constructor(
    readonly model: ExplainModel,
    private readonly session: Session,
    readonly inputShape: readonly number[],
  ) {}

  static async create(runtime: Runtime, decoded: DecodedModel, options: ExplainerOptions): Promise<Explainer> {
    const model = await compileExplainModel(runtime, decoded, options);
    const session = await runtime.createSession(model.bytes, {
      threads: options.threads,
      optimization: options.optimization,
      externalData: decoded.externalData,
    });
    return new Explainer(model, session, options.inputShape);
  }

  /**
   * @param input float32 NCHW data, N = input.length / (C·H·W)
   * @param targetWeights [N, numClasses]: the score explained for image n is Σ_k scores[n,k]·targetWeights[n,k]; a row
   *   of zeros explains image n's predicted class (its first top score, chosen inside the run: autodiff/seed.ts)
   */
  async run(input: Float32Array, targetWeights: Float32Array): Promise<ExplainRun> {
    const { feeds, n, k } = this.feeds(input, targetWeights);
    if (targetWeights.length !== n * k)
      throw new InvalidInputError(
        `targetWeights must have shape [${n}, ${k}] (${n * k} values) for ${n} image(s) and ${k} classes; got ${targetWeights.length} values.`,
      );
    const fetch = [this.model.scoresName, ...this.model.layers.flatMap((l) => [l.activation, l.gradient])];
    const out = await this.session.run(feeds, fetch);
    return {
      scores: toF32(out[this.model.scoresName]),
      numClasses: k,
      layers: this.model.layers.map((l) => ({
        tensor: l.tensor,
        dims: [...out[l.activation].dims],
        activation: toF32(out[l.activation]),
        gradient: toF32(out[l.gradient]),
      })),
    };
  }

  /**
   * Scores and activations only, for the gradient-free methods. onnxruntime runs every node of the session whatever is
   * fetched, so this costs a whole explain run (backward included); only the copies of dA are saved.
   */
  async activations(input: Float32Array): Promise<ExplainRun> {
    const { feeds, k } = this.feeds(input);
    const fetch = [this.model.scoresName, ...this.model.layers.map((l) => l.activation)];
    const out = await this.session.run(feeds, fetch);
    return {
      scores: toF32(out[this.model.scoresName]),
      numClasses: k,
      layers: this.model.layers.map((l) => ({
        tensor: l.tensor,
        dims: [...out[l.activation].dims],
        activation: toF32(out[l.activation]),
        gradient: new Float32Array(0),
      })),
    };
  }

  /** Scores only [N, numClasses]; like activations(), the run costs a whole explain run. */
  async scores(input: Float32Array): Promise<Float32Array> {
    const { feeds } = this.feeds(input);
    const out = await this.session.run(feeds, [this.model.scoresName]);
    return toF32(out[this.model.scoresName]);
  }

  /** Session feeds for a batch of NCHW images (zero target weights when none are given). */
  private feeds(input: Float32Array, targetWeights?: Float32Array): { feeds: Record<string, RtTensor>; n: number; k: number } {
    const [, c, h, w] = this.inputShape;
    const per = c * h * w;
    if (input.length === 0 || input.length % per !== 0)
      throw new InvalidInputError(`Input holds ${input.length} values, not a whole number of [${c}, ${h}, ${w}] images.`);
    const n = input.length / per;
    const k = this.model.numClasses;
    const tw = targetWeights && targetWeights.length === n * k ? targetWeights : new Float32Array(n * k);
    return {
      feeds: {
        [this.model.inputName]: toRt(input, [n, c, h, w], this.model.inputElemType),
        [this.model.targetWeightsName]: toRt(tw, [n, k], this.scoreElemType()),
      },
      n,
      k,
    };
  }

  private scoreElemType(): number {
    return this.model.inputElemType === DataType.FLOAT16 ? DataType.FLOAT16 : DataType.FLOAT;
  }

  release(): Promise<void> {
    return this.session.release();
  }
}

export function toRt(data: Float32Array, dims: number[], elemType: number): RtTensor {
  if (elemType === DataType.FLOAT16) return { type: 'float16', dims, data: float32ArrayToFloat16(data) };
  if (elemType === DataType.DOUBLE) return { type: 'float64', dims, data: Float64Array.from(data) };
  return { type: 'float32', dims, data };
}

export function toF32(t: RtTensor): Float32Array {
  if (t.data instanceof Float32Array) return t.data;
  if (t.type === 'float16') return float16ArrayToFloat32(t.data as Uint16Array);
  return Float32Array.from(t.data as ArrayLike<number>);
}

/**
 * The session cache of one model: compiled explainers keyed by (layers, output, logits/probabilities, input size,
 * session options), so repeated calls reuse one compiled model and session. releaseAll() frees them.
 */
export class ExplainerCache {
  private readonly entries = new Map<string, Promise<Explainer | TailRunner>>();

  constructor(
    private readonly runtime: Runtime,
    private readonly decoded: DecodedModel,
  ) {}

  get(options: ExplainerOptions): Promise<Explainer> {
    return this.getExplainer(options);
  }

  private getExplainer(options: ExplainerOptions): Promise<Explainer> {
    const key = JSON.stringify([
      options.targets,
      options.output ?? null,
      !!options.useProbabilities,
      options.rules ?? 'standard',
      options.inputShape.slice(1),
      options.threads ?? null,
      options.optimization ?? null,
    ]);
    let e = this.entries.get(key) as Promise<Explainer> | undefined;
    if (!e) {
      e = Explainer.create(this.runtime, this.decoded, options);
      this.entries.set(key, e);
      e.catch(() => this.entries.delete(key));
    }
    return e;
  }

  /** The tail model of one layer (Ablation-CAM), cached like the explainers. */
  tail(options: TailOptions & SessionOptions): Promise<TailRunner> {
    const key = JSON.stringify([
      'tail',
      options.target,
      options.output ?? null,
      !!options.useProbabilities,
      options.inputShape.slice(1),
      options.threads ?? null,
    ]);
    let e = this.entries.get(key) as Promise<TailRunner> | undefined;
    if (!e) {
      e = TailRunner.create(this.runtime, this.decoded, options);
      this.entries.set(key, e);
      e.catch(() => this.entries.delete(key));
    }
    return e;
  }

  async releaseAll(): Promise<void> {
    const all = [...this.entries.values()];
    this.entries.clear();
    for (const e of all) await (await e).release();
  }
}

/** Runs a tail model: scores from M fed copies of a layer's activations (see autodiff/tail.ts). */
export class TailRunner {
  private constructor(
    readonly model: TailModel,
    private readonly session: Session,
    private readonly inputShape: readonly number[],
  ) {}

  static async create(runtime: Runtime, decoded: DecodedModel, options: TailOptions & SessionOptions): Promise<TailRunner> {
    const model = await compileTailModel(runtime, decoded, options);
    const session = await runtime.createSession(model.bytes, {
      threads: options.threads,
      optimization: options.optimization,
      externalData: decoded.externalData,
    });
    return new TailRunner(model, session, options.inputShape);
  }

  /**
   * @param activations M copies of the layer's values, [M, ...layer dims]
   * @param image the one image [C, H, W] they came from (repeated M times when the tail reads it, e.g. a skip branch)
   */
  async scores(activations: Float32Array, image: Float32Array): Promise<Float32Array> {
    const per = this.model.activationDims.reduce((a, b) => a * b, 1);
    const m = activations.length / per;
    if (!Number.isInteger(m) || m < 1)
      throw new InvalidInputError(
        `Activations hold ${activations.length} values, not a whole number of [${this.model.activationDims.join(', ')}].`,
      );
    const [, c, h, w] = this.inputShape;
    const run = async (images: number) => {
      const x = new Float32Array(images * image.length);
      for (let j = 0; j < images; j++) x.set(image, j * image.length);
      const out = await this.session.run(
        {
          [this.model.imageName]: toRt(x, [images, c, h, w], this.model.imageElemType),
          [this.model.activationName]: toRt(activations, [m, ...this.model.activationDims], this.model.activationElemType),
        },
        [this.model.scoresName],
      );
      return toF32(out[this.model.scoresName]);
    };
    if (this.model.needsImage) return run(m);
    // onnxruntime runs every node of the graph whatever is fetched, the user's own forward pass included: an empty image
    // batch makes that pass cost nothing. Models that refuse it (a fixed batch dimension) get the image once.
    if (this.emptyImageBatch)
      try {
        return await run(0);
      } catch {
        this.emptyImageBatch = false;
      }
    return run(1);
  }

  /** Whether the session accepts a [0, C, H, W] image (see scores). */
  private emptyImageBatch = true;

  release(): Promise<void> {
    return this.session.release();
  }
}
