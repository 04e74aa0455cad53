#!/usr/bin/python3
"""The 1-D zoo for test/zoo/signals.test.ts: two signal classifiers [N, C, L] with random weights (fixed seeds,
nothing downloaded), exported to ONNX at opsets 13 and 17 with a dynamic batch axis (cnn1d's length is dynamic too),
and the maps of every CAM method that applies computed with torch autograd in float64 (tools/cam_reference.py, whose
reductions run over the one spatial axis and whose upsampling is torch's linear, half-pixel).

Run with Debian's python3-torch and python3-onnx:
    /usr/bin/python3 tools/gen_signal_zoo.py [--force] [--out DIR] [name ...]
Output (default .cache/zoo1d/, git-ignored; GCAM_ZOO1D_DIR overrides), per architecture <name>:
    <name>-op13.onnx, <name>-op17.onnx   the model (input 'input' [batch, C, L], output 'logits')
    <name>.input.npy                     the batch of 2 test signals, float32 [2, C, L]
    <name>.<layer role>.<method>.npy     final maps [2, L] (float32; computed in float64)
    resnet1d.<layers>.gradcam-<option>.npy   Grad-CAM with aug-smooth (flips along L), eigen-smooth, combined layers
    <name>.json                          everything else (see `generate`); written last, so its presence means complete

Architectures, written here:
- resnet1d: a ResNet-style 1-D net, as ECG classifiers use it (Hannun et al. 2019 style; He et al. 2016 in 1-D): a 7-tap
  stride-2 stem, BatchNorm, ReLU, 3-tap stride-2 max pool, three stages of one BasicBlock each (widths 16, 32, 64,
  strides 1, 2, 2, 1×1 projection shortcuts), adaptive average pool, Linear. 12 leads × 256 samples, 5 classes.
  Layers: layer3 (16 samples) and layer2 (32).
- cnn1d: a plain Conv1d / BatchNorm1d / ReLU / MaxPool1d stack (three blocks, widths 8, 16, 32), AdaptiveAvgPool1d(1),
  Linear: 1 channel × 200 samples (a spectrum or an audio feature track), 4 classes, exported with a free length (gcam
  runs it with --size 200). Layers: features.relu3 (50 samples) and features.relu2 (100).

Weights: conv weights He-normal over their fan-in, BatchNorm statistics and affine parameters random around 1,
Linear heads N(0, 1/fan_in) (tools/zoo_harness.py, as the 3-D zoo's). Inputs: smooth random signals (linear from 8 knots plus
noise), rounded to 2 decimals. Input seeds are tried until every final map of float32 torch (plain and with weights
perturbed by 1e-7) agrees with the float64 one within COND_TOL and the top-1 classes are clear (zoo_harness.choose).
"""
import os
import sys
import time

import onnx
import torch
import torch.nn as nn
import torch.nn.functional as F

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import cam_reference as ref  # noqa: E402
import zoo_harness as zoo  # noqa: E402

# Eigen-CAM too, for every architecture (the 3-D zoo adds it where an architecture lists it).
GRADIENT_METHODS = {**zoo.GRADIENT_METHODS, 'eigencam': ref.eigencam}


# ---------------------------------------------------------------- architectures

class BasicBlock1d(nn.Module):
    def __init__(self, cin, cout, stride):
        super().__init__()
        self.conv1 = nn.Conv1d(cin, cout, 3, stride, 1, bias=False)
        self.bn1 = nn.BatchNorm1d(cout)
        self.relu = nn.ReLU()
        self.conv2 = nn.Conv1d(cout, cout, 3, 1, 1, bias=False)
        self.bn2 = nn.BatchNorm1d(cout)
        self.downsample = None
        if stride != 1 or cin != cout:
            self.downsample = nn.Sequential(nn.Conv1d(cin, cout, 1, stride, bias=False), nn.BatchNorm1d(cout))

    def forward(self, x):
        y = self.relu(self.bn1(self.conv1(x)))
        y = self.bn2(self.conv2(y))
        return self.relu(y + (x if self.downsample is None else self.downsample(x)))


