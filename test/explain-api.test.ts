/**
 * The high-level library call (ImageExplainer.explain / explain()): real photos through the real SqueezeNet 1.1 from
 * ../shared, the torch reference maps of the three end-to-end fixture models, and the typed errors a caller can cause.
 */
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import {
  ImageReadError,
  InvalidInputError,
  InvalidModelError,
  LayerNotFoundError,
  createImageExplainer,
  explain,
  type ExplainResult,
  type ImageExplainer,
} from '../src/node.js';
import type { PreprocessSpec } from '../src/image/preprocess.js';
import { SQUEEZENET, needsShared, sharedPath } from './helpers/shared.js';
import { assertClose, maxAbsDiff, range } from './helpers/compare.js';
import { tempDir } from './helpers/cli.js';
import { caffeTensor, fixtureFinalMap, fixtureImage, grayModel, loadE2eFixtures } from './helpers/explain-inputs.js';

const CHELSEA = 'images/chelsea.png';
const COFFEE = 'images/coffee.png';
const shared = { ...needsShared(SQUEEZENET), ...needsShared(CHELSEA), ...needsShared(COFFEE) };

/**
 * Chelsea's head in chelsea.png (451×300), marked by looking at the photo: the face fills the frame from the left
 * cheek (x ≈ 30) to the right cheek (x ≈ 370), ears cut off by the top edge, chin by the bottom; eyes at about
 * (170, 115) and (320, 135), nose at (260, 245). To the right of x ≈ 385 is the blurred room behind her.
 */
const HEAD = { x0: 30, x1: 375, y0: 0, y1: 300 };
const BACKGROUND = { x0: 385, x1: 451, y0: 0, y1: 300 };

function argmax(a: ArrayLike<number>): number {
  let best = 0;
  for (let i = 1; i < a.length; i++) if (a[i] > a[best]) best = i;
  return best;
}

function meanIn(r: ExplainResult, box: { x0: number; x1: number; y0: number; y1: number }): number {
  let s = 0;
  for (let y = box.y0; y < box.y1; y++) for (let x = box.x0; x < box.x1; x++) s += r.map[y * r.width + x];
  return s / ((box.x1 - box.x0) * (box.y1 - box.y0));
}

