/**
 * 16-bit PNG and TIFF at full precision, against references written by tools/gen_xray_fixtures.py (test/fixtures/xray):
 * the samples sharp decodes (gray kept gray, alpha dropped) equal the ones the files were written with, and the model
 * inputs equal PIL's float resize + torchvision's Resize/CenterCrop + /65535 + mean/std (or an intensity preset on the
 * stored values) within 1e-6, where the 8-bit reading of the same file gives another tensor. Plus the float path's
 * hand-computed cases: an 8-bit image with an intensity preset, MONOCHROME1 inversion, and the typed errors.
 */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import {
  InvalidInputError,
  InvalidOptionError,
  displayImage,
  parseIntensity,
  preset,
  prepareImage,
  readImage,
  readImageSamples,
  type PreprocessSpec,
  type SampleImage,
} from '../src/node.js';
import { resizeSamples } from '../src/image/resize-samples.js';
import { assertClose, maxAbsDiff } from './helpers/compare.js';

const DIR = fileURLToPath(new URL('./fixtures/xray/', import.meta.url));
interface Arr {
  dims: number[];
  data: number[];
}
interface ImageCase {
  preprocess: 'imagenet' | 'stretch';
  channels: number;
  intensity?: string;
  tensor: Arr;
}
const images = JSON.parse(readFileSync(DIR + 'images.json', 'utf8')) as {
  file: string;
  width: number;
  height: number;
  channels: number;
  samples: Arr;
  cases: ImageCase[];
}[];

const STRETCH: PreprocessSpec = { size: [32, 32], resize: 'stretch', channelOrder: 'RGB', range: 1, mean: [0], std: [1] };
const specOf = (c: ImageCase) => (c.preprocess === 'imagenet' ? preset('imagenet', [32, 32], c.channels) : STRETCH);

