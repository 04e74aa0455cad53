/**
 * The volume code that needs no model, against independent references (test/fixtures/volumes, written by
 * tools/gen_volume_fixtures.py): trilinear resizing vs torch F.interpolate, the intensity presets vs MONAI's
 * formulas in numpy, NIfTI-1 reading vs files written with Python's struct from the header layout (scaling, byte
 * order, qform/sform affines, a 4-D series, gzip), the typed errors, and the heatmap writer read back by
 * nifti-reader-js with the input's header fields kept.
 */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { describe, it } from 'node:test';
import { gunzipSync, gzipSync } from 'fflate';
import { readHeader, readImage } from 'nifti-reader-js';
import {
  InvalidOptionError,
  VolumeReadError,
  applyIntensity,
  parseIntensity,
  readNifti,
  resizeLinear,
  writeNifti,
} from '../src/index.js';
import { finalizeMapsTo } from '../src/cam/postprocess.js';
import { gunzipUpTo } from '../src/volume/gunzip.js';
import { carryToGrid, prepareVolume } from '../src/volume/prepare.js';
import { enlarge, orthogonalSlices } from '../src/volume/slices.js';
import { assertClose } from './helpers/compare.js';

const DIR = new URL('./fixtures/volumes/', import.meta.url);
const json = <T>(name: string) => JSON.parse(readFileSync(new URL(name, DIR), 'utf8')) as T;
const bytes = (name: string) => new Uint8Array(readFileSync(new URL(name, DIR)));
interface Arr {
  dims: number[];
  data: number[];
}

describe('resizeLinear vs torch F.interpolate (trilinear, linear)', () => {
  for (const c of json<{ name: string; alignCorners: boolean; input: Arr; size: number[]; output: Arr }[]>('resize.json'))
    it(c.name, () => {
      const out = resizeLinear({ data: Float32Array.from(c.input.data), dims: c.input.dims }, c.size, c.alignCorners);
      assert.deepEqual(out.dims, c.output.dims);
      assertClose(out.data, c.output.data, 1e-6, c.name);
    });

  it('finalizeMapsTo: ReLU, min-max, trilinear upsample, min-max again (a peak between voxel centres still reaches 1)', () => {
    const raw = { data: Float32Array.from([-1, 0, 2, 0, 0, 0, 0, 3]), dims: [1, 2, 2, 2] };
    const f = finalizeMapsTo(raw, [3, 3, 3]);
    assert.deepEqual(f.dims, [1, 3, 3, 3]);
    assert.equal(Math.max(...f.data), 1);
    assert.equal(Math.min(...f.data), 0);
    assertClose(f.layer.data, [0, 0, 2 / 3, 0, 0, 0, 0, 1], 1e-7, 'layer map');
  });
});

describe('intensity presets vs MONAI formulas', () => {
  const fx = json<{ volume: Arr; presets: { text: string; output: Arr }[] }>('intensity.json');
  for (const p of fx.presets)
    it(p.text, () =>
      assertClose(applyIntensity(Float32Array.from(fx.volume.data), parseIntensity(p.text)), p.output.data, 1e-6, p.text),
    );

  it('bad presets are InvalidOptionErrors naming intensity', () => {
    for (const bad of ['ct:40', 'ct:40,-1', 'percentile:99,1', 'zscore:1', 'range:1,1', 'hu'])
      assert.throws(
        () => parseIntensity(bad),
        (e: unknown) => e instanceof InvalidOptionError && e.option === 'intensity',
        bad,
      );
  });
});

