/**
 * NIfTI cases: NIfTI-1 (348-byte header) and NIfTI-2 (540-byte header, 64-bit dims) volumes written by hand, in
 * either byte order, plain or gzipped, so every header field can lie: sizeof_hdr, the magic, dim[0] and the dims,
 * datatype and bitpix, vox_offset, pixdim, scl_slope/scl_inter, qform/sform codes and affines, NaN where a float
 * goes; 4-D series and the --frame that picks one; gzip streams truncated, corrupted or doubled; a flat volume whose
 * gzip is tiny but whose voxels are many. Explained by `gcam explain` with the built-in 3-D model (no --model).
 */
import { gzipSync } from 'node:zlib';
import { Rng, seededBytes } from './rng.js';
import type { CliCase, FileRecipe, HeaderFloat, NiftiSpec } from './types.js';

/** Bytes per voxel of the NIfTI datatypes (others: 0, so a lying datatype writes the bitpix's worth). */
const DATATYPE_BYTES: Record<number, number> = { 2: 1, 4: 2, 8: 4, 16: 4, 64: 8, 256: 1, 512: 2, 768: 4, 32: 8, 128: 3, 1024: 8 };

const float = (x: HeaderFloat): number => (typeof x === 'number' ? x : Number(x));

export function voxelBytes(spec: NiftiSpec): number {
  return DATATYPE_BYTES[spec.datatype] ?? Math.max(1, Math.ceil(Math.abs(spec.bitpix) / 8) || 1);
}

/** The honest number of voxels of all frames (dims clamped at 1, as a reader that ignores lies would count). */
export function honestVoxels(dims: readonly number[]): number {
  const rank = Math.min(Math.max(dims[0], 1), 7);
  let n = 1;
  for (let a = 1; a <= rank; a++) n *= Math.max(1, dims[a]);
  return n;
}

function header1(spec: NiftiSpec, v: DataView, out: Uint8Array): void {
  const le = spec.littleEndian;
  v.setInt32(0, spec.sizeofHdr ?? 348, le);
  spec.dims.forEach((d, a) => v.setInt16(40 + 2 * a, d, le));
  v.setInt16(70, spec.datatype, le);
  v.setInt16(72, spec.bitpix, le);
  spec.pixdim.forEach((p, a) => v.setFloat32(76 + 4 * a, float(p), le));
  v.setFloat32(108, float(spec.voxOffset), le);
  v.setFloat32(112, float(spec.sclSlope), le);
  v.setFloat32(116, float(spec.sclInter), le);
  v.setInt16(252, spec.qformCode, le);
  v.setInt16(254, spec.sformCode, le);
  spec.quatern.forEach((q, a) => v.setFloat32(256 + 4 * a, float(q), le));
  spec.srow.forEach((s, a) => v.setFloat32(280 + 4 * a, float(s), le));
  out.set(
    Uint8Array.from((spec.magic ?? 'n+1').padEnd(4, '\0').slice(0, 4), (c) => c.charCodeAt(0) & 255),
    344,
  );
}

function header2(spec: NiftiSpec, v: DataView, out: Uint8Array): void {
  const le = spec.littleEndian;
  v.setInt32(0, spec.sizeofHdr ?? 540, le);
  const magic = (spec.magic ?? 'n+2').padEnd(4, '\0').slice(0, 4);
  out.set([...Uint8Array.from(magic, (c) => c.charCodeAt(0) & 255), 0x0d, 0x0a, 0x1a, 0x0a], 4);
  v.setInt16(12, spec.datatype, le);
  v.setInt16(14, spec.bitpix, le);
  spec.dims.forEach((d, a) => v.setBigInt64(16 + 8 * a, BigInt(Math.trunc(d)), le));
  spec.pixdim.forEach((p, a) => v.setFloat64(104 + 8 * a, float(p), le));
  const off = float(spec.voxOffset);
  v.setBigInt64(168, BigInt(Number.isFinite(off) ? Math.trunc(Math.max(-(2 ** 62), Math.min(2 ** 62, off))) : 2 ** 62), le);
  v.setFloat64(176, float(spec.sclSlope), le);
  v.setFloat64(184, float(spec.sclInter), le);
  v.setInt32(344, spec.qformCode, le);
  v.setInt32(348, spec.sformCode, le);
  spec.quatern.forEach((q, a) => v.setFloat64(352 + 8 * a, float(q), le));
  spec.srow.forEach((s, a) => v.setFloat64(400 + 8 * a, float(s), le));
}

