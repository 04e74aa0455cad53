#!/usr/bin/python3
"""The 3-D zoo for test/zoo/volumes.test.ts: three volume/video classifiers with random weights (fixed seeds, nothing
downloaded), exported to ONNX at opsets 13 and 17 with a dynamic batch axis, and the maps of every CAM method that
applies computed with torch autograd in float64 (tools/cam_reference.py, whose reductions run over every spatial axis).

Run with Debian's python3-torch, python3-torchvision and python3-onnx:
    /usr/bin/python3 tools/gen_volume_zoo.py [--force] [--out DIR] [name ...]
Output (default .cache/zoo3d/, git-ignored; GCAM_ZOO3D_DIR overrides), per architecture <name>:
    <name>-op13.onnx, <name>-op17.onnx   the model (input 'input' [batch, C, D, H, W], output 'logits')
    <name>.input.npy                     the batch of 2 test volumes, float32 [2, C, D, H, W]
    <name>.<layer role>.<method>.npy     final maps [2, D, H, W] (float32; computed in float64)
    resnet3d.<layers>.gradcam-<option>.npy   Grad-CAM with aug-smooth (flips along W), eigen-smooth, combined layers
    <name>.json                          everything else (see `generate`); written last, so its presence means complete
    resnet3d.ct.nii.gz, resnet3d.ct.gradcam.npy   the NIfTI flow: a CT-like int16 volume on its own 40×36×28 grid
                                         (scl_slope/inter, oblique sform), and the Grad-CAM map on that grid as gcam must
                                         give it: CT window 40,400 → trilinear to 32³ → model → Grad-CAM at layer4 →
                                         final map → trilinear back to 40×36×28 → min-max (MONAI's order: LoadImage,
                                         ScaleIntensityRange, Resize)

Architectures, written here from their published descriptions (MONAI's networks are not installed here):
- densenet3d: MONAI's DenseNet121 for spatial_dims=3 (Huang et al. 2017 in 3-D: 7³ stride-2 stem, BN-ReLU, 3³ max pool,
  dense layers BN-ReLU-Conv1³(bn_size·k)-BN-ReLU-Conv3³(k) concatenated, transitions BN-ReLU-Conv1³-AvgPool2³, final
  BN, then ReLU, global average pool, Linear), REDUCED for speed: growth 8 (121: 32), 16 initial features (64),
  bn_size 2 (4), blocks (2, 2, 2) (121: 6, 12, 24, 16), so that a 32³ volume still ends on a 2³ map. 1 channel, 2 classes.
- resnet3d: MONAI's ResNet (Hara et al. 2018, 3-D ResNet) with BasicBlocks [1, 1, 1, 1] (resnet10), MONAI's defaults
  (7³ stem with stride 1, 3³ stride-2 max pool, shortcut type B), widths reduced to 8/16/32/64 (from 64…512).
  1 channel, 32³, 2 classes.
- r3d_18: torchvision.models.video.r3d_18 (Tran et al. 2018) as it is, random weights: 3 channels, a 3×8×32×32 clip,
  400 classes (its layer4 is 1×2×2 there; gcam's default layer is layer3, 2×4×4).

Weights: conv weights He-normal over their fan-in, BatchNorm statistics and affine parameters random around 1
(tools/gen_zoo.py explains why), Linear heads N(0, 1/fan_in). Inputs: smooth random volumes (trilinear from a 4³ grid
plus noise), rounded to 2 decimals. As in gen_zoo.py, input seeds are tried until every final map of float32 torch
(plain and with weights perturbed by 1e-7) agrees with the float64 one within COND_TOL and the top-1 classes are clear.
"""
import copy
import gzip
import math
import os
import sys
import time

import numpy as np
import onnx
import torch
import torch.nn as nn
import torch.nn.functional as F
import torchvision
from torchvision.models.video import r3d_18

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import cam_reference as ref  # noqa: E402
import zoo_harness as zoo  # noqa: E402
from gen_volume_fixtures import nifti1  # noqa: E402

GRADIENT_METHODS = zoo.GRADIENT_METHODS


# ---------------------------------------------------------------- architectures

class DenseLayer(nn.Module):
    def __init__(self, cin, growth, bn_size):
        super().__init__()
        self.layers = nn.Sequential(
            nn.BatchNorm3d(cin), nn.ReLU(), nn.Conv3d(cin, bn_size * growth, 1, bias=False),
            nn.BatchNorm3d(bn_size * growth), nn.ReLU(), nn.Conv3d(bn_size * growth, growth, 3, padding=1, bias=False))

    def forward(self, x):
        return torch.cat([x, self.layers(x)], 1)


