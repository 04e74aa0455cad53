"""Cases for MaxPool below opset 16, where gcam builds the gradient from window offsets instead of Indices +
ScatterElements (src/vjp/max-pool.ts): opset 7 (MaxPool-7: no dilations, no ceil_mode), 8 (Indices output), 10/11
(ceil_mode, dilations) and 13, with overlapping windows, ties, padding, auto_pad, non-square kernels and 1-D/3-D
pools; plus two opset-17 cases for the Indices path (storage_order=1, which neither path reads).

The reference is PyTorch's max_pool{1,2,3}d on x padded with -inf (the pad never wins a window, as in ONNX, which
ignores pads): its backward sends a window's gradient to the first maximal element in row-major window order.
"""
import math
import numpy as np
import torch.nn.functional as F
from onnx import helper
from .common import make_case, rand
from .core import same_pads

POOL = {1: F.max_pool1d, 2: F.max_pool2d, 3: F.max_pool3d}


def torch_maxpool(x, kernel, strides, pads, dilations, ceil_mode):
    k = len(kernel)
    flat = []
    for i in reversed(range(k)):
        flat += [pads[i], pads[i + k]]
    xp = F.pad(x, flat, value=-math.inf)
    return POOL[k](xp, kernel, strides, dilation=dilations, ceil_mode=bool(ceil_mode))


def maxpool_case(name, rng, x, kernel, strides=None, pads=None, dilations=None, ceil_mode=0, auto_pad=None, opset=7,
                 relu_first=False, storage_order=None, indices_output=False):
    k = len(kernel)
    strides = list(strides or [1] * k)
    attrs = dict(kernel_shape=list(kernel))
    if strides != [1] * k:
        attrs['strides'] = strides
    if dilations:
        attrs['dilations'] = list(dilations)
    if ceil_mode:
        attrs['ceil_mode'] = ceil_mode
    if storage_order is not None:
        attrs['storage_order'] = storage_order
    dil = list(dilations or [1] * k)
    if auto_pad:
        attrs['auto_pad'] = auto_pad
        if auto_pad == 'VALID':
            pads = [0] * (2 * k)
        else:
            sp = [same_pads(x.shape[2 + i], kernel[i], strides[i], dil[i], auto_pad == 'SAME_UPPER') for i in range(k)]
            pads = [p[0] for p in sp] + [p[1] for p in sp]
    else:
        pads = list(pads or [0] * (2 * k))
        if any(pads):
            attrs['pads'] = pads
    outs = ['y', 'idx'] if indices_output else ['y']
    nodes = []
    src = 'x'
    if relu_first:
        nodes.append(helper.make_node('Relu', ['x'], ['r']))
        src = 'r'
    nodes.append(helper.make_node('MaxPool', [src], outs, **attrs))

    def fn(t):
        v = F.relu(t['x']) if relu_first else t['x']
        return torch_maxpool(v, kernel, strides, pads, dil, ceil_mode)

    return make_case(name, nodes, {'x': x}, ['x'], fn, opset=opset, output='y', rng=rng)


def integers(rng, shape, hi):
    """Small integers: many exact ties inside windows and across overlapping windows."""
    return np.floor(rng.uniform(0, hi, size=shape))


def plateau(rng, shape):
    """Random values with a constant block (every window inside it ties) and a zero stripe (ReLU-like zeros)."""
    x = rand(rng, *shape)
    x[..., 1:5, 2:6] = 0.75
    x[..., 6:, :] = np.maximum(x[..., 6:, :], 0.0) * (rng.uniform(size=x[..., 6:, :].shape) < 0.3)
    return x


