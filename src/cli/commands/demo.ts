/**
 * `gcam demo`: a fresh scene with two different shapes, each class explained with the built-in model, a figure
 * (scene | map for class A | map for class B), and per class its score and whether the map's peak lies on its shape.
 * `gcam demo --volume`: the same in 3-D (demo-volume.ts).
 */
import { join } from 'node:path';
import { builtinModel } from '../../builtin.js';
import { createImageExplainer, type ExplainResult } from '../../node.js';
import { renderScene } from '../../scenes/render-node.js';
import { twoShapeScene } from '../../eval/two-shapes.js';
import { composeFigure, encodeImage, resizeImage } from '../../image/io-node.js';
import { heatmap, overlay } from '../../image/overlay.js';
import { inBox, peakOf } from '../../eval/pointing-game.js';
import type { MethodName } from '../../cam/method.js';
import { UsageError, intOption, type Parsed } from '../args.js';
import { commitOutputs } from '../output/commit.js';
import { checkReplaceable } from '../output/destination.js';
import { planOutputs } from '../output/plan.js';

/** Figure panels are shown at 3× the 128-pixel scene so the shapes are easy to see. */
const ZOOM = 3;

/** A seed that a 32-bit signed integer holds, wherever it is passed on to reproduce the scene. */
const MAX_SEED = 2 ** 31 - 1;

export async function cmdDemo(p: Parsed): Promise<number> {
  const v = p.values;
  if (p.rest.length) throw new UsageError(`gcam demo takes no positional arguments; got '${p.rest.join(' ')}'.`);
  const seed = intOption(v.seed, 'seed', 0, MAX_SEED) ?? Math.floor(Math.random() * 1e9);
  if (v.volume) return (await import('./demo-volume.js')).cmdDemoVolume(p, seed);
  const out = v.out ?? 'gcam-out';
  const plan = planOutputs({ out, folderOnly: true, inputs: [] });
  // The one name is known before the compute: checked now, like every other destination. A scene is the same
  // whenever its seed is, so its figure is simply replaced.
  const path = join(out, `demo-${seed}.png`);
  checkReplaceable('out', path);
  const model = builtinModel();
  const scene = twoShapeScene(seed, model.labels.length);
  const image = await renderScene(scene);
  const ex = await createImageExplainer(model.path);
  let results: ExplainResult[];
  try {
    results = await ex.explain([{ ...image, name: `scene ${seed}` }], {
      classes: scene.objects.map((o) => o.classIndex),
      labels: model.labels,
      preprocess: model.preprocess,
      method: v.method as MethodName | undefined,
      layers: v.layer,
    });
  } finally {
    await ex.release();
  }
  const big = await resizeImage(image, image.width * ZOOM, image.height * ZOOM);
  const panels = [{ image: big, caption: `scene (seed ${seed})` }];
  console.log(
    `scene seed ${seed}: ${scene.objects.map((o) => o.label).join(' and ')} (layer '${results[0].layer}', ${results[0].method})`,
  );
  for (const [i, r] of results.entries()) {
    const obj = scene.objects[i];
    const other = scene.objects[1 - i];
    const peak = peakOf(r.map, r.width);
    const onOwn = inBox(peak, obj.box);
    const onOther = inBox(peak, other.box);
    const heat = await resizeImage(heatmap(r.map, r.width, r.height), big.width, big.height);
    panels.push({ image: overlay(big, heat), caption: `${obj.label} (${r.score.toFixed(3)})` });
    console.log(
      `  ${obj.label.padEnd(9)} score ${r.score.toFixed(3)}  peak (${peak[0]}, ${peak[1]}) ` +
        `${onOwn ? 'inside' : 'OUTSIDE'} its box [${obj.box.map((b) => Math.round(b)).join(', ')}]` +
        `${onOther ? ` (on the ${other.label}!)` : ''}`,
    );
  }
  const figure = await composeFigure([panels]);
  commitOutputs([{ flag: 'out', path, bytes: await encodeImage(figure, path) }], plan.folders);
  console.log(`wrote ${path}`);
  return 0;
}