describe('16-bit PNG and TIFF', () => {
  for (const f of images)
    it(`${f.file}: ${f.channels}-channel samples at 16 bits, and every model input within 1e-6 of PIL + torchvision`, async () => {
      const img = await readImageSamples(DIR + f.file);
      assert.ok('samples' in img, `${f.file} is read as a SampleImage`);
      assert.deepEqual([img.width, img.height, img.channels, img.fullScale], [f.width, f.height, f.channels, 65535]);
      assert.deepEqual(Array.from(img.samples), f.samples.data, 'the stored samples, alpha dropped');
      for (const c of f.cases) {
        const what = `${f.file} ${c.preprocess} ${c.channels}-channel${c.intensity ? ` ${c.intensity}` : ''}`;
        const { tensor } = prepareImage(img, specOf(c), c.channels, c.intensity ? parseIntensity(c.intensity) : undefined);
        assertClose(tensor, c.tensor.data, 1e-6, what);
      }
    });

  it('a ramp whose neighbours differ by 1 keeps its 256 levels; read at 8 bits it has 2 and another tensor', async () => {
    const file = DIR + 'ramp16.png';
    const spec = preset('imagenet', [32, 32], 1);
    const full = prepareImage(await readImageSamples(file), STRETCH, 1).tensor;
    const eight = prepareImage(await readImage(file), STRETCH, 1).tensor;
    const levels = (t: Float32Array) => new Set(t).size;
    // Stretched 32×24 → 32×32 mixes neighbouring rows, so the 16-bit input has more levels than its 256 values.
    assert.ok(levels(full) >= 256, `16-bit: ${levels(full)} levels`);
    assert.ok(levels(eight) <= 8, `8-bit: ${levels(eight)} levels`);
    const ref = images.find((i) => i.file === 'ramp16.png')!.cases[0].tensor.data;
    const eightImagenet = prepareImage(await readImage(file), spec, 1).tensor;
    assert.ok(maxAbsDiff(eightImagenet, ref) > 1e-3, 'the 8-bit tensor is not the 16-bit reference');
  });

  it('an 8-bit image with an intensity preset goes through the float path: range:0,1 is min-max of its values', () => {
    const img = { width: 3, height: 1, channels: 1, data: new Uint8Array([10, 20, 60]) };
    const spec: PreprocessSpec = { ...STRETCH, size: [1, 3] };
    const { tensor } = prepareImage(img, spec, 1, parseIntensity('range:0,1'));
    assertClose(tensor, [0, 0.2, 1], 1e-7, 'min-max');
    // Without a preset: 8-bit PIL arithmetic and /255, as before.
    assertClose(prepareImage(img, spec, 1).tensor, [10 / 255, 20 / 255, 60 / 255], 1e-7, '/255');
  });

  it('MONOCHROME1 is inverted after the intensity preset, or within the full scale without one', () => {
    const base: SampleImage = { width: 2, height: 1, channels: 1, samples: Float32Array.of(100, 300), inverted: true };
    const spec: PreprocessSpec = { ...STRETCH, size: [1, 2] };
    assertClose(prepareImage(base, spec, 1, parseIntensity('ct:200,400')).tensor, [0.75, 0.25], 1e-7, 'ct: 1 − y');
    assertClose(prepareImage(base, spec, 1, parseIntensity('range:-1,3')).tensor, [3, -1], 1e-7, 'range: a + b − y');
    assertClose(prepareImage(base, spec, 1, parseIntensity('none')).tensor, [-100, -300], 1e-7, 'none: −x');
    const scaled = { ...base, fullScale: 1000 };
    assertClose(prepareImage(scaled, spec, 1).tensor, [0.9, 0.7], 1e-7, 'full scale − x, then /1000');
  });

  it('values without a full scale need an intensity preset; a malformed SampleImage is refused by name', () => {
    const dicomLike: SampleImage = { width: 2, height: 2, channels: 1, samples: new Float32Array(4), name: 'scan.dcm' };
    assert.throws(
      () => prepareImage(dicomLike, STRETCH, 1),
      (e: unknown) => e instanceof InvalidOptionError && e.option === 'intensity' && /'scan\.dcm'.*ct:L,W/.test(e.message),
    );
    assert.throws(
      () => resizeSamples({ ...dicomLike, samples: new Float32Array(3) }, 4, 4),
      (e: unknown) => e instanceof InvalidInputError && /3 samples/.test(e.message),
    );
  });

  it('a window of the float resize equals that part of the full resize (centre crops compute only the crop)', () => {
    const img: SampleImage = {
      width: 37,
      height: 23,
      channels: 3,
      samples: Float32Array.from({ length: 37 * 23 * 3 }, (_, i) => Math.sin(i * 0.37) * 3000),
    };
    const full = resizeSamples(img, 19, 41);
    const win = resizeSamples(img, 19, 41, { x: 3, y: 7, width: 11, height: 20 });
    const expected: number[] = [];
    for (let y = 7; y < 27; y++)
      for (let x = 3; x < 14; x++) for (let c = 0; c < 3; c++) expected.push(full.samples[(y * 19 + x) * 3 + c]);
    assert.deepEqual(Array.from(win.samples), expected);
  });

  it('displayImage: a window by DICOM linear VOI function, else min-max; MONOCHROME1 shown inverted', () => {
    const img: SampleImage = { width: 4, height: 1, channels: 1, samples: Float32Array.of(-200, 40, 239.5, 1000) };
    // c = 40, w = 400: black at ≤ −160, white above 239, y = ((x − 39.5)/399 + 0.5) between.
    const windowed = displayImage({ ...img, window: { center: 40, width: 400 } });
    assert.deepEqual(Array.from(windowed.data), [0, Math.round(255 * (0.5 / 399 + 0.5)), 255, 255]);
    assert.deepEqual(Array.from(displayImage(img).data), [
      0,
      Math.round((240 / 1200) * 255),
      Math.round((439.5 / 1200) * 255),
      255,
    ]);
    assert.deepEqual(Array.from(displayImage({ ...img, inverted: true }).data), [255, 204, 162, 0]);
  });
});
