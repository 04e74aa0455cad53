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
import argparse
import copy
import gzip
import hashlib
import json
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
from gen_e2e_fixtures import tensor_for_module  # noqa: E402
from gen_volume_fixtures import nifti1  # noqa: E402

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.normpath(os.path.join(HERE, '..'))
OPSETS = (13, 17)
BATCH = 2
COND_TOL = 1e-5
MARGIN = 2e-4
MAX_SEEDS = 24
PERTURBED_RUNS = 1
PERTURBATION = 1e-7

GRADIENT_METHODS = {
    'gradcam': ref.gradcam,
    'gradcam++': ref.gradcam_pp,
    'hirescam': ref.hirescam,
    'xgradcam': ref.xgradcam,
    'layercam': ref.layercam,
    'gradcamelementwise': ref.gradcam_elementwise,
    'eigengradcam': ref.eigengradcam,
}


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


# ---------------------------------------------------------------- helpers

def cache_key():
    h = hashlib.sha256()
    for f in (os.path.abspath(__file__), os.path.join(HERE, 'cam_reference.py')):
        with open(f, 'rb') as fh:
            h.update(fh.read())
    h.update(f'{torch.__version__} {torchvision.__version__} {onnx.__version__}'.encode())
    return h.hexdigest()[:16]


def randomize(model, gen):
    with torch.no_grad():
        for m in model.modules():
            if isinstance(m, nn.Conv3d):
                m.weight.copy_(torch.randn(m.weight.shape, generator=gen) * math.sqrt(2.0 / m.weight[0].numel()))
            if isinstance(m, nn.Linear):
                m.weight.copy_(torch.randn(m.weight.shape, generator=gen) / math.sqrt(m.in_features))
                m.bias.copy_(torch.randn(m.bias.shape, generator=gen) * 0.1)
            if isinstance(m, nn.modules.batchnorm._BatchNorm):
                c = m.num_features
                m.running_mean.copy_(torch.randn(c, generator=gen) * 0.2)
                m.running_var.copy_(torch.rand(c, generator=gen) + 0.5)
                m.weight.copy_(torch.rand(c, generator=gen) + 0.5)
                m.bias.copy_(torch.randn(c, generator=gen) * 0.2)


def smooth_volumes(gen, n, shape):
    c, d, h, w = shape
    coarse = torch.randn((n, c, 4, 4, 4), generator=gen, dtype=torch.float64) * 1.5
    smooth = F.interpolate(coarse, size=(d, h, w), mode='trilinear', align_corners=False)
    noise = torch.randn((n, c, d, h, w), generator=gen, dtype=torch.float64) * 0.2
    return (torch.round((smooth + noise) * 100) / 100).float()


def final(raw, size):
    norm, ok = ref.min_max(F.relu(raw))
    out, ok2 = ref.min_max(ref.upsample(norm, size))
    return out, ok and ok2


def run(model, arch, x, dtype, perturb=None, targets=None):
    """Logits, targets (top-1 unless given) and per layer A and dA in `dtype`, and the final maps of the gradient
    methods."""
    m = copy.deepcopy(model).to(dtype)
    m.requires_grad_(False)
    if perturb is not None:
        with torch.no_grad():
            for p in list(m.parameters()) + [b for b in m.buffers() if b.is_floating_point()]:
                p.mul_(1 + PERTURBATION * torch.randn(p.shape, generator=perturb, dtype=dtype))
    captured, handles = {}, []
    modules = dict(m.named_modules())
    for role, path in arch.layers.items():
        def hook(_mod, _inp, out, role=role):
            if out.requires_grad:
                a = out.clone()
                a.retain_grad()
            else:
                a = out.detach().clone().requires_grad_(True)
            captured[role] = a
            return a + 0
        handles.append(modules[path].register_forward_hook(hook))
    logits = m(x.to(dtype))
    if targets is None:
        targets = logits.detach().argmax(dim=1)
    (logits * F.one_hot(targets, logits.shape[1]).to(dtype)).sum().backward()
    for h in handles:
        h.remove()
    size = tuple(arch.shape[1:])
    maps, ok = {}, True
    for role in arch.layers:
        a, g = captured[role].detach(), captured[role].grad.detach()
        for name, fn in list(GRADIENT_METHODS.items()) + [('eigencam', ref.eigencam)]:
            if name in arch.methods:
                maps[(role, name)], fine = final(fn(a.double(), g.double()), size)
                ok = ok and fine
    return m, logits.detach(), targets, captured, maps, ok


