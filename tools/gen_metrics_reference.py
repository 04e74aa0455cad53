#!/usr/bin/python3
"""Writes test/fixtures/metrics/reference.json, imputation.json, localisation.json and sanity.json: float64
references for gcam's faithfulness metrics (src/metrics), computed here from the papers' formulas with torch, numpy
and scipy.

Run from the repository root with Debian's python3-torch, python3-onnx and python3-scipy (nothing is downloaded):

    /usr/bin/python3 tools/gen_metrics_reference.py [perturbation] [localisation] [sanity]     # default: all

Models and maps:
- the three fixture CNNs of tools/gen_e2e_fixtures.py (rebuilt here with the same constructors and seeds; their logits
  are checked against test/fixtures/e2e/<model>.json), on that fixture's 2 inputs, explaining its target classes with
  its float64 Grad-CAM final maps ('finalCam' of both layers, read as float32 as gcam reads them): 4 rows per model;
- SqueezeNet 1.1 from ../shared (evaluated here by a small float64 interpreter of its 6 op types), on
  test/fixtures/preprocess/{kitten_224,chelsea}.caffe.webp as Caffe-style tensors (BGR, 0–255), explaining each
  image's top class, with maps made by integer arithmetic (two cones, 256 levels, many ties), which the test rebuilds.

Per row: the number of pixels ROAD removes at each percentile, MoRF and LeRF (an exact check of the tie conventions);
and per score ('prob': softmax of the logits; 'logit'), with the metrics' defaults and ROAD noise 0:
- drop, increase, avg-drop from Δ = s(x·map) − s(x);
- ROAD: the removed pixels at each percentile follow pytorch-grad-cam's conventions (np.percentile of the float32 map,
  or of 1 − map in float32 for LeRF; a pixel is kept when its value is below the threshold as a float32 comparison);
  the imputation solves the system of Rong et al. (each removed pixel = the mean of its in-image 8 neighbours, weights
  1/6 edge, 1/12 diagonal, divided by the weights present) with scipy.sparse.linalg.spsolve; MoRF/LeRF per percentile
  are s(imputed) − s(x); combined = (mean LeRF − mean MoRF) / 2;
- deletion and insertion: pixels ranked by np.argsort(−map, kind='stable'), ⌈HW/20⌉ per step, zero baseline, curve
  AUC by np.trapz over x in [0, 1].
imputation.json: small images and masks (random, touching borders and corners, a single kept pixel) with the solution
of the same system by a dense least-squares solve (np.linalg.lstsq; it also gives the all-removed case its minimum-norm
solution, 0).
localisation.json: COCO polygon rasterisation by a brute-force even-odd test at every pixel centre (numpy) on rings
of every kind, and the pointing games (Zhang et al. 2016; Wang et al. 2020, sec. 4.3) on the resnet fixture's
float64 Grad-CAM maps at its deep layer, against polygons and an RLE mask placed around each map's peak.
sanity.json, the sanity check (Adebayo et al. 2018, sec. 3.1) on the three fixture CNNs (their 2 inputs, target
classes and both layers, full cascades) and SqueezeNet 1.1 (the two photos, their top classes, 2 layers, the first 6
steps), each graph evaluated by the float64 interpreter below: the cascade's layers and initializers in gcam's order,
redrawn by a port of src/scenes/prng.ts and randomise.ts's Box–Muller draw (rounded to float32 as gcam writes them;
the first values and sums of every rewritten tensor are recorded), Grad-CAM final maps by float64 autograd after each
step, and per (image, layer) scipy's Spearman ρ with the original map at each step and their mean.
"""
import json
import math
import os
import sys

import numpy as np
import onnx
import scipy.sparse
import scipy.sparse.linalg
import scipy.stats
import torch
import torch.nn.functional as F
from onnx import numpy_helper
from PIL import Image

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.normpath(os.path.join(HERE, '..'))
sys.path.insert(0, HERE)
import gen_e2e_fixtures as e2e  # noqa: E402

OUT = os.path.join(ROOT, 'test', 'fixtures', 'metrics')
SHARED = os.path.normpath(os.path.join(ROOT, '..', 'shared'))
PERCENTILES = [10, 20, 30, 40, 50, 60, 70, 80, 90]
STEPS = 20
# (dy, dx, weight) of the 8 neighbours (Rong et al. 2022, sec. 4).
NEIGHBOURS = [(dy, dx, 1 / 12 if dy and dx else 1 / 6) for dy in (-1, 0, 1) for dx in (-1, 0, 1) if dy or dx]


# ---------------------------------------------------------------- metric formulas

def removed_at(cam32, order, p):
    """1 where ROAD removes the pixel (pytorch-grad-cam's RemoveMostRelevantFirst / RemoveLeastRelevantFirst)."""
    mask = torch.from_numpy(cam32)
    if order == 'lerf':
        mask = 1 - mask
    threshold = np.percentile(mask.numpy(), p)
    return (~(mask < threshold)).numpy().astype(np.uint8)


