/**
 * Option cases: `gcam explain` (built-in model, a small valid PNG) with one to three flags set to hostile values
 * (NaN, Infinity, −1, 0, 1e308, 2³¹, empty, unicode, words) or to valid ones, so validation is crossed in both
 * directions; plus `gcam demo --seed`, `gcam layers --size`, and special files (/dev/zero, a FIFO, a folder) given
 * where a file is read. Output paths stay inside the case folder: the fuzzer runs as whatever user runs it.
 */
import { Rng } from './rng.js';
import type { CliCase, FileRecipe } from './types.js';

export const HOSTILE_NUMBERS = [
  'NaN',
  'Infinity',
  '-Infinity',
  '-1',
  '0',
  '1',
  '1e308',
  '2147483648',
  '4294967296',
  '-2147483649',
  '1.5',
  '0x10',
  '1e-300',
  '9007199254740993',
  '',
];
const HOSTILE_STRINGS = [
  '',
  ' ',
  'abc',
  'ünïcødé',
  '😀',
  '-',
  '--',
  'x'.repeat(300),
  '../x',
  '\u202egnp.x',
  'null',
  'undefined',
  '[object Object]',
];

/** Per flag: values that may well pass, so that a hostile one elsewhere is reached too. */
const PLAUSIBLE: Record<string, string[]> = {
  'top-k': ['1', '2', '6', '7', '1000'],
  size: ['64', '128', '129', '1', '3', '8', '4096', '60000'],
  'batch-size': ['1', '2', '8', '1000'],
  threads: ['1', '2', '64'],
  class: ['0', '5', '6', 'circle', 'star', 'CIRCLE', 'ir', '-0', '00'],
  layer: [
    'features.7',
    'features',
    '/net/features/features.7/Conv_output_0',
    'image',
    'probabilities',
    'input',
    'net',
    'nope',
    '.',
  ],
  method: [
    'gradcam',
    'gradcam++',
    'hirescam',
    'xgradcam',
    'layercam',
    'gradcamelementwise',
    'eigencam',
    'eigengradcam',
    'scorecam',
    'ablationcam',
    'saliency',
    'guidedbackprop',
    'guidedgradcam',
    'GRADCAM',
    'nope',
  ],
  alpha: ['0', '0.5', '1', '1.0001', '-0'],
  colormap: ['jet', 'turbo', 'viridis', 'inferno', 'gray', 'JET', 'grey', 'constructor', '__proto__', 'toString'],
  grid: ['14x14', '8x8', '0x0', '1x1', '3,3', '16×16', '99999999x99999999', '-1x2', '1x'],
  mean: ['0.5,0.5,0.5', '0,0,0', '1', '1,2', '1,2,3,4', 'NaN,0,0', ',,', '1e308,1e308,1e308'],
  std: ['0.5,0.5,0.5', '1,1,1', '0,0,0', '1e-308,1e-308,1e-308', '-1,-1,-1', '1', 'Infinity,1,1'],
  'score-cam-channels': ['1', '4', '100000'],
  'score-cam-batch': ['1', '3'],
  'ablation-batch': ['1', '5'],
  preprocess: ['imagenet', 'caffe', 'none', 'IMAGENET', 'nope'],
  resize: ['stretch', 'crop', 'letterbox', 'fill'],
  'channel-order': ['RGB', 'bgr', 'GBR'],
  range: ['1', '255', '256'],
  layout: ['auto', 'nchw', 'nhwc', 'tokens', 'NCHW'],
};

/** Output destinations, all inside the case folder ('existing.txt' is a file, 'dir.png' a folder, 'fifo.png' a FIFO). */
const OUT_VALUES = [
  'out',
  'out.png',
  'out.jpg',
  'out.webp',
  'out.gif',
  'existing.txt',
  'dir.png',
  'fifo.png',
  '',
  ' ',
  'ü😀',
  'a/b/c',
  'x'.repeat(300),
  'out/x.png',
  '.',
  'img.png',
];
const FILE_OUT_VALUES = [
  'cam.npy',
  'missing/cam.npy',
  'dir.png',
  'existing.txt',
  '',
  'x'.repeat(300),
  'img.png',
  'out',
  'fifo.png',
  'ü😀.json',
];

/** Places a file is read from that are not ordinary files. */
const SPECIAL_INPUTS = [
  '/dev/zero',
  '/dev/null',
  '/dev/urandom',
  '/proc/self/status',
  'fifo.png',
  'dir.png',
  'link-zero.png',
  '/nonexistent.png',
];

const FLAGS = Object.keys(PLAUSIBLE);

/**
 * `--flag value`, or `--flag=value` where the value starts with '-' (parseArgs would take '-1' for an option and the
 * case would only test that), and at random otherwise so both spellings are exercised.
 */
function flag(rng: Rng, name: string, v: string): string[] {
  return v.startsWith('-') || rng.chance(0.2) ? [`--${name}=${v}`] : [`--${name}`, v];
}