describe('ImageExplainer on SqueezeNet 1.1 with real photos (caffe preset)', shared, () => {
  let ex: ImageExplainer;
  let chelsea: string;
  let coffee: string;
  before(async () => {
    ex = await createImageExplainer(sharedPath(SQUEEZENET)!);
    chelsea = sharedPath(CHELSEA)!;
    coffee = sharedPath(COFFEE)!;
  });
  after(async () => ex?.release());

  it("chelsea.png: class 285 'Egyptian cat', map at the photo's 451×300 with its peak on the cat's head", async () => {
    const results = await ex.explain([chelsea], { preprocess: 'caffe' });
    assert.equal(results.length, 1);
    const [r] = results;
    assert.equal(r.classIndex, 285);
    assert.equal(r.label, 'Egyptian cat');
    assert.ok(r.score > 0.5, `score ${r.score}`);
    assert.equal(r.predictions[0].index, 285);
    assert.equal(r.predictions.length, 5);
    assert.equal(r.source, chelsea);
    assert.equal(r.layer, 'conv10_2', 'default layer: the last one with spatial extent (13×13 class maps)');
    assert.deepEqual([r.width, r.height, r.map.length], [451, 300, 451 * 300]);
    assert.deepEqual([r.inputWidth, r.inputHeight, r.inputMap.length], [224, 224, 224 * 224]);
    assert.deepEqual([r.layerWidth, r.layerHeight], [13, 13]);
    assert.equal(r.constant, false);
    const { min, max } = range(r.map);
    assert.ok(max > 0.9 && max <= 1 && min >= 0, `final map in [0, 1] reaching ~1: [${min}, ${max}]`);
    const peak = argmax(r.map);
    const [px, py] = [peak % r.width, Math.floor(peak / r.width)];
    assert.ok(px >= HEAD.x0 && px < HEAD.x1 && py >= HEAD.y0 && py < HEAD.y1, `peak at (${px}, ${py}) is outside the head box`);
    const head = meanIn(r, HEAD);
    const background = meanIn(r, BACKGROUND);
    assert.ok(head > 1.4 * background, `mean map on the head ${head} vs background ${background}`);
  });

  it('gradient-free methods on the 1000-class model: Ablation-CAM (tail re-run) and Score-CAM (top 64 channels) also peak on the head', async () => {
    for (const options of [{ method: 'ablationcam' as const }, { method: 'scorecam' as const, scoreCamChannels: 64 }]) {
      const [r] = await ex.explain([chelsea], { preprocess: 'caffe', ...options });
      assert.equal(r.method, options.method);
      assert.equal(r.classIndex, 285);
      assert.equal(r.constant, false, options.method);
      const peak = argmax(r.map);
      const [px, py] = [peak % r.width, Math.floor(peak / r.width)];
      assert.ok(px >= HEAD.x0 && px < HEAD.x1 && py >= HEAD.y0 && py < HEAD.y1, `${options.method}: peak at (${px}, ${py})`);
      assert.ok(meanIn(r, HEAD) > 1.4 * meanIn(r, BACKGROUND), `${options.method}: head vs background`);
    }
  });

  it('topK 3 on two photos: three distinct classes per photo in descending score, each with its own map', async () => {
    const results = await ex.explain([chelsea, coffee], { preprocess: 'caffe', topK: 3 });
    assert.equal(results.length, 6);
    for (const image of [0, 1]) {
      const rs = results.filter((r) => r.image === image);
      assert.equal(rs.length, 3, `image ${image}`);
      assert.equal(new Set(rs.map((r) => r.classIndex)).size, 3, 'distinct classes');
      for (let i = 1; i < 3; i++) assert.ok(rs[i - 1].score > rs[i].score, `image ${image}: scores descend`);
      assert.deepEqual(
        rs.map((r) => r.classIndex),
        rs[0].predictions.slice(0, 3).map((p) => p.index),
        'the top-3 predictions',
      );
      for (let i = 0; i < 3; i++)
        for (let j = i + 1; j < 3; j++)
          assert.ok(maxAbsDiff(rs[i].map, rs[j].map) > 0.05, `image ${image}: maps ${i} and ${j} differ`);
    }
    assert.equal(results.filter((r) => r.image === 0)[0].classIndex, 285);
    const cup = results.filter((r) => r.image === 1)[0];
    assert.deepEqual([cup.classIndex, cup.label, cup.width, cup.height], [967, 'espresso', 600, 400]);
  });

  it('two layers at once: one result per layer, named as given, resolved to their tensors', async () => {
    const results = await ex.explain([chelsea], { preprocess: 'caffe', layers: ['fire9/concat_1', 'conv10_2'] });
    assert.deepEqual(
      results.map((r) => [r.layer, r.tensor, r.classIndex, r.layerWidth, r.layerHeight]),
      [
        ['fire9/concat_1', 'fire9/concat_1', 285, 13, 13],
        ['conv10_2', 'conv10_2', 285, 13, 13],
      ],
    );
    for (const r of results) assert.equal(r.map.length, 451 * 300);
  });

  it("class by label text: 'Egyptian' → 285; 'cat' is ambiguous and lists the matches", async () => {
    const [r] = await ex.explain([chelsea], { preprocess: 'caffe', classes: ['Egyptian'] });
    assert.equal(r.classIndex, 285);
    const [t] = await ex.explain([chelsea], { preprocess: 'caffe', classes: ['tabby'] });
    assert.equal(t.classIndex, 281, 'an exact label wins over substring matches (tabby vs tabby cat…)');
    await assert.rejects(
      ex.explain([chelsea], { preprocess: 'caffe', classes: ['cat'] }),
      (e: unknown) =>
        e instanceof InvalidInputError &&
        /ambiguous/.test(e.message) &&
        e.message.includes("285 'Egyptian cat'") &&
        e.message.includes("282 'tiger cat'"),
    );
  });

  it('relu off: signed maps in [-1, 1], negative for a class that is not predicted; positive parts order as the relu map', async () => {
    const layers = ['fire9/concat_1'];
    const classes = [285, 967]; // Egyptian cat (predicted), espresso (not)
    const signed = await ex.explain([chelsea], { preprocess: 'caffe', layers, classes, relu: false });
    const relu = await ex.explain([chelsea], { preprocess: 'caffe', layers, classes });
    const espresso = signed[1];
    assert.equal(espresso.classIndex, 967);
    assert.ok(range(espresso.layerMap).min < -0.1, `espresso map min ${range(espresso.layerMap).min}`);
    assert.ok(range(espresso.map).min < 0, 'negative on the photo too');
    for (const [s, r] of signed.map((s, i) => [s, relu[i]] as const)) {
      const what = `class ${s.classIndex}`;
      const maxAbs = Math.max(...s.layerMap.map(Math.abs));
      assert.ok(Math.abs(maxAbs - 1) < 1e-6, `${what}: scaled by max |value|`);
      const onPhoto = range(s.map);
      assert.ok(onPhoto.min >= -1 - 1e-6 && onPhoto.max <= 1 + 1e-6, `${what}: photo map in [-1, 1]`);
      // Wherever the signed map is positive, the relu map orders the cells the same way; where it is not, relu gives 0.
      const pos = [...s.layerMap.keys()].filter((i) => s.layerMap[i] > 0);
      assert.ok(pos.length > 10, `${what}: positive cells`);
      for (const i of pos)
        for (const j of pos)
          if (s.layerMap[i] > s.layerMap[j] + 1e-6)
            assert.ok(r.layerMap[i] > r.layerMap[j], `${what}: order of cells ${i}, ${j}`);
      for (let i = 0; i < s.layerMap.length; i++)
        if (s.layerMap[i] <= 0) assert.equal(r.layerMap[i], 0, `${what}: relu map at cell ${i}`);
    }
    // With negative cells present the relu map is exactly the positive part rescaled to a max of 1.
    const top = range(espresso.layerMap).max;
    assertClose(
      relu[1].layerMap,
      espresso.layerMap.map((v) => Math.max(v, 0) / top),
      1e-6,
      'espresso relu map vs positive part of the signed map',
    );
  });

  it('a preprocessed tensor (Caffe rules applied in the test) gives the same maps as the photo', async () => {
    const tensor = await caffeTensor(chelsea);
    const [fromImage] = await ex.explain([chelsea], { preprocess: 'caffe' });
    const [fromTensor] = await ex.explain([{ tensor, dims: [1, 3, 224, 224], name: 'chelsea.npy' }], { preprocess: 'none' });
    assert.equal(fromTensor.source, 'chelsea.npy');
    assert.equal(fromTensor.classIndex, 285);
    assert.ok(Math.abs(fromTensor.score - fromImage.score) < 1e-6);
    assert.deepEqual([fromTensor.width, fromTensor.height], [224, 224], 'a tensor has no photo: the map is at input resolution');
    assertClose(fromTensor.inputMap, fromImage.inputMap, 1e-5, 'tensor vs image input map');
    assertClose(fromTensor.map, fromImage.inputMap, 1e-5, 'tensor map vs image input map');
  });

  it('typed errors: class out of range, unknown label, unknown layer, top-k > classes, image problems', async () => {
    await assert.rejects(
      ex.explain([chelsea], { preprocess: 'caffe', classes: [1000] }),
      (e: unknown) =>
        e instanceof InvalidInputError && /Class index 1000 is out of range/.test(e.message) && e.message.includes('0–999'),
    );
    await assert.rejects(
      ex.explain([chelsea], { preprocess: 'caffe', classes: ['flux capacitor'] }),
      (e: unknown) => e instanceof InvalidInputError && e.message.includes("No class label contains 'flux capacitor'"),
    );
    await assert.rejects(
      ex.explain([chelsea], { preprocess: 'caffe', layers: ['fire9/concat'] }),
      (e: unknown) =>
        e instanceof LayerNotFoundError &&
        e.layer === 'fire9/concat' &&
        e.suggestions.includes('fire9/concat_1') &&
        e.message.includes("'fire9/concat_1'") &&
        e.message.includes('gcam layers'),
    );
    await assert.rejects(
      ex.explain([chelsea], { preprocess: 'caffe', topK: 1001 }),
      (e: unknown) => e instanceof InvalidInputError && e.message.includes('(1000)') && e.message.includes('1001'),
    );
    await assert.rejects(
      ex.explain(['/nonexistent/cat.png'], { preprocess: 'caffe' }),
      (e: unknown) => e instanceof ImageReadError && e.message.includes("'/nonexistent/cat.png' does not exist"),
    );
    const dir = tempDir();
    const junk = join(dir, 'junk.png');
    writeFileSync(junk, Uint8Array.from([0x89, 0x50, 0x4e, 0x47, 7, 1, 200, 13, 99, 42, 0, 5]));
    await assert.rejects(
      ex.explain([junk], { preprocess: 'caffe' }),
      (e: unknown) => e instanceof ImageReadError && e.message.includes(junk) && /cannot be decoded/.test(e.message),
    );
    await assert.rejects(
      ex.explain([{ tensor: new Float32Array(3 * 64 * 64), dims: [3, 64, 64] }], { preprocess: 'none' }),
      (e: unknown) => e instanceof InvalidInputError && e.message.includes('[3, 224, 224]'),
    );
    await assert.rejects(
      ex.explain([chelsea], { preprocess: 'none' }),
      (e: unknown) => e instanceof InvalidInputError && /needs preprocessed tensors/.test(e.message),
    );
  });
});