def system(removed):
    """Rows of the linear system over the removed pixels: M x = B v (v: all pixel values of one channel)."""
    h, w = removed.shape
    unknown = np.flatnonzero(removed.reshape(-1))
    index = -np.ones(h * w, dtype=np.int64)
    index[unknown] = np.arange(len(unknown))
    rows, cols, vals, brows, bcols, bvals = [], [], [], [], [], []
    for u, pix in enumerate(unknown):
        y, x = divmod(int(pix), w)
        total = 0.0
        for dy, dx, wt in NEIGHBOURS:
            yy, xx = y + dy, x + dx
            if not (0 <= yy < h and 0 <= xx < w):
                continue
            total += wt
            q = yy * w + xx
            if removed[yy, xx]:
                rows.append(u), cols.append(index[q]), vals.append(-wt)
            else:
                brows.append(u), bcols.append(q), bvals.append(wt)
        rows.append(u), cols.append(u), vals.append(total)
    n = len(unknown)
    m = scipy.sparse.csc_matrix((vals, (rows, cols)), shape=(n, n))
    b = scipy.sparse.csr_matrix((bvals, (brows, bcols)), shape=(n, h * w))
    return unknown, m, b


def impute(img, removed, dense=False):
    """img [C, H, W] float64 → imputed copy (noise 0)."""
    c, h, w = img.shape
    out = img.reshape(c, -1).copy()
    unknown, m, b = system(removed)
    if len(unknown) == 0:
        return img.copy()
    rhs = np.stack([b @ out[k] for k in range(c)], axis=1)
    if dense:
        sol = np.linalg.lstsq(m.toarray(), rhs, rcond=None)[0]
    else:
        sol = scipy.sparse.linalg.spsolve(m, rhs).reshape(len(unknown), c)
    out[:, unknown] = sol.T
    return out.reshape(c, h, w)


def causal_inputs(x, cam32, kind):
    c, h, w = x.shape
    order = np.argsort(-cam32.astype(np.float64).reshape(-1), kind='stable')
    per_step = math.ceil(h * w / STEPS)
    points = math.ceil(h * w / per_step) + 1
    outs = []
    for k in range(points):
        chosen = order[:min(k * per_step, h * w)]
        flat = x.reshape(c, -1)
        if kind == 'deletion':
            y = flat.copy()
            y[:, chosen] = 0
        else:
            y = np.zeros_like(flat)
            y[:, chosen] = flat[:, chosen]
        outs.append(y.reshape(c, h, w))
    return outs


def row_metrics(score_fn, x32, cam32, target):
    """Every metric of one (input, map, class), for both scores. x32 [C, H, W] float32, cam32 [H, W] float32."""
    x = x32.astype(np.float64)
    cam = cam32.astype(np.float64)
    inputs = {'original': x, 'cam-mult': x * cam[None]}
    for order in ('morf', 'lerf'):
        for p in PERCENTILES:
            inputs[f'{order}:{p}'] = impute(x, removed_at(cam32, order, p))
    for kind in ('deletion', 'insertion'):
        for k, y in enumerate(causal_inputs(x, cam32, kind)):
            inputs[f'{kind}:{k}'] = y
    removed = {order: [int(removed_at(cam32, order, p).sum()) for p in PERCENTILES] for order in ('morf', 'lerf')}
    keys = list(inputs)
    logits = score_fn(np.stack([inputs[k] for k in keys]))
    out = {'removed': removed}
    for mode in ('prob', 'logit'):
        s = F.softmax(logits, dim=1)[:, target] if mode == 'prob' else logits[:, target]
        s = dict(zip(keys, s.tolist()))
        y0 = s['original']
        delta = s['cam-mult'] - y0
        morf = [s[f'morf:{p}'] - y0 for p in PERCENTILES]
        lerf = [s[f'lerf:{p}'] - y0 for p in PERCENTILES]
        curves = {kind: [s[k] for k in keys if k.startswith(kind + ':')] for kind in ('deletion', 'insertion')}
        out[mode] = {
            'original': y0,
            'drop': max(-delta, 0.0),
            'increase': float(delta > 0),
            'avg-drop': 100 * max(-delta, 0.0) / (y0 + 1e-7),
            'road-morf': morf[PERCENTILES.index(80)],
            'road-lerf': lerf[PERCENTILES.index(20)],
            'road-morf-avg': float(np.mean(morf)),
            'road-lerf-avg': float(np.mean(lerf)),
            'road': float((np.mean(lerf) - np.mean(morf)) / 2),
            'morf': morf,
            'lerf': lerf,
            'deletion': float(np.trapz(curves['deletion'], dx=1 / (len(curves['deletion']) - 1))),
            'insertion': float(np.trapz(curves['insertion'], dx=1 / (len(curves['insertion']) - 1))),
            'deletionCurve': curves['deletion'],
            'insertionCurve': curves['insertion'],
        }
    return out


