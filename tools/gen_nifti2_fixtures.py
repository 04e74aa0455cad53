#!/usr/bin/python3
"""Writes the NIfTI-2 files of test/fixtures/volumes/ with Debian's python3-nibabel (nib.Nifti2Image), independent of
gcam's reader, and what gcam must read from them (test/nifti2.test.ts).

Run: /usr/bin/python3 tools/gen_nifti2_fixtures.py
- mr_nifti2_f32.nii        float32, little-endian, an oblique sform (code 2) and a different qform (code 1): the sform wins
- ct_nifti2_i16_be.nii.gz  int16, big-endian, scaled by nibabel (scl_slope/scl_inter), only a qform (a rotation with
                           qfac −1: a left-handed grid), gzipped
- series_nifti2.nii        float64, a 4-D series of 3 frames, sform code 1 (gcam reads frame 1)
- complex_nifti2.nii       complex64: a datatype gcam refuses
- nifti2.json              per file: the voxels as nibabel's get_fdata() gives them, row-major [i][j][k] (C order), the
                           dims, nibabel's affine (its best: sform, else qform), the frame read, the datatype, the error
Fixed seeds and gzip mtime 0: output is reproducible.
"""
import gzip
import json
import math
import os

import nibabel as nib
import numpy as np

HERE = os.path.dirname(os.path.abspath(__file__))
OUT = os.path.join(HERE, '..', 'test', 'fixtures', 'volumes')


def rotation(axis, theta):
    c, s = math.cos(theta), math.sin(theta)
    r = np.eye(3)
    i, j = [k for k in range(3) if k != axis]
    r[i, i], r[i, j], r[j, i], r[j, j] = c, -s, s, c
    return r


def affine(rot, zooms, offset):
    a = np.eye(4)
    a[:3, :3] = rot @ np.diag(zooms)
    a[:3, 3] = offset
    return a


def entry(name, img, frame=None, error=None):
    data = np.asanyarray(img.dataobj)
    out = {'file': name, 'datatype': int(img.header['datatype']), 'frame': frame, 'error': error}
    if error is None:
        values = img.get_fdata()
        if values.ndim == 4:
            values = values[..., frame]
        out.update({'dims': list(values.shape), 'voxels': [float(f'{v:.9g}') for v in values.reshape(-1)],
                    'affine': img.affine.tolist(), 'littleEndian': img.header.endianness == '<',
                    'shape': list(data.shape)})
    return out


def save(name, img, gz=False):
    raw = img.to_bytes()
    with open(os.path.join(OUT, name), 'wb') as f:
        f.write(gzip.compress(raw, mtime=0) if gz else raw)
    return nib.Nifti2Image.from_bytes(raw)


def main():
    rng = np.random.default_rng(20261201)
    entries = []

    mr = rng.normal(100, 30, size=(5, 4, 3)).astype(np.float32)
    img = nib.Nifti2Image(mr, affine(rotation(2, 0.3), (0.9, 1.1, 2.5), (-20.0, 15.5, -8.25)))
    img.set_qform(affine(np.eye(3), (0.9, 1.1, 2.5), (1.0, 2.0, 3.0)), code=1)
    img.set_sform(img.get_sform(), code=2)
    img.header.set_xyzt_units('mm', 'sec')
    img.header['descrip'] = b'gcam NIfTI-2 fixture'
    entries.append(entry('mr_nifti2_f32.nii', save('mr_nifti2_f32.nii', img)))

    hu = np.round(rng.normal(40, 400, size=(6, 5, 4)))
    left = affine(rotation(0, -0.4), (1.2, 0.8, 2.0), (30.0, -12.0, 5.0)) @ np.diag([1, 1, -1, 1])
    img = nib.Nifti2Image(hu, None, header=nib.Nifti2Header().as_byteswapped('>'))
    img.set_data_dtype(np.int16)
    img.set_sform(None, code=0)
    img.set_qform(left, code=1)
    written = save('ct_nifti2_i16_be.nii.gz', img, gz=True)
    assert written.header.endianness == '>' and written.header['qform_code'] == 1 and written.header['sform_code'] == 0
    assert written.header['pixdim'][0] == -1, 'qfac −1'
    entries.append(entry('ct_nifti2_i16_be.nii.gz', written))

    series = rng.normal(0, 1, size=(3, 4, 2, 3))
    img = nib.Nifti2Image(series, affine(np.eye(3), (2.0, 2.0, 3.0), (0.0, 0.0, 0.0)), dtype=np.float64)
    img.set_sform(img.get_sform(), code=1)
    entries.append(entry('series_nifti2.nii', save('series_nifti2.nii', img), frame=1))

    cx = (rng.normal(size=(2, 2, 2)) + 1j * rng.normal(size=(2, 2, 2))).astype(np.complex64)
    entries.append(entry('complex_nifti2.nii', save('complex_nifti2.nii', nib.Nifti2Image(cx, np.eye(4))), error='datatype'))

    with open(os.path.join(OUT, 'nifti2.json'), 'w') as f:
        json.dump({'generator': f'tools/gen_nifti2_fixtures.py (nibabel {nib.__version__})', 'files': entries}, f)
        f.write('\n')
    print(f'wrote {len(entries)} NIfTI-2 files to {os.path.normpath(OUT)}')


if __name__ == '__main__':
    main()
