#!/usr/bin/python3
"""Writes test/fixtures/xray/: 16-bit PNG/TIFF images, single- and multi-frame DICOM files, a small 1-channel 2-D CNN
and their float64 references, for test/xray-*.test.ts.

Run with Debian's python3-torch, python3-onnx, python3-pil and python3-pydicom:
    /usr/bin/python3 tools/gen_xray_fixtures.py
Fixed seeds and UIDs: the output is reproducible on one machine (torch 1.13, Pillow 9.4, pydicom 2.3).

- Images: a 16-bit gray ramp whose neighbouring pixels differ by 0 or 1 (1000…1255) as PNG and TIFF (written by
  PIL), 16-bit RGB, RGBA and gray+alpha PNGs and a 16-bit RGB TIFF (written here with struct/zlib from the PNG and
  TIFF 6.0 layouts: PIL cannot write them). images.json: each file's samples (alpha dropped) and the model inputs
  gcam must build from them, computed with PIL's float ('F') resize and torchvision's Resize/CenterCrop on a PIL
  image per channel, then /65535 and mean/std (or an intensity preset first, on the stored values).
- DICOM (pydicom): explicit and implicit VR little endian, explicit big endian, deflated; signed and unsigned; 8 and
  16 bits allocated; BitsStored < BitsAllocated with garbage in the unused high bits; RescaleSlope/Intercept;
  MONOCHROME1; RGB with planar configuration 1; a file without the 128-byte preamble and meta header; a 3-frame
  file; JPEG Baseline and RLE Lossless files; a file without pixel data; a truncated one. dicom.json: per file, the
  modality values as gcam must read them (pydicom's pixel_array and apply_modality_lut, float64; for the files with
  garbage high bits pydicom 2.3 does not mask, so the stored values are masked and sign-extended here as PS3.5 §8
  says) and the display window's output (pydicom's apply_voi_lut, as a fraction of its output range).
- xray.onnx: a random-weight 1-channel CNN [N, 1, 32, 32] → 4 classes (opset 17). xray.json: for a DICOM and a
  16-bit PNG, the model input (as above), logits and the Grad-CAM map of the predicted class at `layer2` by torch
  autograd in float64, finished in pytorch-grad-cam's order (ReLU, min-max, bilinear half-pixel upsample, min-max).
"""
import json
import os
import struct
import sys
import zlib

import numpy as np
import pydicom
import torch
import torch.nn as nn
import torchvision.transforms as T
from PIL import Image
from pydicom.dataset import FileDataset, FileMetaDataset
from pydicom.encaps import encapsulate
from pydicom.pixel_data_handlers.util import apply_modality_lut, apply_voi_lut
from pydicom.uid import (DeflatedExplicitVRLittleEndian, ExplicitVRBigEndian, ExplicitVRLittleEndian,
                         ImplicitVRLittleEndian, JPEGBaseline8Bit, RLELossless, generate_uid)

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import cam_reference as ref  # noqa: E402

HERE = os.path.dirname(os.path.abspath(__file__))
OUT = os.path.join(HERE, '..', 'test', 'fixtures', 'xray')
W, H = 32, 24
MODEL_SIZE = 32
CT_STORAGE = '1.2.840.10008.5.1.4.1.1.2'
CR_STORAGE = '1.2.840.10008.5.1.4.1.1.1'
SC_STORAGE = '1.2.840.10008.5.1.4.1.1.7'


def arr(a):
    a = np.asarray(a, dtype=np.float64)
    return {'dims': list(a.shape), 'data': [float(f'{v:.10g}') for v in a.reshape(-1)]}


# ---------------------------------------------------------------- 16-bit images

def png16(path, a):
    """A 16-bit PNG (colour type 0, 4, 2 or 6 by channel count), filter 0 on every row, one IDAT."""
    h, w = a.shape[:2]
    c = 1 if a.ndim == 2 else a.shape[2]
    colour = {1: 0, 2: 4, 3: 2, 4: 6}[c]
    rows = b''.join(b'\x00' + a[y].astype('>u2').tobytes() for y in range(h))

    def chunk(kind, data):
        return struct.pack('>I', len(data)) + kind + data + struct.pack('>I', zlib.crc32(kind + data) & 0xffffffff)

    with open(path, 'wb') as f:
        f.write(b'\x89PNG\r\n\x1a\n' + chunk(b'IHDR', struct.pack('>IIBBBBB', w, h, 16, colour, 0, 0, 0)) +
                chunk(b'IDAT', zlib.compress(rows)) + chunk(b'IEND', b''))


