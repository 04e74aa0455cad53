#!/usr/bin/python3
"""Models and float64 torch references for the target tests (test/targets/torch.test.ts): torchvision segmentation
networks, a ResNet-18 with embedding, class and score outputs and a YOLOv8-like detector (tools/yolo_like.py), random
weights (fixed seeds, nothing downloaded), exported at opsets 13 and 17 with a dynamic batch axis.

Run with Debian's python3-torch, python3-torchvision and python3-onnx:
    /usr/bin/python3 tools/gen_targets.py [--force] [--out DIR] [name ...]
Output (default .cache/targets/, git-ignored; GCAM_TARGETS_DIR overrides), per model <name>:
    <name>-op13.onnx, <name>-op17.onnx   the model (input 'input' [batch, 3, S, S])
    <name>.input.npy                     the batch of 2 test inputs, float32
    <name>.<file>.npy                    files the targets name (a mask, a reference embedding)
    <name>.json                          references, written last (its presence with the current key means complete)

Per target (the text gcam takes, file names relative to the output folder) the reference holds, in float64 autograd:
f(output) per image and the final Grad-CAM and HiResCAM maps (ReLU, per-image min-max, bilinear half-pixel upsample to
S×S, min-max) at the layer given by its PyTorch module path, with dA = df/dA. The targets, written from their definitions here:
    seg:C            Σ_p out[n, C, p]·[argmax_k out[n, k, p] = C]   (mask from the float64 forward, held fixed)
    seg:C:mask.npy   Σ_p out[n, C, p]·mask[p]
    similarity:r     cos(e_n, r) = e·r / max(|e||r|, 1e-8)           (torch.nn.functional.cosine_similarity)
    prob:C           softmax(logits_n)_C
    class:C          logits[n, C]
    binary:0         −z_n (z the one-value output);  raw: Σ output;  raw:I output[n, I]
    det:K, box:B[:C] output[n, 4 + c, a] for the K-th box kept by class-wise greedy NMS (IoU 0.7), or the kept box
                     (of class C) overlapping B most; (a, c) its anchor and class, chosen on the float64 output
Conditioning as in tools/gen_zoo.py: image seeds are tried until the float32 maps agree with the float64 ones within
COND_TOL, and, for argmax masks, until at every pixel where the target class is first or second the top two scores
differ by MASK_MARGIN times the largest float32 deviation of the scores, so that a float32 forward picks the same mask.
"""
import argparse
import copy
import hashlib
import json
import os
import sys
import time
import types

import numpy as np
import onnx
import torch
import torch.nn as nn
import torch.nn.functional as F
import torchvision
from torchvision.models import resnet18
from torchvision.models import segmentation as S

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import gen_zoo as zoo  # noqa: E402  (weights, images, Grad-CAM maps: the zoo's own conventions)
from zoo_harness import frozen_copy, write_npy  # noqa: E402
from gen_e2e_fixtures import tensor_for_module  # noqa: E402
from yolo_like import YoloLike  # noqa: E402

ROOT = zoo.ROOT
OPSETS = (13, 17)
BATCH = 2
COND_TOL = 1e-5
MASK_MARGIN = 4
MAX_IMAGE_SEEDS = 24


class Heads(nn.Module):
    """A torchvision ResNet-18 without its fc (a 512-value embedding), plus a 10-class softmax head and a one-value
    score head: three outputs."""

    def __init__(self):
        super().__init__()
        self.trunk = resnet18()
        self.trunk.fc = nn.Identity()
        self.classifier = nn.Linear(512, 10)
        self.score = nn.Linear(512, 1)

    def forward(self, x):
        e, probs, score, _ = self.named_outputs(x)
        return e, probs, score

    def named_outputs(self, x):
        """The outputs and the logits under the softmax (what class:C explains)."""
        e = self.trunk(x)
        logits = self.classifier(e)
        return e, torch.softmax(logits, dim=1), self.score(e), logits


def seg_output(model):
    """torchvision segmentation models return {'out': …}; the export takes 'out' (as a user exports them)."""
    # A method of the instance (not a closure over it), so that deep copies call their own modules.
    model.forward = types.MethodType(lambda self, x: type(self).forward(self, x)['out'], model)
    return model


