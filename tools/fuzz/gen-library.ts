/**
 * Library cases: createImageExplainer / ImageExplainer.explain / explain from src/node.ts, and the parsers every entry
 * exports (parseNpy, parseLabels), called in a worker process with hostile arguments: a null or numeric model,
 * garbage bytes, layers [42], batchSize NaN, RawImages whose data length does not match, 0×0 or 5 channels, tensors
 * with negative dims, options of the wrong type. Everything they throw must be a GcamError.
 */
import { Rng } from './rng.js';
import type { LibraryCase, LibValue } from './types.js';

const NaN_: LibValue = { $: 'NaN' };
const INF: LibValue = { $: 'Infinity' };
const UNDEF: LibValue = { $: 'undefined' };
const SHAPES: LibValue = { $: 'modelPath', base: 'shapes' };

const NUMBERS: LibValue[] = [NaN_, INF, { $: '-Infinity' }, -1, 0, 1, 1.5, 1e308, 2 ** 31, -(2 ** 31), '8', null, true, [], {}];

function models(rng: Rng): LibValue {
  return rng.pick<LibValue>([
    null,
    UNDEF,
    42,
    '',
    '/nonexistent/model.onnx',
    '{{CASE}}',
    true,
    {},
    [],
    { bytes: null },
    { bytes: { $: 'bytes', seed: rng.seed(), length: 64 }, proto: {} },
    { proto: { graph: { node: [] } } },
    { $: 'bytes', seed: rng.seed(), length: rng.pick([0, 1, 100, 5000]) },
    { $: 'modelBytes', base: 'shapes', truncate: rng.pick([0, 10, 1000, 100000]) },
    { $: 'modelBytes', base: 'resnet' },
    SHAPES,
  ]);
}

function rawImage(rng: Rng): LibValue {
  const width = rng.pick<LibValue>([0, 1, 16, 64, -1, NaN_, 1.5, 2 ** 31, '16']);
  const height = rng.pick<LibValue>([0, 1, 16, 64, -4, INF]);
  const channels = rng.pick<LibValue>([0, 1, 2, 3, 4, 5, 255, -3, NaN_]);
  const w = typeof width === 'number' && width > 0 && width < 100 ? width : 16;
  const h = typeof height === 'number' && height > 0 && height < 100 ? height : 16;
  const c = typeof channels === 'number' && channels > 0 && channels < 10 ? channels : 3;
  const length = rng.pick([w * h * c, w * h * c - 1, w * h * c + 7, 0, 3]);
  const data = rng.pick<LibValue>([{ $: 'bytes', seed: rng.seed(), length }, { $: 'f32', length }, null, 'abc', [1, 2, 3]]);
  return { width, height, channels, data };
}

function tensorImage(rng: Rng): LibValue {
  const dims = rng.pick<LibValue>([
    [3, 128, 128],
    [3, 64, 64],
    [3, -1, 128],
    [0, 128, 128],
    [3, 128],
    [],
    [3, NaN_, 128],
    [3, 2 ** 31, 1],
    [1, 3, 128, 128],
    'abc',
    null,
  ]);
  const length = rng.pick([3 * 128 * 128, 3 * 128 * 128 - 1, 0, 12]);
  return {
    tensor: rng.pick<LibValue>([
      { $: 'f32', length, value: rng.pick([0, 1, 1e38]) },
      { $: 'bytes', seed: 1, length },
      [1, 2],
      null,
    ]),
    dims,
  };
}

function images(rng: Rng): LibValue {
  const one = (): LibValue =>
    rng.weighted<() => LibValue>([
      [4, () => rawImage(rng)],
      [3, () => tensorImage(rng)],
      [1, () => rng.pick<LibValue>([null, 42, '', '/nonexistent.png', {}, [], { name: 'x' }])],
      [1, () => ({ $: 'bytes', seed: rng.seed(), length: rng.pick([0, 8, 1000]) })],
      [2, () => ({ width: 16, height: 16, channels: 3, data: { $: 'bytes', seed: rng.seed(), length: 768 } })],
    ])();
  return rng.weighted<() => LibValue>([
    [6, () => Array.from({ length: rng.int(1, 2) }, one)],
    [1, () => []],
    [1, () => rng.pick<LibValue>([null, UNDEF, 'img.png', 42, {}])],
  ])();
}