/** Voxel bytes: a solid sphere on a dark ground, seeded noise or one flat value (which gzips to almost nothing). */
function voxelData(spec: NiftiSpec): Uint8Array {
  const bytes = voxelBytes(spec);
  const n = spec.voxels * bytes;
  if (spec.fill === 'noise') return seededBytes(spec.seed, n);
  const out = new Uint8Array(n);
  if (spec.fill === 'flat') return out.fill(spec.seed & 0x3f);
  // A sphere in the middle of the first volume, its voxels one (small, positive in every type) byte pattern.
  const [ni, nj, nk] = [1, 2, 3].map((a) => Math.max(1, spec.dims[a] ?? 1));
  const r = Math.min(ni, nj, nk) / 3;
  for (let k = 0; k < nk; k++)
    for (let j = 0; j < nj; j++)
      for (let i = 0; i < ni; i++) {
        const at = (i + ni * (j + nj * k)) * bytes;
        if (at + bytes > n) return out;
        const d = Math.hypot(i - ni / 2, j - nj / 2, k - nk / 2);
        if (d < r) out[at + (spec.littleEndian ? 0 : bytes - 1)] = 100;
      }
  return out;
}

export function buildNifti(spec: NiftiSpec): Uint8Array {
  const two = spec.version === 2;
  const hdr = two ? 540 : 348;
  const off = float(spec.voxOffset);
  // Data where vox_offset says when that is a sane place in a small file, else right after the header.
  const start = Number.isInteger(off) && off >= hdr && off <= hdr + 4096 ? off : two ? 544 : 352;
  const data = voxelData(spec);
  let out = new Uint8Array(start + data.length);
  const v = new DataView(out.buffer);
  if (two) header2(spec, v, out);
  else header1(spec, v, out);
  out.set(data, start);
  if (spec.gzip) out = gzipSync(out, { level: 1 });
  const post = spec.post;
  if (!post) return out;
  if (post.op === 'gzipTwice') return gzipSync(out, { level: 1 });
  if (post.op === 'truncate') return out.subarray(0, Math.floor(out.length * post.fraction));
  const r = new Rng(post.seed);
  const flipped = Uint8Array.from(out);
  // Past the gzip header (10 bytes) when there is one, so the flip hits the deflate stream or the CRC.
  const from = Math.min(spec.gzip ? 10 : 0, flipped.length - 1);
  for (let k = 0; k < post.count; k++) flipped[r.int(from, flipped.length - 1)] ^= 1 << r.int(0, 7);
  return flipped;
}

// ---------------------------------------------------------------------------------------------------------------
// A valid volume, then lies.

const DATATYPES: [number, number][] = [
  [2, 8],
  [4, 16],
  [16, 32],
  [512, 16],
  [64, 64],
  [256, 8],
  [8, 32],
];

function validVolume(rng: Rng): NiftiSpec {
  const [datatype, bitpix] = rng.pick(DATATYPES);
  const size = rng.weighted<number[]>([
    [5, [32, 32, 32]],
    [3, [rng.int(4, 40), rng.int(4, 40), rng.int(4, 40)]],
    [
      1,
      rng.pick([
        [1, 1, 1],
        [1, 1, 64],
        [200, 2, 2],
        [96, 96, 96],
      ]),
    ],
  ]);
  const frames = rng.weighted([
    [7, 1],
    [2, rng.int(2, 4)],
  ]);
  const dims = [frames > 1 ? 4 : 3, ...size, frames, 1, 1, 1];
  const spec: NiftiSpec = {
    version: rng.weighted([
      [3, 1],
      [2, 2],
    ]),
    littleEndian: rng.chance(0.75),
    dims,
    datatype,
    bitpix,
    voxOffset: 0,
    pixdim: [1, 1, 1, 1, 1, 0, 0, 0],
    sclSlope: rng.pick([0, 1, 1, 0.5]),
    sclInter: rng.pick([0, 0, -10]),
    qformCode: rng.pick([0, 1]),
    sformCode: rng.pick([0, 1, 2]),
    quatern: [0, 0, 0, -16, -16, -16],
    srow: [1, 0, 0, -16, 0, 1, 0, -16, 0, 0, 1, -16],
    voxels: honestVoxels(dims),
    fill: rng.pick(['solid', 'solid', 'noise']),
    seed: rng.seed(),
  };
  spec.voxOffset = spec.version === 2 ? 544 : 352;
  if (rng.chance(0.5)) spec.gzip = true;
  return spec;
}

