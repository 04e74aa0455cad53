/**
 * NIfTI-2 volumes against files written by nibabel (tools/gen_nifti2_fixtures.py, nib.Nifti2Image): voxels after
 * scaling, both byte orders, gzip, the sform, the qform (a rotation with qfac −1) and a 4-D series by frame; the typed
 * errors (an unsupported datatype, a truncated file, a 4-D series without a frame, a .hdr/.img pair's magic); and the
 * round trip: gcam's float32 heatmap of a NIfTI-2 input is a NIfTI-2 file that nibabel reads (when python3-nibabel is
 * installed) with the input's affine, pixdim, units and description and gcam's map as its data, written by the
 * library and by `gcam explain` on a tiny 3-D classifier.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, it } from 'node:test';
import { gunzipSync } from 'fflate';
import { VolumeReadError, createImageExplainer, readNifti, writeNifti } from '../src/node.js';
import { assertClose } from './helpers/compare.js';
import { runCli, tempDir } from './helpers/cli.js';
import { tinyVolumeModel } from './helpers/tiny-model.js';

const DIR = fileURLToPath(new URL('./fixtures/volumes/', import.meta.url));
interface Entry {
  file: string;
  datatype: number;
  frame: number | null;
  error: string | null;
  dims: number[];
  voxels: number[];
  affine: number[][];
  littleEndian: boolean;
}
const { files } = JSON.parse(readFileSync(join(DIR, 'nifti2.json'), 'utf8')) as { files: Entry[] };
const bytes = (file: string) => new Uint8Array(readFileSync(join(DIR, file)));
const readable = files.filter((f) => !f.error);
const reason = (r: string) => (e: unknown) => e instanceof VolumeReadError && e.reason === r;

const PYTHON = '/usr/bin/python3';
const nibabel = existsSync(PYTHON) && spawnSync(PYTHON, ['-c', 'import nibabel'], { encoding: 'utf8' }).status === 0;

/**
 * What nibabel reads of each (written, input) pair: the written file's class, dtype, shape, data (C order: row-major
 * [i][j][k]) and the largest difference between the two files' affines, pixdims, units and descriptions.
 */
function nibabelReads(pairs: [string, string][]) {
  const script = `
import json, sys
import nibabel as nib, numpy as np
out = []
for written, source in json.loads(sys.argv[1]):
    w, s = nib.load(written), nib.load(source)
    out.append({"cls": type(w).__name__, "dtype": w.get_data_dtype().name, "shape": list(w.shape),
                "data": [float(v) for v in np.asarray(w.dataobj).reshape(-1)],
                "affine": float(np.abs(w.affine - s.affine).max()),
                "pixdim": float(np.abs(w.header["pixdim"][1:4] - s.header["pixdim"][1:4]).max()),
                "units": [w.header.get_xyzt_units(), s.header.get_xyzt_units()],
                "descrip": [w.header["descrip"].item().decode(), s.header["descrip"].item().decode()],
                "codes": [int(w.header["sform_code"]), int(w.header["qform_code"]), int(s.header["sform_code"]), int(s.header["qform_code"])]})
print(json.dumps(out))
`;
  const r = spawnSync(PYTHON, ['-c', script, JSON.stringify(pairs)], { encoding: 'utf8' });
  assert.equal(r.status, 0, r.stderr);
  return JSON.parse(r.stdout) as {
    cls: string;
    dtype: string;
    shape: number[];
    data: number[];
    affine: number;
    pixdim: number;
    units: string[][];
    descrip: string[];
    codes: number[];
  }[];
}