def margin_ok(logits):
    top2 = logits.topk(2, dim=1).values
    span = logits.max(dim=1).values - logits.min(dim=1).values
    return bool(((top2[:, 0] - top2[:, 1]) >= MARGIN * span).all())


def deviation(runs, base):
    return max(float((r[k] - base[k]).abs().max()) for r in runs for k in base)


def choose(model, arch, seed):
    for k in range(MAX_SEEDS):
        x = smooth_volumes(torch.Generator().manual_seed(seed * 100 + k), BATCH, arch.shape)
        _, l32, t32, _, m32, ok32 = run(model, arch, x, torch.float32)
        others = [run(model, arch, x, torch.float32, torch.Generator().manual_seed(j + 1)) for j in range(PERTURBED_RUNS)]
        same = all(bool((o[2] == t32).all()) for o in others)
        if ok32 and same and margin_ok(l32):
            m64, l64, t64, cap, m, ok = run(model, arch, x, torch.float64)
            dev = deviation([m32] + [o[4] for o in others], m)
            if ok and bool((t64 == t32).all()) and dev <= COND_TOL:
                return x, m64, l64, t64, cap, m, dev, k
            print(f'    seed {k}: float32 deviation {dev:.1e}', flush=True)
        else:
            print(f'    seed {k} rejected (constant map, class flip or small margin)', flush=True)
    raise RuntimeError(f'{arch.name}: no well-conditioned input in {MAX_SEEDS} seeds')


def perturbation_maps(arch, m64, x, a, targets, logits):
    """Score-CAM and Ablation-CAM at the usual layer, float64 (the layers after it re-run with the channel zeroed)."""
    out = {}
    size = tuple(arch.shape[1:])
    x64 = x.double()
    if 'scorecam' in arch.methods:
        with torch.no_grad():
            w = ref.scorecam_weights(a, x64, lambda inp: m64(inp), targets)
        out['scorecam'] = final(ref.weighted_sum(w, a), size)[0]
    if 'ablationcam' in arch.methods:
        # The layers after layer4 (global average pool and fc) on A with channel k of image i zeroed.
        def ablated(i, k):
            cut = a[i:i + 1].clone()
            cut[:, k] = 0
            with torch.no_grad():
                return m64.fc(torch.flatten(m64.avgpool(cut), 1))[0]
        w = ref.ablation_weights(a, ablated, logits, targets)
        out['ablationcam'] = final(ref.weighted_sum(w, a), size)[0]
    return out


NIFTI_GRID = (40, 36, 28)
CT_WINDOW = (40, 400)


def nifti_flow(arch, model, out):
    """The NIfTI case of resnet3d (see the header): returns its fixture entry."""
    for k in range(MAX_SEEDS):
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
            fin, ok = final(ref.gradcam(cap['a'].detach().double(), g.double()), tuple(arch.shape[1:]))
            back, ok2 = ref.min_max(ref.upsample(fin, NIFTI_GRID))
            maps[dtype] = (back, cls, ok and ok2, logits.detach())
        dev = float((maps[torch.float32][0] - maps[torch.float64][0]).abs().max())
        back, cls, ok, logits = maps[torch.float64]
        if ok and dev <= COND_TOL and cls == maps[torch.float32][1] and margin_ok(logits):
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
    write_npy(os.path.join(out, 'resnet3d.ct.gradcam.npy'), back[0].numpy())
    return {'file': 'resnet3d.ct.nii.gz', 'intensity': f'ct:{CT_WINDOW[0]},{CT_WINDOW[1]}', 'grid': list(NIFTI_GRID),
            'class': cls, 'gradcam': 'resnet3d.ct.gradcam.npy',
            'affine': np.asarray(sform, dtype=np.float32).astype(np.float64).tolist(), 'float32Deviation': dev}


class GuidedRelu(torch.autograd.Function):
    """Springenberg et al. 2015: backward passes relu(dy) where the input was positive."""

    @staticmethod
    def forward(ctx, x):
        ctx.save_for_backward(x)
        return x.clamp(min=0)

    @staticmethod
    def backward(ctx, dy):
        (x,) = ctx.saved_tensors
        return dy.clamp(min=0) * (x > 0).to(dy.dtype)


