"""The PyTorch side of bench/evaluate.ts: the metric loop a pytorch-grad-cam user runs, on the same inputs and maps.

Per image: the input multiplied by its map (confidence change), 21 deletion and 21 insertion steps (20 steps, zero
baseline, stable ranking), and ROAD's noisy linear imputation (8 neighbours, weights 1/6 and 1/12, noise 0) at
10, 20, ..., 90 for most- and least-relevant-first, the sparse system built with NumPy and solved by SciPy's spsolve
(the way pytorch-grad-cam's NoisyLinearImputer works); every perturbed copy scored in batches of 16 under no_grad.
Prints one JSON line: seconds per image for each image, and the values, so the bench can check both sides agree.

    python3 tools/bench/metrics_torch.py MODEL.pt ARCH inputs.npy maps.npy classes.json THREADS
"""
import json
import math
import sys
import time

import numpy as np
import scipy.sparse
import scipy.sparse.linalg
import torch
import torchvision

STEPS = 20
PERCENTILES = list(range(10, 100, 10))
BATCH = 16
OFFSETS = [(dy, dx, 1 / 12 if dy and dx else 1 / 6) for dy in (-1, 0, 1) for dx in (-1, 0, 1) if dy or dx]


def impute(img, removed):
    """img [C, H, W] float32, removed [H, W] bool -> each removed pixel the weighted mean of its neighbours."""
    c, h, w = img.shape
    flat = img.reshape(c, -1).astype(np.float64)
    unknown = np.flatnonzero(removed.reshape(-1))
    if len(unknown) == 0:
        return img.copy()
    index = -np.ones(h * w, dtype=np.int64)
    index[unknown] = np.arange(len(unknown))
    ys, xs = np.divmod(unknown, w)
    rows, cols, vals = [np.arange(len(unknown))], [np.arange(len(unknown))], []
    diag = np.zeros(len(unknown))
    rhs = np.zeros((len(unknown), c))
    for dy, dx, wt in OFFSETS:
        yy, xx = ys + dy, xs + dx
        inside = (yy >= 0) & (yy < h) & (xx >= 0) & (xx < w)
        u = np.flatnonzero(inside)
        q = yy[inside] * w + xx[inside]
        diag[u] += wt
        neighbour_unknown = index[q] >= 0
        rows.append(u[neighbour_unknown])
        cols.append(index[q[neighbour_unknown]])
        vals.append(np.full(neighbour_unknown.sum(), -wt))
        known = ~neighbour_unknown
        np.add.at(rhs, u[known], wt * flat[:, q[known]].T)
    vals.insert(0, diag)
    m = scipy.sparse.csc_matrix((np.concatenate(vals), (np.concatenate(rows), np.concatenate(cols))), shape=(len(unknown),) * 2)
    out = flat.copy()
    out[:, unknown] = np.asarray(scipy.sparse.linalg.spsolve(m, rhs)).reshape(len(unknown), c).T
    return out.reshape(c, h, w).astype(np.float32)


def perturbed(x, cam):
    """Every copy of one image the metrics score, in order: original, cam-mult, deletion, insertion, MoRF, LeRF."""
    c, h, w = x.shape
    copies = [x, x * cam[None]]
    order = np.argsort(-cam.reshape(-1).astype(np.float64), kind='stable')
    per_step = math.ceil(h * w / STEPS)
    for kind in ('deletion', 'insertion'):
        for k in range(math.ceil(h * w / per_step) + 1):
            chosen = order[: min(k * per_step, h * w)]
            flat = x.reshape(c, -1)
            y = flat.copy() if kind == 'deletion' else np.zeros_like(flat)
            y[:, chosen] = 0 if kind == 'deletion' else flat[:, chosen]
            copies.append(y.reshape(c, h, w))
    for lerf in (False, True):
        ranked = 1 - cam if lerf else cam
        for p in PERCENTILES:
            copies.append(impute(x, ~(ranked < np.percentile(ranked, p))))
    return copies


def main():
    state, arch, inputs, maps, classes, threads = sys.argv[1:7]
    torch.set_num_threads(int(threads))
    model = getattr(torchvision.models, arch)()
    model.load_state_dict(torch.load(state))
    model.eval()
    xs = np.load(inputs)
    cams = np.load(maps)
    targets = json.load(open(classes))
    seconds, values = [], []
    for x, cam, target in zip(xs, cams, targets):
        t0 = time.perf_counter()
        copies = np.stack(perturbed(x, cam))
        with torch.no_grad():
            scores = torch.cat([torch.softmax(model(torch.from_numpy(copies[i : i + BATCH])), 1)[:, target] for i in range(0, len(copies), BATCH)]).numpy()
        y0, delta = scores[0], scores[1] - scores[0]
        n = (len(copies) - 2 - 2 * len(PERCENTILES)) // 2
        deletion, insertion = scores[2 : 2 + n], scores[2 + n : 2 + 2 * n]
        morf = scores[2 + 2 * n : 2 + 2 * n + 9] - y0
        lerf = scores[2 + 2 * n + 9 :] - y0
        values.append({
            'drop': float(max(-delta, 0)),
            'deletion': float(np.trapz(deletion, dx=1 / (n - 1))),
            'insertion': float(np.trapz(insertion, dx=1 / (n - 1))),
            'road': float((lerf.mean() - morf.mean()) / 2),
        })
        seconds.append(time.perf_counter() - t0)
    print(json.dumps({'seconds': seconds, 'values': values}))


if __name__ == '__main__':
    main()