def tiff16_rgb(path, a):
    """A baseline little-endian TIFF, 16-bit RGB, uncompressed, chunky, one strip."""
    h, w, _ = a.shape
    data = a.astype('<u2').tobytes()
    n_entries = 10
    ifd_size = 2 + 12 * n_entries + 4
    bits_at = 8 + ifd_size
    data_at = bits_at + 6
    entries = [  # (tag, type, count, value or offset)
        (256, 3, 1, w), (257, 3, 1, h), (258, 3, 3, bits_at), (259, 3, 1, 1), (262, 3, 1, 2),
        (273, 4, 1, data_at), (277, 3, 1, 3), (278, 3, 1, h), (279, 4, 1, len(data)), (284, 3, 1, 1)]
    out = b'II' + struct.pack('<HI', 42, 8) + struct.pack('<H', n_entries)
    for tag, kind, count, value in entries:
        packed = struct.pack('<HHI', tag, kind, count)
        packed += struct.pack('<HH', value, 0) if kind == 3 and count == 1 else struct.pack('<I', value)
        out += packed
    out += struct.pack('<I', 0) + struct.pack('<HHH', 16, 16, 16) + data
    with open(path, 'wb') as f:
        f.write(out)


def resized_planes(samples, spec):
    """Each channel as a PIL 'F' image through torchvision's Resize/CenterCrop (crop) or PIL resize (stretch)."""
    planes = []
    for c in range(samples.shape[2]):
        img = Image.fromarray(samples[:, :, c].astype(np.float32), mode='F')
        if spec['resize'] == 'crop':
            img = T.CenterCrop(MODEL_SIZE)(T.Resize(spec['shorter'])(img))
        else:
            img = img.resize((MODEL_SIZE, MODEL_SIZE), Image.BILINEAR)
        planes.append(np.array(img, dtype=np.float32))
    return np.stack(planes)


def intensity(x, text):
    """The intensity presets on the stored values, float64, as MONAI's transforms define them (docs/medical.md)."""
    x = np.asarray(x, dtype=np.float64)
    name, _, args = text.partition(':')
    a, b = (float(v) for v in args.split(',')) if args else (None, None)
    if name == 'ct':
        lo = a - b / 2
        return np.clip((x - lo) / b, 0, 1)
    if name == 'percentile':
        p_lo, p_hi = np.percentile(x, a), np.percentile(x, b)
        return (x - p_lo) / (p_hi - p_lo)
    if name == 'range':
        return a + (x - x.min()) / (x.max() - x.min()) * (b - a)
    if name == 'zscore':
        return (x - x.mean()) / x.std()
    assert name == 'none'
    return x


def model_input(samples, spec, full_scale=None, text=None, invert=False, channels=1):
    """The model input [C, 32, 32]: intensity preset (then MONOCHROME1 inversion), resize, scale, mean/std."""
    x = samples.astype(np.float64)
    if text is not None:
        x = intensity(x, text)
        if invert:
            x = 1 - x
    # Gray from RGB after the resize, per pixel, as gcam's 8-bit path: 0.299 R + 0.587 G + 0.114 B.
    planes = resized_planes(x.astype(np.float32), spec).astype(np.float64)
    if channels == 1 and planes.shape[0] == 3:
        planes = (0.299 * planes[0] + 0.587 * planes[1] + 0.114 * planes[2])[None]
    elif channels == 3 and planes.shape[0] == 1:
        planes = np.repeat(planes, 3, axis=0)
    if text is None:
        planes = planes / full_scale
    mean = np.float32(spec['mean']).astype(np.float64).reshape(-1, 1, 1)
    std = np.float32(spec['std']).astype(np.float64).reshape(-1, 1, 1)
    return (planes - mean) / std


IMAGENET_1 = {'resize': 'crop', 'shorter': round(MODEL_SIZE * 256 / 224), 'mean': [(0.485 + 0.456 + 0.406) / 3],
              'std': [(0.229 + 0.224 + 0.225) / 3]}
IMAGENET_3 = {'resize': 'crop', 'shorter': round(MODEL_SIZE * 256 / 224), 'mean': [0.485, 0.456, 0.406],
              'std': [0.229, 0.224, 0.225]}
