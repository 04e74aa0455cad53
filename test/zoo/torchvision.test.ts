/**
 * The torchvision zoo against PyTorch (tools/gen_zoo.py: 14 architectures, random weights, exported at opsets 13 and
 * 17, references in float64 autograd). For every architecture and opset:
 * - library, low level (ExplainSession + toSpatialLayer + gradCam + finalizeMaps): the final Grad-CAM map at the usual
 *   layer, an early layer and (where it is another module) gcam's default layer within TOL of torch's, for a batch of
 *   2 images with per-image targets; the explain model's scores equal to a plain onnxruntime run of the model and to
 *   torch's logits, with the same predicted classes;
 * - the default layer gcam picks;
 * - library, high level (createImageExplainer().explain) and the CLI (`gcam explain x.npy --save-cam`): the layers
 *   named by their PyTorch module paths, the predicted class of each image (= torch's), the maps within TOL.
 * Token (ViT) and channels-last (Swin) layers are brought to [N, C, h, w] by src/cam/tokens.ts, detected
 * automatically (the low-level check also asserts the detected layout).
 * Predictions: with onnxruntime's graph optimisations off on both sides the explain model's scores equal the plain
 * model's bit for bit; with them on (what users run) onnxruntime may fuse the forward differently once backward nodes
 * consume intermediate tensors (ViT at opset 13: its decomposed LayerNorms), so there the check is ≤ 1e-5 relative
 * and the same top-1 class.
 *
 * Maps are compared after ReLU, per-image min-max and the half-pixel bilinear upsample, where float32 vs float64
 * differences stay small on the well-conditioned inputs the generator picks (see its header).
 */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { describe, it, type TestContext } from 'node:test';
import { gradCam } from '../../src/cam/gradcam.js';
import { finalizeMaps } from '../../src/cam/postprocess.js';
import { toSpatialLayer } from '../../src/cam/tokens.js';
import { ExplainSession } from '../../src/runtime/explain-session.js';
import { defaultLayer, listLayers } from '../../src/layers.js';
import { GraphView, createImageExplainer, loadModel, nodeRuntime, parseNpy } from '../../src/node.js';
import type { DecodedModel } from '../../src/onnx/decode.js';
import { explainToFiles, tempDir } from '../helpers/cli.js';
import { maxAbsDiff } from '../helpers/compare.js';
import { oneHot } from '../helpers/explain-inputs.js';
import { finalCamOf, loadZoo, needsZoo, record, zooInput, zooPath, type ZooLayer } from './zoo-fixtures.js';

/** Final maps: max |gcam − torch float64|. */
const TOL = 1e-4;
/** Scores vs torch float64 logits, relative to max |logit|. */
const LOGIT_TOL = 1e-4;
/** Explain-model scores vs a plain run, both optimised by onnxruntime: relative to max |score|. */
const PLAIN_TOL = 1e-5;

const zoo = loadZoo();

function argmaxRows(scores: ArrayLike<number>, k: number): number[] {
  const out: number[] = [];
  for (let r = 0; r * k < scores.length; r++) {
    let best = 0;
    for (let j = 1; j < k; j++) if (scores[r * k + j] > scores[r * k + best]) best = j;
    out.push(best);
  }
  return out;
}

function maxAbsOf(a: ArrayLike<number>): number {
  let m = 0;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i]));
  return m;
}

function checkMap(t: TestContext, got: ArrayLike<number>, expected: ArrayLike<number>, what: string, extra: object): number {
  const err = maxAbsDiff(got, expected);
  t.diagnostic(`${what}: max |map − torch| = ${err.toExponential(2)}`);
  record({ ...extra, what, err });
  assert.ok(err <= TOL, `${what}: max |map − torch| = ${err} > ${TOL}`);
  return err;
}

if (zoo.length === 0) {
  describe('torchvision zoo', () => {
    it('is generated', needsZoo(), () => {});
  });
}

