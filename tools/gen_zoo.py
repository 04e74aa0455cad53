#!/usr/bin/python3
"""The torchvision zoo for test/zoo: 14 classification architectures with random weights (fixed seeds, nothing
downloaded), exported to ONNX at opsets 13 and 17 with a dynamic batch axis, and their Grad-CAM references computed
with torch autograd in float64.

Run with Debian's python3-torch, python3-torchvision and python3-onnx (torch 1.13, torchvision 0.14, onnx 1.12):
    /usr/bin/python3 tools/gen_zoo.py [--force] [--out DIR] [name ...]
Output (default .cache/zoo/, git-ignored; GCAM_ZOO_DIR overrides), per architecture <name>:
    <name>-op13.onnx, <name>-op17.onnx   the model (float32 weights, input 'input' [batch, 3, S, S], output 'logits')
    <name>.input.npy                     the batch of 2 test images, float32 [2, 3, S, S]
    <name>.json                          references (see `reference()`); written last, so its presence means complete
plus resnet18_train-op17.onnx, a ResNet-18 exported in training mode (BatchNormalization with training_mode=1),
for the test of the unsupported-op error. An architecture whose JSON carries the current cache key (a hash of this
file, tools/cam_reference.py, tools/zoo_harness.py and the library versions) is not regenerated.

Weights: torchvision's own initialisation under torch.manual_seed, then (1) every zero-initialised Linear (ViT's
head) drawn from N(0, 1/fan_in), since a zero head gives zero gradients everywhere; (2) every Conv2d He-normal over
its true fan-in, gain 2 (He) or less per architecture (see randomize, Arch.conv_gain); (3) ConvNeXt's layer scales
(1e-6 at init, which hides every block's branch from the gradient) drawn from U(0.2, 0.6); (4) BatchNorm statistics
and affine parameters drawn at random around 1 (see randomize_batchnorm for why not calibrated on data).

References, for a batch of 2 smooth random images (colour fields plus noise, rounded to 2 decimals) and per image the
class torch predicts: logits; per layer (the usual Grad-CAM layer, an early one, and gcam's default layer when that is
another module) the activation A = the module's output (forward hook), dA = d logit[target] / dA, the layer arranged as
[N, C, h, w] (tokens: class token dropped, grid row-major; channels-last: permuted), the raw map Σ_c mean(dA_c)·A_c and
the final map (ReLU, per-image min-max, F.interpolate bilinear align_corners=False to S×S), all in float64.

Conditioning: random-weight networks can give maps that float32 arithmetic cannot reproduce to 1e-4 (a near-flat map
stretched by min-max; a ReLU or MaxPool input within rounding of a tie, which routes the gradient differently). The
references are also computed in float32, plainly and with every weight perturbed by PERTURBATION (relative), and
image seeds are tried until every final map of all those runs agrees with the float64 reference within COND_TOL and
each image's top-1 class beats the runner-up by a clear margin; the worst deviation is stored per layer
('float32Deviation'). Screening in float32 first keeps the slow float64 runs (VGG-16: 36 s) to one per architecture.
"""
import argparse
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
from torchvision import models as M

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import cam_reference as ref  # noqa: E402
import zoo_harness as zoo  # noqa: E402
from gen_e2e_fixtures import tensor_for_module  # noqa: E402  (torch.onnx scope rule shared with layers.ts torchScope)
# The conditions every zoo shares (COND_TOL, MARGIN, PERTURBATION … are explained in zoo_harness.py).
from zoo_harness import BATCH, COND_TOL, MAX_SEEDS, OPSETS, PERTURBATION  # noqa: E402

ROOT = zoo.ROOT
# Float32 runs with perturbed weights per image seed (the 1-D and 3-D zoos make one).
PERTURBED_RUNS = 3