class Spec:
    def __init__(self, name, ctor, size, layer, outputs, targets, conv_gain=2.0):
        self.name, self.ctor, self.size, self.layer = name, ctor, size, layer
        self.outputs, self.targets, self.conv_gain = outputs, targets, conv_gain


def seg_targets(cls):
    return [f'seg:{cls}', f'seg:{cls}:MASK']


SPECS = [
    Spec('deeplabv3_mobilenet_v3_large',
         lambda: seg_output(S.deeplabv3_mobilenet_v3_large(weights=None, weights_backbone=None, aux_loss=False)), 128,
         'backbone.16', ['out'], 'seg', conv_gain=1.3),
    Spec('lraspp_mobilenet_v3_large',
         lambda: seg_output(S.lraspp_mobilenet_v3_large(weights=None, weights_backbone=None)), 128,
         'backbone.16', ['out'], 'seg', conv_gain=1.3),
    Spec('resnet18_heads', Heads, 128, 'trunk.layer4', ['embedding', 'probs', 'score'],
         ['similarity:REF', 'output:probs+prob:3', 'output:probs+class:3', 'output:score+binary:0',
          'output:score+raw', 'output:embedding+raw:7']),
    Spec('yolo_like', YoloLike, 128, 'n2', ['output0'], ['det:0', 'det:2', 'box:20,20,100,90', 'box:20,20,100,90:1']),
    Spec('fcn_resnet50', lambda: seg_output(S.fcn_resnet50(weights=None, weights_backbone=None, aux_loss=False)), 128,
         'backbone.layer4', ['out'], 'seg', conv_gain=1.0),
]


def cache_key():
    h = hashlib.sha256()
    for f in (__file__, zoo.__file__):
        with open(os.path.abspath(f), 'rb') as fh:
            h.update(fh.read())
    h.update(f'{torch.__version__} {torchvision.__version__} {onnx.__version__}'.encode())
    return h.hexdigest()[:16]


def outputs_of(model, spec, x):
    """{output name: tensor}, plus '<name>.logits' for the softmax output's logits."""
    if isinstance(model, Heads):
        e, probs, score, logits = model.named_outputs(x)
        return {'embedding': e, 'probs': probs, 'score': score, 'probs.logits': logits}
    return {spec.outputs[0]: model(x)}


def target_value(text, outs, spec, files):
    """f per image [N] for a target text (the definitions in the header)."""
    name = spec.outputs[0]
    if text.startswith('output:'):
        name, text = text[len('output:'):].split('+', 1)
    out = outs[name]
    kind, _, arg = text.partition(':')
    if kind == 'seg':
        cls, _, mask = arg.partition(':')
        c = int(cls)
        m = torch.tensor(files[mask], dtype=out.dtype) if mask else (out.detach().argmax(dim=1) == c).to(out.dtype)
        return (out[:, c] * m).sum(dim=(1, 2))
    if kind == 'similarity':
        r = torch.tensor(files[arg], dtype=out.dtype).reshape(-1)
        return F.cosine_similarity(out.reshape(out.shape[0], -1), r[None], dim=1, eps=1e-8)
    if kind == 'prob':
        return out[:, int(arg)]  # the model's own softmax output
    if kind == 'class':
        return outs[f'{name}.logits'][:, int(arg)]
    if kind in ('det', 'box'):
        return torch.stack([out[n, 4 + c, a] for n, (a, c) in enumerate(chosen_boxes(text, out.detach()))])
    if kind == 'binary':
        return (1 if arg == '1' else -1) * out[:, 0]
    if kind == 'raw':
        flat = out.reshape(out.shape[0], -1)
        return flat.sum(dim=1) if not arg else flat[:, int(arg)]
    raise ValueError(text)


NMS_IOU = 0.7


def iou(p, q):
    w = max(0.0, min(p[2], q[2]) - max(p[0], q[0]))
    h = max(0.0, min(p[3], q[3]) - max(p[1], q[1]))
    union = (p[2] - p[0]) * (p[3] - p[1]) + (q[2] - q[0]) * (q[3] - q[1]) - w * h
    return w * h / union if union > 0 else 0.0