describe('NIfTI-2 files written by nibabel', () => {
  for (const f of readable)
    it(`${f.file}: voxels, dims and affine as nibabel reads them`, () => {
      const v = readNifti(bytes(f.file), f.file, f.frame ?? undefined);
      assert.equal(v.version, 2);
      assert.equal(v.header.length, 540);
      assert.equal(v.littleEndian, f.littleEndian);
      assert.deepEqual(v.dims, f.dims);
      assertClose(v.data, f.voxels, 1e-6, `${f.file} voxels`);
      assertClose(v.affine.flat(), f.affine.flat(), 1e-9, `${f.file} affine`);
    });

  it('typed errors: an unsupported datatype, a truncated file, a series without a frame, a .hdr/.img magic', () => {
    const complex = files.find((f) => f.error === 'datatype')!;
    assert.throws(
      () => readNifti(bytes(complex.file), complex.file),
      (e: unknown) => reason('datatype')(e) && /datatype 32 \(complex64\)/.test((e as Error).message),
    );
    const mr = bytes('mr_nifti2_f32.nii');
    assert.throws(() => readNifti(mr.subarray(0, mr.length - 4), 'cut'), reason('truncated'));
    assert.throws(() => readNifti(mr.subarray(0, 500), 'cut'), reason('truncated'));
    assert.throws(() => readNifti(bytes('series_nifti2.nii'), 's'), reason('time-series'));
    const pair = Uint8Array.from(mr);
    pair.set([0x6e, 0x69, 0x32], 4); // 'ni2': the header of a .hdr/.img pair
    assert.throws(
      () => readNifti(pair, 'pair'),
      (e: unknown) => reason('malformed')(e) && /not a single-file NIfTI-2/.test((e as Error).message),
    );
  });

  it('writeNifti keeps a NIfTI-2 input NIfTI-2 (540-byte header, data at 544) and reads back', () => {
    for (const f of readable.filter((x) => x.frame === null)) {
      const input = readNifti(bytes(f.file), f.file);
      const map = Float32Array.from(input.data, (_, i) => ((i * 37) % 101) / 100);
      const out = writeNifti(map, input.dims, input);
      const le = input.littleEndian;
      assert.equal(new DataView(out.buffer).getInt32(0, le), 540);
      assert.equal(out.length, 544 + 4 * map.length);
      const back = readNifti(out, 'written');
      assert.equal(back.version, 2);
      assert.deepEqual(back.data, map);
      assert.deepEqual(back.affine, input.affine, `${f.file}: world affine kept`);
    }
  });

  it(
    'nibabel reads gcam heatmaps of NIfTI-2 inputs: Nifti2Image, float32, gcam map as data, affine and header kept',
    { skip: nibabel ? false : 'python3-nibabel is not installed' },
    () => {
      const dir = tempDir('gcam-nifti2-');
      const pairs: [string, string][] = [];
      const maps: Float32Array[] = [];
      for (const f of readable.filter((x) => x.frame === null)) {
        const input = readNifti(bytes(f.file), f.file);
        const map = Float32Array.from(input.data, (_, i) => Math.sin(i) / 2 + 0.5);
        const path = join(dir, `${f.file.replace(/\.nii(\.gz)?$/, '')}-heat.nii`);
        writeFileSync(path, writeNifti(map, input.dims, input));
        pairs.push([path, join(DIR, f.file)]);
        maps.push(map);
      }
      for (const [i, r] of nibabelReads(pairs).entries()) {
        assert.equal(r.cls, 'Nifti2Image');
        assert.equal(r.dtype, 'float32');
        assert.deepEqual(Float32Array.from(r.data), maps[i], `${pairs[i][1]}: data`);
        assert.equal(r.affine, 0, `${pairs[i][1]}: affine equal`);
        assert.equal(r.pixdim, 0);
        assert.deepEqual(r.units[0], r.units[1]);
        assert.deepEqual(r.descrip[0], r.descrip[1]);
        assert.deepEqual(r.codes.slice(0, 2), r.codes.slice(2), 'sform and qform codes kept');
      }
    },
  );

  it(
    'gcam explain on a NIfTI-2 .nii.gz writes a NIfTI-2 heatmap on its grid: nibabel reads the library map and the affine',
    { skip: nibabel ? false : 'python3-nibabel is not installed' },
    async () => {
      const dir = tempDir('gcam-nifti2-cli-');
      const model = join(dir, 'tiny3d.onnx');
      const bytesOf = tinyVolumeModel([4, 4, 4]);
      writeFileSync(model, bytesOf);
      const file = 'ct_nifti2_i16_be.nii.gz';
      const out = join(dir, 'out');
      const r = await runCli(['explain', join(DIR, file), '--model', model, '--intensity', 'zscore', '--out', out, '-q']);
      assert.equal(r.code, 0, r.stderr);
      const line = JSON.parse(readFileSync(join(out, 'manifest.jsonl'), 'utf8').trim()) as { files: string[] };
      const written = line.files[0];
      assert.match(written, /ct_nifti2_i16_be-\d\.nii\.gz$/);
      const raw = gunzipSync(new Uint8Array(readFileSync(written)));
      assert.equal(new DataView(raw.buffer, raw.byteOffset).getInt32(0, false), 540, 'a big-endian NIfTI-2 header');
      const ex = await createImageExplainer(bytesOf);
      const volume = readNifti(bytes(file), file);
      const [res] = await ex.explain([{ volume: volume.data, dims: volume.dims, name: file }], { intensity: 'zscore' });
      await ex.release();
      const [read] = nibabelReads([[written, join(DIR, file)]]);
      assert.equal(read.cls, 'Nifti2Image');
      assert.deepEqual(read.shape, volume.dims);
      assert.deepEqual(Float32Array.from(read.data), res.map, "the heatmap is the library's map");
      assert.equal(read.affine, 0, 'affine equal');
      assert.deepEqual(read.codes, [0, 1, 0, 1]);
    },
  );
});
