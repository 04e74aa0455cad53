"""The reference harness the zoo generators share: tools/gen_volume_zoo.py (3-D) and tools/gen_signal_zoo.py (1-D)
use all of it, tools/gen_zoo.py (2-D) the forward/backward capture and the checks, tools/gen_method_fixtures.py the
guided ReLU and the aug-smooth list. One copy, so that the conditioning rules, the hooks and the file layout cannot
drift apart between the zoos; each generator keeps its architectures, its inputs, the maps only it computes and the
fields only its JSON has.

Nothing here draws random numbers on its own: every draw comes from a generator the caller passes, in the order the
generators have always made them, so their outputs stay what they were.
"""
import argparse
import copy
import hashlib
import json
import math
import os
import time

import numpy as np
import onnx
import torch
import torch.nn as nn
import torch.nn.functional as F

import cam_reference as ref
from gen_e2e_fixtures import tensor_for_module  # torch.onnx's scope rule, shared with layers.ts torchScope

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.normpath(os.path.join(HERE, '..'))
OPSETS = (13, 17)
BATCH = 2
# Every final map of the accepted inputs: |float32 torch − float64 torch| ≤ COND_TOL (10× below the test tolerance).
COND_TOL = 1e-5
# Top-1 logit − runner-up ≥ MARGIN · (max − min logit), so float32 runs predict the same class.
MARGIN = 2e-4
MAX_SEEDS = 24
# Float32 runs with every weight perturbed by a relative PERTURBATION (about 2 float32 ulps): ReLU/MaxPool near-ties
# that another float32 implementation (onnxruntime) might flip show up as map changes in some of them.
PERTURBATION = 1e-7

# The gradient methods of tools/cam_reference.py both 1-D and 3-D zoos check, in the order their JSONs list them.
GRADIENT_METHODS = {
    'gradcam': ref.gradcam,
    'gradcam++': ref.gradcam_pp,
    'hirescam': ref.hirescam,
    'xgradcam': ref.xgradcam,
    'layercam': ref.layercam,
    'gradcamelementwise': ref.gradcam_elementwise,
    'eigengradcam': ref.eigengradcam,
}

# aug-smooth: (flip, brightness factor), in gcam's order (src/cam/augment.ts); the flip is along the last axis.
AUGMENTATIONS = [(flip, f) for flip in (False, True) for f in (1.0, 1.1, 0.9)]


def cache_key(script, versions, sources=('cam_reference.py', 'zoo_harness.py')):
    """A hash of the generator, the tools it computes with and the library versions: a cached zoo whose JSON carries
    another key is regenerated."""
    h = hashlib.sha256()
    for f in (os.path.abspath(script), *(os.path.join(HERE, s) for s in sources)):
        with open(f, 'rb') as fh:
            h.update(fh.read())
    h.update(versions.encode())
    return h.hexdigest()[:16]


def randomize(model, gen, conv):
    """Conv weights He-normal over their fan-in (biases, where there are any, N(0, 0.01)), Linear heads N(0, 1/fan_in),
    BatchNorm statistics and affine parameters random around 1 (tools/gen_zoo.py explains why)."""
    with torch.no_grad():
        for m in model.modules():
            if isinstance(m, conv):
                m.weight.copy_(torch.randn(m.weight.shape, generator=gen) * math.sqrt(2.0 / m.weight[0].numel()))
                if m.bias is not None:
                    m.bias.copy_(torch.randn(m.bias.shape, generator=gen) * 0.1)
            if isinstance(m, nn.Linear):
                m.weight.copy_(torch.randn(m.weight.shape, generator=gen) / math.sqrt(m.in_features))
                m.bias.copy_(torch.randn(m.bias.shape, generator=gen) * 0.1)
            if isinstance(m, nn.modules.batchnorm._BatchNorm):
                c = m.num_features
                m.running_mean.copy_(torch.randn(c, generator=gen) * 0.2)
                m.running_var.copy_(torch.rand(c, generator=gen) + 0.5)
                m.weight.copy_(torch.rand(c, generator=gen) + 0.5)
                m.bias.copy_(torch.randn(c, generator=gen) * 0.2)


