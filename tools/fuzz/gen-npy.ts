/**
 * .npy cases: NumPy files written by hand so every header field can lie: format versions 1/2/3 and unknown ones,
 * negative, zero and huge dims, dtypes gcam does not read, Fortran order, trailing bytes, truncation, a header length
 * that points past the file. Explained with the fixture ResNet (input [N,3,64,64]) and `--preprocess none`.
 */
import { Rng, seededBytes } from './rng.js';
import type { CliCase, FileRecipe, NpySpec } from './types.js';

const DESCRS = ['>f4', '>f8', '<f2', '<i4', '<i8', '|u1', '|b1', '<c8', 'O', '<U3', 'f4', '', "<f4', 'x': '"];

const VALID_SHAPES = [
  [1, 3, 64, 64],
  [3, 64, 64],
  [2, 3, 64, 64],
  [1, 3, 32, 32],
];

const count = (d: number[]) => d.reduce((a, b) => a * b, 1);

function dimsText(d: number[]): string {
  return d.length === 1 ? `${d[0]},` : d.map(String).join(', ');
}

type Corruption = (spec: NpySpec, dims: number[], tags: Set<string>) => string;

/** One lie each, applied to a valid file; the note says what was done. */
const CORRUPTIONS: [number, (rng: Rng) => Corruption][] = [
  [
    3,
    (rng) => (spec, dims, tags) => {
      const d = [...dims];
      d[rng.int(0, d.length - 1)] = rng.pick([-1, -3, -64]);
      spec.shape = dimsText(d); // the data of the valid shape is still there: only the sign is wrong
      tags.add('npy-negative-dim');
      return `shape (${spec.shape})`;
    },
  ],
  [
    1,
    (rng) => (spec, dims) => {
      const d = [...dims];
      d[rng.int(0, d.length - 1)] = 0;
      spec.shape = dimsText(d);
      if (rng.chance(0.5)) spec.elements = 0;
      return `shape (${spec.shape}), ${spec.elements} elements`;
    },
  ],
  [
    2,
    (rng) => (spec, dims, tags) => {
      const d = [...dims];
      d[rng.int(0, d.length - 1)] = rng.pick([2 ** 31, 2 ** 32 + 3, 1e9, 2 ** 53, 1e300]);
      spec.shape = dimsText(d);
      tags.add('npy-huge-shape');
      return `shape (${spec.shape})`;
    },
  ],
  [
    1,
    (rng) => (spec) => {
      const r = rng.pick([[], [12288], [64, 64], [1, 1, 3, 64, 64], [1, 1, 1, 1, 1, 1, 1, 3], [3, 64, 64, 1]]);
      spec.shape = dimsText(r);
      spec.elements = Math.min(count(r), 1 << 16);
      return `shape (${spec.shape})`;
    },
  ],
  [
    1,
    (rng) => (spec) => {
      spec.shape = rng.pick([
        '1, 3, 64, 64.5',
        '1, x, 64, 64',
        '(1, 3), 64',
        '1,,3,64,64',
        ' ',
        'NaN, 3, 64, 64',
        '0x10, 3, 4, 4',
        '1, 3, 64, 64,,',
      ]);
      return `shape text (${spec.shape})`;
    },
  ],
  [
    2,
    (rng) => (spec) => {
      spec.descr = rng.pick(DESCRS);
      return `descr ${JSON.stringify(spec.descr)}`;
    },
  ],
  [
    1,
    (rng) => (spec) => {
      spec.major = rng.pick([0, 4, 9, 255]);
      return `version ${spec.major}`;
    },
  ],
  [
    1,
    (rng) => (spec) => {
      spec.minor = rng.pick([1, 255]);
      return `minor version ${spec.minor}`;
    },
  ],
  [
    1,
    () => (spec) => {
      spec.fortran = true;
      return 'fortran order';
    },
  ],
  [
    1,
    (rng) => (spec) => {
      spec.trailing = rng.pick([1, 3, 4096]);
      return `${spec.trailing} trailing bytes`;
    },
  ],
  [
    1,
    (rng) => (spec) => {
      spec.headerLength = rng.pick([0, 1, 65535, 2 ** 31]);
      return `header length ${spec.headerLength}`;
    },
  ],
  [
    1,
    (rng) => (spec) => {
      spec.rawHeader = rng.pick([
        "{'descr': '<f4'}",
        '',
        '{',
        "{'shape': (1, 3, 64, 64)}",
        'x'.repeat(300),
        "{'descr': '<f4', 'fortran_order': False, 'shape': (1, 3, 64, 64), 'shape': (-1,), }",
      ]);
      return `header ${JSON.stringify(spec.rawHeader.slice(0, 40))}`;
    },
  ],
  [
    1,
    (rng) => (spec) => {
      const full = npyByteLength(spec);
      spec.truncateTo = rng.pick([0, 5, 9, 11, 60, Math.floor(full / 2), full - 1]);
      return `truncated to ${spec.truncateTo} B`;
    },
  ],
];