# ---------------------------------------------------------------- models

def fixture_cnn(seed, name, ctor):
    torch.manual_seed(seed)
    gen = torch.Generator().manual_seed(seed + 1000)
    model = ctor()
    e2e.randomize(model, gen)
    model.eval()
    return model.double()


def cnn_rows(seed, name, ctor):
    fx = json.load(open(os.path.join(ROOT, 'test', 'fixtures', 'e2e', f'{name}.json')))
    model = fixture_cnn(seed, name, ctor)
    n, c, h, w = fx['inputShape']
    x32 = np.array(fx['input'], dtype=np.float32).reshape(n, c, h, w)

    def score_fn(batch):
        with torch.no_grad():
            return torch.cat([model(torch.from_numpy(batch[i:i + 32])) for i in range(0, len(batch), 32)])

    logits = score_fn(x32.astype(np.float64))
    gap = float((logits - torch.tensor(fx['logits']).reshape(n, -1)).abs().max())
    assert gap < 1e-4, f'{name}: rebuilt model differs from the fixture by {gap}'
    rows = []
    for layer in fx['layers']:
        cams = np.array(layer['finalCam'], dtype=np.float32).reshape(n, h, w)
        for i in range(n):
            rows.append({'image': i, 'layer': layer['id'], 'class': fx['targets'][i],
                         'values': row_metrics(score_fn, x32[i], cams[i], fx['targets'][i])})
    print(f'{name}: {len(rows)} rows (rebuilt logits within {gap:.1e} of the fixture)')
    return {'model': name, 'onnx': f'test/fixtures/e2e/{name}.onnx', 'input': f'test/fixtures/e2e/{name}.json', 'rows': rows}


class OnnxFloat64:
    """Evaluates an ONNX graph of the ops of SqueezeNet 1.1 and of the fixture CNNs (Conv, Relu, MaxPool, Concat,
    Dropout, GlobalAveragePool, BatchNormalization, Clip, HardSigmoid, HardSwish, Mul, Add, Flatten, Gemm, Constant)
    in float64 torch, up to the scores: the input of a final Softmax (the logits), else the graph's output. `weights`
    replaces initializers by name (the sanity check's randomised ones); `capture` names tensors to return too."""

    def __init__(self, path):
        m = onnx.load(path)
        self.graph = m.graph
        self.float32 = {t.name: numpy_helper.to_array(t) for t in m.graph.initializer}
        self.weights = {k: torch.from_numpy(v.astype(np.float64)) for k, v in self.float32.items()}

    def __call__(self, x, weights=None, capture=()):
        env = {**self.weights, **{k: torch.from_numpy(v.astype(np.float64)) for k, v in (weights or {}).items()}}
        env[next(i.name for i in self.graph.input if i.name not in self.weights)] = x
        output = self.graph.output[0].name
        for node in self.graph.node:
            a = {at.name: onnx.helper.get_attribute_value(at) for at in node.attribute}
            ins = [env[i] if i else None for i in node.input]
            if node.op_type == 'Softmax' and node.output[0] == output:
                output = node.input[0]
                break
            env[node.output[0]] = self.op(node.op_type, a, ins)
        scores = env[output]
        scores = scores.reshape(scores.shape[0], -1)
        return (scores, {name: env[name] for name in capture}) if capture else scores

    @staticmethod
    def op(kind, a, ins):
        if kind == 'Conv':
            assert a.get('auto_pad', b'NOTSET') == b'NOTSET'
            pads = a.get('pads', [0, 0, 0, 0])
            x = F.pad(ins[0], (pads[1], pads[3], pads[0], pads[2]))
            return F.conv2d(x, ins[1], ins[2] if len(ins) > 2 else None, stride=a.get('strides', 1),
                            dilation=a.get('dilations', 1), groups=a.get('group', 1))
        if kind == 'MaxPool':
            pads = a.get('pads', [0, 0, 0, 0])
            assert pads[:2] == pads[2:]
            return F.max_pool2d(ins[0], a['kernel_shape'], a.get('strides', 1), pads[:2],
                                dilation=a.get('dilations', 1), ceil_mode=bool(a.get('ceil_mode', 0)))
        if kind == 'BatchNormalization':
            x, scale, bias, mean, var = (t if i == 0 else t.reshape(1, -1, 1, 1) for i, t in enumerate(ins[:5]))
            return (x - mean) / torch.sqrt(var + a.get('epsilon', 1e-5)) * scale + bias
        if kind == 'Gemm':
            p = ins[0].T if a.get('transA', 0) else ins[0]
            q = ins[1].T if a.get('transB', 0) else ins[1]
            y = a.get('alpha', 1.0) * (p @ q)
            return y + a.get('beta', 1.0) * ins[2] if len(ins) > 2 and ins[2] is not None else y
        if kind == 'Constant':
            v = numpy_helper.to_array(a['value'])
            return torch.from_numpy(v.astype(np.float64) if v.dtype.kind == 'f' else v)
        if kind == 'Clip':
            lo = ins[1] if len(ins) > 1 and ins[1] is not None else None
            hi = ins[2] if len(ins) > 2 and ins[2] is not None else None
            return torch.clamp(ins[0], lo, hi)
        if kind == 'HardSigmoid':
            return torch.clamp(a.get('alpha', 0.2) * ins[0] + a.get('beta', 0.5), 0, 1)
        if kind == 'HardSwish':
            return ins[0] * torch.clamp(ins[0] / 6 + 0.5, 0, 1)
        if kind == 'Flatten':
            axis = a.get('axis', 1)
            return ins[0].reshape(int(np.prod(ins[0].shape[:axis])), -1)
        simple = {
            'Relu': lambda: F.relu(ins[0]),
            'Concat': lambda: torch.cat(ins, dim=a['axis']),
            'Dropout': lambda: ins[0],
            'GlobalAveragePool': lambda: ins[0].mean(dim=(2, 3), keepdim=True),
            'Mul': lambda: ins[0] * ins[1],
            'Add': lambda: ins[0] + ins[1],
        }
        if kind not in simple:
            raise ValueError(kind)
        return simple[kind]()