def detections(out):
    """One image's raw YOLOv8 output [4 + classes, anchors] → the boxes kept by class-wise greedy NMS, best first:
    (anchor, class, x1y1x2y2). Scores: the best class per anchor (first on ties); order: score down, anchor up."""
    o = out.double().numpy()
    scores, cls = o[4:].max(axis=0), o[4:].argmax(axis=0)
    boxes = np.stack([o[0] - o[2] / 2, o[1] - o[3] / 2, o[0] + o[2] / 2, o[1] + o[3] / 2], axis=1)
    kept = []
    for a in sorted(range(o.shape[1]), key=lambda a: (-scores[a], a)):
        if not any(cls[k] == cls[a] and iou(boxes[k], boxes[a]) > NMS_IOU for k in kept):
            kept.append(a)
    return [(a, int(cls[a]), boxes[a]) for a in kept]


def chosen_boxes(text, out):
    """Per image, the (anchor, class) a det:K or box:x1,y1,x2,y2[:C] target explains."""
    kind, _, arg = text.partition(':')
    picks = []
    for n in range(out.shape[0]):
        kept = detections(out[n])
        if kind == 'det':
            a, c, _ = kept[int(arg)]
        else:
            coords, _, cls = arg.partition(':')
            given = [float(v) for v in coords.split(',')]
            cands = [(iou(b, given), -i, a, c) for i, (a, c, b) in enumerate(kept) if not cls or c == int(cls)]
            _, _, a, c = max(cands)
        picks.append((a, c))
    return picks


def run_reference(model, spec, x, dtype, files, perturb=None):
    """Per target: f per image and the final Grad-CAM map at spec.layer, computed in `dtype`; plus the outputs.
    With perturb = (generator, relative size) every weight is first multiplied by 1 + size·N(0, 1)."""
    m = frozen_copy(model, dtype, perturb)
    module = dict(m.named_modules())[spec.layer]
    results = {}
    for text in spec.targets:
        captured = {}

        def hook(_mod, _inp, out):
            a = out.detach().clone().requires_grad_(True)
            captured['a'] = a
            return a

        h = module.register_forward_hook(hook)
        outs = outputs_of(m, spec, x.to(dtype))
        h.remove()
        f = target_value(text, outs, spec, files)
        f.sum().backward()
        a, da = captured['a'].detach(), captured['a'].grad.detach()
        raw, final, ok = zoo.grad_cam(a, da, spec.size)
        hires, hires_ok = final_map(zoo.ref.hirescam(a, da), spec.size)
        results[text] = {'value': f.detach(), 'final': final, 'hires': hires, 'ok': ok and hires_ok, 'dims': list(a.shape)}
    with torch.no_grad():
        outs = {k: v.detach() for k, v in outputs_of(m, spec, x.to(dtype)).items()}
    return results, outs


def final_map(raw, size):
    """ReLU, per-image min-max, bilinear half-pixel upsample, min-max again; and whether every map varies."""
    norm, ok = zoo.ref.min_max(F.relu(raw))
    final, final_ok = zoo.ref.min_max(zoo.ref.upsample(norm, (size, size)))
    return final, ok and final_ok


def deviation(runs, ref):
    """Per target: max over the runs and both methods of max |final map − the reference's|."""
    return {t: max(float((r[t][m].double() - ref[t][m].double()).abs().max()) for r in runs for m in ('final', 'hires'))
            for t in ref}


def mask_margin_ok(out, out32, c):
    """At every pixel where class c is first or second, the top two class scores differ by MASK_MARGIN times the
    image's largest float32 deviation |out32 − out| at least: a float32 forward gives c the same pixels. (Elsewhere
    a flip between two other classes does not change c's mask.)"""
    top2 = out.topk(2, dim=1)
    deviation = (out32.double() - out).abs().amax(dim=(1, 2, 3))[:, None, None]
    near = (top2.indices == c).any(dim=1)
    margin = top2.values[:, 0] - top2.values[:, 1]
    return bool(((margin >= MASK_MARGIN * deviation) | ~near).all())


