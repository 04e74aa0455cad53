/**
 * Pointing game of the built-in shapes model on fresh two-shape scenes (Node: renders with sharp). Used by the test
 * (Grad-CAM) and by tools/pointing_game.ts (every method, table in docs/methods.md).
 */
import { builtinModel } from '../builtin.js';
import { createImageExplainer } from '../node.js';
import { renderScene } from '../scenes/render-node.js';
import { twoShapeScene } from './two-shapes.js';
import type { ExplainOptions } from '../api/options.js';
import { inBox, peakOf, tallyPeaks, type PointingResult } from './pointing-game.js';

/** Scene seeds of the pointing game: far from the training/validation/test ranges of tools/train_shapes.py. */
export const POINTING_SEED0 = 7_000_000;

export async function pointingGame(
  scenes: number,
  options: ExplainOptions = {},
  seed0 = POINTING_SEED0,
): Promise<PointingResult> {
  const model = builtinModel();
  const ex = await createImageExplainer(model.path);
  const start = performance.now();
  const counts = { count: 0, hits: 0, onOther: 0 };
  try {
    const batch = 25;
    for (let s = 0; s < scenes; s += batch) {
      const list = Array.from({ length: Math.min(batch, scenes - s) }, (_, i) =>
        twoShapeScene(seed0 + s + i, model.labels.length),
      );
      const images = await Promise.all(list.map((sc) => renderScene(sc)));
      const results = await ex.explain(images, {
        batchSize: 16,
        ...options,
        preprocess: model.preprocess,
        labels: model.labels,
        classesPerImage: list.map((sc) => sc.objects.map((o) => o.classIndex)),
      });
      tallyPeaks(
        counts,
        results,
        list,
        (r) => peakOf(r.map, r.width),
        (peak, o) => inBox(peak, o.box),
      );
    }
  } finally {
    await ex.release();
  }
  return { ...counts, seconds: (performance.now() - start) / 1000 };
}
