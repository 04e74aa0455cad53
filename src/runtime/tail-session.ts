/** Runs a tail model (autodiff/tail.ts): scores from M fed copies of a layer's activations (Ablation-CAM). */
import { compileTailModel, type TailModel, type TailOptions } from '../autodiff/tail.js';
import type { DecodedModel } from '../onnx/decode.js';
import type { GraphView } from '../onnx/graph.js';
import type { Runtime, Session, SessionOptions } from './types.js';
import { InvalidInputError } from '../errors.js';
import { openSession } from './open-session.js';
import { toF32, toRt } from './tensors.js';

export class TailSession {
  private constructor(
    readonly model: TailModel,
    private readonly session: Session,
    private readonly inputShape: readonly number[],
  ) {}

  static async create(
    runtime: Runtime,
    decoded: DecodedModel,
    view: GraphView,
    options: TailOptions & SessionOptions,
  ): Promise<TailSession> {
    const model = await compileTailModel(runtime, decoded, options, view);
    const session = await openSession(runtime, model.bytes, decoded, options);
    return new TailSession(model, session, options.inputShape);
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