describe('NIfTI-1 reading vs files written from the header layout', () => {
  const files = json<{ file: string; frame: number | null; voxels: Arr; affine: number[][] }[]>('nifti.json');
  for (const f of files)
    it(`${f.file}${f.frame !== null ? ` frame ${f.frame}` : ''}: voxels [i][j][k] after scaling, affine`, () => {
      const v = readNifti(bytes(f.file), f.file, f.frame ?? undefined);
      assert.deepEqual(v.dims, f.voxels.dims);
      assertClose(v.data, f.voxels.data, 1e-6, `${f.file} voxels`);
      assertClose(v.affine.flat(), f.affine.flat(), 1e-5, `${f.file} affine`);
    });

  it('a 4-D series without a frame, a frame out of range, a truncated .nii.gz and a cut .nii are typed errors', () => {
    const reason = (r: string) => (e: unknown) => e instanceof VolumeReadError && e.reason === r;
    assert.throws(() => readNifti(bytes('series_4d.nii'), 's'), reason('time-series'));
    assert.throws(() => readNifti(bytes('series_4d.nii'), 's', 3), reason('frame'));
    assert.throws(() => readNifti(bytes('ct_truncated.nii.gz'), 't'), reason('truncated'));
    const nii = bytes('ct_int16.nii');
    assert.throws(() => readNifti(nii.subarray(0, nii.length - 1), 'c'), reason('truncated'));
    assert.throws(() => readNifti(nii.subarray(0, 100), 'c'), reason('truncated'));
    assert.throws(() => readNifti(new Uint8Array(400), 'z'), reason('malformed'));
  });

  it('a .nii.gz is inflated only as far as its header needs: a huge declared grid is refused before its voxels', () => {
    // Fuzz case nifti-20261202-94: 1 MB of gzip claiming 2048³ voxels inflated 1 GiB, then more, past the memory cap.
    const header = bytes('ct_int16.nii').slice(0, 352);
    const v = new DataView(header.buffer);
    const le = readNifti(bytes('ct_int16.nii'), 'c').littleEndian;
    [3, 2048, 2048, 2048].forEach((d, a) => v.setInt16(40 + 2 * a, d, le));
    const zeros = new Uint8Array(1 << 24);
    const huge = gzipSync(Uint8Array.from([...header, ...zeros.subarray(0, 4096)]));
    assert.throws(
      () => readNifti(huge, "'huge.nii.gz'"),
      (e: unknown) =>
        e instanceof VolumeReadError && e.reason === 'too-large' && /'huge\.nii\.gz' is \[2048, 2048, 2048\]/.test(e.message),
    );
    // The inflater stops at the bytes asked for (give or take one step's output), whatever the stream holds.
    const flat = gzipSync(zeros);
    assert.equal(gunzipUpTo(flat, 1000).length, 1000);
    assert.equal(gunzipUpTo(flat, 1 << 30).length, 1 << 24);
  });

  it('vox_offset: NaN or infinite is a typed error; below 352 the voxels start at 352, after the extension bytes', () => {
    const nii = bytes('ct_int16.nii');
    const withOffset = (v: number) => {
      const b = nii.slice();
      new DataView(b.buffer).setFloat32(108, v, readNifti(nii, 'c').littleEndian);
      return b;
    };
    for (const v of [NaN, Infinity])
      assert.throws(
        () => readNifti(withOffset(v), "'v.nii'"),
        (e: unknown) => {
          assert.ok(e instanceof VolumeReadError && e.reason === 'malformed');
          assert.match(e.message, /'v\.nii' has vox_offset (NaN|Infinity): .*write the file again/);
          return true;
        },
      );
    // Before the fix NaN read the header's first bytes as voxels, and 0 read 4 bytes early (fuzz: nifti vox_offset).
    const ref = readNifti(nii, 'c').data;
    for (const v of [0, 100, -352]) assert.deepEqual(readNifti(withOffset(v), 'c').data, ref);
  });

  it('the heatmap writer: float32 on the input grid, header fields and affine kept (read back by nifti-reader-js)', () => {
    for (const file of ['ct_int16.nii.gz', 'mr_float32_be.nii']) {
      const input = readNifti(bytes(file), file);
      const map = Float32Array.from(input.data, (_, i) => i / input.data.length);
      const out = writeNifti(map, input.dims, input);
      const buffer = out.buffer.slice(0) as ArrayBuffer;
      const h = readHeader(buffer)!;
      const src = readHeader(gunzipIfNeeded(bytes(file)))!;
      assert.equal(h.datatypeCode, 16, `${file}: float32`);
      assert.deepEqual(h.dims.slice(0, 4), [3, ...input.dims]);
      assert.equal(h.littleEndian, src.littleEndian, `${file}: byte order kept`);
      for (const k of [
        'pixDims',
        'qform_code',
        'sform_code',
        'quatern_b',
        'quatern_c',
        'quatern_d',
        'qoffset_x',
        'xyzt_units',
        'description',
        'affine',
      ] as const)
        assert.deepEqual(h[k], src[k], `${file}: ${k} kept`);
      assert.deepEqual(readNifti(out, 'written').affine, input.affine, `${file}: world affine kept`);
      // Voxel order on disk: i fastest, as the reader transposes back.
      const image = new DataView(readImage(h, buffer));
      const disk = Float32Array.from({ length: map.length }, (_, i) => image.getFloat32(4 * i, h.littleEndian));
      const [ni, nj] = input.dims;
      const nk = input.dims[2];
      assert.equal(disk[1], map[1 * nj * nk], 'disk voxel (1, 0, 0)');
      assert.equal(disk[ni], map[nk], 'disk voxel (0, 1, 0)');
      assert.deepEqual(readNifti(out, 'written').data, map);
    }
  });
});

