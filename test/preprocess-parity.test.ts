/**
 * Preprocessing equals what torchvision + PIL users feed their models.
 * - The resampler against hand-computed triangle-filter values (no PIL needed): constants stay constant, 2× upscaling,
 *   integer-factor downscaling, 8-bit rounding between the passes.
 * - planGeometry against torchvision's Resize(256) / CenterCrop(224) rules, hand-computed.
 * - The shared photos, decoded here with sharp and run through prepareImage, against the fixtures of
 *   tools/gen_preprocess_fixtures.py (torchvision 0.14 + Pillow 9.4): ≤ 1 grey level per value, and the shared
 *   SqueezeNet's top-1 class the same on both caffe tensors.
 */
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { after, before, describe, it } from 'node:test';
import * as ort from 'onnxruntime-node';
import { readImage } from '../src/image/io-node.js';
import { mapToOriginal, planGeometry, prepareImage, preset, type PreprocessSpec } from '../src/image/preprocess.js';
import type { RawImage } from '../src/image/raw.js';
import { resizeBilinearAntialiased } from '../src/image/resize.js';
import { SQUEEZENET, needsShared, sharedPath } from './helpers/shared.js';

const FIXTURES = new URL('./fixtures/preprocess/', import.meta.url);

const image = (width: number, height: number, channels: number, values: ArrayLike<number>): RawImage => ({
  width,
  height,
  channels,
  data: Uint8Array.from(values),
});

describe('resizeBilinearAntialiased (hand-computed triangle filter)', () => {
  it('keeps a constant image constant, shrinking and enlarging, for 1, 3 and 4 channels', () => {
    for (const ch of [1, 3, 4]) {
      const px = [200, 7, 255, 0].slice(0, ch);
      const src = image(
        37,
        23,
        ch,
        Array.from({ length: 37 * 23 * ch }, (_, i) => px[i % ch]),
      );
      for (const [w, h] of [
        [5, 3],
        [37, 9],
        [80, 23],
        [101, 61],
        [1, 1],
      ]) {
        const out = resizeBilinearAntialiased(src, w, h);
        assert.deepEqual([out.width, out.height, out.channels], [w, h, ch]);
        for (let i = 0; i < out.data.length; i++) assert.equal(out.data[i], px[i % ch], `${ch} ch → ${w}×${h} at ${i}`);
      }
    }
  });

  it('enlarges a 2-pixel row 2× with the tent weights at the output centres', () => {
    // Output centres (o + 0.5)·0.5 = 0.25, 0.75, 1.25, 1.75; input centres 0.5, 1.5. Weights 1 − |distance|:
    // o = 0 only reaches pixel 0 (pixel 1 is 1.25 away); o = 1: 0.75·a + 0.25·b; o = 2: 0.25·a + 0.75·b; o = 3: b.
    const [a, b] = [10, 21];
    const out = resizeBilinearAntialiased(image(2, 1, 1, [a, b]), 4, 1);
    assert.deepEqual([...out.data], [a, Math.round(0.75 * a + 0.25 * b), Math.round(0.25 * a + 0.75 * b), b]);
    assert.deepEqual([...out.data], [10, 13, 18, 21]); // 12.75 → 13, 18.25 → 18
  });

  it('shrinks 9 → 3 with the tent widened 3× (normalised at the borders)', () => {
    // Shrinking by 3 the tent spans ±3 input pixels: weight 1 − |i + 0.5 − centre| / 3.
    // Middle output (centre 4.5): pixels 2…6 with 1/3, 2/3, 1, 2/3, 1/3, normalised by their sum 3.
    // First output (centre 1.5): pixels 0…3 with 2/3, 1, 2/3, 1/3 (pixel −1 is outside), normalised by 8/3.
    const v = [90, 0, 45, 9, 180, 27, 63, 250, 18];
    const expected = [
      Math.round((2 * v[0] + 3 * v[1] + 2 * v[2] + v[3]) / 8), // 34.875
      Math.round((v[2] + 2 * v[3] + 3 * v[4] + 2 * v[5] + v[6]) / 9), // 80
      Math.round((v[5] + 2 * v[6] + 3 * v[7] + 2 * v[8]) / 8), // 117.375
    ];
    assert.deepEqual(expected, [35, 80, 117]);
    assert.deepEqual([...resizeBilinearAntialiased(image(9, 1, 1, v), 3, 1).data], expected);
    // The vertical pass uses the same taps.
    assert.deepEqual([...resizeBilinearAntialiased(image(1, 9, 1, v), 1, 3).data], expected);
  });

  it('rounds to 8 bits between the horizontal and the vertical pass, as PIL', () => {
    // Row 0 = [1, 2] enlarged: [1, 1.25 → 1, 1.75 → 2, 2]; output row 1 is 0.75·row 0 + 0.25·row 1 (zeros):
    // [0.75, 0.75, 1.5, 1.5] → [1, 1, 2, 2]. Without the intermediate rounding column 2 would be 0.75·1.75 → 1.
    const out = resizeBilinearAntialiased(image(2, 2, 1, [1, 2, 0, 0]), 4, 4);
    assert.deepEqual([...out.data.subarray(0, 8)], [1, 1, 2, 2, 1, 1, 2, 2]);
  });

  it('filters the channels of a pixel independently', () => {
    const rgb = resizeBilinearAntialiased(image(3, 1, 3, [0, 255, 9, 90, 0, 18, 180, 255, 27]), 1, 1);
    const single = [0, 1, 2].map(
      (c) => resizeBilinearAntialiased(image(3, 1, 1, [[0, 255, 9][c], [90, 0, 18][c], [180, 255, 27][c]]), 1, 1).data[0],
    );
    assert.deepEqual([...rgb.data], single);
  });

  it('rejects sizes that are not positive integers', () => {
    assert.throws(() => resizeBilinearAntialiased(image(2, 1, 1, [0, 0]), 0, 1), /positive integers/);
    assert.throws(() => resizeBilinearAntialiased(image(2, 1, 1, [0, 0]), 2.5, 1), /positive integers/);
  });
});