for (const fx of zoo) {
  const [n, , h, w] = fx.inputShape;
  for (const [opset, on] of Object.entries(fx.onnx)) {
    describe(`${fx.name} opset ${opset}`, () => {
      const path = zooPath(on.file);
      let decoded: DecodedModel | undefined;
      const model = (): DecodedModel => (decoded ??= loadModel(path));
      const input = zooInput(fx);
      const base = { arch: fx.name, opset: Number(opset) };

      it(`library (ExplainSession): ${fx.layers.map((l) => `${l.role} '${l.module}'`).join(', ')} vs torch; scores vs torch and plain onnxruntime`, async (t) => {
        const runtime = nodeRuntime();
        const targets = fx.layers.map((l) => on.tensors[l.role]);
        const ex = await ExplainSession.create(runtime, model(), { targets, inputShape: fx.inputShape });
        let scores: Float32Array;
        try {
          assert.equal(ex.model.numClasses, fx.numClasses);
          const run = await ex.run(input, oneHot(fx.targets, fx.numClasses));
          scores = run.scores;
          const logitErr = maxAbsDiff(run.scores, fx.logits) / maxAbsOf(fx.logits);
          t.diagnostic(`scores vs torch float64 logits: ${logitErr.toExponential(2)} relative`);
          record({ ...base, what: 'logits vs torch', err: logitErr });
          assert.ok(logitErr <= LOGIT_TOL, `scores vs torch logits: ${logitErr} relative`);
          assert.deepEqual(argmaxRows(run.scores, fx.numClasses), fx.targets, 'predicted classes = torch');
          for (const layer of fx.layers) {
            const what = `${layer.role} '${layer.module}' (${on.tensors[layer.role]})`;
            const got = run.layers.find((l) => l.tensor === on.tensors[layer.role]);
            assert.ok(got, `${what}: no outputs`);
            assert.deepEqual(got.dims, layer.dims, `${what}: dims`);
            let sum = 0;
            for (const v of got.activation) sum += v;
            assert.ok(
              Math.abs(sum - layer.activationSum) <= 1e-4 * layer.activationAbsSum,
              `${what}: Σ A = ${sum}, torch ${layer.activationSum} (the tensor is not the module's output?)`,
            );
            const sp = toSpatialLayer(got, { inputSize: [h, w] });
            assert.equal(sp.layout, layer.layout, `${what}: layout detected`);
            assert.deepEqual(sp.dims, layer.spatialDims, `${what}: [N, C, h, w]`);
            const final = finalizeMaps(gradCam(sp), h, w);
            assert.deepEqual(final.constant, Array(n).fill(false), `${what}: no constant map`);
            checkMap(t, final.data, layer.finalCam, `${what} final map`, { ...base, role: layer.role, path: 'library' });
          }
        } finally {
          await ex.release();
        }
        const plain = async (optimization?: 'disabled'): Promise<Float32Array> => {
          const session = await runtime.createSession(model().bytes, optimization ? { optimization } : {});
          try {
            const out = await session.run({ [session.inputNames[0]]: { type: 'float32', dims: fx.inputShape, data: input } }, [
              session.outputNames[0],
            ]);
            return out[session.outputNames[0]].data as Float32Array;
          } finally {
            await session.release();
          }
        };
        const optimised = await plain();
        const diff = maxAbsDiff(scores, optimised);
        t.diagnostic(`explain-model scores vs plain onnxruntime (optimised): max |difference| ${diff}`);
        record({ ...base, what: 'scores vs plain onnxruntime', err: diff });
        assert.ok(diff <= PLAIN_TOL * maxAbsOf(optimised), `scores differ from the plain run by ${diff}`);
        assert.deepEqual(argmaxRows(optimised, fx.numClasses), fx.targets, 'plain run: predicted classes = torch');
        // Bit for bit without graph optimisations (the rewrite itself changes no forward arithmetic).
        const unopt = await ExplainSession.create(runtime, model(), {
          targets: [on.tensors.usual],
          inputShape: fx.inputShape,
          optimization: 'disabled',
        });
        try {
          const exact = maxAbsDiff(
            (await unopt.run(input, new Float32Array(unopt.model.numClasses * fx.inputShape[0]))).scores,
            await plain('disabled'),
          );
          record({ ...base, what: 'scores vs plain onnxruntime, optimisations off', err: exact });
          assert.equal(exact, 0, 'with optimisations off, explain-model scores equal the plain run bit for bit');
        } finally {
          await unopt.release();
        }
      });

      it(`default layer: ${typeof fx.defaultLayer === 'string' ? `'${fx.defaultLayer}'` : `node '${fx.defaultLayer.node}'`} (${on.tensors.default})`, async () => {
        const view = new GraphView(model().proto);
        const layers = await listLayers(nodeRuntime(), model(), { view, inputShape: [1, ...fx.inputShape.slice(1)] });
        assert.equal(defaultLayer(layers, view).tensor, on.tensors.default);
      });

      const apiCheck = (layers: ZooLayer[]) => async (t: TestContext) => {
        const ex = await createImageExplainer(model());
        try {
          const per = input.length / n;
          const images = fx.targets.map((_, i) => ({
            tensor: input.subarray(i * per, (i + 1) * per),
            dims: fx.inputShape.slice(1),
            name: `image ${i}`,
          }));
          const results = await ex.explain(images, { layers: layers.map((l) => l.module), preprocess: 'none' });
          assert.equal(results.length, n * layers.length);
          for (const r of results) {
            assert.equal(r.classIndex, fx.targets[r.image], `image ${r.image}: predicted class = torch's`);
            const layer = layers.find((l) => l.module === r.layer)!;
            assert.equal(r.tensor, on.tensors[layer.role], `'${layer.module}' resolves to the module's output`);
            checkMap(t, r.inputMap, finalCamOf(fx, layer, r.image), `image ${r.image} ${layer.role} '${layer.module}'`, {
              ...base,
              role: layer.role,
              path: 'api',
            });
          }
        } finally {
          await ex.release();
        }
      };

      const cliCheck = (layers: ZooLayer[]) => async (t: TestContext) => {
        const {
          run: r,
          cam,
          json,
        } = await explainToFiles(
          tempDir('gcam-zoo-'),
          zooPath(fx.input),
          path,
          layers.map((l) => l.module),
        );
        assert.equal(r.code, 0, r.stderr);
        const summary = JSON.parse(readFileSync(json, 'utf8')) as {
          results: { image: number; class: number; layer: string; tensor: string }[];
        };
        const maps = parseNpy(readFileSync(cam));
        assert.deepEqual(maps.dims, [n * layers.length, h, w]);
        summary.results.forEach((res, i) => {
          assert.equal(res.class, fx.targets[res.image], `image ${res.image}: predicted class = torch's`);
          const layer = layers.find((l) => l.module === res.layer)!;
          assert.equal(res.tensor, on.tensors[layer.role]);
          checkMap(
            t,
            maps.data.subarray(i * h * w, (i + 1) * h * w),
            finalCamOf(fx, layer, res.image),
            `image ${res.image} ${layer.role} '${layer.module}'`,
            { ...base, role: layer.role, path: 'cli' },
          );
        });
      };

      const names = fx.layers.map((l) => `'${l.module}'${l.layout === 'nchw' ? '' : ` (${l.layout})`}`).join(', ');
      it(`explain API: ${names} by module path, predicted classes, maps vs torch`, apiCheck(fx.layers));
      it(`CLI --save-cam: ${names}, predicted classes, maps vs torch`, cliCheck(fx.layers));
    });
  }
}