class Arch:
    def __init__(self, name, ctor, size, usual, early, default=None, layouts=None, notes='', conv_gain=2.0):
        self.name = name
        # Conv weights ~ N(0, conv_gain / fan_in): He (2) by default; less where He puts the random network in the
        # chaotic regime (float32 rounding doubling per block), more would give input-independent maps.
        self.conv_gain = conv_gain
        self.ctor = ctor
        self.size = size
        # Module paths (torch names) of the layers with references; 'default' is gcam's default layer when it is
        # another module than `usual` (None: same as usual), or ('node', name) for a tensor no module returns.
        self.layers = {'usual': usual, 'early': early}
        self.default = default
        if isinstance(default, str):
            self.layers['default'] = default
        self.layouts = layouts or {}
        self.notes = notes


ARCHS = [
    Arch('resnet18', lambda: M.resnet18(), 128, 'layer4', 'layer1'),
    Arch('resnet50', lambda: M.resnet50(), 96, 'layer4', 'layer1',
         notes='96 px: at 128 px nearly every random input puts some ReLU of layer2–4 within float32 rounding of 0, '
               'which moves the layer1 map by 1e-4–1e-3 between float32 implementations (see Conditioning).'),
    Arch('vgg16', lambda: M.vgg16(), 224, 'features.29', 'features.16', default='avgpool',
         notes='224 px: its AdaptiveAvgPool2d((7, 7)) exports only when the feature map is a multiple of 7. '
               'Early layer '
               'features.16 (3rd pooling, 28×28): below it (features.4, .9) every random input has ReLU/MaxPool '
               'near-ties that move the map by ~1e-3 between float32 implementations.'),
    Arch('mobilenet_v2', lambda: M.mobilenet_v2(), 128, 'features', 'features.3', conv_gain=1.0),
    Arch('mobilenet_v3_large', lambda: M.mobilenet_v3_large(), 128, 'features', 'features.3', conv_gain=1.3),
    Arch('densenet121', lambda: M.densenet121(), 128, 'features', 'features.denseblock1', default=('node', '/Relu'),
         notes="gcam's default is the F.relu after features.norm5 (no module of its own)."),
    Arch('efficientnet_b0', lambda: M.efficientnet_b0(), 128, 'features', 'features.2'),
    Arch('squeezenet1_1', lambda: M.squeezenet1_1(), 128, 'features', 'features.3', default='classifier.2'),
    Arch('shufflenet_v2_x1_0', lambda: M.shufflenet_v2_x1_0(), 128, 'conv5', 'stage2'),
    Arch('regnet_y_400mf', lambda: M.regnet_y_400mf(), 128, 'trunk_output', 'trunk_output.block1', conv_gain=1.0),
    Arch('convnext_tiny', lambda: M.convnext_tiny(), 128, 'features', 'features.1'),
    Arch('inception_v3', lambda: M.inception_v3(init_weights=True), 160, 'Mixed_7c', 'Mixed_5b',
         notes='160 px gives a 3×3 final map (75 px is the minimum, 299 px the native size).'),
    Arch('vit_b_16', lambda: M.vit_b_16(image_size=128), 128, 'encoder.layers.encoder_layer_11.ln_1',
         'encoder.layers.encoder_layer_1',
         layouts={'usual': 'tokens', 'early': 'tokens'},
         notes='Built with image_size=128: 8×8 patches + class token.'),
    Arch('swin_t', lambda: M.swin_t(), 128, 'norm', 'features.1', default='permute',
         layouts={'usual': 'nhwc', 'early': 'nhwc'}),
]

# ---------------------------------------------------------------- helpers


def cache_key():
    return zoo.cache_key(__file__, f'{torch.__version__} {torchvision.__version__} {onnx.__version__}')


def sig(a, digits=9):
    return [float(f'%.{digits}g' % v) for v in np.asarray(a, dtype=np.float64).reshape(-1)]


def tensor_for_node(graph, node_name):
    nodes = [n for n in graph.node if n.name == node_name]
    assert len(nodes) == 1, f'node {node_name}: {len(nodes)} matches'
    return nodes[0].output[0]


