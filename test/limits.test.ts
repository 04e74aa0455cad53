/**
 * The limits of src/limits.ts (docs/limits.md), each reproducer of the fuzz campaign as a test that failed before:
 * - Images: tiny PNGs of 1×16000 and 1×60000 pixels preprocessed with 'imagenet' stay under 300 MB resident in a
 *   fresh process (they used to build a 256 × 4 096 000 / 256 × 15 360 000 intermediate), with the same bytes as the
 *   full resize; too many pixels, too extreme a shape or too large a resizeShorter give typed errors.
 * - The windowed resampler gives the full resize's bytes in every window.
 * - .npy headers: versions, dims, exact data size, the element cap.
 * - Labels files: the index cap, duplicate, negative and missing keys.
 * - Model inputs: huge fixed dims, a fixed batch of 2000, --size 100000 and a size whose tensors would not fit.
 */
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { describe, it } from 'node:test';
import { promisify } from 'node:util';
import { probeTensors } from '../src/autodiff/probe.js';
import { InvalidInputError, InvalidModelError, InvalidOptionError } from '../src/errors.js';
import { planGeometry, prepareImage, preset, toTensor, type PreprocessSpec } from '../src/image/preprocess.js';
import type { RawImage } from '../src/image/raw.js';
import { resizeBilinearAntialiased } from '../src/image/resize.js';
import { encodeNpy, parseNpy } from '../src/io-npy.js';
import { parseLabels } from '../src/labels/labels.js';
import { defaultInputShape, listLayers } from '../src/layers.js';
import { MAX_INPUT_PIXELS, MAX_LABELS, MAX_TENSOR_ELEMENTS } from '../src/limits.js';
import { decodeModel, type DecodedModel } from '../src/onnx/decode.js';
import { GraphView } from '../src/onnx/graph.js';
import type { Runtime } from '../src/runtime/types.js';
import { nodeRuntime } from '../src/node.js';
import { tinyModel } from './helpers/tiny-model.js';

/** Deterministic pseudo-random bytes (xorshift), so a failure names a reproducible image. */
function noise(n: number, seed: number): Uint8Array {
  const out = new Uint8Array(n);
  let s = seed >>> 0 || 1;
  for (let i = 0; i < n; i++) {
    s ^= s << 13;
    s ^= s >>> 17;
    s ^= s << 5;
    out[i] = s >>> 24;
  }
  return out;
}

const image = (width: number, height: number, channels = 3, seed = 1): RawImage => ({
  width,
  height,
  channels,
  data: noise(width * height * channels, seed),
});

/** The model input the way it was computed before windows: the whole resized photo, then toTensor. */
function fullPath(raw: RawImage, spec: PreprocessSpec): Float32Array {
  const g = planGeometry(raw.width, raw.height, spec);
  return toTensor(resizeBilinearAntialiased(raw, g.resized[0], g.resized[1]), g, spec, 3);
}

/** Peak RSS (MB) of a fresh process that decodes a grey width×height PNG with sharp and runs prepareImage('imagenet'). */
async function preprocessInChild(width: number, height: number): Promise<{ maxRssMB: number; values: number[] }> {
  const src = (p: string) => JSON.stringify(new URL(`../src/${p}`, import.meta.url).href);
  const script = `
    import sharp from 'sharp';
    const { readImage } = await import(${src('image/io-node.ts')});
    const { prepareImage, preset } = await import(${src('image/preprocess.ts')});
    const png = await sharp({ create: { width: ${width}, height: ${height}, channels: 3, background: '#888888' } }).png().toBuffer();
    const { tensor } = prepareImage(await readImage(png), preset('imagenet'), 3);
    const values = [...new Set(tensor)];
    console.log(JSON.stringify({ maxRssMB: process.resourceUsage().maxRSS / 1024, values }));`;
  const { stdout } = await promisify(execFile)(process.execPath, ['--import', 'tsx', '--input-type=module', '--eval', script], {
    cwd: new URL('..', import.meta.url),
  });
  return JSON.parse(stdout) as { maxRssMB: number; values: number[] };
}

