#!/usr/bin/python3
"""Writes test/fixtures/metrics/reference.json and imputation.json: float64 references for gcam's faithfulness
metrics (src/metrics), computed here from the papers' formulas with torch, numpy and scipy.

Run from the repository root with Debian's python3-torch, python3-onnx and python3-scipy (nothing is downloaded):

    /usr/bin/python3 tools/gen_metrics_reference.py

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
"""
import json
import math
import os
import sys

import numpy as np
import onnx
import scipy.sparse
import scipy.sparse.linalg
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
    """Evaluates SqueezeNet 1.1's graph (Conv, Relu, MaxPool, Concat, Dropout, GlobalAveragePool) in float64 torch,
    up to the Softmax's input (the logits)."""

    def __init__(self, path):
        m = onnx.load(path)
        self.graph = m.graph
        self.weights = {t.name: torch.from_numpy(numpy_helper.to_array(t).astype(np.float64)) for t in m.graph.initializer}

    def __call__(self, x):
        env = dict(self.weights)
        env[next(i.name for i in self.graph.input if i.name not in self.weights)] = x
        for node in self.graph.node:
            a = {at.name: onnx.helper.get_attribute_value(at) for at in node.attribute}
            ins = [env[i] for i in node.input]
            if node.op_type == 'Conv':
                pads = a.get('pads', [0, 0, 0, 0])
                assert pads[:2] == pads[2:]
                y = F.conv2d(ins[0], ins[1], ins[2] if len(ins) > 2 else None, stride=a.get('strides', 1),
                             padding=pads[:2], groups=a.get('group', 1))
            elif node.op_type == 'Relu':
                y = F.relu(ins[0])
            elif node.op_type == 'MaxPool':
                assert a.get('pads', [0, 0, 0, 0]) == [0, 0, 0, 0]
                y = F.max_pool2d(ins[0], a['kernel_shape'], a['strides'])
            elif node.op_type == 'Concat':
                y = torch.cat(ins, dim=a['axis'])
            elif node.op_type == 'Dropout':
                y = ins[0]
            elif node.op_type == 'GlobalAveragePool':
                y = ins[0].mean(dim=(2, 3), keepdim=True)
            elif node.op_type == 'Softmax':
                return ins[0].reshape(ins[0].shape[0], -1)
            else:
                raise ValueError(node.op_type)
            env[node.output[0]] = y
        raise ValueError('no Softmax')


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


def main():
    torch.set_num_threads(2)
    os.makedirs(OUT, exist_ok=True)
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


if __name__ == '__main__':
    main()
