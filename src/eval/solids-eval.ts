/**
 * The 3-D pointing game of the built-in volume model on fresh two-solid volumes (Node: runs the model through the
 * Node entry). Used by the test (Grad-CAM) and by tools/pointing_game.ts --volume (every gradient method, table in
 * docs/medical.md).
 */
import { builtinVolumeModel } from '../builtin.js';
import { createImageExplainer } from '../node.js';
import type { ExplainOptions } from '../api/options.js';
import { inMask, MASK_TOLERANCE, peakOf3d, tallyPeaks, type PointingResult } from './pointing-game.js';
import { twoSolidScene } from './two-solids.js';

/** Volume seeds of the pointing game: far from the training/validation/test ranges of tools/train_shapes3d.py. */
export const POINTING3D_SEED0 = 7_000_000;

export async function pointingGame3d(
  volumes: number,
  options: ExplainOptions = {},
  seed0 = POINTING3D_SEED0,
): Promise<PointingResult> {
  const model = builtinVolumeModel();
  const ex = await createImageExplainer(model.path);
  const start = performance.now();
  const counts = { count: 0, hits: 0, onOther: 0 };
  try {
    const batch = 50;
    for (let s = 0; s < volumes; s += batch) {
      const scenes = Array.from({ length: Math.min(batch, volumes - s) }, (_, i) => twoSolidScene(seed0 + s + i));
      const results = await ex.explain(
        scenes.map((sc) => ({ volume: Float32Array.from(sc.data), dims: sc.dims, name: `volume ${sc.seed}` })),
        {
          batchSize: 25,
          ...options,
          intensity: model.intensity,
          labels: model.labels,
          classesPerImage: scenes.map((sc) => sc.objects.map((o) => o.classIndex)),
        },
      );
      // Every volume of the game has the same grid.
      const dims = scenes[0].dims;
      tallyPeaks(
        counts,
        results,
        scenes,
        (r) => peakOf3d(r.map, dims),
        (peak, o) => inMask(peak, o.mask, dims, MASK_TOLERANCE),
      );
    }
  } finally {
    await ex.release();
  }
  return { ...counts, seconds: (performance.now() - start) / 1000 };
}