/** Peak resident memory allowed for preprocessing one tiny PNG, Node, tsx and sharp included (those alone: ~90 MB). */
const MAX_RSS_MB = 300;

describe('limits: images', () => {
  for (const [width, height] of [
    [1, 16000],
    [1, 60000],
  ])
    it(`a ${width}×${height} PNG with 'imagenet' stays under ${MAX_RSS_MB} MB (the crop is computed, not the 256-wide resize)`, async () => {
      const { maxRssMB, values } = await preprocessInChild(width, height);
      assert.ok(maxRssMB < MAX_RSS_MB, `peak RSS ${maxRssMB.toFixed(0)} MB`);
      // A grey photo gives each channel torchvision's one value: (0x88 / 255 − mean) / std in float32 steps.
      const f32 = Math.fround;
      const expected = [0.485, 0.456, 0.406].map((m, c) => f32(f32(f32(0x88 / 255) - f32(m)) / f32([0.229, 0.224, 0.225][c])));
      assert.deepEqual(values, expected);
    });

  it('extreme shapes give the bytes of the full resize followed by the crop (imagenet, caffe, letterbox)', () => {
    // A small model input keeps the full resize (the reference) small: 1×3000 at 'imagenet' 32 is 37 × 111 000.
    const size: [number, number] = [32, 32];
    const specs: PreprocessSpec[] = [
      preset('imagenet', size),
      preset('caffe', size),
      { ...preset('imagenet', size), resize: 'letterbox' },
      { ...preset('imagenet', [20, 48]), resizeShorter: 29 },
    ];
    for (const [w, h, seed] of [
      [1, 3000, 1],
      [2500, 3, 2],
      [7, 1900, 3],
      [640, 427, 4],
      [30, 32, 5],
      [1, 1, 6],
    ])
      for (const spec of specs) {
        const raw = image(w, h, 3, seed);
        assert.deepEqual(prepareImage(raw, spec, 3).tensor, fullPath(raw, spec), `${w}×${h} ${spec.resize} ${spec.size}`);
      }
  });

  it(`refuses more than MAX_INPUT_PIXELS (${MAX_INPUT_PIXELS}) pixels, or the spec's maxInputPixels`, () => {
    // 16384² is one row and column over sharp's default limit; the zeros are never touched.
    const huge: RawImage = {
      width: 16384,
      height: 16384,
      channels: 3,
      data: new Uint8Array(16384 * 16384 * 3),
      name: 'huge.png',
    };
    assert.throws(
      () => prepareImage(huge, preset('imagenet'), 3),
      (e: Error) =>
        e instanceof InvalidInputError && /'huge\.png'.*268435456 pixels.*limit of 268402689.*maxInputPixels/.test(e.message),
    );
    const small = image(40, 40);
    assert.throws(
      () => prepareImage(small, { ...preset('imagenet'), maxInputPixels: 1000 }, 3),
      /1600 pixels, over the limit of 1000/,
    );
    assert.equal(prepareImage(small, { ...preset('imagenet'), maxInputPixels: 1600 }, 3).tensor.length, 3 * 224 * 224);
    assert.throws(
      () => prepareImage(small, { ...preset('imagenet'), maxInputPixels: 0 }, 3),
      (e: Error) => e instanceof InvalidOptionError && e.option === 'maxInputPixels' && e.message.startsWith('maxInputPixels'),
    );
  });

  it('refuses a shape more extreme than MAX_ASPECT_RATIO and a resize beyond MAX_RESIZED_SIDE', () => {
    assert.throws(
      () => prepareImage(image(1, 100_001), preset('caffe'), 3),
      (e: Error) => e instanceof InvalidInputError && /1×100001.*100001 times the other.*limit of 100000/.test(e.message),
    );
    assert.throws(
      () => prepareImage(image(1, 100), { ...preset('imagenet'), resizeShorter: 2 ** 30 }, 3),
      (e: Error) => e instanceof InvalidOptionError && e.option === 'resizeShorter' && /2147483647/.test(e.message),
    );
    assert.throws(
      () => prepareImage(image(10, 10), { ...preset('imagenet'), resizeShorter: 2.5 }, 3),
      (e: Error) => e instanceof InvalidOptionError && e.option === 'resizeShorter',
    );
  });
});