describe('explain() on a 1-channel model', () => {
  const gray = grayModel();

  it('a custom 3-channel preprocessing for a 1-channel model → InvalidInputError naming both counts', async () => {
    const rgb: PreprocessSpec = {
      size: [8, 8],
      resize: 'stretch',
      channelOrder: 'RGB',
      range: 1,
      mean: [0.5, 0.5, 0.5],
      std: [0.2, 0.2, 0.2],
    };
    const image = { width: 4, height: 4, channels: 3, data: new Uint8Array(48).map((_, i) => i * 5) };
    await assert.rejects(
      explain(gray, [image], { preprocess: rgb }),
      (e: unknown) =>
        e instanceof InvalidInputError && /gives 3 mean and 3 std values but the model takes 1 channels/.test(e.message),
    );
    // The presets adapt to one channel: the same image runs with 'imagenet'.
    const [r] = await explain(gray, [image], { preprocess: 'imagenet' });
    assert.deepEqual([r.width, r.height, r.inputWidth, r.inputHeight], [4, 4, 8, 8]);
  });

  it('top-k above the class count, an unknown label without labels, a missing model', async () => {
    const image = { width: 8, height: 8, channels: 3, data: new Uint8Array(192).map((_, i) => (i * 37) % 256) };
    await assert.rejects(
      explain(gray, [image], { topK: 5 }),
      (e: unknown) =>
        e instanceof InvalidInputError && e.message.includes('number of classes (4)') && e.message.includes('got 5'),
    );
    await assert.rejects(
      explain(gray, [image], { classes: ['cat'] }),
      (e: unknown) => e instanceof InvalidInputError && /no labels/.test(e.message),
    );
    await assert.rejects(
      createImageExplainer('/nonexistent/model.onnx'),
      (e: unknown) => e instanceof InvalidModelError && e.message.includes("'/nonexistent/model.onnx' does not exist"),
    );
  });
});