class Transition(nn.Sequential):
    def __init__(self, cin, cout):
        super().__init__(nn.BatchNorm3d(cin), nn.ReLU(), nn.Conv3d(cin, cout, 1, bias=False), nn.AvgPool3d(2, 2))


class DenseNet3d(nn.Module):
    """MONAI DenseNet layout (features: conv0, norm0, relu0, pool0, denseblockK, transitionK, norm5;
    class_layers: relu, pool, flatten, out)."""

    def __init__(self, in_channels=1, classes=2, init=16, growth=8, bn_size=2, blocks=(2, 2, 2)):
        super().__init__()
        f = nn.Sequential()
        f.add_module('conv0', nn.Conv3d(in_channels, init, 7, stride=2, padding=3, bias=False))
        f.add_module('norm0', nn.BatchNorm3d(init))
        f.add_module('relu0', nn.ReLU())
        f.add_module('pool0', nn.MaxPool3d(3, stride=2, padding=1))
        c = init
        for i, n in enumerate(blocks):
            block = nn.Sequential(*[DenseLayer(c + j * growth, growth, bn_size) for j in range(n)])
            f.add_module(f'denseblock{i + 1}', block)
            c += n * growth
            if i < len(blocks) - 1:
                f.add_module(f'transition{i + 1}', Transition(c, c // 2))
                c //= 2
        f.add_module('norm5', nn.BatchNorm3d(c))
        self.features = f
        self.class_layers = nn.Sequential()
        self.class_layers.add_module('relu', nn.ReLU())
        self.class_layers.add_module('pool', nn.AdaptiveAvgPool3d(1))
        self.class_layers.add_module('flatten', nn.Flatten(1))
        self.class_layers.add_module('out', nn.Linear(c, classes))

    def forward(self, x):
        return self.class_layers(self.features(x))


class BasicBlock3d(nn.Module):
    def __init__(self, cin, cout, stride):
        super().__init__()
        self.conv1 = nn.Conv3d(cin, cout, 3, stride, 1, bias=False)
        self.bn1 = nn.BatchNorm3d(cout)
        self.relu = nn.ReLU()
        self.conv2 = nn.Conv3d(cout, cout, 3, 1, 1, bias=False)
        self.bn2 = nn.BatchNorm3d(cout)
        self.downsample = None
        if stride != 1 or cin != cout:
            self.downsample = nn.Sequential(nn.Conv3d(cin, cout, 1, stride, bias=False), nn.BatchNorm3d(cout))

    def forward(self, x):
        y = self.relu(self.bn1(self.conv1(x)))
        y = self.bn2(self.conv2(y))
        return self.relu(y + (x if self.downsample is None else self.downsample(x)))


class ResNet3d(nn.Module):
    """MONAI ResNet layout (conv1, bn1, relu, maxpool, layer1–4, avgpool, fc)."""

    def __init__(self, in_channels=1, classes=2, widths=(8, 16, 32, 64), layers=(1, 1, 1, 1)):
        super().__init__()
        self.conv1 = nn.Conv3d(in_channels, widths[0], 7, stride=1, padding=3, bias=False)
        self.bn1 = nn.BatchNorm3d(widths[0])
        self.relu = nn.ReLU()
        self.maxpool = nn.MaxPool3d(3, stride=2, padding=1)
        c = widths[0]
        for i, (w, n) in enumerate(zip(widths, layers)):
            blocks = [BasicBlock3d(c if j == 0 else w, w, (1 if i == 0 else 2) if j == 0 else 1) for j in range(n)]
            setattr(self, f'layer{i + 1}', nn.Sequential(*blocks))
            c = w
        self.avgpool = nn.AdaptiveAvgPool3d(1)
        self.fc = nn.Linear(c, classes)

    def forward(self, x):
        x = self.maxpool(self.relu(self.bn1(self.conv1(x))))
        x = self.layer4(self.layer3(self.layer2(self.layer1(x))))
        return self.fc(torch.flatten(self.avgpool(x), 1))


class Arch:
    def __init__(self, name, ctor, shape, usual, early, default, methods, notes='', variants=False):
        self.name = name
        self.ctor = ctor
        self.shape = shape  # [C, D, H, W]
        self.layers = {'usual': usual, 'early': early}
        self.default = default  # module path of the layer gcam picks by default
        self.methods = methods  # method names with references at the usual layer (gradient methods also early)
        self.notes = notes
        self.variants = variants  # references for aug-smooth, eigen-smooth and combined layers (Grad-CAM)


ALL_GRADIENT = list(GRADIENT_METHODS) + ['eigencam']
ARCHS = [
    Arch('densenet3d', DenseNet3d, (1, 32, 32, 32), 'class_layers.relu', 'features.denseblock2', 'class_layers.relu',
         ALL_GRADIENT, notes='MONAI DenseNet121 layout, reduced (growth 8, init 16, bn_size 2, blocks 2-2-2).'),
    Arch('resnet3d', ResNet3d, (1, 32, 32, 32), 'layer4', 'layer3', 'layer4',
         ALL_GRADIENT + ['scorecam', 'ablationcam', 'saliency', 'guidedbackprop', 'guidedgradcam'],
         notes='MONAI ResNet (resnet10 blocks), widths 8-16-32-64.', variants=True),
    Arch('r3d_18', lambda: r3d_18(), (3, 8, 32, 32), 'layer4', 'layer3', 'layer3', ALL_GRADIENT,
         notes='torchvision r3d_18 as it is; layer4 is 1×2×2 on an 8×32×32 clip.'),
]


# ---------------------------------------------------------------- what only the 3-D zoo does

def smooth_volumes(gen, n, shape):
    c, d, h, w = shape
    coarse = torch.randn((n, c, 4, 4, 4), generator=gen, dtype=torch.float64) * 1.5
    smooth = F.interpolate(coarse, size=(d, h, w), mode='trilinear', align_corners=False)
    noise = torch.randn((n, c, d, h, w), generator=gen, dtype=torch.float64) * 0.2
    return (torch.round((smooth + noise) * 100) / 100).float()


def run(model, arch, x, dtype, perturb=None, targets=None):
    """Logits, targets (top-1 unless given) and per layer A and dA in `dtype`, and the final maps of the gradient
    methods."""
    m, logits, targets, captured = zoo.capture(model, arch.layers, x, dtype,
                                               None if perturb is None else (perturb, zoo.PERTURBATION), targets)
    size = tuple(arch.shape[1:])
    maps, ok = {}, True
    for role in arch.layers:
        a, g = captured[role].detach(), captured[role].grad.detach()
        for name, fn in list(GRADIENT_METHODS.items()) + [('eigencam', ref.eigencam)]:
            if name in arch.methods:
                maps[(role, name)], fine = zoo.final(fn(a.double(), g.double()), size)
                ok = ok and fine
    return m, logits, targets, captured, maps, ok


def perturbation_maps(arch, m64, x, a, targets, logits):
    """Score-CAM and Ablation-CAM at the usual layer, float64 (the layers after it re-run with the channel zeroed)."""
    out = {}
    size = tuple(arch.shape[1:])
    x64 = x.double()
    if 'scorecam' in arch.methods:
        with torch.no_grad():
            w = ref.scorecam_weights(a, x64, lambda inp: m64(inp), targets)
        out['scorecam'] = zoo.final(ref.weighted_sum(w, a), size)[0]
    if 'ablationcam' in arch.methods:
        # The layers after layer4 (global average pool and fc) on A with channel k of image i zeroed.
        def ablated(i, k):
            cut = a[i:i + 1].clone()
            cut[:, k] = 0
            with torch.no_grad():
                return m64.fc(torch.flatten(m64.avgpool(cut), 1))[0]
        w = ref.ablation_weights(a, ablated, logits, targets)
        out['ablationcam'] = zoo.final(ref.weighted_sum(w, a), size)[0]
    return out


NIFTI_GRID = (40, 36, 28)
CT_WINDOW = (40, 400)


def nifti_flow(arch, model, out):
    """The NIfTI case of resnet3d (see the header): returns its fixture entry."""
    for k in range(zoo.MAX_SEEDS):
        gen = torch.Generator().manual_seed(5000 + k)
        coarse = torch.randn((1, 1, 4, 4, 4), generator=gen, dtype=torch.float64) * 400
        hu = F.interpolate(coarse, size=NIFTI_GRID, mode='trilinear', align_corners=False)[0, 0] + 40
        stored = torch.round((hu + 1024) / 2).clamp(-32768, 32767)  # int16 with scl_slope 2, scl_inter -1024
        values = stored * 2 - 1024
        lo = CT_WINDOW[0] - CT_WINDOW[1] / 2
        scaled = ((values - lo) / CT_WINDOW[1]).clamp(0, 1)
        x = F.interpolate(scaled[None, None], size=arch.shape[1:], mode='trilinear', align_corners=False)
        maps = {}
        for dtype in (torch.float32, torch.float64):
            m = copy.deepcopy(model).to(dtype)
            layer = dict(m.named_modules())['layer4']
            cap = {}
            h = layer.register_forward_hook(lambda _m, _i, o: cap.setdefault('a', o))
            inp = x.to(dtype)
            logits = m(inp)
            h.remove()
            cls = int(logits.argmax())
            g, = torch.autograd.grad(logits[0, cls], cap['a'])
            fin, ok = zoo.final(ref.gradcam(cap['a'].detach().double(), g.double()), tuple(arch.shape[1:]))
            back, ok2 = ref.min_max(ref.upsample(fin, NIFTI_GRID))
            maps[dtype] = (back, cls, ok and ok2, logits.detach())
        dev = float((maps[torch.float32][0] - maps[torch.float64][0]).abs().max())
        back, cls, ok, logits = maps[torch.float64]
        if ok and dev <= zoo.COND_TOL and cls == maps[torch.float32][1] and zoo.margin_ok(logits):
            break
        print(f'    NIfTI seed {k}: deviation {dev:.1e}', flush=True)
    else:
        raise RuntimeError('no well-conditioned NIfTI volume')
    theta = 0.2
    sform = np.array([[1.2 * math.cos(theta), -0.8 * math.sin(theta), 0, -30.0],
                      [1.2 * math.sin(theta), 0.8 * math.cos(theta), 0, 12.5],
                      [0, 0, 2.0, -40.0], [0, 0, 0, 1]])
    data = nifti1(stored.numpy().astype(np.int16), 4, slope=2.0, inter=-1024.0, pixdim=(1.2, 0.8, 2.0), sform=sform)
    with open(os.path.join(out, 'resnet3d.ct.nii.gz'), 'wb') as f:
        f.write(gzip.compress(data, mtime=0))
    zoo.write_npy(os.path.join(out, 'resnet3d.ct.gradcam.npy'), back[0].numpy())
    return {'file': 'resnet3d.ct.nii.gz', 'intensity': f'ct:{CT_WINDOW[0]},{CT_WINDOW[1]}', 'grid': list(NIFTI_GRID),
            'class': cls, 'gradcam': 'resnet3d.ct.gradcam.npy',
            'affine': np.asarray(sform, dtype=np.float32).astype(np.float64).tolist(), 'float32Deviation': dev}


def generate(arch, seed, out, key):
    t0 = time.time()
    torch.manual_seed(seed)
    model = arch.ctor()
    # None of these architectures' Conv3d has a bias.
    zoo.randomize(model, torch.Generator().manual_seed(seed + 1000), nn.Conv3d)
    model.eval()
    x, m64, logits, targets, cap, maps, dev, image_seed = zoo.choose(model, arch, seed, smooth_volumes, run)
    extra = perturbation_maps(arch, m64, x, cap['usual'].detach(), targets, logits)
    inputs, dev = zoo.input_references(arch, model, m64, x, targets, maps, dev, run)
    # Volumes flip the last (width) axis for aug-smooth.
    variants = zoo.variant_maps(arch, model, x.double(), targets, maps, cap, run) if arch.variants else []
    files = zoo.write_maps(out, arch, x, maps, extra, inputs, variants)
    onnx_info = zoo.export_onnx(model, x, out, arch, {'input': {0: 'batch'}, 'logits': {0: 'batch'}})
    generator = (f'tools/gen_volume_zoo.py (torch {torch.__version__}, torchvision {torchvision.__version__}, '
                 f'onnx {onnx.__version__}, seed {seed}, input seed {image_seed})')
    nifti = nifti_flow(arch, model, out) if arch.name == 'resnet3d' else None
    fixture = zoo.fixture(arch, key, generator, targets, logits, cap, files, inputs, variants, onnx_info, dev, t0,
                          before_notes={'nifti': nifti})
    zoo.write_json(os.path.join(out, f'{arch.name}.json'), fixture)
    print(f'  {arch.name}: {time.time() - t0:.1f}s (input seed {image_seed}, targets {fixture["targets"]}, '
          f'float32 deviation {dev:.1e})', flush=True)


if __name__ == '__main__':
    zoo.main(__doc__.split('\n')[0], ARCHS, generate,
             f'{torch.__version__} {torchvision.__version__} {onnx.__version__}', __file__, 'GCAM_ZOO3D_DIR', 'zoo3d',
             '3-D zoo')