describe('limits: the windowed resampler', () => {
  it("any window of a resize has the full resize's bytes there (1, 3, 4 channels; shrinking, enlarging, kept axes)", () => {
    let seed = 7;
    const next = (n: number) => ((seed = (seed * 1103515245 + 12345) >>> 0) >>> 8) % n;
    for (let t = 0; t < 60; t++) {
      const ch = [1, 3, 4][t % 3];
      const [w0, h0] = [1 + next(90), 1 + next(90)];
      const width = t % 5 === 0 ? w0 : 1 + next(150);
      const height = t % 7 === 0 ? h0 : 1 + next(150);
      const src = image(w0, h0, ch, t + 1);
      const full = resizeBilinearAntialiased(src, width, height);
      const x = next(width);
      const y = next(height);
      const win = { x, y, width: 1 + next(width - x), height: 1 + next(height - y) };
      const part = resizeBilinearAntialiased(src, width, height, win);
      assert.deepEqual([part.width, part.height], [win.width, win.height]);
      for (let r = 0; r < win.height; r++) {
        const at = ((win.y + r) * width + win.x) * ch;
        assert.deepEqual(
          part.data.subarray(r * win.width * ch, (r + 1) * win.width * ch),
          full.data.subarray(at, at + win.width * ch),
          `${w0}×${h0}×${ch} → ${width}×${height}, window ${JSON.stringify(win)}, row ${r}`,
        );
      }
    }
  });

  it('refuses a window outside the output', () => {
    assert.throws(() => resizeBilinearAntialiased(image(4, 4), 8, 8, { x: 4, y: 0, width: 5, height: 1 }), InvalidInputError);
    assert.throws(() => resizeBilinearAntialiased(image(4, 4), 8, 8, { x: 0, y: 0, width: 0, height: 1 }), InvalidInputError);
  });
});

/** .npy bytes: version major.0, a header as given (padded with spaces and a newline), then `data` bytes. */
function npy(major: number, header: string, data: Uint8Array, minor = 0): Uint8Array {
  const lenBytes = major === 1 ? 2 : 4;
  const text = new TextEncoder().encode(header + ' '.repeat(40) + '\n');
  const out = new Uint8Array(8 + lenBytes + text.length + data.length);
  out.set([0x93, 0x4e, 0x55, 0x4d, 0x50, 0x59, major, minor]);
  const dv = new DataView(out.buffer);
  if (major === 1) dv.setUint16(8, text.length, true);
  else dv.setUint32(8, text.length, true);
  out.set(text, 8 + lenBytes);
  out.set(data, 8 + lenBytes + text.length);
  return out;
}
const header = (shape: string, descr = '<f4') => `{'descr': '${descr}', 'fortran_order': False, 'shape': (${shape}), }`;
const floats = (...v: number[]) => new Uint8Array(Float32Array.from(v).buffer);