describe('ImageExplainer maps equal the torch references of the end-to-end fixtures', () => {
  for (const fx of loadE2eFixtures()) {
    it(`${fx.model}: both layers, per-image classes ${fx.targets.join(', ')}, tensor inputs`, async () => {
      const ex = await createImageExplainer(fx.onnxPath);
      try {
        const [, c, h, w] = fx.inputShape;
        const images = fx.targets.map((_, n) => ({ tensor: fixtureImage(fx, n), dims: [c, h, w], name: `${fx.model}[${n}]` }));
        const results = await ex.explain(images, {
          preprocess: 'none',
          layers: fx.layers.map((l) => l.tensor),
          classesPerImage: fx.targets.map((t) => [t]),
        });
        assert.equal(results.length, fx.targets.length * fx.layers.length);
        for (const [n, target] of fx.targets.entries()) {
          const logits = fx.logits.slice(n * fx.numClasses, (n + 1) * fx.numClasses);
          for (const layer of fx.layers) {
            const what = `${fx.model} image ${n} ${layer.id} '${layer.tensor}'`;
            const r = results.find((x) => x.image === n && x.tensor === layer.tensor);
            assert.ok(r, `${what}: no result`);
            assert.equal(r.classIndex, target);
            // The models end in Gemm (no Softmax): the score is the model's output, the logit.
            assert.ok(Math.abs(r.score - logits[target]) < 1e-4, `${what}: score ${r.score} vs torch logit ${logits[target]}`);
            assert.ok(Math.abs(r.predictions[0].score - Math.max(...logits)) < 1e-4, `${what}: top prediction's score`);
            assert.equal(r.predictions[0].index, argmax(logits));
            assert.deepEqual([r.layerHeight, r.layerWidth], layer.dims.slice(2));
            assert.deepEqual([r.inputHeight, r.inputWidth], [h, w]);
            assertClose(r.inputMap, fixtureFinalMap(fx, layer, n), 1e-4, `${what}: final map vs torch`);
            assertClose(r.map, r.inputMap, 0, `${what}: tensor input, map = inputMap`);
          }
        }
      } finally {
        await ex.release();
      }
    });

    it(`${fx.model}: the predicted class (chosen inside the explain run) gives what naming that class gives`, async () => {
      const ex = await createImageExplainer(fx.onnxPath);
      try {
        const [, c, h, w] = fx.inputShape;
        const images = fx.targets.map((_, n) => ({ tensor: fixtureImage(fx, n), dims: [c, h, w] }));
        const predicted = fx.targets.map((_, n) => argmax(fx.logits.slice(n * fx.numClasses, (n + 1) * fx.numClasses)));
        for (const method of ['gradcam', 'guidedgradcam'] as const) {
          const base = { preprocess: 'none' as const, layers: [fx.layers[0].tensor], method };
          const auto = await ex.explain(images, base);
          const named = await ex.explain(images, { ...base, classesPerImage: predicted.map((p) => [p]) });
          assert.deepEqual(
            auto.map((r) => r.classIndex),
            predicted,
            `${fx.model} ${method}: predicted classes`,
          );
          auto.forEach((r, i) => {
            assert.deepEqual(r.predictions, named[i].predictions, `${fx.model} ${method}: predictions`);
            assert.equal(r.score, named[i].score);
            assertClose(r.inputMap, named[i].inputMap, 0, `${fx.model} ${method} image ${i}: map`);
          });
        }
      } finally {
        await ex.release();
      }
    });
  }
});
