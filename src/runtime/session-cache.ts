/**
 * The sessions of one model, compiled once and reused across calls: explain sessions (per layers, rules, output),
 * forward sessions (per layers whose activations they return) and tail sessions (per layer). One key builder: every
 * setting that changes the compiled model or the session is part of the key. The model's GraphView is built once and
 * shared by every compile. releaseAll() frees them all.
 */
import type { CompileOptions } from '../autodiff/rewrite.js';
import type { ForwardOptions } from '../autodiff/forward.js';
import type { TailOptions } from '../autodiff/tail.js';
import type { DecodedModel } from '../onnx/decode.js';
import type { GraphView } from '../onnx/graph.js';
import { ExplainSession } from './explain-session.js';
import { ForwardSession } from './forward-session.js';
import { TailSession } from './tail-session.js';
import type { Runtime, SessionOptions } from './types.js';

interface Keyed extends SessionOptions {
  targets?: readonly string[];
  output?: string;
  useProbabilities?: boolean;
  rules?: string;
  inputShape: readonly number[];
}

type Releasable = ExplainSession | ForwardSession | TailSession;

export class SessionCache {
  private readonly entries = new Map<string, Promise<Releasable>>();

  constructor(
    private readonly runtime: Runtime,
    private readonly decoded: DecodedModel,
    private readonly view: GraphView,
  ) {}

  explain(options: CompileOptions & SessionOptions): Promise<ExplainSession> {
    return this.get('explain', options, () => ExplainSession.create(this.runtime, this.decoded, options, this.view));
  }

  forward(options: ForwardOptions & SessionOptions & { inputShape: readonly number[] }): Promise<ForwardSession> {
    return this.get('forward', options, () => ForwardSession.create(this.runtime, this.decoded, this.view, options));
  }

  /** The tail model of one layer (Ablation-CAM). */
  tail(options: TailOptions & SessionOptions): Promise<TailSession> {
    return this.get('tail', { ...options, targets: [options.target] }, () =>
      TailSession.create(this.runtime, this.decoded, this.view, options),
    );
  }

  private get<T extends Releasable>(kind: string, o: Keyed, create: () => Promise<T>): Promise<T> {
    const key = JSON.stringify([
      kind,
      o.targets ?? [],
      o.output ?? null,
      !!o.useProbabilities,
      o.rules ?? 'standard',
      // The batch dimension stays dynamic in every compiled model.
      o.inputShape.slice(1),
      o.threads ?? null,
      o.optimization ?? null,
    ]);
    let e = this.entries.get(key) as Promise<T> | undefined;
    if (!e) {
      e = create();
      this.entries.set(key, e);
      e.catch(() => this.entries.delete(key));
    }
    return e;
  }

  async releaseAll(): Promise<void> {
    const all = [...this.entries.values()];
    this.entries.clear();
    for (const e of all) await (await e.catch(() => undefined))?.release();
  }
}
