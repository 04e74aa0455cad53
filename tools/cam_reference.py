"""Reference implementations of gcam's CAM methods in PyTorch (float64), written from the papers' formulas as listed in
docs/methods.md, independently of the TypeScript code. Used by tools/gen_method_fixtures.py.

Every function takes the layer's activations A and gradients G as [N, C, h, w] float64 tensors (or volumes
[N, C, d, h, w]: every reduction runs over all the spatial axes) and what else the method needs, and returns raw maps
[N, h, w] ([N, d, h, w]) before ReLU/normalisation, except the input-level methods, which return maps at the input
resolution.
"""
import numpy as np
import torch
import torch.nn.functional as F


def spatial(t):
    """The spatial axes of [N, C, ...spatial]."""
    return tuple(range(2, t.dim()))


def gradcam_weights(a, g):
    return g.mean(dim=spatial(g))


def weighted_sum(w, a):
    return (w.reshape(*w.shape, *[1] * (a.dim() - 2)) * a).sum(dim=1)


def gradcam(a, g):
    return weighted_sum(gradcam_weights(a, g), a)


def gradcam_pp_weights(a, g):
    """Chattopadhay et al. 2018, eq. 19 with exp(S) cancelled: α = G²/(2G² + ΣA·G³ + 1e-6), 0 where G = 0."""
    g2, g3 = g ** 2, g ** 3
    sum_a = a.sum(dim=spatial(a), keepdim=True)
    alpha = g2 / (2 * g2 + sum_a * g3 + 1e-6)
    alpha = torch.where(g != 0, alpha, torch.zeros_like(alpha))
    return (alpha * F.relu(g)).sum(dim=spatial(g))


def gradcam_pp(a, g):
    return weighted_sum(gradcam_pp_weights(a, g), a)


def hirescam(a, g):
    return (g * a).sum(dim=1)


def xgradcam(a, g):
    w = (g * a).sum(dim=spatial(a)) / (a.sum(dim=spatial(a)) + 1e-7)
    return weighted_sum(w, a)


def layercam(a, g):
    return (F.relu(g) * a).sum(dim=1)


def gradcam_elementwise(a, g):
    return F.relu(g * a).sum(dim=1)


def projection(k):
    """First principal component projection per image (positions × channels, centred per channel), with the sign
    chosen so the map correlates positively with the uncentred channel sum (else: largest |value| positive)."""
    out = []
    for cell in k.detach().numpy():
        c, *shape = cell.shape
        x = cell.reshape(c, -1).T
        xc = x - x.mean(axis=0)
        _, _, vt = np.linalg.svd(xc, full_matrices=False)
        proj = xc @ vt[0]
        s = x.sum(axis=1)
        dot = float(s @ proj)
        if abs(dot) > 1e-9 * float(np.abs(s * proj).sum()):
            flip = dot < 0
        else:
            flip = proj[np.argmax(np.abs(proj))] < 0
        out.append((-proj if flip else proj).reshape(shape))
    return torch.tensor(np.stack(out), dtype=torch.float64)


def eigencam(a, g=None):
    return projection(a)


def eigengradcam(a, g):
    return projection(g * a)


def scorecam_weights(a, x, score_fn, targets):
    """Wang et al. 2020: masks = per-channel min-max of A upsampled with corners aligned; w = softmax_k(scores)."""
    n, c = a.shape[:2]
    up = F.interpolate(a, size=x.shape[2:], mode=LINEAR[a.dim() - 2], align_corners=True)
    lo = up.amin(dim=spatial(up), keepdim=True)
    hi = up.amax(dim=spatial(up), keepdim=True)
    masks = (up - lo) / (hi - lo + 1e-8)
    w = torch.zeros(n, c, dtype=torch.float64)
    for i in range(n):
        masked = x[i:i + 1] * masks[i][:, None]
        scores = score_fn(masked)[:, targets[i]]
        w[i] = torch.softmax(scores, dim=0)
    return w


def ablation_weights(a, ablated_scores, scores, targets):
    """Desai & Ramaswamy 2020: w_k = (y − y_k)/y; ablated_scores(i, k) = logits with channel k of image i zeroed."""
    n, c = a.shape[:2]
    w = torch.zeros(n, c, dtype=torch.float64)
    for i in range(n):
        y = scores[i, targets[i]]
        yk = torch.stack([ablated_scores(i, k)[targets[i]] for k in range(c)])
        w[i] = (y - yk) / (y if y != 0 else 1.0)
    return w


def max_abs_channels(grad):
    return grad.abs().amax(dim=1)


def min_max(m):
    """Per-map min-max to [0, 1], and whether every map varies (a constant map has no normalised form)."""
    flat = m.reshape(m.shape[0], -1)
    lo = flat.min(dim=1).values.reshape(-1, *[1] * (m.dim() - 1))
    hi = flat.max(dim=1).values.reshape(-1, *[1] * (m.dim() - 1))
    varied = bool(((hi - lo) > 1e-6 * torch.maximum(hi.abs(), lo.abs())).all())
    return (m - lo) / (hi - lo), varied


def normalise(raw, relu=True):
    norm, varied = min_max(F.relu(raw) if relu else raw)
    assert varied, 'constant map in a fixture'
    return norm


# torch's linear interpolation mode per number of spatial axes.
LINEAR = {1: 'linear', 2: 'bilinear', 3: 'trilinear'}


def upsample(maps, size):
    """Half-pixel linear upsampling of maps [N, ...spatial] (bilinear for images, trilinear for volumes)."""
    return F.interpolate(maps[:, None], size=size, mode=LINEAR[maps.dim() - 1], align_corners=False)[:, 0]


def final_map(raw, size, relu=True):
    """pytorch-grad-cam's order: ReLU, per-map min-max at the layer, half-pixel bilinear (trilinear) upsample, min-max
    again (so every final map spans exactly [0, 1]; the upsample alone leaves peaks below 1)."""
    norm, varied = min_max(upsample(normalise(raw, relu), size))
    assert varied, 'constant map in a fixture'
    return norm