const FLOATS: HeaderFloat[] = ['NaN', 'Infinity', '-Infinity', 0, -1, 1e38, -1e38, 1e-38];

type Lie = (spec: NiftiSpec, rng: Rng, extra: { frame?: string }) => string;

const LIES: [number, Lie][] = [
  [
    1,
    (spec, rng) => {
      spec.sizeofHdr = rng.pick([0, 347, 349, spec.version === 2 ? 348 : 540, 1e6, -348, 0x5c010000]);
      return `sizeof_hdr ${spec.sizeofHdr}`;
    },
  ],
  [
    1,
    (spec, rng) => {
      spec.magic = rng.pick(['ni1', 'n+2', 'n+1', 'xyz', '', 'ni2']);
      return `magic '${spec.magic}'`;
    },
  ],
  [
    2,
    (spec, rng) => {
      spec.dims[0] = rng.pick([0, -1, 1, 2, 5, 8, 100, -32768]);
      return `dim[0] ${spec.dims[0]}`;
    },
  ],
  [
    3,
    (spec, rng) => {
      const a = rng.int(1, 4);
      const huge = spec.version === 2 ? [2 ** 31, 2 ** 40, 2 ** 53] : [32767, 30000];
      spec.dims[a] = rng.pick([0, -1, -32768, 2, ...huge]);
      if (a === 4 && spec.dims[0] < 4) spec.dims[0] = 4;
      return `dim[${a}] ${spec.dims[a]}`;
    },
  ],
  [
    2,
    (spec, rng) => {
      if (rng.chance(0.5)) {
        spec.datatype = rng.pick([0, 1, 32, 128, 1024, 1280, 1536, 2304, 99, -1]);
        return `datatype ${spec.datatype}`;
      }
      spec.bitpix = rng.pick([0, 1, 7, 64, -8, 255]);
      return `bitpix ${spec.bitpix}`;
    },
  ],
  [
    3,
    (spec, rng) => {
      spec.voxOffset = rng.pick<HeaderFloat>([0, 100, 347, 351, 353, 1e9, 2 ** 31, 1e30, -352, 'NaN', 'Infinity', 352.5]);
      return `vox_offset ${spec.voxOffset}`;
    },
  ],
  [
    2,
    (spec, rng) => {
      const a = rng.int(0, 4);
      spec.pixdim[a] = rng.pick(FLOATS);
      return `pixdim[${a}] ${spec.pixdim[a]}`;
    },
  ],
  [
    3,
    (spec, rng) => {
      if (rng.chance(0.5)) spec.sclSlope = rng.pick(FLOATS);
      else {
        spec.sclSlope = 1;
        spec.sclInter = rng.pick(FLOATS);
      }
      return `scl_slope ${spec.sclSlope}, scl_inter ${spec.sclInter}`;
    },
  ],
  [
    3,
    (spec, rng) => {
      spec.qformCode = rng.pick([0, 1, 4, -1, 5, 1000]);
      spec.sformCode = rng.pick([0, 1, 2, -1, 5, 1000]);
      const nan = rng.pick(FLOATS);
      if (rng.chance(0.5)) spec.srow[rng.int(0, 11)] = nan;
      else spec.quatern[rng.int(0, 5)] = rng.pick([...FLOATS, 2, 1.0001]);
      return `qform ${spec.qformCode}, sform ${spec.sformCode}, an affine value ${nan}`;
    },
  ],
  [
    1,
    (spec) => {
      spec.littleEndian = !spec.littleEndian;
      spec.sizeofHdr = spec.version === 2 ? 0x1c020000 : 0x5c010000;
      return 'sizeof_hdr in the other byte order';
    },
  ],
  [
    2,
    (spec, rng) => {
      spec.voxels = Math.floor(spec.voxels * rng.pick([0, 0.5, 0.99])) + rng.pick([0, 1]);
      return `${spec.voxels} voxels written`;
    },
  ],
  [
    2,
    (spec, rng) => {
      spec.gzip = true;
      spec.post = rng.pick<NonNullable<NiftiSpec['post']>>([
        { op: 'truncate', fraction: rng.pick([0, 0.05, 0.5, 0.9, 0.999]) },
        { op: 'flip', seed: rng.seed(), count: rng.pick([1, 8]) },
        { op: 'gzipTwice' },
      ]);
      return `gzip ${spec.post.op}`;
    },
  ],
  [
    1,
    (spec, rng) => {
      // Many voxels, all flat: a small .nii.gz declaring gigabytes. At most 2^26 written (64 MiB, which the fuzzer
      // builds in about a second): beyond, the file is short of what it declares, and must be refused cheaply.
      const side = rng.pick([256, 512, 1024, 2048]);
      spec.dims = [3, side, side, rng.pick([1, 64, side]), 1, 1, 1, 1];
      [spec.datatype, spec.bitpix] = [2, 8];
      spec.voxels = Math.min(honestVoxels(spec.dims), 2 ** 26);
      spec.fill = 'flat';
      spec.gzip = true;
      return `a flat ${spec.dims.slice(1, 4).join('×')} volume, gzipped`;
    },
  ],
  [
    2,
    (spec, rng, extra) => {
      if (spec.dims[4] <= 1) {
        spec.dims[0] = 4;
        spec.dims[4] = rng.pick([2, 3]);
        spec.voxels = honestVoxels(spec.dims);
      }
      extra.frame = rng.pick(['-1', String(spec.dims[4]), '0', '1.5', 'x', '', '2147483648', undefined]);
      return `4-D series of ${spec.dims[4]}, --frame ${extra.frame}`;
    },
  ],
];