function gunzipIfNeeded(b: Uint8Array): ArrayBuffer {
  const raw = b[0] === 0x1f && b[1] === 0x8b ? gunzipSync(b) : b;
  return raw.buffer.slice(raw.byteOffset, raw.byteOffset + raw.byteLength) as ArrayBuffer;
}

describe('volume sources', () => {
  it('prepareVolume: wrong channels, dims or non-finite voxels are InvalidInputErrors; a same-size grid is not resampled', () => {
    const v = { volume: new Float32Array(8).fill(1), dims: [2, 2, 2] };
    assert.throws(() => prepareVolume(v, 'v', [1, 3, 2, 2, 2], { kind: 'none' }), /has 1 channel/);
    assert.throws(() => prepareVolume({ ...v, dims: [2, 2, 3] }, 'v', [1, 1, 2, 2, 2], { kind: 'none' }), /as many values/);
    assert.throws(
      () =>
        prepareVolume({ ...v, volume: Float32Array.from([NaN, 1, 1, 1, 1, 1, 1, 1]) }, 'v', [1, 1, 2, 2, 2], { kind: 'none' }),
      /finite/,
    );
    assert.throws(() => prepareVolume(v, 'v', [1, 1, 2, 2], { kind: 'none' }), /not \[N, C, D, H, W\]/);
    const p = prepareVolume(v, 'v', [1, 1, 2, 2, 2], { kind: 'none' });
    assert.deepEqual(p.original, [2, 2, 2]);
    assert.deepEqual(carryToGrid(p.tensor, [2, 2, 2], [2, 2, 2]), p.tensor);
  });
});

describe('orthogonal slices', () => {
  it('the three planes through a voxel of a [2, 3, 4] volume (value = 100·d + 10·h + w), and a ×2 enlargement', () => {
    const data = Float32Array.from({ length: 24 }, (_, p) => 100 * Math.floor(p / 12) + 10 * (Math.floor(p / 4) % 3) + (p % 4));
    const [a, b, c] = orthogonalSlices(data, [2, 3, 4], [1, 2, 3]);
    assert.deepEqual(
      [a.width, a.height, Array.from(a.data)],
      [4, 3, [100, 101, 102, 103, 110, 111, 112, 113, 120, 121, 122, 123]],
    );
    assert.deepEqual([b.width, b.height, Array.from(b.data)], [4, 2, [20, 21, 22, 23, 120, 121, 122, 123]]);
    assert.deepEqual([c.width, c.height, Array.from(c.data)], [3, 2, [3, 13, 23, 103, 113, 123]]);
    const big = enlarge(c, 2);
    assert.deepEqual(
      [big.width, big.height, Array.from(big.data.subarray(0, 12))],
      [6, 4, [3, 3, 13, 13, 23, 23, 3, 3, 13, 13, 23, 23]],
    );
  });
});
