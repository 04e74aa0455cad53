#!/usr/bin/python3
"""Writes test/fixtures/preprocess/: what torchvision + PIL users feed their models, for each photo in ../shared/images.

Run from the repository root with Debian's python3-torch, python3-torchvision and python3-pil (nothing is downloaded):

    /usr/bin/python3 tools/gen_preprocess_fixtures.py

Checked by test/preprocess-parity.test.ts. Written with torchvision 0.14 and Pillow 9.4; PIL's BILINEAR resize has
not changed since Pillow 4.3, so other versions should give the same bytes (the script asserts its own round trips).

Per photo <stem>, decoded with PIL and convert('RGB'):
- <stem>.imagenet.webp: the 224×224 uint8 RGB image after Resize(256) and CenterCrop(224) (torchvision on PIL).
- <stem>.caffe.webp: the 224×224 uint8 RGB image after PIL resize((224, 224), BILINEAR) (the 'caffe' preset).
Both are lossless WebP (the smallest lossless format sharp and PIL both read: ~0.8 MB for all, PNG ~1.1 MB); the
script checks that decoding them gives the bytes back.

manifest.json, per photo: the original size; PIL's decoded-RGB sha256 (tells the test whether its decoder agrees
with PIL's before any resizing); per pipeline the resized size and crop offset, and the sha256 and sum of the final
float32 [3, 224, 224] tensor (imagenet: ToTensor + Normalize(ImageNet mean, std); caffe: BGR, 0–255, float32).
manifest.json also holds "resampler": random images (1, 3 and 4 channels; shrunk, enlarged or left alone per axis)
made by a hash both this script and the test compute (pixel_hash), with the sha256 of PIL's BILINEAR resize of each:
the test requires the same bytes. 4-channel images are resized band by band (what gcam does; PIL's own RGBA path
premultiplies by alpha).

The float tensors are not stored: they follow from the uint8 images by float32 arithmetic, (v / 255 − mean) / std,
which this script asserts reproduces torchvision's tensor bit for bit, so the test can rebuild them and check the
sha256.
"""
import hashlib
import io
import json
import os

import numpy as np
import torch
import torchvision.transforms as T
from PIL import Image

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.normpath(os.path.join(HERE, '..'))
IMAGES = os.path.normpath(os.path.join(ROOT, '..', 'shared', 'images'))
OUT = os.path.join(ROOT, 'test', 'fixtures', 'preprocess')
PHOTOS = ['astronaut.png', 'chelsea.png', 'coffee.png', 'fish.png', 'kitten_224.png', 'retina.jpg', 'rocket.jpg']
MEAN = [0.485, 0.456, 0.406]
STD = [0.229, 0.224, 0.225]


def sha256(b):
    return hashlib.sha256(b).hexdigest()


def tensor_record(t):
    """sha256 of the float32 [3, H, W] tensor's little-endian bytes, and its sum (in float64) for a readable check."""
    a = np.ascontiguousarray(t.numpy().astype('<f4'))
    return {'sha256': sha256(a.tobytes()), 'sum': float(a.astype(np.float64).sum())}


def float32_from_uint8(img, mean, std, scale, bgr):
    """The tensor the test rebuilds from the stored bytes: float32 steps x = v / scale, (x − mean) / std."""
    a = np.asarray(img).astype(np.float32).transpose(2, 0, 1)
    if bgr:
        a = a[::-1]
    m = np.array(mean, np.float32)[:, None, None]
    s = np.array(std, np.float32)[:, None, None]
    return torch.from_numpy(np.ascontiguousarray(((a / np.float32(scale)) - m) / s))


def write_webp(img, path):
    buf = io.BytesIO()
    img.save(buf, 'WEBP', lossless=True, quality=100, method=6)
    data = buf.getvalue()
    back = Image.open(io.BytesIO(data)).convert('RGB')
    assert np.array_equal(np.asarray(back), np.asarray(img)), f'{path}: lossless WebP did not round-trip'
    with open(path, 'wb') as f:
        f.write(data)
    return len(data)


def pixel_hash(n, seed, binary):
    """n pseudo-random bytes: a murmur3-style finaliser of i·0x9E3779B1 + seed (uint32). Binary: 0 or 255 only."""
    h = np.arange(n, dtype=np.uint32) * np.uint32(0x9E3779B1) + np.uint32(seed)
    h ^= h >> np.uint32(16)
    h *= np.uint32(0x85EBCA6B)
    h ^= h >> np.uint32(13)
    h *= np.uint32(0xC2B2AE35)
    h ^= h >> np.uint32(16)
    return ((h & np.uint32(1)) * np.uint32(255) if binary else h & np.uint32(255)).astype(np.uint8)


