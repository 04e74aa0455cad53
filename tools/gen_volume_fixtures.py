#!/usr/bin/python3
"""Writes test/fixtures/volumes/: references for the volume code that does not need a model (test/volumes.test.ts).

Run with Debian's python3-torch: /usr/bin/python3 tools/gen_volume_fixtures.py
- resize.json      maps [N, d, h, w] (and [N, l]) resized by torch F.interpolate(mode='trilinear' / 'linear'), half-pixel
                   (align_corners=False) and corners aligned (True), up and down, float64.
- intensity.json   a volume and each preset applied as MONAI's transforms define them (numpy, float64): ScaleIntensityRange
                   (CT window, clip), ScaleIntensityRangePercentiles (b 0..1, no clip), NormalizeIntensity, ScaleIntensity.
- *.nii, *.nii.gz  NIfTI-1 files written here with struct from the NIfTI-1 header layout (independent of gcam's writer):
                   int16 with scl_slope/scl_inter and an oblique sform (little-endian), float32 big-endian with only a
                   qform, a float32 4-D series of 3 frames, the int16 one gzipped, and that .nii.gz cut short.
- nifti.json       for each file: the voxels as gcam must read them, row-major [i][j][k] after scaling; the affine.
Fixed seeds: output is reproducible.
"""
import gzip
import json
import math
import os
import struct

import numpy as np
import torch
import torch.nn.functional as F

HERE = os.path.dirname(os.path.abspath(__file__))
OUT = os.path.join(HERE, '..', 'test', 'fixtures', 'volumes')


def arr(a):
    a = np.asarray(a, dtype=np.float64)
    return {'dims': list(a.shape), 'data': [float(f'{v:.9g}') for v in a.reshape(-1)]}


def resize_cases(rng):
    out = []
    for shape, size in [((2, 3, 4, 5), (7, 9, 6)), ((1, 6, 5, 4), (3, 2, 7)), ((1, 1, 2, 2), (5, 8, 8)),
                        ((1, 2, 1, 3), (4, 4, 5))]:
        x = torch.tensor(rng.standard_normal(shape))
        for align in (False, True):
            y = F.interpolate(x[:, None], size=size, mode='trilinear', align_corners=align)[:, 0]
            out.append({'name': f'trilinear {list(shape)} → {list(size)} align_corners={align}', 'alignCorners': align,
                        'input': arr(x), 'size': list(size), 'output': arr(y)})
    x = torch.tensor(rng.standard_normal((2, 5)))
    y = F.interpolate(x[:, None], size=(9,), mode='linear', align_corners=False)[:, 0]
    out.append({'name': 'linear [2, 5] → [9]', 'alignCorners': False, 'input': arr(x), 'size': [9], 'output': arr(y)})
    return out


def intensity_cases(rng):
    x = np.round(rng.normal(20, 300, size=(4, 5, 6)), 1)
    out = {'volume': arr(x), 'presets': []}
    lo, hi = 40 - 400 / 2, 40 + 400 / 2
    out['presets'].append({'text': 'ct:40,400', 'output': arr(np.clip((x - lo) / (hi - lo), 0, 1))})
    p_lo, p_hi = np.percentile(x, 0.5), np.percentile(x, 99.5)
    out['presets'].append({'text': 'percentile:0.5,99.5', 'output': arr((x - p_lo) / (p_hi - p_lo))})
    out['presets'].append({'text': 'zscore', 'output': arr((x - x.mean()) / x.std())})
    out['presets'].append({'text': 'range:-1,1', 'output': arr(-1 + (x - x.min()) / (x.max() - x.min()) * 2)})
    out['presets'].append({'text': 'none', 'output': arr(x)})
    return out


