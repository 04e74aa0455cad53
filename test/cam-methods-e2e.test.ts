/**
 * Every CAM method and option through the library, on the three PyTorch-exported fixture models, against float64
 * references written from the same formulas in tools/cam_reference.py (tools/gen_method_fixtures.py): the normalised
 * map at the layer's resolution for the layer methods, at the input's for the input-level methods and options.
 */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { after, before, describe, it } from 'node:test';
import { createImageExplainer, type ExplainOptions, type ExplainResult, type ImageExplainer } from '../src/node.js';
import type { MethodName } from '../src/cam/method.js';
import { assertClose } from './helpers/compare.js';
import { fixtureImage, loadE2eFixtures } from './helpers/explain-inputs.js';

/** Max |gcam − torch| on maps normalised to [0, 1]. */
const TOL = 1e-4;

interface MethodsFixture {
  targets: number[];
  layers: {
    id: string;
    module: string;
    dims: number[];
    layerMaps: Record<string, number[]>;
    guidedgradcam: number[];
    /** Image 0's final map per method (the deep layer only). */
    finalMaps?: Record<string, number[]>;
    eigenSmooth: Record<string, number[]>;
  }[];
  inputMaps: {
    saliency: number[];
    guidedbackprop: number[];
    augSmooth: { layer: string; method: string; map: number[] };
    combined: { layers: string[]; method: string; map: number[] };
  };
}

for (const fx of loadE2eFixtures()) {
  const ref = JSON.parse(
    readFileSync(new URL(`./fixtures/e2e/${fx.model}.methods.json`, import.meta.url), 'utf8'),
  ) as MethodsFixture;
  const images = [0, 1].map((n) => ({ tensor: fixtureImage(fx, n), dims: fx.inputShape.slice(1), name: `${fx.model}#${n}` }));
  const layerOf = (id: string) => ref.layers.find((l) => l.id === id)!;

  describe(`CAM methods on the ${fx.model} fixture (targets ${ref.targets.join(', ')})`, () => {
    let ex: ImageExplainer;
    before(async () => (ex = await createImageExplainer(fx.onnxPath)));
    after(async () => ex?.release());

    const explain = (options: ExplainOptions): Promise<ExplainResult[]> =>
      ex.explain(images, { preprocess: 'none', classesPerImage: ref.targets.map((t) => [t]), ...options });

    /** Results are per image (one class each): concatenated they are the reference's [N, ...] maps. */
    const concat = (rs: ExplainResult[], pick: (r: ExplainResult) => Float32Array) => rs.flatMap((r) => [...pick(r)]);

    for (const layer of ref.layers) {
      for (const method of Object.keys(layer.layerMaps) as MethodName[]) {
        it(`${method} at ${layer.id} layer ${layer.module}`, async () => {
          const rs = await explain({ method, layers: [layer.module] });
          assertClose(
            concat(rs, (r) => r.layerMap),
            layer.layerMaps[method],
            TOL,
            `${fx.model} ${method} ${layer.module}`,
          );
          // The final map as it is (neither side normalised again here): min-max, upsample, min-max in the reference.
          const final = layer.finalMaps?.[method];
          assert.ok(final || layer !== ref.layers[0], `${fx.model}: the deep layer's fixture has a final ${method} map`);
          if (final) assertClose(rs[0].inputMap, final, TOL, `${fx.model} ${method} ${layer.module} final map`);
        });
        if (method === 'ablationcam' || method === 'scorecam')
          it(`${method} at ${layer.id} layer in chunks of 3 (a short last chunk)`, async () => {
            const rs = await explain({ method, layers: [layer.module], ablationBatch: 3, scoreCamBatch: 3 });
            assertClose(
              concat(rs, (r) => r.layerMap),
              layer.layerMaps[method],
              TOL,
              `${fx.model} ${method} ${layer.module}, chunks of 3`,
            );
          });
      }
      it(`guidedgradcam at ${layer.id} layer ${layer.module}`, async () => {
        const rs = await explain({ method: 'guidedgradcam', layers: [layer.module] });
        assertClose(
          concat(rs, (r) => r.inputMap),
          layer.guidedgradcam,
          TOL,
          `${fx.model} guidedgradcam ${layer.module}`,
        );
      });
      for (const method of Object.keys(layer.eigenSmooth) as MethodName[]) {
        it(`${method} with eigen-smooth at ${layer.id} layer`, async () => {
          const rs = await explain({ method, layers: [layer.module], eigenSmooth: true });
          assertClose(
            concat(rs, (r) => r.layerMap),
            layer.eigenSmooth[method],
            TOL,
            `${fx.model} ${method} eigen-smooth`,
          );
        });
      }
    }

    for (const method of ['saliency', 'guidedbackprop'] as const) {
      it(`${method} (input gradient)`, async () => {
        const rs = await explain({ method });
        assertClose(
          concat(rs, (r) => r.inputMap),
          ref.inputMaps[method],
          TOL,
          `${fx.model} ${method}`,
        );
      });
    }

    it('aug-smooth (Grad-CAM, flips × brightness, de-augmented and averaged)', async () => {
      const a = ref.inputMaps.augSmooth;
      const rs = await explain({ method: 'gradcam', layers: [layerOf(a.layer).module], augSmooth: true });
      assertClose(
        concat(rs, (r) => r.inputMap),
        a.map,
        TOL,
        `${fx.model} aug-smooth`,
      );
    });

    it('multi-layer aggregation (Grad-CAM, per-layer normalised maps averaged, normalised again)', async () => {
      const c = ref.inputMaps.combined;
      const rs = await explain({ method: 'gradcam', layers: c.layers.map((id) => layerOf(id).module), combineLayers: true });
      assertClose(
        concat(rs, (r) => r.inputMap),
        c.map,
        TOL,
        `${fx.model} combined layers`,
      );
    });
  });
}
