/**
 * Image cases: PNG/JPEG/WebP/GIF/TIFF files made with sharp (tiny, huge aspect ratios up to 1×60000, 16-bit, gray,
 * gray+alpha, RGBA, animated), broken ones (0 bytes, truncated, flipped bytes, random bytes behind a valid magic)
 * and misnamed ones, explained with the built-in model (or a fixture model) by `gcam explain`.
 */
import sharp from 'sharp';
import { Rng, seededBytes } from './rng.js';
import type { CliCase, FileRecipe, ImageSpec } from './types.js';

/** Magic numbers, so the decoder gets past "unknown format" and into the parser proper. */
const MAGIC: Record<string, string> = {
  png: '89504e470d0a1a0a',
  jpeg: 'ffd8ffe000104a464946',
  webp: '52494646ffffff7f57454250',
  gif: '474946383961',
  tiff: '49492a00',
};

const EXT: Record<ImageSpec['format'], string> = { png: 'png', jpeg: 'jpg', webp: 'webp', gif: 'gif', tiff: 'tif' };

/** A huge side stays flat-coloured: the encoded file is then a few kilobytes however many pixels it claims. */
const NOISE_LIMIT = 1 << 20;

export function isHugeImage(w: number, h: number): boolean {
  return Math.max(w, h) / Math.min(w, h) >= 64 || w * h >= 1 << 24;
}

function size(rng: Rng): [number, number] {
  return rng.weighted<[number, number]>([
    [4, [rng.int(8, 96), rng.int(8, 96)]],
    [
      2,
      rng.pick<[number, number]>([
        [1, 1],
        [1, 2],
        [2, 1],
        [3, 3],
        [1, 7],
      ]),
    ],
    [2, rng.chance(0.5) ? [1, rng.pick([500, 5000, 20000, 60000])] : [rng.pick([500, 5000, 20000, 60000]), 1]],
    [1, rng.chance(0.5) ? [2, rng.pick([3000, 30000])] : [rng.pick([3000, 30000]), 3]],
    [1, [rng.pick([1024, 2048, 4096]), rng.pick([1024, 2048, 4096])]],
  ]);
}

export function randomImageSpec(rng: Rng): ImageSpec {
  const format = rng.weighted<ImageSpec['format']>([
    [4, 'png'],
    [3, 'jpeg'],
    [2, 'webp'],
    [1, 'gif'],
    [1, 'tiff'],
  ]);
  // Formats' own size limits (WebP 16383, JPEG 65500 per side): beyond them sharp cannot write the file at all.
  const limit = format === 'webp' ? 16383 : format === 'jpeg' ? 65500 : Infinity;
  const [width, height] = size(rng).map((d) => Math.min(d, limit));
  const spec: ImageSpec = {
    format,
    width,
    height,
    channels: rng.pick([1, 2, 3, 3, 4] as const),
    fill: width * height <= NOISE_LIMIT && rng.chance(0.7) ? 'noise' : 'flat',
    seed: rng.seed(),
  };
  if ((format === 'png' || format === 'tiff') && rng.chance(0.3)) spec.depth16 = true;
  if ((format === 'jpeg' || format === 'tiff') && !spec.depth16 && rng.chance(0.15)) spec.cmyk = true;
  if (format !== 'gif' && rng.chance(0.15)) spec.orientation = rng.int(1, 8);
  if ((format === 'gif' || format === 'webp') && rng.chance(0.4) && width * height <= 1 << 16) spec.frames = rng.int(2, 4);
  const post = rng.weighted<ImageSpec['post'] | undefined>([
    [6, undefined],
    [2, { op: 'truncate', fraction: rng.pick([0, 0.1, 0.5, 0.9, 0.99]) }],
    [1, { op: 'flip', seed: rng.seed(), count: rng.pick([1, 4, 32]) }],
    [1, { op: 'junkAfterMagic', seed: rng.seed() }],
  ]);
  if (post) spec.post = post;
  return spec;
}

