#!/usr/bin/python3
"""Writes test/fixtures/e2e/<model>.methods.json: reference maps of every CAM method for the three end-to-end fixture
models (test/fixtures/e2e/<model>.onnx, made by tools/gen_e2e_fixtures.py), computed with the float64 PyTorch
implementations in tools/cam_reference.py.

Run with Debian's python3-torch: /usr/bin/python3 tools/gen_method_fixtures.py [resnet|vgg|mobilenet ...]
The models are rebuilt from gen_e2e_fixtures.py's definitions and seeds; the script checks that their logits equal the
committed fixture's before writing anything.

Per model (batch of 2 with targets 3 and 7, both fixture layers): the normalised map at the layer's resolution (ReLU,
per-image min-max) of every layer method, and at the deep layer image 0's final map (min-max, upsample, min-max); the input-level maps (saliency, guided backpropagation, guided Grad-CAM);
eigen-smooth (Grad-CAM, LayerCAM), aug-smooth (Grad-CAM) and the two layers combined (Grad-CAM), at the input size.
"""
import json
import os
import sys

import torch
import torch.nn as nn
import torch.nn.functional as F

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import cam_reference as ref  # noqa: E402
import gen_e2e_fixtures as e2e  # noqa: E402
# aug-smooth in gcam's order, and the guided ReLU: one definition for these fixtures and the zoos.
from zoo_harness import AUGMENTATIONS, GuidedRelu  # noqa: E402

LAYER_METHODS = {
    'gradcam': ref.gradcam,
    'gradcam++': ref.gradcam_pp,
    'hirescam': ref.hirescam,
    'xgradcam': ref.xgradcam,
    'layercam': ref.layercam,
    'gradcamelementwise': ref.gradcam_elementwise,
    'eigencam': ref.eigencam,
    'eigengradcam': ref.eigengradcam,
}


def build(index):
    name, ctor, layers, _ = e2e.MODELS[index]
    torch.manual_seed(index)
    gen = torch.Generator().manual_seed(index + 1000)
    model = ctor()
    e2e.randomize(model, gen)
    return name, model.eval().double(), layers


def run(model, layers, x, targets, guided=False):
    """Logits, and per layer A and G = d(Σ_n logits[n, t_n])/dA; and the input gradient."""
    modules = dict(model.named_modules())
    saved = {}
    handles = []
    for lid, path in layers:
        def hook(_m, _i, out, lid=lid):
            out.retain_grad()
            saved[lid] = out
        handles.append(modules[path].register_forward_hook(hook))
    relus = [m for m in model.modules() if isinstance(m, nn.ReLU)]
    if guided:
        for m in relus:
            m.forward = GuidedRelu.apply
    try:
        xg = x.clone().requires_grad_(True)
        logits = model(xg)
        onehot = F.one_hot(torch.tensor(targets), logits.shape[1]).double()
        (logits * onehot).sum().backward()
    finally:
        for h in handles:
            h.remove()
        for m in relus:
            m.__dict__.pop('forward', None)
    layer_values = {lid: (saved[lid].detach(), saved[lid].grad.detach()) for lid, _ in layers}
    return logits.detach(), layer_values, xg.grad.detach()


def ablated(model, path, x, i, c):
    """Logits of image i with each channel k of the layer's output zeroed in turn: [C, classes]."""
    module = dict(model.named_modules())[path]

    def hook(_m, _i, out):
        out = out.clone()
        for k in range(c):
            out[k, k] = 0
        return out

    h = module.register_forward_hook(hook)
    try:
        with torch.no_grad():
            return model(x[i:i + 1].repeat(c, 1, 1, 1))
    finally:
        h.remove()


def flat(t):
    return e2e.sig7(t)