STRETCH_1 = {'resize': 'stretch', 'mean': [0.0], 'std': [1.0]}


def image_fixtures(rng):
    ramp = (1000 + (np.arange(H * W).reshape(H, W)) // 3).astype(np.uint16)
    Image.fromarray(ramp).save(os.path.join(OUT, 'ramp16.png'))
    Image.fromarray(ramp).save(os.path.join(OUT, 'ramp16.tif'))
    rgb = rng.integers(0, 65536, (H, W, 3)).astype(np.uint16)
    rgba = np.concatenate([rgb, rng.integers(0, 65536, (H, W, 1)).astype(np.uint16)], axis=2)
    ga = np.stack([ramp * 40, rng.integers(0, 65536, (H, W)).astype(np.uint16)], axis=2)
    png16(os.path.join(OUT, 'rgb16.png'), rgb)
    png16(os.path.join(OUT, 'rgba16.png'), rgba)
    png16(os.path.join(OUT, 'ga16.png'), ga)
    tiff16_rgb(os.path.join(OUT, 'rgb16.tif'), rgb)
    files = {'ramp16.png': ramp[:, :, None], 'ramp16.tif': ramp[:, :, None], 'rgb16.png': rgb, 'rgba16.png': rgb,
             'ga16.png': ga[:, :, :1], 'rgb16.tif': rgb}
    # PIL reads the 16-bit gray files back as they were written (mode 'I' for PNG, 'I;16' for TIFF).
    for name in ('ramp16.png', 'ramp16.tif'):
        back = np.array(Image.open(os.path.join(OUT, name)))
        assert (back == ramp).all(), name
    out = []
    for name, samples in files.items():
        # Every file with a 1-channel and a 3-channel model (imagenet); the intensity presets on two of them.
        cases = [{'preprocess': 'imagenet', 'channels': channels,
                  'tensor': arr(model_input(samples, spec, 65535, channels=channels))}
                 for spec, channels in ((IMAGENET_1, 1), (IMAGENET_3, 3))]
        if name in ('ramp16.png', 'rgb16.tif'):
            for text in ('range:0,1', 'percentile:1,99', 'ct:1100,200'):
                cases.append({'preprocess': 'stretch', 'channels': 1, 'intensity': text,
                              'tensor': arr(model_input(samples, STRETCH_1, text=text, channels=1))})
        out.append({'file': name, 'width': W, 'height': H, 'channels': samples.shape[2],
                    'samples': arr(samples), 'cases': cases})
    return out


# ---------------------------------------------------------------- DICOM

def dicom(name, pixels, *, syntax=ExplicitVRLittleEndian, storage=CT_STORAGE, photometric='MONOCHROME2',
          bits_allocated=16, bits_stored=None, signed=False, slope=None, intercept=None, window=None, frames=None,
          planar=None, raw_bytes=None, preamble=True, pixel_data=True, modality='CT'):
    """One DICOM file written by pydicom (pixels: [rows, cols] or [rows, cols, 3], or [frames, rows, cols])."""
    meta = FileMetaDataset()
    meta.MediaStorageSOPClassUID = storage
    meta.MediaStorageSOPInstanceUID = generate_uid(entropy_srcs=['gcam-xray', name])
    meta.TransferSyntaxUID = syntax
    path = os.path.join(OUT, name)
    ds = FileDataset(path, {}, file_meta=meta, preamble=b'\0' * 128)
    ds.is_little_endian = syntax != ExplicitVRBigEndian
    ds.is_implicit_VR = syntax == ImplicitVRLittleEndian
    ds.SOPClassUID = storage
    ds.SOPInstanceUID = meta.MediaStorageSOPInstanceUID
    ds.Modality = modality
    ds.PatientName = 'Phantom^Gcam'
    if pixel_data:
        shape = pixels.shape
        rows, cols = (shape[1], shape[2]) if frames else (shape[0], shape[1])
        samples = 3 if photometric == 'RGB' else 1
        ds.Rows, ds.Columns = rows, cols
        ds.SamplesPerPixel = samples
        ds.PhotometricInterpretation = photometric
        ds.BitsAllocated = bits_allocated
        ds.BitsStored = bits_stored or bits_allocated
        ds.HighBit = ds.BitsStored - 1
        ds.PixelRepresentation = 1 if signed else 0
        if samples == 3:
            ds.PlanarConfiguration = planar or 0
        if frames:
            ds.NumberOfFrames = frames
        if slope is not None:
            ds.RescaleSlope = slope
            ds.RescaleIntercept = intercept
            ds.RescaleType = 'HU' if modality == 'CT' else 'US'
        if window is not None:
            ds.WindowCenter, ds.WindowWidth = window
        if raw_bytes is not None:
            ds.PixelData = raw_bytes
        else:
            kind = {(8, False): 'u1', (8, True): 'i1', (16, False): 'u2', (16, True): 'i2'}[(bits_allocated, signed)]
            order = '>' if syntax == ExplicitVRBigEndian else '<'
            data = pixels
            if samples == 3 and planar == 1:
                data = np.moveaxis(pixels, 2, 0)
            ds.PixelData = np.ascontiguousarray(data).astype(order + kind).tobytes()
    if preamble:
        ds.save_as(path, write_like_original=False)
    else:
        # A bare data set: no preamble, no 'DICM', no meta header (implicit VR little endian, PS3.5 §A.1).
        ds.file_meta = FileMetaDataset()
        ds.preamble = None
        pydicom.dcmwrite(path, ds, write_like_original=True)
    return path


def masked(stored, bits_stored, signed):
    """The stored values with the bits above BitsStored cleared and, when signed, sign-extended (PS3.5 §8.1.1)."""
    v = stored.astype(np.int64) & ((1 << bits_stored) - 1)
    if signed:
        v = np.where(v & (1 << (bits_stored - 1)), v - (1 << bits_stored), v)
    return v


def reference(path, values=None):
    """What gcam must read: pydicom's modality values (or `values`, stored values masked here) and display window."""
    ds = pydicom.dcmread(path, force=True)
    if 'TransferSyntaxUID' not in ds.file_meta:  # a bare data set: implicit VR little endian
        ds.file_meta.TransferSyntaxUID = ImplicitVRLittleEndian
    stored = ds.pixel_array if values is None else values
    mod = apply_modality_lut(stored, ds).astype(np.float64)
    entry = {'file': os.path.basename(path), 'width': int(ds.Columns), 'height': int(ds.Rows),
             'channels': int(ds.SamplesPerPixel), 'photometric': ds.PhotometricInterpretation,
             'values': arr(mod)}
    if 'WindowCenter' in ds:
        # apply_voi_lut's output spans [y_min, y_max] of the stored range (rescaled): as a fraction of it.
        bits = int(ds.BitsStored)
        y_min, y_max = (-2 ** (bits - 1), 2 ** (bits - 1) - 1) if ds.PixelRepresentation else (0, 2 ** bits - 1)
        if 'RescaleSlope' in ds:
            y_min = y_min * float(ds.RescaleSlope) + float(ds.RescaleIntercept)
            y_max = y_max * float(ds.RescaleSlope) + float(ds.RescaleIntercept)
        shown = (apply_voi_lut(mod, ds) - y_min) / (y_max - y_min)
        entry['window'] = [float(ds.WindowCenter), float(ds.WindowWidth)]
        entry['display'] = arr(shown)
    return entry


def ct_slice(rng):
    """A CT-like slice in HU: air around a water disc with a bone spot, and noise."""
    yy, xx = np.mgrid[0:H, 0:W]
    hu = np.full((H, W), -1000.0)
    hu[(xx - 15.5) ** 2 + ((yy - 11.5) * 1.2) ** 2 < 11 ** 2] = 30
    hu[(xx - 20) ** 2 + (yy - 9) ** 2 < 3 ** 2] = 900
    return np.round(hu + rng.normal(0, 20, (H, W)))


def dicom_fixtures(rng):
    hu = ct_slice(rng)
    out = []
    # CT, explicit VR little endian, signed 16 bits: stored = HU + 1024, intercept −1024.
    p = dicom('ct.dcm', (hu + 1024).astype(np.int16), signed=True, slope=1, intercept=-1024, window=(40, 400))
    out.append(reference(p))
    # Implicit VR, unsigned 12-of-16 bits with garbage above bit 11, slope 0.5, intercept −100.
    stored12 = rng.integers(0, 4096, (H, W)).astype(np.uint16)
    garbage = stored12 | (rng.integers(0, 16, (H, W)).astype(np.uint16) << 12)
    p = dicom('implicit12.dcm', garbage, syntax=ImplicitVRLittleEndian, bits_stored=12, slope=0.5, intercept=-100)
    out.append(reference(p, masked(garbage, 12, False)))
    # Explicit VR big endian, signed 12-of-16 bits (sign in bit 11, garbage above), slope 2, intercept 10.
    s12 = rng.integers(-2048, 2048, (H, W))
    raw = (s12 & 0x0FFF) | (rng.integers(0, 16, (H, W)) << 12)
    p = dicom('bigendian.dcm', raw.astype(np.uint16), syntax=ExplicitVRBigEndian, bits_stored=12, signed=True, slope=2,
              intercept=10, window=(0, 2000))
    out.append(reference(p, masked(raw, 12, True)))
    # CR, MONOCHROME1, 10 bits unsigned, no rescale, a window.
    cr = (rng.integers(0, 1024, (H, W))).astype(np.uint16)
    p = dicom('mono1.dcm', cr, storage=CR_STORAGE, modality='CR', photometric='MONOCHROME1', bits_stored=10,
              window=(600, 800))
    out.append(reference(p))
    # 8 bits allocated, unsigned; and signed.
    u8 = rng.integers(0, 256, (H, W)).astype(np.uint8)
    out.append(reference(dicom('u8.dcm', u8, storage=SC_STORAGE, modality='OT', bits_allocated=8)))
    s8 = rng.integers(-128, 128, (H, W)).astype(np.int8)
    out.append(reference(dicom('s8.dcm', s8, storage=SC_STORAGE, modality='OT', bits_allocated=8, signed=True,
                               slope=1.5, intercept=3)))
    # RGB, 8 bits, planar configuration 1 (all reds, then greens, then blues).
    rgb = rng.integers(0, 256, (H, W, 3)).astype(np.uint8)
    out.append(reference(dicom('rgb.dcm', rgb, storage=SC_STORAGE, modality='OT', photometric='RGB', bits_allocated=8,
                               planar=1)))
    # Deflated explicit VR little endian.
    out.append(reference(dicom('deflated.dcm', (hu + 1024).astype(np.int16), syntax=DeflatedExplicitVRLittleEndian,
                               signed=True, slope=1, intercept=-1024)))
    # No preamble, no meta header: a bare implicit VR little endian data set.
    p = dicom('bare.dcm', np.clip(hu + 1024, 0, None).astype(np.uint16), syntax=ImplicitVRLittleEndian, slope=1, intercept=-1024,
              preamble=False)
    with open(p, 'rb') as f:
        assert f.read(132)[128:] != b'DICM'
    out.append(reference(p))
    # Three frames: frame t is the slice plus 100·t.
    frames = np.stack([np.clip(hu + 1024, 0, None) + 100 * t for t in range(3)]).astype(np.uint16)
    p = dicom('frames3.dcm', frames, frames=3, slope=1, intercept=-1024)
    ds = pydicom.dcmread(p)
    entry = {'file': 'frames3.dcm', 'width': W, 'height': H, 'channels': 1, 'photometric': 'MONOCHROME2',
             'frames': [arr(apply_modality_lut(ds.pixel_array[t], ds)) for t in range(3)]}
    out.append(entry)
    # Compressed: JPEG Baseline (encapsulated bytes that are never decoded) and RLE Lossless (pydicom's encoder).
    fake_jpeg = b'\xff\xd8\xff\xdb' + bytes(60) + b'\xff\xd9'
    dicom('jpeg.dcm', u8, syntax=JPEGBaseline8Bit, storage=SC_STORAGE, modality='OT', bits_allocated=8,
          raw_bytes=encapsulate([fake_jpeg]))
    ds = pydicom.dcmread(os.path.join(OUT, 'u8.dcm'))
    ds.compress(RLELossless, u8)
    ds.save_as(os.path.join(OUT, 'rle.dcm'))
    # Not an image: no pixel data.
    dicom('nopixels.dcm', None, storage='1.2.840.10008.5.1.4.1.1.88.11', modality='SR', pixel_data=False)
    # Truncated: the CT file cut in the middle of its pixel data.
    with open(os.path.join(OUT, 'ct.dcm'), 'rb') as f:
        whole = f.read()
    with open(os.path.join(OUT, 'truncated.dcm'), 'wb') as f:
        f.write(whole[:len(whole) - W * H])
    return out


# ---------------------------------------------------------------- the model

class XrayNet(nn.Module):
    """conv 3×3 (8) → ReLU → conv 3×3 stride 2 (16) → ReLU [layer2] → conv 3×3 (16) → ReLU → GAP → linear (4)."""

    def __init__(self):
        super().__init__()
        self.layer1 = nn.Sequential(nn.Conv2d(1, 8, 3, padding=1), nn.ReLU())
        self.layer2 = nn.Sequential(nn.Conv2d(8, 16, 3, stride=2, padding=1), nn.ReLU())
        self.layer3 = nn.Sequential(nn.Conv2d(16, 16, 3, padding=1), nn.ReLU())
        self.fc = nn.Linear(16, 4)

    def forward(self, x):
        a = self.layer2(self.layer1(x))
        return self.fc(self.layer3(a).mean(dim=(2, 3)))


def gradcam(model, x):
    """Grad-CAM at layer2 for the predicted class, float64 autograd, pytorch-grad-cam's finishing order."""
    m = model.double()
    keep = {}
    hook = m.layer2.register_forward_hook(lambda _m, _i, out: keep.__setitem__('a', out))
    logits = m(torch.tensor(x[None], dtype=torch.float64))
    hook.remove()
    cls = int(logits[0].argmax())
    a = keep['a']
    (g,) = torch.autograd.grad(logits[0, cls], a)
    final = ref.final_map(ref.gradcam(a.detach(), g), (MODEL_SIZE, MODEL_SIZE))
    return {'class': cls, 'logits': logits[0].tolist(), 'map': arr(final[0].numpy())}


def modality_values(name):
    ds = pydicom.dcmread(os.path.join(OUT, name))
    return apply_modality_lut(ds.pixel_array, ds).astype(np.float64)[:, :, None]


def model_fixtures():
    torch.manual_seed(7)
    model = XrayNet().eval()
    with torch.no_grad():
        for p in model.parameters():
            p.normal_(0, 0.5)
    path = os.path.join(OUT, 'xray.onnx')
    torch.onnx.export(model, torch.zeros(1, 1, MODEL_SIZE, MODEL_SIZE), path, opset_version=17, input_names=['x'],
                      output_names=['logits'], dynamic_axes={'x': {0: 'N'}, 'logits': {0: 'N'}})
    cases = []
    # The CT DICOM with --intensity ct:40,400 and the default imagenet geometry (shorter side 37, centre crop 32);
    # with an intensity preset the preset's mean/std give way to it.
    x = model_input(modality_values('ct.dcm'), {**IMAGENET_1, 'mean': [0.0], 'std': [1.0]}, text='ct:40,400')
    cases.append({'input': 'ct.dcm', 'args': ['--intensity', 'ct:40,400'], 'tensor': arr(x), **gradcam(model, x)})
    # The 16-bit ramp PNG with the imagenet preset (/65535, 1-channel ImageNet mean/std).
    ramp = np.array(Image.open(os.path.join(OUT, 'ramp16.png')))[:, :, None]
    x = model_input(ramp, IMAGENET_1, 65535)
    cases.append({'input': 'ramp16.png', 'args': [], 'tensor': arr(x), **gradcam(model, x)})
    # The MONOCHROME1 CR with percentile:1,99, stretched: the preset's output inverted (1 − y).
    x = model_input(modality_values('mono1.dcm'), STRETCH_1, text='percentile:1,99', invert=True)
    cases.append({'input': 'mono1.dcm', 'args': ['--intensity', 'percentile:1,99', '--resize', 'stretch'],
                  'tensor': arr(x), **gradcam(model, x)})
    return cases


def main():
    torch.set_num_threads(2)
    os.makedirs(OUT, exist_ok=True)
    rng = np.random.default_rng(20240)
    images = image_fixtures(rng)
    dicoms = dicom_fixtures(rng)
    cases = model_fixtures()
    for name, data in (('images.json', images), ('dicom.json', dicoms), ('xray.json', cases)):
        with open(os.path.join(OUT, name), 'w') as f:
            json.dump(data, f, separators=(',', ':'))
    print(f'wrote {len(images)} images, {len(dicoms)} DICOM references and {len(cases)} model cases to {OUT}')


if __name__ == '__main__':
    main()