def randomize(model, gen, conv_gain):
    """The weight adjustments described in the header (zero heads, ConvNeXt layer scales)."""
    with torch.no_grad():
        for m in model.modules():
            if isinstance(m, nn.Conv2d):
                # He-normal over the true fan-in [in/groups, k, k]: torchvision's fan_out init counts every output
                # channel of a depthwise/grouped conv, which shrinks MobileNet/EfficientNet/ShuffleNet signals to
                # nothing without trained BatchNorm statistics (input-independent maps, early gradients ~1e-14).
                m.weight.copy_(torch.randn(m.weight.shape, generator=gen) * math.sqrt(conv_gain / m.weight[0].numel()))
            if isinstance(m, nn.Linear) and not m.weight.any():
                m.weight.copy_(torch.randn(m.weight.shape, generator=gen) / math.sqrt(m.in_features))
                if m.bias is not None:
                    m.bias.copy_(torch.randn(m.bias.shape, generator=gen) * 0.1)
            if hasattr(m, 'layer_scale') and isinstance(m.layer_scale, nn.Parameter):
                m.layer_scale.copy_(torch.rand(m.layer_scale.shape, generator=gen) * 0.4 + 0.2)


def smooth_images(gen, n, size):
    """Image-like inputs: smooth random colour fields plus a little noise, rounded to 2 decimals (float32-exact)."""
    coarse = torch.randn((n, 3, 6, 6), generator=gen, dtype=torch.float64) * 1.5
    smooth = F.interpolate(coarse, size=(size, size), mode='bicubic', align_corners=False)
    noise = torch.randn((n, 3, size, size), generator=gen, dtype=torch.float64) * 0.2
    return (torch.round((smooth + noise) * 100) / 100).float()


def randomize_batchnorm(model, gen):
    """Random per-channel BatchNorm statistics and affine parameters of order 1 (as tools/gen_e2e_fixtures.py does),
    so the folded or kept BatchNorms are not identities. Not calibrated on data: running statistics measured on random
    images make a random deep network normalise like train-mode BatchNorm at initialisation, which is chaotic (float32
    rounding grows ~10× per ResNet-50 stage, and the early-layer gradients differ from float64 by percents; Yang et al.,
    "A Mean Field Theory of Batch Normalization", arXiv:1902.08129). Returns the number of BatchNorms."""
    bns = [m for m in model.modules() if isinstance(m, nn.modules.batchnorm._BatchNorm)]
    with torch.no_grad():
        for m in bns:
            c = m.num_features
            m.running_mean.copy_(torch.randn(c, generator=gen) * 0.2)
            m.running_var.copy_(torch.rand(c, generator=gen) + 0.5)
            m.weight.copy_(torch.rand(c, generator=gen) + 0.5)
            m.bias.copy_(torch.randn(c, generator=gen) * 0.2)
    return len(bns)


def to_spatial(t, layout):
    """[N, C, h, w] form of a layer's tensor (pytorch-grad-cam's reshape_transform for ViT and Swin)."""
    if layout == 'tokens':
        n, tokens, c = t.shape
        g = int(round(math.sqrt(tokens - 1)))
        assert g * g == tokens - 1, f'{tokens} tokens'
        return t[:, 1:, :].reshape(n, g, g, c).permute(0, 3, 1, 2)
    if layout == 'nhwc':
        return t.permute(0, 3, 1, 2)
    return t


def grad_cam(a, da, size):
    """Raw and final Grad-CAM maps, and whether every map varies (a constant one rejects the image batch)."""
    raw = ref.gradcam(a, da)
    norm, ok = ref.min_max(F.relu(raw))
    final, final_ok = ref.min_max(ref.upsample(norm, (size, size)))
    return raw, final, ok and final_ok


