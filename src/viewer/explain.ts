/**
 * The maps the page shows, computed by the model's ImageExplainer one call at a time (its sessions are reused across
 * calls, and onnxruntime-web runs one session call at a time anyway) and kept, so switching back to a method, layer
 * or class, moving the opacity slider or changing the colormap redraws without running the model again.
 */
import type { ExplainOptions, ExplainResult, ImageExplainer, MethodName } from '../web.js';
import type { LoadedModel } from './model.js';
import type { ViewerImage } from './state.js';

export interface Cell {
  method: MethodName;
  layer: string;
}

export interface MapRequest {
  image: ViewerImage;
  /** undefined: the image's predicted class. */
  classIndex?: number;
  cell: Cell;
  signed: boolean;
  preprocess: Pick<ExplainOptions, 'preprocess' | 'preprocessOverrides'>;
}

/** Results of photos hold maps at the photo's size; a few dozen of them are plenty to go back and forth. */
const KEPT = 32;

/** One queue per explainer, shared by every Explanations over it (a relabelled model keeps its explainer). */
const queues = new WeakMap<ImageExplainer, Promise<unknown>>();

export class Explanations {
  private readonly cache = new Map<string, ExplainResult>();

  constructor(readonly model: LoadedModel) {}

  /** The map of one request, from the cache or from a run queued after the runs already asked for. */
  async get(req: MapRequest, onProgress?: (done: number, total: number) => void): Promise<ExplainResult> {
    const hit = this.lookup(req);
    if (hit) return hit;
    return this.exclusive(async () => {
      const again = this.lookup(req);
      if (again) return again;
      const [r] = await this.model.explainer.explain([req.image.source], {
        method: req.cell.method,
        layers: [req.cell.layer],
        classes: req.classIndex === undefined ? undefined : [req.classIndex],
        relu: !req.signed,
        labels: this.model.labels,
        // Every class's score: the class list ranks them and the search box shows any class's probability.
        topPredictions: this.model.explainer.numClasses,
        onProgress,
        ...req.preprocess,
      });
      this.store(keyOf(req, r.classIndex), r);
      // The predicted class is known now: later requests name it.
      if (req.classIndex === undefined) this.store(keyOf(req, undefined), r);
      return r;
    });
  }

  /** Whether the request's map is kept already (drawn at once, no progress shown). */
  has(req: MapRequest): boolean {
    return this.cache.has(keyOf(req, req.classIndex));
  }

  /** Resolves once the runs queued so far have finished. */
  idle(): Promise<void> {
    return this.exclusive(async () => undefined);
  }

  /** Releases the explainer's sessions once the runs queued before have finished. */
  release(): Promise<void> {
    return this.exclusive(() => this.model.explainer.release());
  }

  private lookup(req: MapRequest): ExplainResult | undefined {
    const key = keyOf(req, req.classIndex);
    const r = this.cache.get(key);
    if (r) {
      // Most recently used last: the oldest is the first dropped.
      this.cache.delete(key);
      this.cache.set(key, r);
    }
    return r;
  }

  private store(key: string, r: ExplainResult): void {
    this.cache.set(key, r);
    while (this.cache.size > KEPT) this.cache.delete(this.cache.keys().next().value!);
  }

  private exclusive<T>(fn: () => Promise<T>): Promise<T> {
    const ex = this.model.explainer;
    const run = (queues.get(ex) ?? Promise.resolve()).then(fn);
    queues.set(
      ex,
      run.catch(() => undefined),
    );
    return run;
  }
}

function keyOf(req: MapRequest, classIndex: number | undefined): string {
  return JSON.stringify([req.image.id, classIndex ?? 'predicted', req.cell.method, req.cell.layer, req.signed, req.preprocess]);
}