describe("planGeometry follows torchvision's Resize(256) + CenterCrop(224)", () => {
  const imagenet = preset('imagenet');
  // Shorter side → 256; longer → int(256 · long / short), truncated; crop offset int(round((size − 224) / 2)),
  // round half to even.
  for (const [w, h, resized, offset, why] of [
    [500, 333, [384, 256], [80, 16], '256·500/333 = 384.38'],
    [333, 500, [256, 384], [16, 80], 'portrait: width is the short side'],
    [640, 480, [341, 256], [58, 16], '256·640/480 = 341.33; (341 − 224)/2 = 58.5 rounds to even 58'],
    [257, 1000, [256, 996], [16, 386], '256·1000/257 = 996.11'],
    [640, 427, [383, 256], [80, 16], '256·640/427 = 383.7 truncates to 383 (not 384)'],
    [400, 400, [256, 256], [16, 16], 'square'],
  ] as const) {
    it(`${w}×${h} → ${resized.join('×')} at (${offset.join(', ')}): ${why}`, () => {
      const g = planGeometry(w, h, imagenet);
      assert.deepEqual(g, { original: [w, h], resized, offset, input: [224, 224] });
    });
  }

  it('rounds a .5 crop offset up to the even neighbour too (1.5 → 2)', () => {
    const spec: PreprocessSpec = { ...imagenet, resizeShorter: 227 };
    assert.deepEqual(planGeometry(300, 300, spec).offset, [2, 2]);
  });

  it('pads a crop larger than the resized photo as torchvision: (crop − size) // 2 before, with pixel value 0', () => {
    const spec: PreprocessSpec = { ...preset('caffe'), resize: 'crop', size: [4, 7], resizeShorter: 4 };
    const g = planGeometry(8, 8, spec); // → 4×4; width 7 > 4 pads 1 left, 2 right
    assert.deepEqual(g, { original: [8, 8], resized: [4, 4], offset: [-1, 0], input: [7, 4] });
    const { tensor } = prepareImage(image(8, 8, 1, new Array(64).fill(100)), spec, 3);
    assert.deepEqual([...tensor.subarray(0, 7)], [0, 100, 100, 100, 100, 0, 0]);
  });

  it('stretch is the input size; mapToOriginal still carries a map back through the crop', () => {
    assert.deepEqual(planGeometry(500, 333, preset('caffe')).resized, [224, 224]);
    const g = planGeometry(500, 333, imagenet);
    const back = mapToOriginal(new Float32Array(224 * 224).fill(1), g);
    // The crop covers resized x ∈ [80, 304), i.e. photo x ∈ [80, 304) · 500/384 = [104.2, 395.8).
    assert.equal(back[166 * 500 + 250], 1);
    assert.equal(back[166 * 500 + 103], 0);
    assert.equal(back[166 * 500 + 105], 1);
    assert.equal(back[166 * 500 + 395], 1);
    assert.equal(back[166 * 500 + 396], 0);
  });
});