def generate(index):
    name, model, layers = build(index)
    with open(os.path.join(e2e.OUT, f'{name}.json')) as f:
        fx = json.load(f)
    x = torch.tensor(fx['input'], dtype=torch.float32).reshape(fx['inputShape']).double()
    targets = fx['targets']
    size = x.shape[2:]
    logits, values, dx = run(model, layers, x, targets)
    expected = torch.tensor(fx['logits'], dtype=torch.float64).reshape(logits.shape)
    diff = float((logits - expected).abs().max() / expected.abs().max())
    assert diff < 1e-5, f'{name}: rebuilt model differs from the committed fixture (logits {diff:.2e})'
    _, _, dx_guided = run(model, layers, x, targets, guided=True)
    modules = dict(layers)

    out_layers = []
    final_gradcam = {}
    for lid, path in layers:
        a, g = values[lid]
        raws = {m: fn(a, g) for m, fn in LAYER_METHODS.items()}
        with torch.no_grad():
            w = ref.scorecam_weights(a, x, model, targets)
        raws['scorecam'] = ref.weighted_sum(w, a)
        w = ref.ablation_weights(a, lambda i, k: ablated(model, modules[lid], x, i, a.shape[1])[k], logits, targets)
        raws['ablationcam'] = ref.weighted_sum(w, a)
        maps = {m: flat(ref.normalise(raw)) for m, raw in raws.items()}
        final_gradcam[lid] = ref.final_map(ref.gradcam(a, g), size)
        guided_gc = ref.max_abs_channels(dx_guided) * final_gradcam[lid]
        out_layers.append({
            'id': lid,
            'module': path,
            'dims': list(a.shape),
            'layerMaps': maps,
            'guidedgradcam': flat(ref.normalise(guided_gc)),
            # The deep layer only, image 0 only, 6 decimals (the tests' tolerance is 1e-4): every method's final map
            # at the input size, in pytorch-grad-cam's order (min-max, upsample, min-max again).
            **({'finalMaps': {m: [round(float(v), 6) for v in ref.final_map(raw, size)[0].reshape(-1)]
                              for m, raw in raws.items()}} if lid == layers[0][0] else {}),
            'eigenSmooth': {
                'gradcam': flat(ref.normalise(ref.projection(ref.gradcam_weights(a, g)[:, :, None, None] * a))),
                'layercam': flat(ref.normalise(ref.projection(F.relu(g) * a))),
            },
        })
        print(f'  {name} {lid}: {list(a.shape)}')

    # aug-smooth, Grad-CAM at the first (deep) layer.
    deep_id, _ = layers[0]
    augmented = []
    for flip, factor in AUGMENTATIONS:
        xa = (torch.flip(x, dims=[3]) if flip else x) * factor
        _, v, _ = run(model, layers, xa, targets)
        m = ref.final_map(ref.gradcam(*v[deep_id]), size)
        augmented.append(torch.flip(m, dims=[2]) if flip else m)
    # pytorch-grad-cam's aug-smooth: the mean of the augmented final maps, not normalised again.
    aug = torch.stack(augmented).mean(dim=0)
    combined = ref.normalise(torch.stack([final_gradcam[lid] for lid, _ in layers]).mean(dim=0))

    fixture = {
        'model': name,
        'generator': f'tools/gen_method_fixtures.py (torch {torch.__version__}, float64 references of tools/cam_reference.py)',
        'targets': targets,
        'layers': out_layers,
        'inputMaps': {
            'saliency': flat(ref.normalise(ref.max_abs_channels(dx))),
            'guidedbackprop': flat(ref.normalise(ref.max_abs_channels(dx_guided))),
            'augSmooth': {'layer': deep_id, 'method': 'gradcam', 'map': flat(aug)},
            'combined': {'layers': [lid for lid, _ in layers], 'method': 'gradcam', 'map': flat(combined)},
        },
    }
    path = os.path.join(e2e.OUT, f'{name}.methods.json')
    with open(path, 'w') as f:
        json.dump(fixture, f, separators=(',', ':'))
    print(f'{path}: {os.path.getsize(path)} bytes')


def main(names):
    torch.set_num_threads(2)
    for index, (name, *_rest) in enumerate(e2e.MODELS):
        if not names or name in names:
            generate(index)


if __name__ == '__main__':
    main(sys.argv[1:])