def input_gradient(model, x, targets, guided):
    """d(Σ_n logit[n, t_n])/dx, plainly or with guided backpropagation at every ReLU."""
    relus = [m for m in model.modules() if isinstance(m, nn.ReLU)]
    if guided:
        for m in relus:
            m.forward = GuidedRelu.apply
    try:
        xg = x.clone().requires_grad_(True)
        logits = model(xg)
        (logits * F.one_hot(targets, logits.shape[1]).to(x.dtype)).sum().backward()
    finally:
        for m in relus:
            m.__dict__.pop('forward', None)
    return xg.grad.detach()


def input_maps(arch, model, x, targets, gradcam_final):
    """Saliency, guided backpropagation and guided Grad-CAM (× the usual layer's final Grad-CAM map), in `dtype` of
    the model; maps at the input resolution (ReLU + min-max, nothing to upsample)."""
    out = {}
    m = copy.deepcopy(model)
    m.requires_grad_(False)
    dx = input_gradient(m, x, targets, False)
    gx = input_gradient(m, x, targets, True)
    out['saliency'] = ref.normalise(ref.max_abs_channels(dx))
    out['guidedbackprop'] = ref.normalise(ref.max_abs_channels(gx))
    out['guidedgradcam'] = ref.normalise(ref.max_abs_channels(gx) * gradcam_final)
    return out


# aug-smooth: (flip, brightness factor), in gcam's order (src/cam/augment.ts); volumes flip the last (width) axis.
AUGMENTATIONS = [(flip, f) for flip in (False, True) for f in (1.0, 1.1, 0.9)]


def variant_maps(arch, model, x, targets, maps, cap):
    """Grad-CAM with aug-smooth (the mean of the augmented final maps, not normalised again: pytorch-grad-cam's),
    eigen-smooth (the projection of w·A) and the usual and early layers combined (mean, normalised again)."""
    size = tuple(arch.shape[1:])
    augmented = []
    for flip, factor in AUGMENTATIONS:
        xa = (torch.flip(x, dims=[4]) if flip else x) * factor
        aug = run(model, arch, xa, torch.float64, targets=targets)[4][('usual', 'gradcam')]
        augmented.append(torch.flip(aug, dims=[3]) if flip else aug)
    a, g = cap['usual'].detach().double(), cap['usual'].grad.detach().double()
    w = ref.gradcam_weights(a, g)
    weighted = w.reshape(*w.shape, 1, 1, 1) * a
    return [
        {'method': 'gradcam', 'options': {'augSmooth': True}, 'flags': ['--aug-smooth'], 'layers': ['usual'],
         'map': torch.stack(augmented).mean(dim=0)},
        {'method': 'gradcam', 'options': {'eigenSmooth': True}, 'flags': ['--eigen-smooth'], 'layers': ['usual'],
         'map': final(ref.projection(weighted), size)[0]},
        {'method': 'gradcam', 'options': {'combineLayers': True}, 'flags': ['--combine-layers'],
         'layers': ['usual', 'early'],
         'map': ref.normalise(torch.stack([maps[('usual', 'gradcam')], maps[('early', 'gradcam')]]).mean(dim=0))},
    ]


def write_npy(path, array):
    with open(path + '.tmp', 'wb') as f:
        np.save(f, np.ascontiguousarray(array, dtype=np.float32))
    os.replace(path + '.tmp', path)


