/**
 * explainAll, the streaming form of explain: the same results for the same inputs (maps equal to the last bit, in
 * input order, whatever the batch size), sources pulled lazily (never more than two batches ahead of what was
 * yielded), unreadable inputs yielded in their place with skipUnreadable and an error without it, and the source
 * iterator closed when the caller stops early. Uses the built-in shapes model on generated scenes.
 */
import assert from 'node:assert/strict';
import { before, describe, it } from 'node:test';
import { ImageReadError, InvalidOptionError, createImageExplainer, type ImageExplainer, type RawImage } from '../src/node.js';
import { builtinModel } from '../src/builtin.js';
import { renderScene } from '../src/scenes/render-node.js';
import { generateScene } from '../src/scenes/scene.js';

const N = 11;
const BATCH = 4;

describe('explainAll streams what explain computes', () => {
  let ex: ImageExplainer;
  let images: RawImage[];
  const model = builtinModel();
  const options = { preprocess: model.preprocess, labels: model.labels, batchSize: BATCH, topK: 2 };

  before(async () => {
    ex = await createImageExplainer(model.path);
    images = [];
    for (let i = 0; i < N; i++) images.push({ ...(await renderScene(generateScene(100 + i))), name: `scene-${i}` });
  });

  it(`${N} scenes at batch ${BATCH}, top-2: every result equal to explain()'s, grouped per input in order`, async () => {
    const all = await ex.explain(images, options);
    const streamed = [];
    for await (const item of ex.explainAll(images, options)) streamed.push(item);
    assert.deepEqual(
      streamed.map((s) => [s.index, s.source, s.results.length]),
      images.map((img, i) => [i, img.name, 2]),
    );
    const flat = streamed.flatMap((s) => s.results);
    // explain() orders a batch's results by class rank then image; per input they are the same results.
    for (const r of flat) {
      const twin = all.find((a) => a.image === r.image && a.classIndex === r.classIndex && a.layer === r.layer);
      assert.ok(twin, `result for image ${r.image} class ${r.classIndex}`);
      assert.deepEqual(r.inputMap, twin.inputMap);
      assert.deepEqual(r.map, twin.map);
      assert.equal(r.score, twin.score);
      assert.equal(r.probability, twin.probability);
    }
    assert.equal(flat.length, all.length);
  });

  it('pulls its sources lazily: at most two batches ahead of the input being yielded', async () => {
    let pulled = 0;
    function* sources() {
      for (const img of images) {
        pulled++;
        yield img;
      }
    }
    for await (const item of ex.explainAll(sources(), options))
      assert.ok(pulled <= (Math.floor(item.index / BATCH) + 2) * BATCH, `input ${item.index}: ${pulled} pulled`);
  });

  it('skipUnreadable: a broken input is yielded in its place with its typed error; the others are explained', async () => {
    const junk = new Uint8Array([1, 2, 3, 4]);
    const sources = [images[0], junk, images[1]];
    const items = [];
    for await (const item of ex.explainAll(sources, { ...options, skipUnreadable: true })) items.push(item);
    assert.deepEqual(
      items.map((i) => [i.index, i.results.length, i.error?.constructor.name]),
      [
        [0, 2, undefined],
        [1, 0, 'ImageReadError'],
        [2, 2, undefined],
      ],
    );
    await assert.rejects(async () => {
      for await (const _ of ex.explainAll(sources, options)) void _;
    }, ImageReadError);
  });

  it('stopping early closes the source iterator; per-image classes are refused (they need the whole list)', async () => {
    let closed = false;
    function* sources() {
      try {
        for (const img of images) yield img;
      } finally {
        closed = true;
      }
    }
    for await (const item of ex.explainAll(sources(), options)) if (item.index === 1) break;
    assert.ok(closed, 'the generator was returned');
    await assert.rejects(async () => {
      for await (const _ of ex.explainAll(images, { classesPerImage: [[0]] } as never)) void _;
    }, InvalidOptionError);
  });
});