def resampler_cases():
    """Random sizes for PIL-exactness of the resampler alone; the inputs are rebuilt by the test from pixel_hash."""
    rng = np.random.default_rng(2024)
    cases = []
    for i in range(48):
        ch = [1, 3, 4][i % 3]
        w0, h0 = int(rng.integers(1, 700)), int(rng.integers(1, 500))
        w1, h1 = int(rng.integers(1, 300)), int(rng.integers(1, 300))
        if i % 8 == 5:
            w1 = w0  # one axis left alone: PIL skips that pass
        if i % 8 == 6:
            h1 = h0
        if i % 8 == 7:
            w1, h1 = w0 * 3 + 1, h0 * 2  # enlarging both axes
        seed, binary = int(rng.integers(0, 2**31)), i % 4 == 1
        a = pixel_hash(w0 * h0 * ch, seed, binary).reshape(h0, w0, ch)
        planes = [Image.fromarray(np.ascontiguousarray(a[:, :, c]), 'L') for c in range(ch)]
        bands = [p.resize((w1, h1), Image.BILINEAR) for p in planes]
        if ch == 3:  # the RGB path too, which must equal band by band
            rgb = np.asarray(Image.fromarray(a, 'RGB').resize((w1, h1), Image.BILINEAR))
            assert np.array_equal(rgb, np.stack([np.asarray(b) for b in bands], -1))
        out = np.stack([np.asarray(b) for b in bands], -1)
        digest = sha256(out.tobytes())
        cases.append({'from': [w0, h0, ch], 'to': [w1, h1], 'seed': seed, 'binary': binary, 'sha256': digest})
    return cases


def main():
    torch.set_num_threads(2)
    os.makedirs(OUT, exist_ok=True)
    resize = T.Resize(256)  # bilinear, on a PIL image: Image.resize(size, BILINEAR)
    crop = T.CenterCrop(224)
    to_tensor = T.ToTensor()
    normalize = T.Normalize(MEAN, STD)
    manifest = {'torchvision': __import__('torchvision').__version__, 'pillow': Image.__version__, 'photos': {}}
    total = 0
    for name in PHOTOS:
        stem = os.path.splitext(name)[0]
        photo = Image.open(os.path.join(IMAGES, name)).convert('RGB')
        w, h = photo.size

        # imagenet: torchvision's own transforms, so sizes and offsets are its rules, not a re-implementation.
        resized = resize(photo)
        cropped = crop(resized)
        rw, rh = resized.size
        left, top = int(round((rw - 224) / 2.0)), int(round((rh - 224) / 2.0))
        assert np.array_equal(np.asarray(resized.crop((left, top, left + 224, top + 224))), np.asarray(cropped))
        imagenet = normalize(to_tensor(cropped))
        rebuilt = float32_from_uint8(cropped, MEAN, STD, 255, bgr=False)
        assert torch.equal(rebuilt, imagenet), f'{name}: float32 rebuild differs from torchvision'

        # caffe: stretch to 224×224 with the same PIL resampler, BGR, 0–255.
        stretched = photo.resize((224, 224), Image.BILINEAR)
        caffe = float32_from_uint8(stretched, [0, 0, 0], [1, 1, 1], 1, bgr=True)
        assert torch.equal(caffe[0], torch.from_numpy(np.asarray(stretched)[:, :, 2].astype(np.float32)))

        total += write_webp(cropped, os.path.join(OUT, f'{stem}.imagenet.webp'))
        total += write_webp(stretched, os.path.join(OUT, f'{stem}.caffe.webp'))
        manifest['photos'][name] = {
            'original': [w, h],
            'decodedSha256': sha256(np.asarray(photo).tobytes()),
            'imagenet': {'resized': [rw, rh], 'offset': [left, top], 'tensor': tensor_record(imagenet)},
            'caffe': {'resized': [224, 224], 'offset': [0, 0], 'tensor': tensor_record(caffe)},
        }
        print(f'{name}: {w}×{h} → imagenet resized {rw}×{rh}, crop at ({left}, {top})')
    manifest['resampler'] = resampler_cases()
    with open(os.path.join(OUT, 'manifest.json'), 'w') as f:
        json.dump(manifest, f, indent=2)
        f.write('\n')
    print(f'{len(PHOTOS) * 2} images, {total} bytes of WebP, in {os.path.relpath(OUT, ROOT)}')


if __name__ == '__main__':
    main()