interface TensorRecord {
  sha256: string;
  sum: number;
}
interface PipelineRecord {
  resized: [number, number];
  offset: [number, number];
  tensor: TensorRecord;
}
interface ResamplerCase {
  from: [number, number, number];
  to: [number, number];
  seed: number;
  binary: boolean;
  sha256: string;
}
interface PhotoRecord {
  original: [number, number];
  decodedSha256: string;
  imagenet: PipelineRecord;
  caffe: PipelineRecord;
}

const manifest = JSON.parse(readFileSync(new URL('manifest.json', FIXTURES), 'utf8')) as {
  photos: Record<string, PhotoRecord>;
  resampler: ResamplerCase[];
};

const sha256 = (bytes: Uint8Array | Float32Array) =>
  createHash('sha256')
    .update(new Uint8Array(bytes.buffer, bytes.byteOffset, bytes.byteLength))
    .digest('hex');

/** The PIL-side tensor from the stored 8-bit image, in the float32 steps the generator checked against torchvision. */
function referenceTensor(img: RawImage, spec: PreprocessSpec): Float32Array {
  const f32 = Math.fround;
  const n = img.width * img.height;
  const out = new Float32Array(3 * n);
  for (let c = 0; c < 3; c++) {
    const k = spec.channelOrder === 'BGR' ? 2 - c : c;
    const [mean, std] = [f32(spec.mean[c]), f32(spec.std[c])];
    for (let i = 0; i < n; i++) {
      const v = img.data[i * img.channels + k];
      out[c * n + i] = f32((spec.range === 1 ? f32(v / 255) : v) - mean) / std;
    }
  }
  return out;
}

/** max and mean |a − b| in 8-bit grey levels: tensor units times 255·std (imagenet) or std (caffe). */
function levelDiff(a: Float32Array, b: Float32Array, spec: PreprocessSpec): { max: number; mean: number } {
  const n = a.length / 3;
  let max = 0;
  let sum = 0;
  for (let i = 0; i < a.length; i++) {
    const c = Math.floor(i / n);
    const d = (Math.abs(a[i] - b[i]) * spec.std[c]) / (spec.range === 1 ? 1 / 255 : 1);
    max = Math.max(max, d);
    sum += d;
  }
  // A whole level in tensor units, multiplied back, is 1 ± a few float32 ulps.
  return { max: Math.round(max * 1e4) / 1e4, mean: sum / a.length };
}

const argmax = (v: ArrayLike<number>) => {
  let best = 0;
  for (let i = 1; i < v.length; i++) if (v[i] > v[best]) best = i;
  return best;
};

/** The generator's pixel_hash: a murmur3-style finaliser of i·0x9E3779B1 + seed in uint32; binary: 0 or 255. */
function pixelHash(n: number, seed: number, binary: boolean): Uint8Array {
  const out = new Uint8Array(n);
  for (let i = 0; i < n; i++) {
    let h = (Math.imul(i, 0x9e3779b1) + seed) >>> 0;
    h ^= h >>> 16;
    h = Math.imul(h, 0x85ebca6b);
    h ^= h >>> 13;
    h = Math.imul(h, 0xc2b2ae35);
    h ^= h >>> 16;
    out[i] = binary ? (h & 1) * 255 : h & 255;
  }
  return out;
}