function value(rng: Rng, flag: string): string {
  return rng.weighted([
    [3, () => rng.pick(PLAUSIBLE[flag])],
    [2, () => rng.pick(HOSTILE_NUMBERS)],
    [1, () => rng.pick(HOSTILE_STRINGS)],
  ])();
}

/** Files every option case may point at: a valid image, a plain file, a folder and a FIFO named like images. */
function baseFiles(rng: Rng): Record<string, FileRecipe> {
  return {
    'img.png': { type: 'image', spec: { format: 'png', width: 56, height: 48, channels: 3, fill: 'noise', seed: rng.seed() } },
    'existing.txt': { type: 'text', text: 'not an image\n' },
    'dir.png': { type: 'dir' },
    'fifo.png': { type: 'fifo' },
    'link-zero.png': { type: 'symlink', target: '/dev/zero' },
  };
}

export function generateOptionsCase(rng: Rng, id: string): CliCase {
  const files = baseFiles(rng);
  const tags = new Set<string>();
  const what = rng.weighted<'explain' | 'demo' | 'layers' | 'special'>([
    [14, 'explain'],
    [2, 'demo'],
    [1, 'layers'],
    [3, 'special'],
  ]);
  if (what === 'demo') {
    const seed = rng.chance(0.3) ? rng.pick(['0', '1', '42', '999999999']) : rng.pick(HOSTILE_NUMBERS);
    if (!/^\d{1,9}$/.test(seed)) tags.add('demo-seed');
    const argv = ['demo', ...flag(rng, 'seed', seed), '--out', 'out'];
    if (rng.chance(0.3)) argv.push(...flag(rng, 'method', rng.pick(PLAUSIBLE.method)));
    return {
      id,
      kind: 'options',
      note: `demo --seed ${JSON.stringify(seed)}`,
      tags: [...tags],
      files,
      argv,
      expectOutputs: true,
    };
  }
  if (what === 'layers') {
    const size = rng.pick([...PLAUSIBLE.size, ...HOSTILE_NUMBERS]);
    const argv = ['layers', '{{ROOT}}/models/shapes/shapes.onnx', ...flag(rng, 'size', size)];
    return { id, kind: 'options', note: `layers --size ${JSON.stringify(size)}`, tags: [], files, argv, expectOutputs: false };
  }
  if (what === 'special') {
    tags.add('special-file');
    const where = rng.pick(['input', 'model', 'labels'] as const);
    const path = rng.pick(SPECIAL_INPUTS);
    const argv = where === 'input' ? ['explain', path] : ['explain', 'img.png', `--${where}`, path];
    argv.push('--out', 'out');
    return { id, kind: 'options', note: `${where} is ${path}`, tags: [...tags], files, argv, expectOutputs: true };
  }
  const argv = ['explain', 'img.png'];
  const set: string[] = [];
  if (rng.chance(0.15)) argv.push('--model', '{{ROOT}}/test/fixtures/e2e/mobilenet.onnx');
  for (let k = rng.int(1, 3); k > 0; k--) {
    const name = rng.pick(FLAGS);
    const repeat = (name === 'class' || name === 'layer') && rng.chance(0.3) ? 2 : 1;
    for (let r = 0; r < repeat; r++) {
      const v = value(rng, name);
      argv.push(...flag(rng, name, v));
      set.push(`--${name} ${JSON.stringify(v)}`);
      if (name === 'size' && Number(v) >= 4096) tags.add('huge-image');
    }
  }
  // Output destinations: the default folder, a hostile one, and sometimes the map stack and summary too.
  const out = rng.chance(0.6) ? 'out' : rng.pick(OUT_VALUES);
  argv.push(...flag(rng, 'out', out));
  const outputs = [out];
  if (rng.chance(0.35)) {
    const cam = rng.chance(0.6) ? 'cam.npy' : rng.pick(FILE_OUT_VALUES);
    argv.push(...flag(rng, 'save-cam', cam));
    outputs.push(cam);
  }
  if (rng.chance(0.35)) {
    const json = rng.chance(0.6) ? 'summary.json' : rng.pick(FILE_OUT_VALUES);
    argv.push(...flag(rng, 'json', json));
    outputs.push(json);
  }
  if (rng.chance(0.1)) argv.push('--figure');
  if (rng.chance(0.1)) argv.push('--no-relu');
  set.push(...outputs.map((o, i) => `${['--out', '--save-cam', '--json'][i]} ${JSON.stringify(o)}`));
  // A run with several destinations, one of them unusable, must write all of them or none.
  const usual = new Set(['out', 'cam.npy', 'summary.json']);
  if (outputs.length > 1 && outputs.some((o) => !usual.has(o))) tags.add('all-or-nothing');
  return { id, kind: 'options', note: set.join(' '), tags: [...tags], files, argv, expectOutputs: true };
}