function explainOptions(rng: Rng): LibValue {
  const opts: Record<string, LibValue> = {};
  const fields: [string, () => LibValue][] = [
    [
      'layers',
      () => rng.pick<LibValue>([[42], [null], 'features.7', [], [''], ['nope'], [{}], ['features.7', 'features.7'], null]),
    ],
    ['batchSize', () => rng.pick(NUMBERS)],
    ['threads', () => rng.pick(NUMBERS)],
    ['topK', () => rng.pick(NUMBERS)],
    [
      'classes',
      () => rng.pick<LibValue>([[-1], [1e308], [NaN_], ['nonexistent'], [{}], [null], [], 'circle', 3, [6], [0, 0, 0]]),
    ],
    ['classesPerImage', () => rng.pick<LibValue>([[[1], [2]], [], [null], [[]], 'x', [[NaN_]]])],
    ['method', () => rng.pick<LibValue>(['nope', 42, '', null, 'gradcam++', 'scorecam', 'constructor', '__proto__'])],
    ['preprocess', () => rng.pick<LibValue>(['bogus', 'none', { size: [0, 0] }, { size: [NaN_, 3] }, {}, 42, null])],
    [
      'preprocessOverrides',
      () =>
        rng.pick<LibValue>([
          { mean: [NaN_] },
          { std: [0, 0, 0] },
          { range: 7 },
          { resize: 'x' },
          { channelOrder: 'XYZ' },
          'x',
          null,
        ]),
    ],
    ['labels', () => rng.pick<LibValue>([[], 'abc', ['a'], Array.from({ length: 6 }, (_, i) => i), null])],
    ['grid', () => rng.pick<LibValue>([[0, 0], [-1, 3], [NaN_, 1], [1e9, 1e9], 'x', [1]])],
    ['layout', () => rng.pick<LibValue>(['x', 42, 'tokens', null])],
    ['relu', () => rng.pick<LibValue>(['no', 0, null])],
    ['onProgress', () => rng.pick<LibValue>([42, 'x', {}])],
    ['topPredictions', () => rng.pick(NUMBERS)],
    ['scoreCamBatch', () => rng.pick(NUMBERS)],
    ['scoreCamChannels', () => rng.pick(NUMBERS)],
    ['ablationBatch', () => rng.pick(NUMBERS)],
    ['augSmooth', () => rng.pick<LibValue>(['yes', 1])],
  ];
  for (let k = rng.int(0, 2); k > 0; k--) {
    const [name, v] = rng.pick(fields);
    opts[name] = v();
  }
  // Score-CAM and Ablation-CAM options are only read by their methods.
  if (('scoreCamBatch' in opts || 'scoreCamChannels' in opts) && rng.chance(0.7)) opts.method = 'scorecam';
  if ('ablationBatch' in opts && rng.chance(0.7)) opts.method = 'ablationcam';
  return opts;
}

function createOptions(rng: Rng): LibValue {
  return rng.weighted<LibValue>([
    [3, {}],
    [2, { size: rng.pick(NUMBERS) }],
    [1, rng.pick<LibValue>([null, 42, 'x'])],
  ]);
}

/** A valid image for the built-in model, so that hostile options are reached. */
const GOOD_IMAGE = (rng: Rng): LibValue => [
  { width: 24, height: 20, channels: 3, data: { $: 'bytes', seed: rng.seed(), length: 24 * 20 * 3 } },
];

export function generateLibraryCase(rng: Rng, id: string): LibraryCase {
  const fn = rng.weighted<LibraryCase['fn']>([
    [2, 'createImageExplainer'],
    [5, 'explainer.explain'],
    [2, 'explain'],
    [1, 'parseNpy'],
    [1, 'parseLabels'],
  ]);
  const tags: string[] = [];
  let args: LibValue[];
  switch (fn) {
    case 'createImageExplainer':
      args = [models(rng), createOptions(rng)];
      break;
    case 'explainer.explain': {
      // Hostile images with sane options, or sane images with hostile options, or both.
      const what = rng.pick(['images', 'options', 'both']);
      args = [SHAPES, {}, what === 'options' ? GOOD_IMAGE(rng) : images(rng), what === 'images' ? {} : explainOptions(rng)];
      break;
    }
    case 'explain':
      args = [
        rng.chance(0.5) ? SHAPES : models(rng),
        rng.chance(0.5) ? GOOD_IMAGE(rng) : images(rng),
        rng.chance(0.5) ? {} : explainOptions(rng),
      ];
      break;
    case 'parseNpy': {
      const shape = rng.pick(['1, 3, 4, 4', '-1, 3, 4, 4', '3, -4, 4', '0,', '1e9, 1e9', '2147483648,', '']);
      if (shape.includes('-')) tags.push('npy-negative-dim');
      args = [
        rng.pick<LibValue>([
          {
            $: 'npy',
            spec: { major: rng.pick([1, 2, 3]), descr: rng.pick(['<f4', '<f8', '<i8']), shape, elements: 48, seed: rng.seed() },
          },
          { $: 'bytes', seed: rng.seed(), length: rng.pick([0, 9, 10, 100]) },
        ]),
      ];
      break;
    }
    case 'parseLabels':
      // The parsers get hostile content of the declared type; the explain entry points get hostile types too.
      args = [
        rng.pick<LibValue>([
          '{"99999999":"x"}',
          '{"-1":"x"}',
          '[',
          '',
          '{"0":"a","1e2":"b"}',
          '[null,{}]',
          '{"4294967295":"x"}',
          '\u0000',
        ]),
      ];
      if (args[0] === '{"99999999":"x"}') tags.push('labels-huge-key');
      break;
  }
  return { id, kind: 'library', note: `${fn}(${args.map((a) => JSON.stringify(a)).join(', ')})`.slice(0, 300), tags, fn, args };
}
