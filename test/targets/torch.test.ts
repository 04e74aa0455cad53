/**
 * Targets against float64 torch (tools/gen_targets.py: torchvision segmentation networks, a ResNet-18 with
 * embedding, softmax and score outputs and a YOLOv8-like detector, random weights, opsets 13 and 17). For every model,
 * opset and target, through the library (createImageExplainer().explain with `target`) and, for the first target of
 * each model, the CLI (`gcam explain x.npy --target … --save-cam`): the final Grad-CAM map at the reference layer within
 * TOL of torch's, and f(output) within VALUE_TOL (relative to max |f|); through the library also HiResCAM's map. Skips with a one-line reason when the models are not generated
 * (tools/run_targets.sh generates them and runs this file).
 */
import assert from 'node:assert/strict';
import { existsSync, readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, it } from 'node:test';
import { createImageExplainer, loadModel, parseNpy } from '../../src/node.js';
import { explainToFiles, tempDir } from '../helpers/cli.js';
import { maxAbsDiff } from '../helpers/compare.js';

const DIR = process.env.GCAM_TARGETS_DIR ?? fileURLToPath(new URL('../../.cache/targets/', import.meta.url));
/** Final maps: max |gcam − torch float64|. */
const TOL = 1e-4;
/** f(output): relative to the largest |f| of the batch. */
const VALUE_TOL = 1e-4;

interface TargetRef {
  target: string;
  values: number[];
  finalCam: number[];
  /** HiResCAM's final map from the same dA: targets compose with every gradient method. */
  hiresCam: number[];
  float32Deviation: number;
}
interface Fixture {
  name: string;
  inputShape: number[];
  input: string;
  layer: string;
  onnx: Record<string, { file: string; tensor: string }>;
  targets: TargetRef[];
}

const fixtures: Fixture[] = existsSync(DIR)
  ? readdirSync(DIR)
      .filter((f) => f.endsWith('.json'))
      .sort()
      .map((f) => JSON.parse(readFileSync(join(DIR, f), 'utf8')) as Fixture)
  : [];

/** Target texts name their files relative to the fixture folder: made absolute for the library and the CLI. */
const absolute = (text: string) => text.replace(/([\w.-]+\.(?:npy|png))$/, (f) => join(DIR, f));

const skip = fixtures.length
  ? {}
  : { skip: `the target models are not generated in ${DIR}: run tools/run_targets.sh (needs python3-torch)` };

describe('targets vs float64 torch', skip, () => {
  for (const fx of fixtures) {
    const [n, , h, w] = fx.inputShape;
    const input = parseNpy(readFileSync(join(DIR, fx.input))).data;
    const per = input.length / n;
    const images = Array.from({ length: n }, (_, i) => ({
      tensor: input.subarray(i * per, (i + 1) * per),
      dims: fx.inputShape.slice(1),
      name: `image ${i}`,
    }));
    for (const [opset, on] of Object.entries(fx.onnx)) {
      describe(`${fx.name} opset ${opset}`, () => {
        const path = join(DIR, on.file);
        for (const ref of fx.targets) {
          it(`library: --target ${ref.target} at '${fx.layer}'`, async (t) => {
            const ex = await createImageExplainer(loadModel(path));
            try {
              const results = await ex.explain(images, {
                target: absolute(ref.target),
                layers: [fx.layer],
                preprocess: 'none',
              });
              assert.equal(results.length, n);
              const scale = Math.max(...ref.values.map(Math.abs));
              for (const r of results) {
                assert.equal(r.tensor, on.tensor);
                const expected = ref.finalCam.slice(r.image * h * w, (r.image + 1) * h * w);
                const d = maxAbsDiff(r.inputMap, expected);
                assert.ok(d <= TOL, `image ${r.image}: map off by ${d} (torch float32 deviation ${ref.float32Deviation})`);
                // class:C runs as --class C: its f, the class's logit, is the result's logit (score is the output).
                const f = r.target === undefined ? r.logit : r.score;
                const dv = Math.abs(f - ref.values[r.image]);
                assert.ok(dv <= VALUE_TOL * scale, `image ${r.image}: f = ${f}, torch ${ref.values[r.image]}`);
                t.diagnostic(
                  `${fx.name} op${opset} ${ref.target} image ${r.image}: map ${d.toExponential(2)}, f ${dv.toExponential(2)}`,
                );
              }
            } finally {
              await ex.release();
            }
          });
        }
        for (const ref of fx.targets) {
          it(`library: --target ${ref.target} --method hirescam`, async (t) => {
            const ex = await createImageExplainer(loadModel(path));
            try {
              const results = await ex.explain(images, {
                target: absolute(ref.target),
                layers: [fx.layer],
                method: 'hirescam',
                preprocess: 'none',
              });
              for (const r of results) {
                const d = maxAbsDiff(r.inputMap, ref.hiresCam.slice(r.image * h * w, (r.image + 1) * h * w));
                assert.ok(d <= TOL, `image ${r.image}: HiResCAM map off by ${d}`);
                t.diagnostic(`${fx.name} op${opset} hirescam ${ref.target} image ${r.image}: map ${d.toExponential(2)}`);
              }
            } finally {
              await ex.release();
            }
          });
        }
        const first = fx.targets[0];
        it(`CLI: --target ${first.target} --save-cam`, async (t) => {
          const { run, cam } = await explainToFiles(
            tempDir('gcam-targets-'),
            join(DIR, fx.input),
            path,
            [fx.layer],
            ['--target', absolute(first.target)],
          );
          assert.equal(run.code, 0, run.stderr);
          const maps = parseNpy(readFileSync(cam));
          assert.deepEqual(maps.dims, [n, h, w]);
          const d = maxAbsDiff(maps.data, first.finalCam);
          assert.ok(d <= TOL, `maps off by ${d}`);
          t.diagnostic(`${fx.name} op${opset} CLI ${first.target}: map ${d.toExponential(2)}`);
        });
      });
    }
  }
});