def nifti1(data, datatype, little=True, slope=0.0, inter=0.0, pixdim=(1, 1, 1), qform=None, sform=None):
    """A single-file NIfTI-1 (.nii): the 348-byte header, 4 zero bytes (no extension), the voxels i fastest."""
    e = '<' if little else '>'
    dims = list(data.shape)
    dim = [len(dims)] + dims + [1] * (7 - len(dims))
    bitpix = {4: 16, 16: 32}[datatype]
    h = bytearray(348)
    struct.pack_into(e + 'i', h, 0, 348)
    h[38] = ord('r')
    struct.pack_into(e + '8h', h, 40, *dim)
    struct.pack_into(e + 'hh', h, 70, datatype, bitpix)
    qfac = 1.0
    struct.pack_into(e + '8f', h, 76, qfac, *pixdim, 1, 0, 0, 0)
    struct.pack_into(e + 'f', h, 108, 352.0)
    struct.pack_into(e + 'ff', h, 112, slope, inter)
    h[123] = 2 | 8  # xyzt_units: mm, s
    h[148:148 + 19] = b'gcam volume fixture'
    if qform is not None:
        b, c, d, qx, qy, qz = qform
        struct.pack_into(e + 'h', h, 252, 1)
        struct.pack_into(e + '6f', h, 256, b, c, d, qx, qy, qz)
    if sform is not None:
        struct.pack_into(e + 'h', h, 254, 2)
        struct.pack_into(e + '12f', h, 280, *np.asarray(sform, dtype=np.float64)[:3].reshape(-1))
    h[344:348] = b'n+1\0'
    code = {4: 'i2', 16: 'f4'}[datatype]
    body = np.asarray(data).astype(e + code).tobytes(order='F')
    return bytes(h) + b'\0' * 4 + body


def qform_affine(b, c, d, qx, qy, qz, pixdim, qfac=1.0):
    """NIfTI-1 method 2: R from the quaternion (a = sqrt(1 − b² − c² − d²)), columns scaled by pixdim (k by qfac)."""
    a = math.sqrt(max(0.0, 1 - b * b - c * c - d * d))
    r = np.array([[a * a + b * b - c * c - d * d, 2 * (b * c - a * d), 2 * (b * d + a * c)],
                  [2 * (b * c + a * d), a * a + c * c - b * b - d * d, 2 * (c * d - a * b)],
                  [2 * (b * d - a * c), 2 * (c * d + a * b), a * a + d * d - c * c - b * b]])
    m = np.eye(4)
    m[:3, :3] = r * np.array([pixdim[0], pixdim[1], pixdim[2] * qfac])
    m[:3, 3] = [qx, qy, qz]
    return m


def nifti_cases(rng):
    cases = []
    raw = rng.integers(-500, 1500, size=(5, 6, 7)).astype(np.int16)
    theta = 0.3
    sform = np.array([[0.9 * math.cos(theta), -1.1 * math.sin(theta), 0, -20.5],
                      [0.9 * math.sin(theta), 1.1 * math.cos(theta), 0, 13.25],
                      [0, 0, 2.5, -7.0], [0, 0, 0, 1]])
    f32 = lambda m: np.asarray(m, dtype=np.float32).astype(np.float64)  # noqa: E731  (the header stores float32)
    ct = nifti1(raw, 4, slope=2.0, inter=-1024.0, pixdim=(0.9, 1.1, 2.5), sform=sform)
    expected_ct = raw.astype(np.float64) * 2.0 - 1024.0
    cases.append(('ct_int16.nii', ct, expected_ct, f32(sform), None))
    cases.append(('ct_int16.nii.gz', gzip.compress(ct, mtime=0), expected_ct, f32(sform), None))
    vol = rng.standard_normal((4, 3, 5)).astype(np.float32)
    q = (0.1, -0.2, 0.3, 5.0, -6.0, 7.5)
    be = nifti1(vol, 16, little=False, pixdim=(1.5, 2.0, 0.5), qform=q)
    qa = qform_affine(*[float(np.float32(v)) for v in q], pixdim=(1.5, 2.0, 0.5))
    cases.append(('mr_float32_be.nii', be, vol.astype(np.float64), qa, None))
    series = rng.standard_normal((3, 4, 2, 3)).astype(np.float32)
    cases.append(('series_4d.nii', nifti1(series, 16, pixdim=(1, 1, 1)), series[..., 2].astype(np.float64), np.diag([1, 1, 1, 1.0]), 2))
    files = []
    for name, data, expected, affine, frame in cases:
        with open(os.path.join(OUT, name), 'wb') as f:
            f.write(data)
        files.append({'file': name, 'frame': frame, 'voxels': arr(expected), 'affine': np.asarray(affine).tolist()})
    gz = gzip.compress(ct, mtime=0)
    with open(os.path.join(OUT, 'ct_truncated.nii.gz'), 'wb') as f:
        f.write(gz[:len(gz) // 2])
    return files


def main():
    os.makedirs(OUT, exist_ok=True)
    rng = np.random.default_rng(15)
    for name, data in [('resize.json', resize_cases(rng)), ('intensity.json', intensity_cases(rng)),
                       ('nifti.json', nifti_cases(rng))]:
        with open(os.path.join(OUT, name), 'w') as f:
            json.dump(data, f, separators=(',', ':'))
    print(f'wrote {OUT}: {sorted(os.listdir(OUT))}')


if __name__ == '__main__':
    main()