def frozen_copy(model, dtype, perturb=None):
    """A copy of the model in `dtype` that computes no weight gradients; with perturb = (generator, relative size),
    every weight and float buffer first multiplied by 1 + size·N(0, 1)."""
    m = copy.deepcopy(model).to(dtype)
    m.requires_grad_(False)
    if perturb:
        gen, size = perturb
        with torch.no_grad():
            for p in list(m.parameters()) + [b for b in m.buffers() if b.is_floating_point()]:
                p.mul_(1 + size * torch.randn(p.shape, generator=gen, dtype=dtype))
    return m


def capture(model, layers, x, dtype, perturb=None, targets=None):
    """A copy of the model in `dtype` (with perturb = (generator, relative size), every weight first multiplied by
    1 + size·N(0, 1)), its logits, the targets (top-1 unless given) and, per role of `layers` ({role: module path}),
    the module's output A with its gradient d(Σ_n logit[n, t_n])/dA in .grad."""
    # Gradients flow from the logits to the hooked layers only (no weight gradients, nothing below the earliest).
    m = frozen_copy(model, dtype, perturb)
    captured, handles = {}, []
    modules = dict(m.named_modules())
    for role, path in layers.items():
        def hook(_mod, _inp, out, role=role):
            # The rest of the network gets a copy: DenseNet's F.relu(features, inplace=True) would otherwise
            # overwrite the captured tensor (and re-route its retained gradient). The first hooked layer (forward
            # order) becomes the leaf where differentiation starts; a later one stays on its graph (the earlier
            # layer's gradient flows through it).
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
    return m, logits.detach(), targets, captured


def final(raw, size):
    """gcam's final map: ReLU, min-max, upsample to `size`, min-max again; and whether both min-maxes had a range."""
    norm, ok = ref.min_max(F.relu(raw))
    out, ok2 = ref.min_max(ref.upsample(norm, size))
    return out, ok and ok2


def margin_ok(logits):
    top2 = logits.topk(2, dim=1).values
    span = logits.max(dim=1).values - logits.min(dim=1).values
    return bool(((top2[:, 0] - top2[:, 1]) >= MARGIN * span).all())


def deviation(runs, base):
    """Max over the runs and the maps of max |map − base's|."""
    return max(float((r[k] - base[k]).abs().max()) for r in runs for k in base)


def choose(model, arch, seed, inputs, run):
    """The first input seed whose maps are well conditioned: float32 maps (plainly and with the weights perturbed)
    within COND_TOL of float64's, the same top-1 classes, a clear margin. `inputs(generator, n, shape)` draws a batch;
    `run(model, arch, x, dtype, perturb_generator)` returns (model, logits, targets, captured, maps, ok)."""
    for k in range(MAX_SEEDS):
        x = inputs(torch.Generator().manual_seed(seed * 100 + k), BATCH, arch.shape)
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
    """Saliency, guided backpropagation and guided Grad-CAM (× the usual layer's final Grad-CAM map), in the model's
    dtype; maps at the input's size (max |·| over channels, ReLU + min-max, nothing to upsample)."""
    m = copy.deepcopy(model)
    m.requires_grad_(False)
    dx = input_gradient(m, x, targets, False)
    gx = input_gradient(m, x, targets, True)
    return {
        'saliency': ref.normalise(ref.max_abs_channels(dx)),
        'guidedbackprop': ref.normalise(ref.max_abs_channels(gx)),
        'guidedgradcam': ref.normalise(ref.max_abs_channels(gx) * gradcam_final),
    }


def input_references(arch, model, m64, x, targets, maps, dev, run):
    """The input-level maps in float64 where the architecture has them ({} otherwise), and the float32 deviation
    widened by theirs."""
    if 'saliency' not in arch.methods:
        return {}, dev
    inputs = input_maps(m64, x.double(), targets, maps[('usual', 'gradcam')])
    maps32 = run(model, arch, x, torch.float32)[4]
    low = input_maps(copy.deepcopy(model).float(), x, targets, maps32[('usual', 'gradcam')].float())
    return inputs, max(dev, *(float((low[k].double() - inputs[k]).abs().max()) for k in inputs))