def seg_class(out):
    """The class with the largest smallest-per-image winning area (so both images' masks are non-empty)."""
    wins = F.one_hot(out.argmax(dim=1), out.shape[1]).sum(dim=(1, 2))
    return int(wins.min(dim=0).values.argmax())


def seg_mask(size):
    """A fixed rectangle: rows [S/4, 3S/4), columns [S/8, S/2)."""
    m = np.zeros((size, size), dtype=np.float32)
    m[size // 4: 3 * size // 4, size // 8: size // 2] = 1
    return m


def prepare_targets(model, spec, gen):
    """The target texts with their files resolved, and the files ({name: array})."""
    files = {}
    if spec.targets == 'seg':
        with torch.no_grad():
            out = model(zoo.smooth_images(gen, BATCH, spec.size))
        cls = seg_class(out)
        files[f'{spec.name}.mask.npy'] = seg_mask(spec.size)
        return [t.replace('MASK', f'{spec.name}.mask.npy') for t in seg_targets(cls)], files
    if not any('REF' in t for t in spec.targets):
        return spec.targets, files
    # A concept embedding drawn at random: the embeddings of a random network's inputs all point nearly the same way
    # (cosine ≈ 0.99), where df/de = r/(|e||r|) − f·e/|e|² cancels to a gradient float32 cannot resolve.
    files[f'{spec.name}.ref.npy'] = torch.randn(512, generator=gen).numpy().astype(np.float32)
    return [t.replace('REF', f'{spec.name}.ref.npy') for t in spec.targets], files


def choose_images(model, spec, seed, files):
    seg = [int(t.split(':')[1]) for t in spec.targets if t.startswith('seg:')]
    for k in range(MAX_IMAGE_SEEDS):
        gen = torch.Generator().manual_seed(seed * 100 + k)
        x = zoo.smooth_images(gen, BATCH, spec.size)
        if seg:
            # The mask margin first, from two forward runs: most rejections are there, and they are cheap.
            with torch.no_grad():
                out32, out64 = model(x), copy.deepcopy(model).double()(x.double())
            if not mask_margin_ok(out64, out32, seg[0]):
                print(f'    image seed {k} rejected: class {seg[0]} wins or loses a pixel within float32 rounding', flush=True)
                continue
        base, _ = run_reference(model, spec, x, torch.float32, files)
        runs = [run_reference(model, spec, x, torch.float32, files, (torch.Generator().manual_seed(t + 1), zoo.PERTURBATION))[0]
                for t in range(zoo.PERTURBED_RUNS)]
        dev = deviation(runs, base)
        ok = all(d <= COND_TOL for d in dev.values())
        if ok and spec.name == 'yolo_like':
            # NMS picks the same boxes in float32 as in float64 (a float32 forward makes the choice in gcam).
            with torch.no_grad():
                o32, o64 = model(x), copy.deepcopy(model).double()(x.double())
            ok = all(chosen_boxes(t, o32) == chosen_boxes(t, o64) for t in spec.targets)
        if ok:
            ref, outs = run_reference(model, spec, x, torch.float64, files)
            dev = deviation([base, *runs], ref)
            ok = all(d <= COND_TOL for d in dev.values()) and all(r['ok'] for r in ref.values())
            if ok:
                return x, ref, outs, dev, k
        print(f'    image seed {k} rejected: deviation {dev}', flush=True)
    raise RuntimeError(f'{spec.name}: no well-conditioned image batch in {MAX_IMAGE_SEEDS} seeds')


def export(model, spec, x, path, opset):
    axes = {n: {0: 'batch'} for n in ['input', *spec.outputs]}
    torch.onnx.export(model, x, path, opset_version=opset, input_names=['input'], output_names=spec.outputs,
                      dynamic_axes=axes)
    onnx.checker.check_model(path)


def generate(spec, seed, out, key):
    t0 = time.time()
    torch.manual_seed(seed)
    gen = torch.Generator().manual_seed(seed + 1000)
    model = spec.ctor()
    zoo.randomize(model, gen, spec.conv_gain)
    zoo.randomize_batchnorm(model, gen)
    for m in model.modules():
        if hasattr(m, 'reset_bins'):
            m.reset_bins()  # the DFL's fixed 0…15 weights, which randomize() drew like every conv's
    model.eval()
    if hasattr(model, 'tame_heads'):
        model.tame_heads(zoo.smooth_images(torch.Generator().manual_seed(seed + 3000), BATCH, spec.size))
    texts, files = prepare_targets(model, spec, torch.Generator().manual_seed(seed + 2000))
    spec = Spec(spec.name, spec.ctor, spec.size, spec.layer, spec.outputs, texts, spec.conv_gain)
    x, ref, outs, dev, image_seed = choose_images(model, spec, seed, files)
    for name, arr in files.items():
        write_npy(os.path.join(out, name), arr)
    write_npy(os.path.join(out, f'{spec.name}.input.npy'), x.numpy())
    onnx_info = {}
    for opset in OPSETS:
        file = f'{spec.name}-op{opset}.onnx'
        export(model, spec, x, os.path.join(out, file + '.tmp'), opset)
        os.replace(os.path.join(out, file + '.tmp'), os.path.join(out, file))
        graph = onnx.load(os.path.join(out, file), load_external_data=False).graph
        onnx_info[str(opset)] = {'file': file, 'tensor': tensor_for_module(graph, spec.layer)[0],
                                 'ops': sorted({n.op_type for n in graph.node})}
    fixture = {
        'name': spec.name,
        'key': key,
        'generator': f'tools/gen_targets.py (torch {torch.__version__}, torchvision {torchvision.__version__}, seed {seed})',
        'inputShape': [BATCH, 3, spec.size, spec.size],
        'input': f'{spec.name}.input.npy',
        'imageSeed': image_seed,
        'layer': spec.layer,
        'outputs': {k: list(v.shape) for k, v in outs.items() if '.' not in k},
        'onnx': onnx_info,
        'targets': [{'target': t, 'values': zoo.sig(r['value']), 'finalCam': zoo.sig(r['final'], 8), 'hiresCam': zoo.sig(r['hires'], 8),
                     'layerDims': r['dims'], 'float32Deviation': dev[t]} for t, r in ref.items()],
        'seconds': round(time.time() - t0, 1),
    }
    path = os.path.join(out, f'{spec.name}.json')
    with open(path + '.tmp', 'w') as f:
        json.dump(fixture, f, separators=(',', ':'))
    os.replace(path + '.tmp', path)
    print(f'  {spec.name}: {time.time() - t0:.1f}s (image seed {image_seed}, targets {texts}, '
          f'float32 deviation {max(dev.values()):.1e})', flush=True)


def main():
    parser = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    parser.add_argument('names', nargs='*')
    parser.add_argument('--out', default=os.environ.get('GCAM_TARGETS_DIR', os.path.join(ROOT, '.cache', 'targets')))
    parser.add_argument('--force', action='store_true')
    args = parser.parse_args()
    unknown = set(args.names) - {s.name for s in SPECS}
    if unknown:
        sys.exit(f'unknown models: {", ".join(sorted(unknown))}')
    torch.set_num_threads(int(os.environ.get('GCAM_ZOO_THREADS', '2')))
    os.makedirs(args.out, exist_ok=True)
    key = cache_key()
    t0 = time.time()
    for seed, spec in enumerate(SPECS):
        if args.names and spec.name not in args.names:
            continue
        path = os.path.join(args.out, f'{spec.name}.json')
        if not args.force and os.path.exists(path):
            with open(path) as f:
                cached = json.load(f)
            if cached.get('key') == key and all(os.path.exists(os.path.join(args.out, o['file']))
                                                for o in cached['onnx'].values()):
                print(f'  {spec.name}: cached', flush=True)
                continue
        generate(spec, seed + 50, args.out, key)
    print(f'targets ready in {args.out} ({time.time() - t0:.0f}s)', flush=True)


if __name__ == '__main__':
    main()