def generate(arch, seed, out, key):
    t0 = time.time()
    torch.manual_seed(seed)
    model = arch.ctor()
    randomize(model, torch.Generator().manual_seed(seed + 1000))
    model.eval()
    x, m64, logits, targets, cap, maps, dev, image_seed = choose(model, arch, seed)
    a_usual = cap['usual'].detach()
    extra = perturbation_maps(arch, m64, x, a_usual, targets, logits)
    inputs = {}
    if 'saliency' in arch.methods:
        inputs = input_maps(arch, m64, x.double(), targets, maps[('usual', 'gradcam')])
        m32 = copy.deepcopy(model).float()
        _, _, _, _, maps32, _ = run(model, arch, x, torch.float32)
        low = input_maps(arch, m32, x, targets, maps32[('usual', 'gradcam')].float())
        dev = max(dev, *(float((low[k].double() - inputs[k]).abs().max()) for k in inputs))
    write_npy(os.path.join(out, f'{arch.name}.input.npy'), x.numpy())
    files = {}
    for (role, method), v in maps.items():
        files.setdefault(role, {})[method] = f'{arch.name}.{role}.{method}.npy'
        write_npy(os.path.join(out, files[role][method]), v.numpy())
    for method, v in extra.items():
        files['usual'][method] = f'{arch.name}.usual.{method}.npy'
        write_npy(os.path.join(out, files['usual'][method]), v.numpy())
    for method, v in inputs.items():
        files.setdefault('input', {})[method] = f'{arch.name}.input.{method}.npy'
        write_npy(os.path.join(out, files['input'][method]), v.numpy())
    variants = variant_maps(arch, model, x.double(), targets, maps, cap) if arch.variants else []
    for v in variants:
        v['file'] = f'{arch.name}.{"+".join(v["layers"])}.{v["method"]}-{"-".join(v["options"])}.npy'
        v['layers'] = [arch.layers[r] for r in v['layers']]
        write_npy(os.path.join(out, v['file']), v.pop('map').numpy())
    onnx_info = {}
    for opset in OPSETS:
        file = f'{arch.name}-op{opset}.onnx'
        path = os.path.join(out, file)
        torch.onnx.export(model, x, path + '.tmp', opset_version=opset, input_names=['input'], output_names=['logits'],
                          dynamic_axes={'input': {0: 'batch'}, 'logits': {0: 'batch'}})
        onnx.checker.check_model(path + '.tmp')
        os.replace(path + '.tmp', path)
        graph = onnx.load(path).graph
        tensors = {role: tensor_for_module(graph, p)[0] for role, p in arch.layers.items()}
        tensors['default'] = tensor_for_module(graph, arch.default)[0]
        onnx_info[str(opset)] = {'file': file, 'tensors': tensors, 'ops': sorted({n.op_type for n in graph.node})}
    fixture = {
        'name': arch.name,
        'key': key,
        'generator': f'tools/gen_volume_zoo.py (torch {torch.__version__}, torchvision {torchvision.__version__}, '
                     f'onnx {onnx.__version__}, seed {seed}, input seed {image_seed})',
        'inputShape': [BATCH, *arch.shape],
        'input': f'{arch.name}.input.npy',
        'targets': [int(t) for t in targets],
        'numClasses': int(logits.shape[1]),
        'logits': [float(v) for v in logits.reshape(-1)],
        'layers': [{'role': role, 'module': p, 'dims': list(cap[role].shape), 'maps': files[role]}
                   for role, p in arch.layers.items()] +
        ([{'role': 'input', 'module': 'input', 'dims': [BATCH, *arch.shape], 'maps': files['input']}] if inputs else []),
        'variants': variants,
        'defaultLayer': arch.default,
        'onnx': onnx_info,
        'float32Deviation': dev,
        'nifti': nifti_flow(arch, model, out) if arch.name == 'resnet3d' else None,
        'notes': arch.notes,
        'seconds': round(time.time() - t0, 1),
    }
    path = os.path.join(out, f'{arch.name}.json')
    with open(path + '.tmp', 'w') as f:
        json.dump(fixture, f, separators=(',', ':'))
    os.replace(path + '.tmp', path)
    print(f'  {arch.name}: {time.time() - t0:.1f}s (input seed {image_seed}, targets {fixture["targets"]}, '
          f'float32 deviation {dev:.1e})', flush=True)


def main():
    parser = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    parser.add_argument('names', nargs='*')
    parser.add_argument('--out', default=os.environ.get('GCAM_ZOO3D_DIR', os.path.join(ROOT, '.cache', 'zoo3d')))
    parser.add_argument('--force', action='store_true')
    args = parser.parse_args()
    torch.set_num_threads(int(os.environ.get('GCAM_ZOO_THREADS', '2')))
    os.makedirs(args.out, exist_ok=True)
    key = cache_key()
    t0 = time.time()
    for seed, arch in enumerate(ARCHS):
        if args.names and arch.name not in args.names:
            continue
        path = os.path.join(args.out, f'{arch.name}.json')
        if not args.force and os.path.exists(path):
            with open(path) as f:
                cached = json.load(f)
            if cached.get('key') == key:
                print(f'  {arch.name}: cached', flush=True)
                continue
        generate(arch, seed, args.out, key)
    print(f'3-D zoo ready in {args.out} ({time.time() - t0:.0f}s)', flush=True)


if __name__ == '__main__':
    main()