const INTENSITIES = ['none', 'ct:40,400', 'percentile:1,99', 'percentile:50,50', 'zscore', 'range:0,255', 'range:5,5'];

export function generateNiftiCase(rng: Rng, id: string): CliCase {
  const spec = validVolume(rng);
  const extra: { frame?: string } = {};
  if (spec.dims[4] > 1) extra.frame = String(rng.int(0, spec.dims[4] - 1));
  const what: string[] = [];
  const n = rng.weighted([
    [2, 0],
    [6, 1],
    [2, 2],
  ]);
  for (let k = 0; k < n; k++) what.push(rng.weighted(LIES)(spec, rng, extra));
  const name = spec.gzip
    ? 'vol.nii.gz'
    : rng.weighted([
        [9, 'vol.nii'],
        [1, 'vol.NII'],
      ]);
  const files: Record<string, FileRecipe> = { [name]: { type: 'nifti', spec } };
  const argv = ['explain', name];
  // A valid second volume, when no --frame applies to it too (it has one frame).
  if (extra.frame === undefined && rng.chance(0.1)) {
    const ok = validVolume(new Rng(rng.seed()));
    Object.assign(ok, { dims: [3, 32, 32, 32, 1, 1, 1, 1], voxels: 32 ** 3 });
    files['ok.nii'] = { type: 'nifti', spec: { ...ok, gzip: false } };
    argv.push('ok.nii');
  }
  if (rng.chance(0.1)) argv.push('--model', '{{ROOT}}/models/shapes3d/shapes3d.onnx');
  if (rng.chance(0.6)) argv.push('--intensity', rng.pick(INTENSITIES));
  if (extra.frame !== undefined) argv.push(`--frame=${extra.frame}`);
  if (rng.chance(0.1)) argv.push('--method', rng.pick(['gradcam++', 'layercam', 'hirescam']));
  argv.push('--out', rng.chance(0.8) ? 'out' : 'out/map.nii.gz');
  if (rng.chance(0.25)) argv.push('--save-cam', 'cam.npy', '--json', 'summary.json');
  const d = spec.dims;
  const note =
    `nifti-${spec.version} ${spec.littleEndian ? 'LE' : 'BE'} [${d.slice(1, Math.max(2, Math.min(d[0], 7) + 1)).join(', ')}] ` +
    `datatype ${spec.datatype}${spec.gzip ? ' gz' : ''} as ${name}: ${what.join('; ') || 'valid'}`;
  return { id, kind: 'nifti', note, tags: [], files, argv, expectOutputs: true };
}
