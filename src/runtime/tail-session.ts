/** Runs a tail model (autodiff/tail.ts): scores from M fed copies of a layer's activations (Ablation-CAM). */
import { compileTailModel, type TailModel, type TailOptions } from '../autodiff/tail.js';
import type { DecodedModel } from '../onnx/decode.js';
import type { GraphView } from '../onnx/graph.js';
import type { RtTensor, Runtime, Session, SessionOptions } from './types.js';
import { InvalidInputError } from '../errors.js';
import { openSession } from './open-session.js';
import { padRows, toF32, toRt } from './tensors.js';

export class TailSession {
  private constructor(
    readonly model: TailModel,
    private readonly session: Session,
    private readonly inputShape: readonly number[],
    /** The model's own batch size when it fixes one: the image input takes exactly that many. */
    private readonly fixedBatch: number | undefined,
  ) {}

  static async create(
    runtime: Runtime,
    decoded: DecodedModel,
    view: GraphView,
    options: TailOptions & SessionOptions,
  ): Promise<TailSession> {
    const model = await compileTailModel(runtime, decoded, options, view);
    // onnxruntime's 'all' level adds its NCHWc layout transform, which first reorders the fed activations into blocked
    // channels: 3.6 ms of each 6 ms run of ResNet-50's layer4 tail (GlobalAveragePool + Gemm, 32 copies of
    // [2048, 7, 7]; onnxruntime's profiler). Without convolutions that reorder buys nothing: at 'extended' that tail
    // ran in 2.9 ms against 5.4, MobileNetV2's features.18 tail in 2.1 against 4.3, VGG-16's features.29 tail the
    // same (its Gemms dominate). Tails with convolutions keep 'all' (MobileNetV2 features.17: 8.3 against 10.4 ms at
    // 'extended'; ResNet-50 layer3: 173 against 276). A level the caller asked for is kept.
    const optimization = options.optimization ?? (model.convolves ? undefined : 'extended');
    const session = await openSession(runtime, model.bytes, decoded, { ...options, optimization });
    const declared = view.inputs[0].dims?.[0];
    return new TailSession(model, session, options.inputShape, typeof declared === 'number' ? declared : undefined);
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
    // A model that fixes its batch may fix it inside too (a Reshape to [1, -1]): its tail takes that many activations
    // at a time, with or without the image input.
    const f = this.fixedBatch;
    if (f === undefined) return this.run(activations, m, image);
    // A fixed batch: F copies of the image with F activations at a time, the last chunk padded with zero rows.
    const out: Float32Array[] = [];
    for (let s = 0; s < m; s += f) {
      const rows = Math.min(f, m - s);
      const scores = await this.feed(padRows(activations.subarray(s * per, (s + rows) * per), rows, f), f, image, f);
      out.push(scores.subarray(0, (scores.length / f) * rows));
    }
    const joined = new Float32Array(out.reduce((a, o) => a + o.length, 0));
    out.reduce((o, part) => (joined.set(part, o), o + part.length), 0);
    return joined;
  }

  /** Scores of m activations, the image given as often as the tail needs (see the class comment). */
  private async run(activations: Float32Array, m: number, image: Float32Array): Promise<Float32Array> {
    const run = (images: number) => this.feed(activations, m, image, images);
    if (!this.model.takesImage) return run(0);
    if (this.model.needsImage) return run(m);
    // onnxruntime runs every node of the graph whatever is fetched, the user's own forward pass included: an empty image
    // batch makes that pass cost nothing. Sessions that refuse it get the image once.
    if (this.emptyImageBatch)
      try {
        return await run(0);
      } catch {
        this.emptyImageBatch = false;
      }
    return run(1);
  }

  /** One session run: m activations and `images` copies of the image (none at all to a tail without the input). */
  private async feed(activations: Float32Array, m: number, image: Float32Array, images: number): Promise<Float32Array> {
    const feeds: Record<string, RtTensor> = {
      [this.model.activationName]: toRt(activations, [m, ...this.model.activationDims], this.model.activationElemType),
    };
    if (this.model.takesImage) {
      const x = new Float32Array(images * image.length);
      for (let j = 0; j < images; j++) x.set(image, j * image.length);
      feeds[this.model.imageName] = toRt(x, [images, ...this.inputShape.slice(1)], this.model.imageElemType);
    }
    const out = await this.session.run(feeds, [this.model.scoresName]);
    return toF32(out[this.model.scoresName]);
  }

  /** Whether the session accepts a [0, C, H, W] image (see scores). */
  private emptyImageBatch = true;

  release(): Promise<void> {
    return this.session.release();
  }
}