def run_reference(model, arch, x, dtype, perturb=None):
    """Logits, targets (top-1) and per layer A, dA, raw and final maps, computed in `dtype`; with perturb = (generator,
    relative size), every weight is first multiplied by 1 + size·N(0, 1)."""
    _, logits, targets, captured = zoo.capture(model, arch.layers, x, dtype, perturb)
    layers = {}
    for role in arch.layers:
        layout = arch.layouts.get(role, 'nchw')
        a = captured[role].detach()
        da = captured[role].grad.detach()
        raw, final, ok = grad_cam(to_spatial(a, layout), to_spatial(da, layout), arch.size)
        layers[role] = {'a': a, 'da': da, 'raw': raw, 'final': final, 'ok': ok, 'layout': layout}
    return logits, targets, layers


def deviation(runs, ref):
    """Per layer: max over the runs of max |final map − the reference's|."""
    return {role: max(float((r[role]['final'].double() - ref[role]['final'].double()).abs().max()) for r in runs)
            for role in ref}


def choose_images(model, arch, seed):
    """The first image seed whose references are well conditioned (see the header). Screened in float32 (one plain
    run, PERTURBED_RUNS with perturbed weights, which must agree among themselves), then checked against float64."""
    tried = []
    for k in range(MAX_SEEDS):
        gen = torch.Generator().manual_seed(seed * 100 + k)
        x = smooth_images(gen, BATCH, arch.size)
        logits32, targets32, base = run_reference(model, arch, x, torch.float32)
        runs, same_class = [], True
        for trial in range(PERTURBED_RUNS):
            pgen = torch.Generator().manual_seed(trial + 1)
            _, t, r = run_reference(model, arch, x, torch.float32, (pgen, PERTURBATION))
            runs.append(r)
            same_class = same_class and bool((t == targets32).all())
        dev = deviation(runs, base)
        ok = zoo.margin_ok(logits32) and same_class and all(d <= COND_TOL for d in dev.values())
        if ok:
            logits, targets, ref = run_reference(model, arch, x, torch.float64)
            dev = deviation([base, *runs], ref)
            ok = zoo.margin_ok(logits) and bool((targets == targets32).all()) and all(r['ok'] for r in ref.values()) and \
                all(d <= COND_TOL for d in dev.values())
        tried.append({'seed': k, 'deviation': dev})
        if ok:
            return x, logits, targets, ref, dev, tried
        print(f'    image seed {k} rejected: margin ok {zoo.margin_ok(logits32)}, same class {same_class}, '
              f'deviation {dev}', flush=True)
    raise RuntimeError(f'{arch.name}: no well-conditioned image batch in {MAX_SEEDS} seeds: {tried}')


def export(model, x, path, opset, training=False):
    kwargs = dict(opset_version=opset, input_names=['input'], output_names=['logits'],
                  dynamic_axes={'input': {0: 'batch'}, 'logits': {0: 'batch'}})
    if training:
        kwargs.update(training=torch.onnx.TrainingMode.TRAINING, do_constant_folding=False)
    torch.onnx.export(model, x, path, **kwargs)
    onnx.checker.check_model(path)


# ---------------------------------------------------------------- generation