export function generateImageCase(rng: Rng, id: string): CliCase {
  const files: Record<string, FileRecipe> = {};
  const tags = new Set<string>();
  let name: string;
  const shape = rng.weighted<'spec' | 'empty' | 'magic' | 'misnamed'>([
    [7, 'spec'],
    [1, 'empty'],
    [2, 'magic'],
    [1, 'misnamed'],
  ]);
  let note: string;
  if (shape === 'empty') {
    name = rng.pick(['img.png', 'img.jpg', 'img.webp', 'img']);
    files[name] = { type: 'random', seed: 0, length: 0 };
    note = `0-byte ${name}`;
  } else if (shape === 'magic') {
    const fmt = rng.pick(Object.keys(MAGIC));
    name = `img.${fmt}`;
    const length = rng.pick([16, 64, 1000, 20000]);
    files[name] = { type: 'random', seed: rng.seed(), length, prefixHex: MAGIC[fmt] };
    note = `${length} random bytes behind a ${fmt} magic`;
  } else {
    const spec = randomImageSpec(rng);
    name = shape === 'misnamed' ? rng.pick(['img.jpg', 'img.PNG', 'img', 'img.txt', 'img.npy.png']) : `img.${EXT[spec.format]}`;
    if (shape === 'misnamed' && name === 'img.jpg' && spec.format === 'jpeg') name = 'img.png';
    files[name] = { type: 'image', spec };
    if (isHugeImage(spec.width, spec.height)) tags.add('huge-image');
    note =
      `${spec.format} ${spec.width}×${spec.height}×${spec.channels}${spec.depth16 ? ' 16-bit' : ''}${spec.cmyk ? ' CMYK' : ''}` +
      `${spec.orientation ? ` orientation ${spec.orientation}` : ''}` +
      `${spec.frames ? ` ${spec.frames} frames` : ''}${spec.post ? ` ${spec.post.op}` : ''} as ${name}`;
  }
  const argv = ['explain', name];
  // Sometimes a second, valid image: one unreadable input is then skipped and the other still written.
  if (rng.chance(0.15)) {
    files['ok.png'] = {
      type: 'image',
      spec: { format: 'png', width: 32, height: 32, channels: 3, fill: 'noise', seed: rng.seed() },
    };
    argv.push('ok.png');
    note += ' + a valid ok.png';
  }
  if (rng.chance(0.25)) argv.push('--model', '{{ROOT}}/test/fixtures/e2e/resnet.onnx');
  if (rng.chance(0.2)) argv.push('--figure');
  if (rng.chance(0.2)) argv.push('--preprocess', rng.pick(['imagenet', 'caffe']));
  argv.push('--out', 'out');
  if (rng.chance(0.2)) argv.push('--save-cam', 'cam.npy', '--json', 'summary.json');
  return { id, kind: 'images', note, tags: [...tags], files, argv, expectOutputs: true };
}

// ---------------------------------------------------------------------------------------------------------------
// Building an image recipe into bytes.

function pixels(spec: ImageSpec, frame: number): Buffer {
  const bytesPer = spec.depth16 ? 2 : 1;
  const n = spec.width * spec.height * spec.channels * bytesPer;
  if (spec.fill === 'noise') return Buffer.from(seededBytes(spec.seed + frame, n));
  return Buffer.alloc(n, (spec.seed + 40 * frame) & 255);
}

async function encodeFrame(spec: ImageSpec, frame: number): Promise<Buffer> {
  const raw = {
    width: spec.width,
    height: spec.height,
    channels: spec.channels,
    ...(spec.depth16 ? { depth: 'ushort' as const } : {}),
  };
  let s = sharp(pixels(spec, frame), { raw, limitInputPixels: false });
  if (spec.cmyk) s = s.toColourspace('cmyk');
  if (spec.orientation) s = s.withMetadata({ orientation: spec.orientation });
  switch (spec.format) {
    case 'png':
      return s.png().toBuffer();
    case 'jpeg':
      return s.jpeg().toBuffer();
    case 'webp':
      return s.webp().toBuffer();
    case 'gif':
      return s.gif().toBuffer();
    case 'tiff':
      return s.tiff().toBuffer();
  }
}

export async function buildImage(spec: ImageSpec): Promise<Uint8Array> {
  let bytes: Uint8Array;
  if (spec.frames && spec.frames > 1) {
    const frames = await Promise.all(Array.from({ length: spec.frames }, (_, i) => encodeFrame({ ...spec, format: 'png' }, i)));
    const joined = sharp(frames, { join: { animated: true } });
    bytes = await (spec.format === 'gif' ? joined.gif() : joined.webp()).toBuffer();
  } else bytes = await encodeFrame(spec, 0);
  const post = spec.post;
  if (!post) return bytes;
  if (post.op === 'truncate') return bytes.subarray(0, Math.floor(bytes.length * post.fraction));
  const out = Uint8Array.from(bytes);
  const r = new Rng(post.seed);
  if (post.op === 'flip') for (let k = 0; k < post.count; k++) out[r.int(0, out.length - 1)] ^= 1 << r.int(0, 7);
  // Everything after the first 16 bytes (magic and the start of the header) replaced by noise.
  else out.set(seededBytes(post.seed, Math.max(0, out.length - 16)), Math.min(16, out.length));
  return out;
}