def cone_map(h, w, cones):
    """Integer-only map (the test rebuilds it): per pixel the largest of 255 − 255·d²/r² (integer division, ≥ 0) over
    cones (cy, cx, r), as float32 level/255."""
    y, x = np.mgrid[0:h, 0:w].astype(np.int64)
    level = np.zeros((h, w), dtype=np.int64)
    for cy, cx, r in cones:
        d2 = (y - cy) ** 2 + (x - cx) ** 2
        level = np.maximum(level, np.maximum(255 - (255 * d2) // (r * r), 0))
    return (level.astype(np.float64) / 255).astype(np.float32)


SQUEEZE_CASES = [('kitten_224', [(100, 120, 70), (40, 180, 30)]), ('chelsea', [(110, 90, 90)])]
# The sanity check on SqueezeNet: the last ReLU (13×13) and fire5's output (27×27), the first 6 layers of its cascade
# of 26 (conv10 and fire9, fire8's expands): each step explains both photos again.
SQUEEZE_SANITY_LAYERS = ['conv10_2', 'fire5/concat_1']
SQUEEZE_SANITY_STEPS = 6


def squeezenet_rows():
    path = os.path.join(SHARED, 'models', 'squeezenet1.1', 'squeezenet1.1.onnx')
    model = OnnxFloat64(path)

    def score_fn(batch):
        with torch.no_grad():
            return torch.cat([model(torch.from_numpy(batch[i:i + 16])) for i in range(0, len(batch), 16)])

    rows = []
    for i, (stem, cones) in enumerate(SQUEEZE_CASES):
        rgb = np.asarray(Image.open(os.path.join(ROOT, 'test', 'fixtures', 'preprocess', f'{stem}.caffe.webp')).convert('RGB'))
        x32 = np.ascontiguousarray(rgb[:, :, ::-1].transpose(2, 0, 1)).astype(np.float32)
        target = int(score_fn(x32[None].astype(np.float64)).argmax())
        cam = cone_map(224, 224, cones)
        rows.append({'image': i, 'source': f'test/fixtures/preprocess/{stem}.caffe.webp', 'cones': cones, 'class': target,
                     'values': row_metrics(score_fn, x32, cam, target)})
        print(f'squeezenet {stem}: class {target}')
    return {'model': 'squeezenet1.1', 'onnx': '../shared/models/squeezenet1.1/squeezenet1.1.onnx', 'rows': rows}


# ---------------------------------------------------------------- sanity check (cascading randomisation)

U32 = 0xFFFFFFFF
PRNG_STEP = 0x9E3779B9
SANITY_SEED = 11
SANITY_STREAM = 13
PARAMETERISED = ('Conv', 'ConvTranspose', 'Gemm', 'MatMul')


def mix32(x):
    """src/scenes/prng.ts mix32 (xor-shift / multiply avalanche) on unsigned 32-bit integers."""
    x = (x ^ (x >> 16)) & U32
    x = (x * 0x7FEB352D) & U32
    x = (x ^ (x >> 15)) & U32
    x = (x * 0x846CA68B) & U32
    return (x ^ (x >> 16)) & U32


class Prng:
    """src/scenes/prng.ts Prng: a 32-bit counter stepped by PRNG_STEP, each state passed through mix32."""

    def __init__(self, seed, stream=0):
        s = mix32((seed & U32) ^ mix32(((seed >> 32) + PRNG_STEP) & U32))
        self.state = s if stream == 0 else mix32(s ^ mix32((stream + PRNG_STEP) & U32))

    def u32(self):
        self.state = (self.state + PRNG_STEP) & U32
        return mix32(self.state)

    def float(self):
        return self.u32() / 2 ** 32

    def floats(self, n):
        """The next n float() draws at once: the counter's states are known in closed form."""
        k = np.arange(1, n + 1, dtype=np.uint64)
        x = (np.uint64(self.state) + k * np.uint64(PRNG_STEP)) & np.uint64(U32)
        self.state = int(x[-1]) if n else self.state
        for shift, mult in ((16, 0x7FEB352D), (15, 0x846CA68B)):
            x = (x ^ (x >> np.uint64(shift))) * np.uint64(mult) & np.uint64(U32)
        x = x ^ (x >> np.uint64(16))
        return x.astype(np.float64) / 2 ** 32


def gaussians(rng, n):
    """n standard normal draws by Box–Muller, one uniform pair each (u1 for the radius, then u2 for the angle), with
    libm's log and cos per value (as randomise.ts calls Math.log and Math.cos)."""
    u = rng.floats(2 * n)
    return np.array([math.sqrt(-2 * math.log(1 - u[2 * i])) * math.cos(2 * math.pi * u[2 * i + 1]) for i in range(n)])


def cascade_steps(graph, float32):
    """Adebayo et al. 2018, sec. 3.1: the layers with weights (Conv, ConvTranspose, Gemm, MatMul with an initializer
    of rank ≥ 2), output first; each with its float initializers in input order. Nodes are named as gcam names them
    (their name, else '<op>_<index>'); the graph must already be in topological order (then gcam keeps its order)."""
    known = set(float32) | {i.name for i in graph.input}
    steps = []
    for index, node in enumerate(graph.node):
        assert all(not i or i in known for i in node.input), f'{node.name} is out of topological order'
        known.update(node.output)
        inits = [i for i in node.input if i in float32 and float32[i].dtype == np.float32]
        if node.op_type in PARAMETERISED and any(float32[i].ndim >= 2 for i in inits):
            steps.append({'layer': node.name or f'{node.op_type}_{index}', 'opType': node.op_type, 'initializers': inits})
    return steps[::-1]


def randomised(float32, steps, seed):
    """The initializers of `steps` redrawn as mean + std·N(0, 1), each with its own mean and (population) standard
    deviation, summed in order in float64 as randomise.ts does, and rounded to float32 as it writes them. One generator
    (seed, stream 13) runs over the initializers in cascade order, so step k redraws the first k-1 layers exactly as
    step k-1 did."""
    rng = Prng(seed, SANITY_STREAM)
    out = {}
    for name in dict.fromkeys(i for s in steps for i in s['initializers']):
        v = float32[name].astype(np.float64).reshape(-1)
        mean = np.cumsum(v)[-1] / len(v)
        std = math.sqrt(max(np.cumsum(v * v)[-1] / len(v) - mean * mean, 0))
        out[name] = (mean + std * gaussians(rng, len(v))).astype(np.float32).reshape(float32[name].shape)
    return out


def final_maps(raw, size):
    """gcam's final map (pytorch-grad-cam's order): ReLU, min-max at the layer, half-pixel bilinear upsample, min-max
    again; a map whose range is ≤ 1e-6 of its largest magnitude is constant and becomes zeros (gcam's guard)."""
    def min_max(m):
        flat = m.reshape(m.shape[0], -1)
        lo = flat.min(dim=1).values.reshape(-1, 1, 1)
        hi = flat.max(dim=1).values.reshape(-1, 1, 1)
        varied = (hi - lo) > 1e-6 * torch.maximum(hi.abs(), lo.abs())
        return torch.where(varied, (m - lo) / torch.where(varied, hi - lo, torch.ones_like(hi)), torch.zeros_like(m))

    up = F.interpolate(min_max(F.relu(raw))[:, None], size=size, mode='bilinear', align_corners=False)[:, 0]
    return min_max(up)


def gradcam_maps(model, x, weights, layers, targets):
    """Grad-CAM (Selvaraju et al. 2017, eq. 1–2) by float64 autograd at each layer: w_c = mean(dS/dA_c),
    map = Σ_c w_c·A_c, S = the target class's score per image; final maps [N, H, W] per layer."""
    x = torch.from_numpy(x.astype(np.float64)).requires_grad_(True)
    scores, acts = model(x, weights, capture=layers)
    score = scores[torch.arange(len(targets)), torch.tensor(targets)].sum()
    grads = torch.autograd.grad(score, [acts[name] for name in layers])
    return {name: final_maps((g.mean(dim=(2, 3), keepdim=True) * acts[name]).sum(dim=1), tuple(x.shape[2:])).detach()
            for name, g in zip(layers, grads)}


def rank_correlation(a, b):
    """Spearman's ρ of two maps (scipy, ties by their mean rank); NaN when either is constant."""
    a, b = a.numpy().reshape(-1), b.numpy().reshape(-1)
    if a.min() == a.max() or b.min() == b.max():
        return float('nan')
    return float(scipy.stats.spearmanr(a, b).correlation)


def weight_checks(new, float32):
    """What the test compares gcam's rewritten initializers with: the first values exactly, the float64 sums."""
    return {name: {'first': v.reshape(-1)[:4].tolist(), 'sum': float(v.astype(np.float64).sum()),
                   'changed': int((v != float32[name]).sum())} for name, v in new.items()}


def sanity_model(name, path, x32, layers, targets, steps_used, input_ref):
    """Per (image, layer): ρ between the original final map and the map after each cascade step, and their mean."""
    model = OnnxFloat64(path)
    steps = cascade_steps(model.graph, model.float32)[:steps_used]
    original = gradcam_maps(model, x32, None, layers, targets)
    rhos = {(i, layer): [] for layer in layers for i in range(len(targets))}
    checks = None
    for k in range(1, len(steps) + 1):
        weights = randomised(model.float32, steps[:k], SANITY_SEED)
        if k == len(steps):
            checks = weight_checks(weights, model.float32)
        maps = gradcam_maps(model, x32, weights, layers, targets)
        for (i, layer), r in rhos.items():
            r.append(rank_correlation(original[layer][i], maps[layer][i]))
    rows = []
    for (i, layer), r in rhos.items():
        finite = [v for v in r if not math.isnan(v)]
        rows.append({'image': i, 'layer': layer, 'class': targets[i], 'rho': r,
                     'value': float(np.mean(finite)) if finite else float('nan')})
    print(f'sanity {name}: {len(steps)} steps, mean ρ per row ' + ', '.join(f"{r['value']:.3f}" for r in rows))
    return {'model': name, 'onnx': os.path.relpath(path, ROOT), 'steps': steps, 'layers': layers,
            'targets': targets, 'weights': checks, 'rows': rows, **input_ref}


def sanity_reference():
    rng = Prng(SANITY_SEED, SANITY_STREAM)
    draws = {'u32': [rng.u32() for _ in range(4)]}
    draws['float'] = rng.floats(4).tolist()
    models = []
    for name, _ctor, _layers, _fold in e2e.MODELS:
        fx = json.load(open(os.path.join(ROOT, 'test', 'fixtures', 'e2e', f'{name}.json')))
        x32 = np.array(fx['input'], dtype=np.float32).reshape(fx['inputShape'])
        layers = [layer['tensor'] for layer in fx['layers']]
        models.append(sanity_model(name, os.path.join(ROOT, 'test', 'fixtures', 'e2e', f'{name}.onnx'), x32, layers,
                                   fx['targets'], None, {'input': f'test/fixtures/e2e/{name}.json'}))
    sources = [f'test/fixtures/preprocess/{stem}.caffe.webp' for stem, _ in SQUEEZE_CASES]
    x32 = np.stack([np.ascontiguousarray(np.asarray(Image.open(os.path.join(ROOT, s)).convert('RGB'))[:, :, ::-1]
                                         .transpose(2, 0, 1)).astype(np.float32) for s in sources])
    path = os.path.join(SHARED, 'models', 'squeezenet1.1', 'squeezenet1.1.onnx')
    targets = [int(t) for t in OnnxFloat64(path)(torch.from_numpy(x32.astype(np.float64))).argmax(dim=1)]
    models.append(sanity_model('squeezenet1.1', path, x32, SQUEEZE_SANITY_LAYERS, targets, SQUEEZE_SANITY_STEPS,
                               {'sources': sources}))
    models[-1]['onnx'] = '../shared/models/squeezenet1.1/squeezenet1.1.onnx'
    return {'generator': f'tools/gen_metrics_reference.py (torch {torch.__version__}, scipy {scipy.__version__}, float64)',
            'seed': SANITY_SEED, 'stream': SANITY_STREAM, 'draws': draws, 'models': models}


# ---------------------------------------------------------------- localisation: COCO polygons and RLE

def polygon_mask(rings, width, height):
    """[height, width] bool: pixel (x, y) is in when its centre (x + ½, y + ½) is inside some ring by the even-odd
    rule, tested at every centre by brute force: a ray towards +x crosses edge (p_i, p_i+1) when exactly one of its
    ends has y above the centre's y, at x_i + (cy − y_i)(x_i+1 − x_i)/(y_i+1 − y_i), and counts when right of the
    centre. The object is the union of its rings."""
    cy, cx = np.mgrid[0:height, 0:width].astype(np.float64) + 0.5
    out = np.zeros((height, width), dtype=bool)
    for ring in rings:
        pts = np.asarray(ring, dtype=np.float64).reshape(-1, 2)
        count = np.zeros((height, width), dtype=np.int64)
        for (xi, yi), (xj, yj) in zip(pts, np.roll(pts, -1, axis=0)):
            if yi == yj:
                continue  # never crosses a row (one end above the centre, the other not)
            count += ((yi > cy) != (yj > cy)) & (cx < xi + (cy - yi) * (xj - xi) / (yj - yi))
        out |= count % 2 == 1
    return out


def rle_of(mask):
    """COCO's uncompressed RLE of a bool mask [h, w]: runs over the column-major pixels, starting with a run of 0s."""
    flat = mask.T.reshape(-1).astype(np.int64)
    edges = np.flatnonzero(np.diff(flat)) + 1
    runs = np.diff(np.concatenate([[0], edges, [len(flat)]])).tolist()
    return {'counts': ([0] + runs) if flat[0] else runs, 'size': list(mask.shape)}


def star(cx, cy, r_in, r_out, points, phase=0.0):
    """A simple concave ring: 2·points vertices alternating between the two radii."""
    ring = []
    for k in range(2 * points):
        r = r_out if k % 2 == 0 else r_in
        a = phase + math.pi * k / points
        ring += [cx + r * math.cos(a), cy + r * math.sin(a)]
    return ring


def rows_of(mask):
    return [''.join('1' if v else '0' for v in row) for row in mask]


def rasterisation_cases():
    rng = np.random.RandomState(7)
    w, h = 23, 17
    pentagram = []
    for k in range(5):
        a = -math.pi / 2 + 4 * math.pi * k / 5
        pentagram += [11.3 + 7.9 * math.cos(a), 8.4 + 7.9 * math.sin(a)]
    cases = {
        'triangle': [[2.2, 1.7, 19.6, 4.1, 7.3, 15.2]],
        'concave star': [star(11.1, 8.3, 3.1, 7.7, 6, 0.3)],
        'pentagram (its centre is outside by even-odd)': [pentagram],
        'two overlapping rings (a union)': [[1.3, 1.2, 12.7, 1.9, 12.2, 11.6, 1.8, 10.9], [8.4, 6.1, 21.3, 6.6, 20.6, 15.8]],
        'partly outside the image': [[-5.2, -3.1, 9.7, -2.4, 30.3, 12.2, 4.1, 25.6]],
        'a ring smaller than a pixel': [[5.6, 5.6, 5.9, 5.55, 5.7, 5.95]],
    }
    for k in range(6):
        n = rng.randint(3, 13)
        cases[f'random ring {k} ({n} points, self-intersecting)'] = [
            np.round(np.stack([rng.uniform(-3, w + 3, n), rng.uniform(-3, h + 3, n)], 1).reshape(-1), 3).tolist()]
    return {'width': w, 'height': h,
            'cases': [{'name': k, 'rings': v, 'mask': rows_of(polygon_mask(v, w, h))} for k, v in cases.items()]}


POINTING_TOLERANCES = [0, 3, 6]


def pointing_reference():
    """The resnet fixture's 2 inputs at its deep layer, 3 annotated classes per image with regions built around each
    class's float64 Grad-CAM peak: polygons holding it (a star and a second ring), a polygon 4 px off it, an RLE mask
    far from it. Per (image, class): the peak, the pointing game at each tolerance and the energy share."""
    fx = json.load(open(os.path.join(ROOT, 'test', 'fixtures', 'e2e', 'resnet.json')))
    path = os.path.join(ROOT, 'test', 'fixtures', 'e2e', 'resnet.onnx')
    model = OnnxFloat64(path)
    n, _c, h, w = fx['inputShape']
    x32 = np.array(fx['input'], dtype=np.float32).reshape(fx['inputShape'])
    layer = next(l['tensor'] for l in fx['layers'] if l['id'] == 'deep')
    classes = [[3, 5, 7], [7, 2, 4]]
    images = []
    for i in range(n):
        annotations, rows = [], []
        for kind, cls in zip(('holds the peak', 'next to the peak', 'far from the peak'), classes[i]):
            cam = gradcam_maps(model, x32[i:i + 1], None, [layer], [cls])[layer][0].numpy()
            flat = cam.reshape(-1)
            peak = int(np.argmax(flat))
            # Equal values (a plateau where the upsampling clamps at the border) are equal in float32 too, and the
            # first in row-major order is taken by both; a value just below the peak could swap places.
            gap = flat[peak] - np.max(flat[flat < flat[peak]])
            assert gap > 1e-4, f'image {i} class {cls}: the peak is a near tie ({gap})'
            py, px = divmod(peak, w)
            if kind == 'holds the peak':
                region = {'polygons': [star(px + 0.5, py + 0.5, 2.3, 6.2, 5, 0.2),
                                       [w - px / 2 - 3.1, h - py / 2 - 2.6, w - px / 2 + 2.9, h - py / 2 - 1.4,
                                        w - px / 2 + 0.3, h - py / 2 + 3.3]]}
                mask = polygon_mask(region['polygons'], w, h)
            elif kind == 'next to the peak':
                side = 1 if px < w / 2 else -1
                x0 = px + 0.5 + side * 3.3
                x1 = x0 + side * 5.4
                region = {'polygons': [[x0, py - 2.2, x1, py - 2.9, x1 + side * 0.4, py + 3.1, x0, py + 2.6]]}
                mask = polygon_mask(region['polygons'], w, h)
            else:
                yy, xx = np.mgrid[0:h, 0:w]
                # A disc around the point opposite the peak through the image's centre.
                mask = (yy - (h - 1 - py)) ** 2 + (xx - (w - 1 - px)) ** 2 <= 7.5 ** 2
                region = {'rle': rle_of(mask)}
            ys, xs = np.nonzero(mask)
            dist = float(np.min(np.hypot(xs - px, ys - py)))
            annotations.append({'class': cls, **region})
            rows.append({'class': cls, 'kind': kind, 'peak': [px, py], 'distance': dist,
                         'pointing': [float(dist <= t) for t in POINTING_TOLERANCES],
                         'energy': float(cam[mask].sum() / cam.sum()), 'pixels': int(mask.sum())})
        images.append({'image': i, 'annotations': annotations, 'rows': rows})
        print(f'pointing image {i}: ' + ', '.join(f"class {r['class']} distance {r['distance']:.2f} energy {r['energy']:.3f}"
                                                  for r in rows))
    return {'model': 'resnet', 'onnx': 'test/fixtures/e2e/resnet.onnx', 'input': 'test/fixtures/e2e/resnet.json',
            'layer': layer, 'tolerances': POINTING_TOLERANCES, 'images': images}


# ---------------------------------------------------------------- imputation cases

def imputation_cases():
    rng = np.random.RandomState(5)
    h, w, c = 9, 11, 3
    img = np.round(rng.randn(c, h, w) * 100) / 100
    masks = {
        'random half': (rng.rand(h, w) < 0.5),
        'corners and borders': np.zeros((h, w), dtype=bool),
        'all but one': np.ones((h, w), dtype=bool),
        'all removed': np.ones((h, w), dtype=bool),
        'one blob': np.zeros((h, w), dtype=bool),
    }
    masks['corners and borders'][0, :] = True
    masks['corners and borders'][:, -1] = True
    masks['corners and borders'][-1, 0] = True
    masks['all but one'][4, 6] = False
    masks['one blob'][2:6, 3:9] = True
    cases = []
    for name, mask in masks.items():
        removed = mask.astype(np.uint8)
        dense = impute(img, removed, dense=True)
        if not removed.all():
            sparse = impute(img, removed)
            assert np.abs(sparse - dense).max() < 1e-10, name
        cases.append({'name': name, 'removed': removed.reshape(-1).tolist(), 'imputed': dense.reshape(-1).tolist()})
    return {'height': h, 'width': w, 'channels': c, 'image': img.reshape(-1).tolist(), 'cases': cases}


def main(parts):
    torch.set_num_threads(2)
    os.makedirs(OUT, exist_ok=True)
    if 'perturbation' in parts:
        with open(os.path.join(OUT, 'imputation.json'), 'w') as f:
            json.dump({'generator': 'tools/gen_metrics_reference.py', **imputation_cases()}, f, separators=(',', ':'))
        models = [cnn_rows(seed, name, ctor) for seed, (name, ctor, _layers, _fold) in enumerate(e2e.MODELS)]
        models.append(squeezenet_rows())
        ref = {
            'generator': f'tools/gen_metrics_reference.py (torch {torch.__version__}, numpy {np.__version__}, float64)',
            'percentiles': PERCENTILES,
            'steps': STEPS,
            'models': models,
        }
        with open(os.path.join(OUT, 'reference.json'), 'w') as f:
            json.dump(ref, f, separators=(',', ':'))
        print(f'wrote {OUT}/reference.json, imputation.json')
    if 'localisation' in parts:
        with open(os.path.join(OUT, 'localisation.json'), 'w') as f:
            ref = {'generator': f'tools/gen_metrics_reference.py (torch {torch.__version__}, numpy {np.__version__})',
                   'rasterisation': rasterisation_cases(), 'pointing': pointing_reference()}
            json.dump(ref, f, separators=(',', ':'), allow_nan=False)
        print(f'wrote {OUT}/localisation.json')
    if 'sanity' in parts:
        with open(os.path.join(OUT, 'sanity.json'), 'w') as f:
            json.dump(sanity_reference(), f, separators=(',', ':'), allow_nan=False)
        print(f'wrote {OUT}/sanity.json')


if __name__ == '__main__':
    main(sys.argv[1:] or ['perturbation', 'localisation', 'sanity'])