describe("resizeBilinearAntialiased gives PIL's bytes (Pillow 9.4, hashes in the fixture manifest)", () => {
  it(`${manifest.resampler.length} random images, 1/3/4 channels, each axis shrunk, enlarged or kept`, () => {
    const wrong: string[] = [];
    for (const c of manifest.resampler) {
      const [w0, h0, ch] = c.from;
      const out = resizeBilinearAntialiased(image(w0, h0, ch, pixelHash(w0 * h0 * ch, c.seed, c.binary)), ...c.to);
      if (sha256(out.data) !== c.sha256) wrong.push(`${w0}×${h0}×${ch} → ${c.to.join('×')}`);
    }
    assert.deepEqual(wrong, [], 'cases whose bytes differ from PIL');
  });
});

describe('prepareImage equals torchvision + PIL on the shared photos', () => {
  const photos = Object.keys(manifest.photos);
  const results: string[] = [];
  let session: ort.InferenceSession | undefined;
  const squeezenet = needsShared(SQUEEZENET);

  before(async () => {
    const path = sharedPath(SQUEEZENET);
    if (path) session = await ort.InferenceSession.create(path);
  });
  after(async () => {
    await session?.release();
    if (results.length) console.log(`preprocessing vs torchvision + PIL, in grey levels:\n${results.join('\n')}`);
  });

  const top1 = async (x: Float32Array) => {
    const out = await session!.run({ data_0: new ort.Tensor('float32', x, [1, 3, 224, 224]) });
    return argmax(out.softmaxout_1.data as Float32Array);
  };

  for (const name of photos) {
    const rec = manifest.photos[name];
    const stem = name.replace(/\.[^.]+$/, '');
    it(
      `${name}: imagenet and caffe tensors within 1 grey level, same SqueezeNet top-1`,
      needsShared(`images/${name}`),
      async () => {
        const raw = await readImage(sharedPath(`images/${name}`)!);
        assert.deepEqual([raw.width, raw.height], rec.original);
        // The report line is written before any value check fails, so a failure still shows the numbers.
        const line: string[] = [
          `${name}: decoder ${sha256(raw.data) === rec.decodedSha256 ? 'identical to' : 'DIFFERS from'} PIL`,
        ];
        const checks: (() => void)[] = [];
        const caffe: Float32Array[] = [];
        for (const pipeline of ['imagenet', 'caffe'] as const) {
          const spec = preset(pipeline);
          const { tensor, geometry } = prepareImage(raw, spec, 3);
          assert.deepEqual(geometry.resized, rec[pipeline].resized, `${pipeline} resized size`);
          assert.deepEqual(geometry.offset, rec[pipeline].offset, `${pipeline} crop offset`);
          const ref = referenceTensor(await readImage(fileURLToPath(new URL(`${stem}.${pipeline}.webp`, FIXTURES))), spec);
          assert.equal(sha256(ref), rec[pipeline].tensor.sha256, `${pipeline}: the rebuilt PIL-side tensor is torchvision's`);
          const d = levelDiff(tensor, ref, spec);
          const exact = sha256(tensor) === rec[pipeline].tensor.sha256 ? ' (bit-exact tensor)' : '';
          line.push(`${pipeline} max ${d.max} mean ${d.mean.toFixed(5)}${exact}`);
          checks.push(() => assert.ok(d.max <= 1, `${pipeline}: max difference ${d.max} grey levels > 1`));
          if (pipeline === 'caffe') caffe.push(tensor, ref);
        }
        if (session) {
          const [ours, pil] = await Promise.all(caffe.map(top1));
          line.push(`SqueezeNet top-1 ${ours} vs ${pil}`);
          checks.push(() => assert.equal(ours, pil, 'SqueezeNet top-1 on the caffe tensors'));
        } else line.push(`top-1 skipped (${squeezenet.skip})`);
        results.push(`  ${line.join('; ')}`);
        for (const check of checks) check();
      },
    );
  }
});