describe('limits: .npy headers', () => {
  const refused = (bytes: Uint8Array, pattern: RegExp) =>
    assert.throws(
      () => parseNpy(bytes, "'x.npy'"),
      (e: Error) => e instanceof InvalidInputError && e.message.startsWith("'x.npy'") && pattern.test(e.message),
    );

  it('reads versions 1.0, 2.0 and 3.0 (UTF-8 header) of exactly sized float arrays', () => {
    for (const major of [1, 2, 3])
      assert.deepEqual(parseNpy(npy(major, header('2,'), floats(1.5, -2))), { dims: [2], data: Float32Array.of(1.5, -2) });
    const round = parseNpy(encodeNpy(Float32Array.of(1, 2, 3, 4, 5, 6), [1, 2, 3]));
    assert.deepEqual(round.dims, [1, 2, 3]);
    assert.deepEqual(
      parseNpy(npy(1, header('1, 1', '>f8'), new Uint8Array([0x3f, 0xf8, 0, 0, 0, 0, 0, 0]))).data,
      Float32Array.of(1.5),
    );
  });

  it('refuses a shape of -1 or 0 with a typed error naming the file and field (a stack trace before)', () => {
    refused(npy(1, header('-1,'), floats(1)), /header field 'shape' has dimension '-1'.*integer ≥ 1/);
    refused(npy(1, header('0, 3'), new Uint8Array(0)), /'shape' has dimension '0'/);
    refused(npy(1, header('2, x'), floats(1, 2)), /'shape' has dimension 'x'/);
  });

  it('refuses versions other than 1.0, 2.0, 3.0', () => {
    refused(npy(4, header('1,'), floats(1)), /format version is 4\.0/);
    refused(npy(2, header('1,'), floats(1), 1), /format version is 2\.1/);
    refused(npy(0, header('1,'), floats(1)), /format version is 0\.0/);
  });

  it('refuses trailing data and truncated data: the array is exactly the bytes after the header', () => {
    refused(npy(1, header('2,'), floats(1, 2, 3)), /12 bytes but shape \(2\) of <f4 needs exactly 8 \(trailing data\)/);
    refused(npy(1, header('2,'), floats(1)), /4 bytes.*needs exactly 8 \(truncated\)/);
    const cut = npy(1, header('2,'), floats(1, 2)).subarray(0, 30);
    refused(cut, /header length is \d+ bytes but only 20 follow/);
  });

  it(`refuses more than MAX_TENSOR_ELEMENTS (${MAX_TENSOR_ELEMENTS}) elements before allocating`, () => {
    refused(npy(1, header('16384, 16385'), floats(1)), /more than 268435456 elements.*fewer images per file/);
    refused(npy(1, header('65536, 65536, 65536, 65536, 65536'), floats(1)), /more than 268435456 elements/);
  });
});

describe('limits: labels files', () => {
  const refused = (text: string, pattern: RegExp) =>
    assert.throws(
      () => parseLabels(text, "labels file 'l.json'"),
      (e: Error) => e instanceof InvalidInputError && e.message.startsWith("labels file 'l.json'") && pattern.test(e.message),
    );

  it('refuses {"99999999":"x"} at once (it allocated up to the key and never returned)', () => {
    const t = performance.now();
    refused('{"99999999":"x"}', /class index 99999999 is over the limit of 999999/);
    assert.ok(performance.now() - t < 1000);
  });

  it('refuses duplicate, negative and non-canonical keys, and classes left out', () => {
    refused('{"0":"a","1":"b","0":"c"}', /class index 0 is named twice/);
    refused('{"-1":"a"}', /key '-1' is not a class index/);
    refused('{"01":"a"}', /key '01' is not a class index/);
    refused('{"0":"a","7":"h"}', /skips class 1, 2, 3, 4, 5, …/);
  });

  it(`reads dense objects in any order, arrays and lines, at most MAX_LABELS (${MAX_LABELS})`, () => {
    assert.deepEqual(parseLabels('{"1": "b", "0": "a", "2": "c \\"q\\""}'), ['a', 'b', 'c "q"']);
    assert.deepEqual(parseLabels('["a", "b"]'), ['a', 'b']);
    assert.deepEqual(parseLabels('a\nb\r\nc\n'), ['a', 'b', 'c']);
    refused(JSON.stringify(new Array(MAX_LABELS + 1).fill('x')), /has 1000001 labels, over the limit of 1000000/);
  });
});

/** A conv model (3 → `channels` channels, full resolution) with the given input dims, pooled to `channels` logits. */
function convModel(dims: (number | string)[], channels = 4): { decoded: DecodedModel; view: GraphView } {
  const bytes = tinyModel({
    inputs: [{ name: 'x', dims }],
    outputs: ['logits'],
    initializers: [{ name: 'W', dims: [channels, 3, 3, 3], values: new Array(channels * 27).fill(0.01) }],
    nodes: [
      { op: 'Conv', inputs: ['x', 'W'], outputs: ['A'], attrs: { kernel_shape: [3, 3], pads: [1, 1, 1, 1] } },
      { op: 'Relu', inputs: ['A'], outputs: ['R'] },
      { op: 'GlobalAveragePool', inputs: ['R'], outputs: ['P'] },
      { op: 'Flatten', inputs: ['P'], outputs: ['logits'], attrs: { axis: 1 } },
    ],
  });
  const decoded = decodeModel(bytes);
  return { decoded, view: new GraphView(decoded.proto) };
}