def cases():
    rng = np.random.default_rng(16)
    out = []
    # ---- opset 7 (SqueezeNet 1.1's opset): MaxPool-7 has kernel_shape, strides, pads, auto_pad only ----
    out.append(maxpool_case('MaxPool opset 7 3x3 stride 2 pad 1 overlapping (ResNet stem)', rng, rand(rng, 2, 3, 8, 8),
                            (3, 3), (2, 2), (1, 1, 1, 1)))
    out.append(maxpool_case('MaxPool opset 7 3x3 stride 2 no pad odd input 11x11 (SqueezeNet pools)', rng,
                            rand(rng, 1, 4, 11, 11), (3, 3), (2, 2)))
    out.append(maxpool_case('MaxPool opset 7 3x3 stride 2 pad 1 ties (integer-valued input)', rng,
                            integers(rng, (2, 2, 7, 7), 3), (3, 3), (2, 2), (1, 1, 1, 1)))
    out.append(maxpool_case('MaxPool opset 7 3x3 stride 1 pad 1 constant plateau and zero stripe', rng,
                            plateau(rng, (1, 2, 9, 9)), (3, 3), (1, 1), (1, 1, 1, 1)))
    out.append(maxpool_case('MaxPool opset 7 2x2 stride 1 all-equal input (ties everywhere)', rng,
                            np.ones((1, 2, 4, 5)), (2, 2)))
    out.append(maxpool_case('MaxPool opset 7 3x3 stride 2 on ReLU output (all-zero windows tie)', rng,
                            np.maximum(rand(rng, 1, 3, 9, 9) - 0.8, 0.0), (3, 3), (2, 2), (1, 1, 1, 1)))
    out.append(maxpool_case('MaxPool opset 7 Relu then 3x3 stride 2 (gradient through both rules)', rng,
                            rand(rng, 1, 3, 9, 9), (3, 3), (2, 2), relu_first=True))
    out.append(maxpool_case('MaxPool opset 7 non-square 2x3 stride (1,2) asymmetric pads (1,0,0,2)', rng,
                            rand(rng, 2, 2, 6, 9), (2, 3), (1, 2), (1, 0, 0, 2)))
    out.append(maxpool_case('MaxPool opset 7 2x2 stride 3 (gaps between windows, last rows unused)', rng,
                            rand(rng, 1, 2, 8, 9), (2, 2), (3, 3)))
    out.append(maxpool_case('MaxPool opset 7 kernel 1x1 stride 2 (subsampling)', rng, rand(rng, 1, 2, 5, 6), (1, 1),
                            (2, 2)))
    out.append(maxpool_case('MaxPool opset 7 auto_pad SAME_UPPER 3x3 stride 2', rng, rand(rng, 1, 2, 7, 6), (3, 3),
                            (2, 2), auto_pad='SAME_UPPER'))
    out.append(maxpool_case('MaxPool opset 7 auto_pad SAME_LOWER 4x4 stride 2 ties', rng,
                            integers(rng, (1, 2, 7, 6), 4), (4, 4), (2, 2), auto_pad='SAME_LOWER'))
    out.append(maxpool_case('MaxPool opset 7 auto_pad VALID 3x2 stride (2,1)', rng, rand(rng, 1, 2, 8, 5), (3, 2),
                            (2, 1), auto_pad='VALID'))
    out.append(maxpool_case('MaxPool opset 7 1-D kernel 3 stride 2 pad 1 ties', rng, integers(rng, (2, 3, 10), 3),
                            (3,), (2,), (1, 1)))
    # ---- opset 8: Indices output present in the graph (unused by the gradient), storage_order=1 ----
    out.append(maxpool_case('MaxPool opset 8 with Indices output and storage_order=1, 3x3 stride 2 pad 1', rng,
                            rand(rng, 1, 2, 7, 8), (3, 3), (2, 2), (1, 1, 1, 1), opset=8, storage_order=1,
                            indices_output=True))
    # ---- opset 10/11: ceil_mode and dilations ----
    out.append(maxpool_case('MaxPool opset 10 3x3 stride 2 ceil_mode even input 8x8 (SqueezeNet at opset 10+)', rng,
                            rand(rng, 1, 3, 8, 8), (3, 3), (2, 2), ceil_mode=1, opset=10))
    out.append(maxpool_case('MaxPool opset 11 3x3 stride 2 ceil_mode pad 1 on 6x6 ties', rng,
                            integers(rng, (1, 2, 6, 6), 3), (3, 3), (2, 2), (1, 1, 1, 1), ceil_mode=1, opset=11))
    out.append(maxpool_case('MaxPool opset 11 2x2 stride 2 ceil_mode odd input 7x9 (partial last windows)', rng,
                            rand(rng, 2, 2, 7, 9), (2, 2), (2, 2), ceil_mode=1, opset=11))
    out.append(maxpool_case('MaxPool opset 11 3x3 stride 1 dilation 2 pad 2', rng, rand(rng, 1, 2, 7, 7), (3, 3),
                            (1, 1), (2, 2, 2, 2), dilations=(2, 2), opset=11))
    out.append(maxpool_case('MaxPool opset 11 3x2 stride 2 dilation (2,3) ceil_mode pad (1,1,0,1) ties', rng,
                            integers(rng, (1, 2, 9, 11), 3), (3, 2), (2, 2), (1, 1, 0, 1), dilations=(2, 3),
                            ceil_mode=1, opset=11))
    out.append(maxpool_case('MaxPool opset 11 3-D 2x3x3 stride (1,2,2) pad (0,1,1,1,1,1)', rng,
                            rand(rng, 1, 2, 4, 7, 7), (2, 3, 3), (1, 2, 2), (0, 1, 1, 1, 1, 1), opset=11))
    # ---- opset 13 ----
    out.append(maxpool_case('MaxPool opset 13 3x3 stride 2 pad 1 overlapping (ResNet stem)', rng,
                            rand(rng, 2, 4, 10, 10), (3, 3), (2, 2), (1, 1, 1, 1), opset=13))
    out.append(maxpool_case('MaxPool opset 13 3x3 stride 2 pad 1 ties on plateau and zeros', rng,
                            plateau(rng, (1, 2, 9, 9)), (3, 3), (2, 2), (1, 1, 1, 1), opset=13))
    out.append(maxpool_case('MaxPool opset 13 non-square 3x2 stride (2,1) ceil_mode', rng, rand(rng, 1, 3, 8, 7),
                            (3, 2), (2, 1), ceil_mode=1, opset=13))
    out.append(maxpool_case('MaxPool opset 13 auto_pad SAME_UPPER 2x2 stride 1', rng, integers(rng, (1, 2, 5, 6), 2),
                            (2, 2), auto_pad='SAME_UPPER', opset=13))
    # ---- opset 17 (Indices + ScatterElements path): storage_order is not read ----
    out.append(maxpool_case('MaxPool opset 17 storage_order=1 3x3 stride 2 pad 1 ties', rng,
                            integers(rng, (1, 2, 7, 8), 3), (3, 3), (2, 2), (1, 1, 1, 1), opset=17, storage_order=1,
                            indices_output=True))
    return out