export function generateNpyCase(rng: Rng, id: string): CliCase {
  const dims = rng.pick(VALID_SHAPES);
  const spec: NpySpec = {
    major: rng.weighted([
      [6, 1],
      [2, 2],
      [1, 3],
    ]),
    descr: rng.weighted([
      [4, '<f4'],
      [1, '<f8'],
    ]),
    shape: dimsText(dims),
    elements: count(dims),
    seed: rng.seed(),
  };
  const tags = new Set<string>();
  const what: string[] = [];
  // Mostly one lie at a time (so each reaches its own check), sometimes none or two.
  const n = rng.weighted([
    [2, 0],
    [6, 1],
    [2, 2],
  ]);
  for (let k = 0; k < n; k++) what.push(rng.weighted(CORRUPTIONS)(rng)(spec, dims, tags));
  const files: Record<string, FileRecipe> = { 'x.npy': { type: 'npy', spec } };
  const argv = ['explain', 'x.npy', '--model', '{{ROOT}}/test/fixtures/e2e/resnet.onnx', '--preprocess', 'none', '--out', 'out'];
  if (rng.chance(0.5)) argv.push('--save-cam', 'cam.npy');
  if (rng.chance(0.3)) argv.push('--json', 'summary.json');
  const note = `npy v${spec.major} ${spec.descr} (${dimsText(dims)}): ${what.join('; ') || 'valid'}`;
  return { id, kind: 'npy', note, tags: [...tags], files, argv, expectOutputs: true };
}

// ---------------------------------------------------------------------------------------------------------------
// Building an .npy recipe into bytes.

function itemSize(descr: string): number {
  const m = /(\d+)$/.exec(descr);
  return m ? Math.min(16, Number(m[1])) : 4;
}

function header(spec: NpySpec): Uint8Array {
  const dict =
    spec.rawHeader ??
    `{'descr': '${spec.descr}', 'fortran_order': ${spec.fortran ? 'True' : 'False'}, 'shape': (${spec.shape}), }`;
  const pre = spec.major === 1 ? 10 : 12;
  let text = dict;
  text += ' '.repeat((64 - ((pre + text.length + 1) % 64)) % 64) + '\n';
  return new TextEncoder().encode(text);
}

function npyByteLength(spec: NpySpec): number {
  return (spec.major === 1 ? 10 : 12) + header(spec).length + spec.elements * itemSize(spec.descr) + (spec.trailing ?? 0);
}

/** What a float32 file holds: the seeded value, or values no signal or image should hold. */
const VALUES: Record<NonNullable<NpySpec['values']> | 'seeded', (seeded: number, i: number) => number> = {
  seeded: (x) => x,
  nan: () => NaN,
  inf: (x) => (x < 0 ? -Infinity : Infinity),
  'some-nan': (x, i) => (i % 97 === 13 ? NaN : x),
  huge: (x) => x * 1.7e38,
  zero: () => 0,
};

export function buildNpy(spec: NpySpec): Uint8Array {
  const h = header(spec);
  const pre = spec.major === 1 ? 10 : 12;
  const dataLen = spec.elements * itemSize(spec.descr);
  const out = new Uint8Array(pre + h.length + dataLen + (spec.trailing ?? 0));
  out.set([0x93, 0x4e, 0x55, 0x4d, 0x50, 0x59, spec.major & 255, (spec.minor ?? 0) & 255]);
  const dv = new DataView(out.buffer);
  const len = spec.headerLength ?? h.length;
  if (spec.major === 1) dv.setUint16(8, len & 0xffff, true);
  else dv.setUint32(8, len >>> 0, true);
  out.set(h, pre);
  const body = pre + h.length;
  // Values in a sane range when the dtype is float32, so a valid file explains like an image would.
  if (spec.descr === '<f4') {
    const r = new Rng(spec.seed);
    const value = VALUES[spec.values ?? 'seeded'];
    for (let i = 0; i < spec.elements; i++) dv.setFloat32(body + 4 * i, value(r.float() * 4 - 2, i), true);
  } else out.set(seededBytes(spec.seed, dataLen), body);
  if (spec.trailing) out.set(seededBytes(spec.seed + 1, spec.trailing), body + dataLen);
  return spec.truncateTo !== undefined ? out.subarray(0, spec.truncateTo) : out;
}