def variant_maps(arch, model, x, targets, maps, cap, run):
    """Grad-CAM with aug-smooth (the mean of the augmented final maps, not normalised again: pytorch-grad-cam's),
    eigen-smooth (the projection of w·A) and the usual and early layers combined (mean, normalised again)."""
    size = tuple(arch.shape[1:])
    augmented = []
    for flip, factor in AUGMENTATIONS:
        xa = (torch.flip(x, dims=[-1]) if flip else x) * factor
        aug = run(model, arch, xa, torch.float64, targets=targets)[4][('usual', 'gradcam')]
        augmented.append(torch.flip(aug, dims=[-1]) if flip else aug)
    a, g = cap['usual'].detach().double(), cap['usual'].grad.detach().double()
    w = ref.gradcam_weights(a, g)
    weighted = w.reshape(*w.shape, *[1] * (a.dim() - 2)) * a
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
    """float32 .npy, written whole or not at all (a temporary file renamed)."""
    with open(path + '.tmp', 'wb') as f:
        np.save(f, np.ascontiguousarray(array, dtype=np.float32))
    os.replace(path + '.tmp', path)


def write_json(path, value):
    with open(path + '.tmp', 'w') as f:
        json.dump(value, f, separators=(',', ':'))
    os.replace(path + '.tmp', path)


def write_maps(out, arch, x, maps, extra, inputs, variants):
    """The input batch and every map as <name>.<role>.<method>.npy (variants: <name>.<roles>.<method>-<options>.npy,
    their roles replaced by module paths); returns {role: {method: file}}."""
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
    for v in variants:
        v['file'] = f'{arch.name}.{"+".join(v["layers"])}.{v["method"]}-{"-".join(v["options"])}.npy'
        v['layers'] = [arch.layers[r] for r in v['layers']]
        write_npy(os.path.join(out, v['file']), v.pop('map').numpy())
    return files


def export_onnx(model, x, out, arch, dynamic_axes):
    """<name>-op<opset>.onnx per opset, checked; returns per opset the file, the tensors of the layer roles and of
    gcam's default layer, and the op types."""
    info = {}
    for opset in OPSETS:
        file = f'{arch.name}-op{opset}.onnx'
        path = os.path.join(out, file)
        torch.onnx.export(model, x, path + '.tmp', opset_version=opset, input_names=['input'], output_names=['logits'],
                          dynamic_axes=dynamic_axes)
        onnx.checker.check_model(path + '.tmp')
        os.replace(path + '.tmp', path)
        graph = onnx.load(path).graph
        tensors = {role: tensor_for_module(graph, p)[0] for role, p in arch.layers.items()}
        tensors['default'] = tensor_for_module(graph, arch.default)[0]
        info[str(opset)] = {'file': file, 'tensors': tensors, 'ops': sorted({n.op_type for n in graph.node})}
    return info


def fixture(arch, key, generator, targets, logits, cap, files, inputs, variants, onnx_info, dev, t0,
            after_shape=None, before_notes=None):
    """The <name>.json both 1-D and 3-D zoos write; a generator's own fields go after 'inputShape' or before 'notes',
    where they have always stood."""
    return {
        'name': arch.name,
        'key': key,
        'generator': generator,
        'inputShape': [BATCH, *arch.shape],
        **(after_shape or {}),
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
        **(before_notes or {}),
        'notes': arch.notes,
        'seconds': round(time.time() - t0, 1),
    }


def main(description, archs, generate, versions, script, env, subdir, label):
    """The command line of the 1-D and 3-D zoos: [--force] [--out DIR] [name ...]; an architecture whose JSON carries
    the current cache key is skipped."""
    parser = argparse.ArgumentParser(description=description)
    parser.add_argument('names', nargs='*')
    parser.add_argument('--out', default=os.environ.get(env, os.path.join(ROOT, '.cache', subdir)))
    parser.add_argument('--force', action='store_true')
    args = parser.parse_args()
    torch.set_num_threads(int(os.environ.get('GCAM_ZOO_THREADS', '2')))
    os.makedirs(args.out, exist_ok=True)
    key = cache_key(script, versions)
    t0 = time.time()
    for seed, arch in enumerate(archs):
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
    print(f'{label} ready in {args.out} ({time.time() - t0:.0f}s)', flush=True)