def generate(arch, seed, out, key):
    t0 = time.time()
    torch.manual_seed(seed)
    gen = torch.Generator().manual_seed(seed + 1000)
    model = arch.ctor()
    randomize(model, gen, arch.conv_gain)
    n_bn = randomize_batchnorm(model, gen)
    model.eval()
    x, logits, targets, ref, dev, tried = choose_images(model, arch, seed)
    t_ref = time.time() - t0

    zoo.write_npy(os.path.join(out, f'{arch.name}.input.npy'), x.numpy())
    onnx_info = {}
    for opset in OPSETS:
        file = f'{arch.name}-op{opset}.onnx'
        path = os.path.join(out, file)
        export(model, x, path + '.tmp', opset)
        os.replace(path + '.tmp', path)
        graph = onnx.load(path, load_external_data=False).graph
        tensors = {role: tensor_for_module(graph, p)[0] for role, p in arch.layers.items()}
        if isinstance(arch.default, tuple):
            tensors['default'] = tensor_for_node(graph, arch.default[1])
        elif arch.default is None:
            tensors['default'] = tensors['usual']
        onnx_info[str(opset)] = {'file': file, 'tensors': tensors,
                                 'ops': sorted({n.op_type for n in graph.node}), 'nodes': len(graph.node)}

    layers = []
    for role, path in arch.layers.items():
        r = ref[role]
        a = r['a']
        layers.append({
            'role': role,
            'module': path,
            'layout': r['layout'],
            'dims': list(a.shape),
            'spatialDims': list(to_spatial(a, r['layout']).shape),
            # Checksums of A to tell a wrong tensor from a wrong gradient when a test fails.
            'activationSum': float(a.sum()),
            'activationAbsSum': float(a.abs().sum()),
            'rawCam': sig(r['raw']),
            'finalCam': sig(r['final'], 8),
            'float32Deviation': dev[role],
        })
    fixture = {
        'name': arch.name,
        'key': key,
        'generator': f'tools/gen_zoo.py (torch {torch.__version__}, torchvision {torchvision.__version__}, '
                     f'onnx {onnx.__version__}, seed {seed})',
        'inputShape': [BATCH, 3, arch.size, arch.size],
        'input': f'{arch.name}.input.npy',
        'imageSeed': tried[-1]['seed'],
        'targets': [int(t) for t in targets],
        'numClasses': int(logits.shape[1]),
        'logits': sig(logits),
        'defaultLayer': arch.default if isinstance(arch.default, str) else
        ({'node': arch.default[1]} if isinstance(arch.default, tuple) else arch.layers['usual']),
        'batchNormsRandomized': n_bn,
        'convGain': arch.conv_gain,
        'onnx': onnx_info,
        'layers': layers,
        'notes': arch.notes,
        'seconds': round(time.time() - t0, 1),
    }
    zoo.write_json(os.path.join(out, f'{arch.name}.json'), fixture)
    print(f'  {arch.name}: {time.time() - t0:.1f}s (references {t_ref:.1f}s, image seed {tried[-1]["seed"]}, '
          f'targets {fixture["targets"]}, float32 deviation {max(dev.values()):.1e})', flush=True)


def generate_train_mode(out, key):
    """ResNet-18 exported in training mode: BatchNormalization nodes with training_mode=1 (batch statistics)."""
    path = os.path.join(out, 'resnet18_train-op17.onnx')
    stamp = path + '.key'
    if os.path.exists(path) and os.path.exists(stamp) and open(stamp).read() == key:
        return
    torch.manual_seed(99)
    model = M.resnet18()
    x = smooth_images(torch.Generator().manual_seed(99), BATCH, 64)
    model.train()
    export(model, x, path + '.tmp', 17, training=True)
    os.replace(path + '.tmp', path)
    with open(stamp, 'w') as f:
        f.write(key)
    print(f'  resnet18_train: {path}', flush=True)


def main():
    parser = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    parser.add_argument('names', nargs='*', help='architectures (default: all)')
    parser.add_argument('--out', default=os.environ.get('GCAM_ZOO_DIR', os.path.join(ROOT, '.cache', 'zoo')))
    parser.add_argument('--force', action='store_true', help='regenerate even when cached')
    parser.add_argument('--list', action='store_true', help='print the architecture names and exit')
    args = parser.parse_args()
    if args.list:
        print(' '.join(a.name for a in ARCHS))
        return
    unknown = set(args.names) - {a.name for a in ARCHS}
    if unknown:
        sys.exit(f'unknown architectures: {", ".join(sorted(unknown))}')
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
            files = [os.path.join(args.out, v['file']) for v in cached.get('onnx', {}).values()]
            if cached.get('key') == key and all(os.path.exists(p) for p in files):
                print(f'  {arch.name}: cached', flush=True)
                continue
        generate(arch, seed, args.out, key)
    generate_train_mode(args.out, key)
    print(f'zoo ready in {args.out} ({time.time() - t0:.0f}s)', flush=True)


if __name__ == '__main__':
    main()