/** A runtime that fails the test if asked for a session: the limits must come first. */
const noRuntime: Runtime = {
  name: 'none',
  createSession: () => {
    throw new Error('a session was created before the limit was checked');
  },
} as unknown as Runtime;

describe('limits: model input shapes', () => {
  it('refuses fixed input dims of 2³¹ as InvalidModelError (a RangeError in the probe before)', () => {
    assert.throws(
      () => defaultInputShape(convModel([1, 3, 2 ** 31, 2 ** 31]).view),
      (e: Error) => e instanceof InvalidModelError && /over gcam's limit of 268435456/.test(e.message),
    );
  });

  it('refuses a fixed batch of 2000 with the advice to re-export with a dynamic batch', () => {
    assert.throws(
      () => defaultInputShape(convModel([2000, 3, 224, 224]).view),
      (e: Error) => e instanceof InvalidModelError && /batch at 2000.*at most 64.*dynamic batch/.test(e.message),
    );
  });

  it("refuses size 100000 (and sizes that are not positive integers) as InvalidOptionError('size')", () => {
    const { view } = convModel(['N', 3, 'H', 'W']);
    const isSize = (e: Error) => e instanceof InvalidOptionError && e.option === 'size' && e.message.startsWith('size');
    assert.throws(
      () => defaultInputShape(view, 100000),
      (e: Error) => isSize(e) && /use a size of at most 9459/.test(e.message),
    );
    for (const bad of [0, -3, 2.5, NaN, [224] as unknown as number]) assert.throws(() => defaultInputShape(view, bad), isSize);
  });

  it('probeTensors refuses an impossible input shape before allocating zeros for it', async () => {
    const { decoded, view } = convModel(['N', 3, 'H', 'W']);
    for (const dims of [
      [1, 3, -1, 5],
      [1, 3, 2 ** 31, 2 ** 31],
    ])
      await assert.rejects(
        probeTensors(noRuntime, decoded, view, { x: dims }, ['A']),
        (e: Error) => e instanceof InvalidOptionError && e.option === 'inputShape',
      );
  });

  it('a size whose tensors would pass the limits is refused after a small measuring run, naming the size that fits', async () => {
    // 64 full-resolution channels: 64·4000² = 1.0·10⁹ elements at size 4000 (4 GB; over 6 GB resident before).
    const { decoded, view } = convModel(['N', 3, 'H', 'W'], 64);
    await assert.rejects(
      listLayers(nodeRuntime(), decoded, { view, inputShape: defaultInputShape(view, 4000) }),
      (e: Error) =>
        e instanceof InvalidOptionError && e.option === 'size' && /^size 4000×4000 .*at most about \d+/.test(e.message),
    );
    const layers = await listLayers(nodeRuntime(), decoded, { view, inputShape: defaultInputShape(view, 600) });
    assert.deepEqual(layers.find((l) => l.tensor === 'A')?.dims, [1, 64, 600, 600]);
  });

  it(`a model that runs only at its own large size (128×100000) is refused before measuring, not at 1.5 GB`, async () => {
    const { decoded, view } = convModel([1, 3, 128, 100000], 64);
    const start = process.memoryUsage().rss;
    await assert.rejects(
      listLayers(nodeRuntime(), decoded, { view, inputShape: defaultInputShape(view) }),
      (e: Error) => e instanceof InvalidModelError && /runs only at its own input size 128×100000/.test(e.message),
    );
    const grown = (process.memoryUsage().rss - start) / 2 ** 20;
    assert.ok(grown < 400, `the refusal cost ${grown.toFixed(0)} MB`);
    // The same layers at a size it can measure as it is: fixed 3×512×512 (5.2× the 224² trial area) is measured.
    const small = convModel([1, 3, 512, 512], 8);
    const layers = await listLayers(nodeRuntime(), small.decoded, {
      view: small.view,
      inputShape: defaultInputShape(small.view),
    });
    assert.deepEqual(layers.find((l) => l.tensor === 'A')?.dims, [1, 8, 512, 512]);
  });
});
