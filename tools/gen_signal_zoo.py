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
Linear heads N(0, 1/fan_in) (as tools/gen_volume_zoo.py). Inputs: smooth random signals (linear from 8 knots plus
noise), rounded to 2 decimals. Input seeds are tried until every final map of float32 torch (plain and with weights
perturbed by 1e-7) agrees with the float64 one within COND_TOL and the top-1 classes are clear.
"""
import argparse
import copy
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

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import cam_reference as ref  # noqa: E402
from gen_e2e_fixtures import tensor_for_module  # noqa: E402

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.normpath(os.path.join(HERE, '..'))
OPSETS = (13, 17)
BATCH = 2
COND_TOL = 1e-5
MARGIN = 2e-4
MAX_SEEDS = 24
PERTURBATION = 1e-7

GRADIENT_METHODS = {
    'gradcam': ref.gradcam,
    'gradcam++': ref.gradcam_pp,
    'hirescam': ref.hirescam,
    'xgradcam': ref.xgradcam,
    'layercam': ref.layercam,
    'gradcamelementwise': ref.gradcam_elementwise,
    'eigengradcam': ref.eigengradcam,
    'eigencam': ref.eigencam,
}


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


# ---------------------------------------------------------------- helpers

def cache_key():
    h = hashlib.sha256()
    for f in (os.path.abspath(__file__), os.path.join(HERE, 'cam_reference.py')):
        with open(f, 'rb') as fh:
            h.update(fh.read())
    h.update(f'{torch.__version__} {onnx.__version__}'.encode())
    return h.hexdigest()[:16]


def randomize(model, gen):
    with torch.no_grad():
        for m in model.modules():
            if isinstance(m, nn.Conv1d):
                m.weight.copy_(torch.randn(m.weight.shape, generator=gen) * math.sqrt(2.0 / m.weight[0].numel()))
                if m.bias is not None:
                    m.bias.copy_(torch.randn(m.bias.shape, generator=gen) * 0.1)
            if isinstance(m, nn.Linear):
                m.weight.copy_(torch.randn(m.weight.shape, generator=gen) / math.sqrt(m.in_features))
                m.bias.copy_(torch.randn(m.bias.shape, generator=gen) * 0.1)
            if isinstance(m, nn.BatchNorm1d):
                c = m.num_features
                m.running_mean.copy_(torch.randn(c, generator=gen) * 0.2)
                m.running_var.copy_(torch.rand(c, generator=gen) + 0.5)
                m.weight.copy_(torch.rand(c, generator=gen) + 0.5)
                m.bias.copy_(torch.randn(c, generator=gen) * 0.2)


def smooth_signals(gen, n, shape):
    c, length = shape
    knots = torch.randn((n, c, 8), generator=gen, dtype=torch.float64) * 1.5
    smooth = F.interpolate(knots, size=length, mode='linear', align_corners=False)
    noise = torch.randn((n, c, length), generator=gen, dtype=torch.float64) * 0.3
    return (torch.round((smooth + noise) * 100) / 100).float()


def final(raw, size):
    norm, ok = ref.min_max(F.relu(raw))
    out, ok2 = ref.min_max(ref.upsample(norm, size))
    return out, ok and ok2


def run(model, arch, x, dtype, perturb=None, targets=None):
    """Logits, targets (top-1 unless given), per layer A and dA in `dtype`, and the final maps of the gradient
    methods (and Eigen-CAM) at both layers."""
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
            # A layer after another captured one stays on its graph (the earlier layer's gradient flows through it).
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
        for name, fn in GRADIENT_METHODS.items():
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
        x = smooth_signals(torch.Generator().manual_seed(seed * 100 + k), BATCH, arch.shape)
        _, l32, t32, _, m32, ok32 = run(model, arch, x, torch.float32)
        other = run(model, arch, x, torch.float32, torch.Generator().manual_seed(1))
        if ok32 and bool((other[2] == t32).all()) and margin_ok(l32):
            m64, l64, t64, cap, m, ok = run(model, arch, x, torch.float64)
            dev = deviation([m32, other[4]], m)
            if ok and bool((t64 == t32).all()) and dev <= COND_TOL:
                return x, m64, l64, t64, cap, m, dev, k
            print(f'    seed {k}: float32 deviation {dev:.1e}', flush=True)
        else:
            print(f'    seed {k} rejected (constant map, class flip or small margin)', flush=True)
    raise RuntimeError(f'{arch.name}: no well-conditioned input in {MAX_SEEDS} seeds')


def perturbation_maps(arch, m64, x, a, targets, logits):
    """Score-CAM (masks upsampled linearly with corners aligned) and Ablation-CAM (the layers after the usual one
    re-run with channel k zeroed) at the usual layer, float64."""
    out = {}
    size = tuple(arch.shape[1:])
    with torch.no_grad():
        w = ref.scorecam_weights(a, x.double(), lambda inp: m64(inp), targets)
    out['scorecam'] = final(ref.weighted_sum(w, a), size)[0]

    def ablated(i, k):
        cut = a[i:i + 1].clone()
        cut[:, k] = 0
        with torch.no_grad():
            return arch.tail(m64, cut)[0]
    w = ref.ablation_weights(a, ablated, logits, targets)
    out['ablationcam'] = final(ref.weighted_sum(w, a), size)[0]
    return out


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


def input_maps(model, x, targets, gradcam_final):
    """Saliency, guided backpropagation and guided Grad-CAM (× the usual layer's final Grad-CAM map), maps at the
    input's length (max |·| over channels, ReLU + min-max)."""
    m = copy.deepcopy(model)
    m.requires_grad_(False)
    dx = input_gradient(m, x, targets, False)
    gx = input_gradient(m, x, targets, True)
    return {
        'saliency': ref.normalise(ref.max_abs_channels(dx)),
        'guidedbackprop': ref.normalise(ref.max_abs_channels(gx)),
        'guidedgradcam': ref.normalise(ref.max_abs_channels(gx) * gradcam_final),
    }


# aug-smooth: (flip, brightness factor), in gcam's order (src/cam/augment.ts); signals flip their one axis (time).
AUGMENTATIONS = [(flip, f) for flip in (False, True) for f in (1.0, 1.1, 0.9)]


def variant_maps(arch, model, x, targets, maps, cap):
    """Grad-CAM with aug-smooth (the mean of the augmented final maps, not normalised again: pytorch-grad-cam's),
    eigen-smooth (the projection of w·A) and the usual and early layers combined (mean, normalised again)."""
    size = tuple(arch.shape[1:])
    augmented = []
    for flip, factor in AUGMENTATIONS:
        xa = (torch.flip(x, dims=[2]) if flip else x) * factor
        aug = run(model, arch, xa, torch.float64, targets=targets)[4][('usual', 'gradcam')]
        augmented.append(torch.flip(aug, dims=[1]) if flip else aug)
    a, g = cap['usual'].detach().double(), cap['usual'].grad.detach().double()
    w = ref.gradcam_weights(a, g)
    weighted = w.reshape(*w.shape, 1) * a
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
    x, m64, logits, targets, cap, maps, dev, input_seed = choose(model, arch, seed)
    extra = perturbation_maps(arch, m64, x, cap['usual'].detach(), targets, logits)
    inputs = {}
    if 'saliency' in arch.methods:
        inputs = input_maps(m64, x.double(), targets, maps[('usual', 'gradcam')])
        _, _, _, _, maps32, _ = run(model, arch, x, torch.float32)
        low = input_maps(copy.deepcopy(model).float(), x, targets, maps32[('usual', 'gradcam')].float())
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
    axes = {'input': {0: 'batch', **({2: 'length'} if arch.free_length else {})}, 'logits': {0: 'batch'}}
    for opset in OPSETS:
        file = f'{arch.name}-op{opset}.onnx'
        path = os.path.join(out, file)
        torch.onnx.export(model, x, path + '.tmp', opset_version=opset, input_names=['input'], output_names=['logits'],
                          dynamic_axes=axes)
        onnx.checker.check_model(path + '.tmp')
        os.replace(path + '.tmp', path)
        graph = onnx.load(path).graph
        tensors = {role: tensor_for_module(graph, p)[0] for role, p in arch.layers.items()}
        tensors['default'] = tensor_for_module(graph, arch.default)[0]
        onnx_info[str(opset)] = {'file': file, 'tensors': tensors, 'ops': sorted({n.op_type for n in graph.node})}
    fixture = {
        'name': arch.name,
        'key': key,
        'generator': f'tools/gen_signal_zoo.py (torch {torch.__version__}, onnx {onnx.__version__}, seed {seed}, '
                     f'input seed {input_seed})',
        'inputShape': [BATCH, *arch.shape],
        'freeLength': arch.free_length,
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
        'notes': arch.notes,
        'seconds': round(time.time() - t0, 1),
    }
    path = os.path.join(out, f'{arch.name}.json')
    with open(path + '.tmp', 'w') as f:
        json.dump(fixture, f, separators=(',', ':'))
    os.replace(path + '.tmp', path)
    print(f'  {arch.name}: {time.time() - t0:.1f}s (input seed {input_seed}, targets {fixture["targets"]}, '
          f'float32 deviation {dev:.1e})', flush=True)


def main():
    parser = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    parser.add_argument('names', nargs='*')
    parser.add_argument('--out', default=os.environ.get('GCAM_ZOO1D_DIR', os.path.join(ROOT, '.cache', 'zoo1d')))
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
    print(f'1-D zoo ready in {args.out} ({time.time() - t0:.0f}s)', flush=True)


if __name__ == '__main__':
    main()
