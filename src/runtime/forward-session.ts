/**
 * Runs the forward model (autodiff/forward.ts): scores, and the target layers' activations when asked, without the
 * backward part an explain session would also run. Batches of any size: a model that fixes its batch dimension is
 * run in chunks of that size, the last padded with zero rows.
 */
import { compileForwardModel, type ForwardModel, type ForwardOptions } from '../autodiff/forward.js';
import type { DecodedModel } from '../onnx/decode.js';
import type { GraphView } from '../onnx/graph.js';
import type { Runtime, Session, SessionOptions } from './types.js';
import { InvalidInputError } from '../errors.js';
import { openSession } from './open-session.js';
import type { ExplainRun } from './explain-session.js';
import { padRows, toF32, toRt } from './tensors.js';

export type ForwardSessionOptions = ForwardOptions & SessionOptions & { inputShape: readonly number[] };

export class ForwardSession {
  private constructor(
    readonly model: ForwardModel,
    private readonly session: Session,
    private readonly inputShape: readonly number[],
    private readonly fixedBatch: number | undefined,
  ) {}

  static async create(
    runtime: Runtime,
    decoded: DecodedModel,
    view: GraphView,
    options: ForwardSessionOptions,
  ): Promise<ForwardSession> {
    const model = compileForwardModel(decoded, view, options);
    const session = await openSession(runtime, model.bytes, decoded, options);
    const declared = view.inputs[0].dims?.[0];
    return new ForwardSession(model, session, options.inputShape, typeof declared === 'number' ? declared : undefined);
  }

  /** Scores [N, numClasses] and, with `activations`, each target layer's A (gradients empty). */
  async run(input: Float32Array, { activations = false } = {}): Promise<ExplainRun> {
    const one = this.inputShape.slice(1);
    const per = one.reduce((a, b) => a * b, 1);
    if (input.length === 0 || input.length % per !== 0)
      throw new InvalidInputError(`Input holds ${input.length} values, not a whole number of [${one.join(', ')}] images.`);
    const n = input.length / per;
    const chunk = this.fixedBatch ?? n;
    const fetch = [this.model.scoresName, ...(activations ? this.model.layers : [])];
    const parts: Record<string, Float32Array>[] = [];
    const dims: Record<string, readonly number[]> = {};
    for (let s = 0; s < n; s += chunk) {
      const m = Math.min(chunk, n - s);
      const x = padRows(input.subarray(s * per, (s + m) * per), m, chunk);
      const out = await this.session.run({ [this.model.inputName]: toRt(x, [chunk, ...one], this.model.inputElemType) }, fetch);
      const part: Record<string, Float32Array> = {};
      for (const name of fetch) {
        const data = toF32(out[name]);
        part[name] = data.subarray(0, (data.length / chunk) * m);
        dims[name] = out[name].dims;
      }
      parts.push(part);
    }
    const joined = (name: string) => (parts.length === 1 ? parts[0][name] : concat(parts.map((p) => p[name])));
    const scores = joined(this.model.scoresName);
    return {
      scores,
      numClasses: scores.length / n,
      layers: activations
        ? this.model.layers.map((t) => ({
            tensor: t,
            dims: [n, ...dims[t].slice(1)],
            activation: joined(t),
            gradient: new Float32Array(0),
          }))
        : [],
    };
  }

  /** Scores only [N, numClasses]. */
  async scores(input: Float32Array): Promise<Float32Array> {
    return (await this.run(input)).scores;
  }

  release(): Promise<void> {
    return this.session.release();
  }
}

function concat(parts: Float32Array[]): Float32Array {
  const out = new Float32Array(parts.reduce((a, p) => a + p.length, 0));
  let o = 0;
  for (const p of parts) {
    out.set(p, o);
    o += p.length;
  }
  return out;
}