class ResNet1d(nn.Module):
    """conv1, bn1, relu, maxpool, layer1–3, avgpool, fc."""

    def __init__(self, in_channels=12, classes=5, widths=(16, 32, 64), strides=(1, 2, 2)):
        super().__init__()
        self.conv1 = nn.Conv1d(in_channels, widths[0], 7, stride=2, padding=3, bias=False)
        self.bn1 = nn.BatchNorm1d(widths[0])
        self.relu = nn.ReLU()
        self.maxpool = nn.MaxPool1d(3, stride=2, padding=1)
        c = widths[0]
        for i, (w, s) in enumerate(zip(widths, strides)):
            setattr(self, f'layer{i + 1}', nn.Sequential(BasicBlock1d(c, w, s)))
            c = w
        self.avgpool = nn.AdaptiveAvgPool1d(1)
        self.fc = nn.Linear(c, classes)

    def forward(self, x):
        x = self.maxpool(self.relu(self.bn1(self.conv1(x))))
        x = self.layer3(self.layer2(self.layer1(x)))
        return self.fc(torch.flatten(self.avgpool(x), 1))


class Cnn1d(nn.Module):
    """features: conv1, bn1, relu1, pool1, conv2, bn2, relu2, pool2, conv3, bn3, relu3; pool; fc."""

    def __init__(self, in_channels=1, classes=4, widths=(8, 16, 32)):
        super().__init__()
        f = nn.Sequential()
        c = in_channels
        for i, (w, k) in enumerate(zip(widths, (5, 5, 3))):
            f.add_module(f'conv{i + 1}', nn.Conv1d(c, w, k, padding=k // 2))
            f.add_module(f'bn{i + 1}', nn.BatchNorm1d(w))
            f.add_module(f'relu{i + 1}', nn.ReLU())
            if i < len(widths) - 1:
                f.add_module(f'pool{i + 1}', nn.MaxPool1d(2))
            c = w
        self.features = f
        self.pool = nn.AdaptiveAvgPool1d(1)
        self.fc = nn.Linear(c, classes)

    def forward(self, x):
        return self.fc(torch.flatten(self.pool(self.features(x)), 1))


class Arch:
    def __init__(self, name, ctor, shape, usual, early, default, methods, tail, free_length=False, variants=False,
                 notes=''):
        self.name = name
        self.ctor = ctor
        self.shape = shape  # [C, L]
        self.layers = {'usual': usual, 'early': early}
        self.default = default  # module path of the layer gcam picks by default
        self.methods = methods  # method names with references at the usual layer (gradient methods also early)
        self.tail = tail  # the layers after the usual one, for Ablation-CAM: (model, A) → logits
        self.free_length = free_length  # exported with a dynamic length axis
        self.variants = variants  # references for aug-smooth, eigen-smooth and combined layers (Grad-CAM)
        self.notes = notes


ARCHS = [
    Arch('resnet1d', ResNet1d, (12, 256), 'layer3', 'layer2', 'layer3',
         list(GRADIENT_METHODS) + ['scorecam', 'ablationcam', 'saliency', 'guidedbackprop', 'guidedgradcam'],
         tail=lambda m, a: m.fc(torch.flatten(m.avgpool(a), 1)), variants=True,
         notes='ResNet-style 1-D net, 12 leads, BasicBlocks 16-32-64.'),
    Arch('cnn1d', Cnn1d, (1, 200), 'features.relu3', 'features.relu2', 'features.relu3',
         list(GRADIENT_METHODS) + ['scorecam', 'ablationcam'],
         tail=lambda m, a: m.fc(torch.flatten(m.pool(a), 1)), free_length=True,
         notes='Conv1d/BatchNorm1d/ReLU/MaxPool1d stack, AdaptiveAvgPool1d, free length.'),
]


# ---------------------------------------------------------------- what only the 1-D zoo does

def smooth_signals(gen, n, shape):
    c, length = shape
    knots = torch.randn((n, c, 8), generator=gen, dtype=torch.float64) * 1.5
    smooth = F.interpolate(knots, size=length, mode='linear', align_corners=False)
    noise = torch.randn((n, c, length), generator=gen, dtype=torch.float64) * 0.3
    return (torch.round((smooth + noise) * 100) / 100).float()


def run(model, arch, x, dtype, perturb=None, targets=None):
    """Logits, targets (top-1 unless given), per layer A and dA in `dtype`, and the final maps of the gradient
    methods (and Eigen-CAM) at both layers."""
    m, logits, targets, captured = zoo.capture(model, arch.layers, x, dtype,
                                               None if perturb is None else (perturb, zoo.PERTURBATION), targets)
    size = tuple(arch.shape[1:])
    maps, ok = {}, True
    for role in arch.layers:
        a, g = captured[role].detach(), captured[role].grad.detach()
        for name, fn in GRADIENT_METHODS.items():
            maps[(role, name)], fine = zoo.final(fn(a.double(), g.double()), size)
            ok = ok and fine
    return m, logits, targets, captured, maps, ok


def perturbation_maps(arch, m64, x, a, targets, logits):
    """Score-CAM (masks upsampled linearly with corners aligned) and Ablation-CAM (the layers after the usual one
    re-run with channel k zeroed) at the usual layer, float64."""
    out = {}
    size = tuple(arch.shape[1:])
    with torch.no_grad():
        w = ref.scorecam_weights(a, x.double(), lambda inp: m64(inp), targets)
    out['scorecam'] = zoo.final(ref.weighted_sum(w, a), size)[0]

    def ablated(i, k):
        cut = a[i:i + 1].clone()
        cut[:, k] = 0
        with torch.no_grad():
            return arch.tail(m64, cut)[0]
    w = ref.ablation_weights(a, ablated, logits, targets)
    out['ablationcam'] = zoo.final(ref.weighted_sum(w, a), size)[0]
    return out


def generate(arch, seed, out, key):
    t0 = time.time()
    torch.manual_seed(seed)
    model = arch.ctor()
    zoo.randomize(model, torch.Generator().manual_seed(seed + 1000), nn.Conv1d)
    model.eval()
    x, m64, logits, targets, cap, maps, dev, input_seed = zoo.choose(model, arch, seed, smooth_signals, run)
    extra = perturbation_maps(arch, m64, x, cap['usual'].detach(), targets, logits)
    inputs, dev = zoo.input_references(arch, model, m64, x, targets, maps, dev, run)
    # Signals flip their one axis (time) for aug-smooth.
    variants = zoo.variant_maps(arch, model, x.double(), targets, maps, cap, run) if arch.variants else []
    files = zoo.write_maps(out, arch, x, maps, extra, inputs, variants)
    axes = {'input': {0: 'batch', **({2: 'length'} if arch.free_length else {})}, 'logits': {0: 'batch'}}
    onnx_info = zoo.export_onnx(model, x, out, arch, axes)
    generator = (f'tools/gen_signal_zoo.py (torch {torch.__version__}, onnx {onnx.__version__}, seed {seed}, '
                 f'input seed {input_seed})')
    fixture = zoo.fixture(arch, key, generator, targets, logits, cap, files, inputs, variants, onnx_info, dev, t0,
                          after_shape={'freeLength': arch.free_length})
    zoo.write_json(os.path.join(out, f'{arch.name}.json'), fixture)
    print(f'  {arch.name}: {time.time() - t0:.1f}s (input seed {input_seed}, targets {fixture["targets"]}, '
          f'float32 deviation {dev:.1e})', flush=True)


if __name__ == '__main__':
    zoo.main(__doc__.split('\n')[0], ARCHS, generate, f'{torch.__version__} {onnx.__version__}', __file__,
             'GCAM_ZOO1D_DIR', 'zoo1d', '1-D zoo')
