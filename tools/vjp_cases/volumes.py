"""Cases on rank-5 tensors [N, C, D, H, W] (and rank-3 [N, C, L]) for the ops of 3-D (and 1-D) networks: Conv (3-D
strides, pads, dilations, groups, depthwise; 1-D), MaxPool (Indices + ScatterElements at opset 17, window offsets at
opset 13), AveragePool (padding conventions, ceil_mode, adaptive-pool exports), BatchNormalization, GlobalAveragePool
and GlobalMaxPool. Small shapes: the JSON stays small and the test fast. The torch functions are torch's own 3-D/1-D
ops (conv3d, max_pool3d, avg_pool3d where it can express the node, batch_norm), so the references are independent of
the 2-D cases."""
import math
import numpy as np
import torch
import torch.nn.functional as F
from onnx import helper
from .common import make_case, rand
from .shape_pool import avgpool_reference


def conv_nd_case(name, rng, x_shape, w_shape, strides, pads, dilations=None, group=1, bias=True, opset=17):
    k = len(w_shape) - 2
    dilations = dilations or [1] * k
    x = rand(rng, *x_shape)
    w = rand(rng, *w_shape, scale=0.5)
    b = rand(rng, w_shape[0])
    node = helper.make_node('Conv', ['x', 'w', 'b'] if bias else ['x', 'w'], ['y'], strides=list(strides),
                            pads=list(pads), dilations=list(dilations), group=group, kernel_shape=list(w_shape[2:]))
    conv = {1: F.conv1d, 3: F.conv3d}[k]

    def fn(t):
        # ONNX pads [b1, …, bk, e1, …, ek]; F.pad takes (last axis begin, end, …, first axis begin, end).
        xp = F.pad(t['x'], [p for i in reversed(range(k)) for p in (pads[i], pads[i + k])])
        return conv(xp, t['w'], t['b'] if bias else None, stride=strides, dilation=dilations, groups=group)

    inits = {'w': w, 'b': b} if bias else {'w': w}
    return make_case(name, [node], {'x': x}, ['x'], fn, initializers=inits, opset=opset, rng=rng)


def maxpool3d_case(name, rng, x, kernel, strides, pads=(0,) * 6, dilations=(1, 1, 1), ceil_mode=0, opset=17):
    node = helper.make_node('MaxPool', ['x'], ['y'], kernel_shape=list(kernel), strides=list(strides), pads=list(pads),
                            dilations=list(dilations), ceil_mode=ceil_mode)

    def fn(t):
        xp = F.pad(t['x'], [p for i in reversed(range(3)) for p in (pads[i], pads[i + 3])], value=-math.inf)
        return F.max_pool3d(xp, kernel, strides, dilation=dilations, ceil_mode=bool(ceil_mode))

    return make_case(name, [node], {'x': x}, ['x'], fn, opset=opset, rng=rng)


def avgpool3d_case(name, rng, x_shape, kernel, strides, pads=(0,) * 6, cip=0, ceil_mode=0):
    x = rand(rng, *x_shape)
    attrs = dict(kernel_shape=list(kernel), strides=list(strides), pads=list(pads))
    if cip:
        attrs['count_include_pad'] = 1
    if ceil_mode:
        attrs['ceil_mode'] = 1
    node = helper.make_node('AveragePool', ['x'], ['y'], **attrs)
    symmetric = list(pads[:3]) == list(pads[3:]) and all(2 * p <= k for p, k in zip(pads[:3], kernel))
    if symmetric:
        def fn(t):
            return F.avg_pool3d(t['x'], kernel, strides, padding=list(pads[:3]), ceil_mode=bool(ceil_mode),
                                count_include_pad=bool(cip))
    else:
        def fn(t):
            return avgpool_reference(t['x'], kernel, strides, pads, [1, 1, 1], cip, ceil_mode)
    return make_case(name, [node], {'x': x}, ['x'], fn, rng=rng)


def cases():
    rng = np.random.default_rng(15)
    out = []
    # Conv 3-D: the stems and blocks of 3-D ResNets / DenseNets / r3d_18, and the awkward corners.
    out.append(conv_nd_case('Conv 3-D 3x3x3 pad 1 stride 1', rng, (1, 2, 4, 4, 4), (2, 2, 3, 3, 3), (1, 1, 1), (1,) * 6))
    out.append(conv_nd_case('Conv 3-D 7x7x7 stride 2 pad 3 (3-D ResNet stem), odd input', rng, (1, 1, 7, 9, 8),
                            (2, 1, 7, 7, 7), (2, 2, 2), (3,) * 6))
    out.append(conv_nd_case('Conv 3-D 3x7x7 stride (1,2,2) pad (1,3,3) (r3d_18 stem)', rng, (1, 2, 3, 8, 8),
                            (2, 2, 3, 7, 7), (1, 2, 2), (1, 3, 3, 1, 3, 3)))
    out.append(conv_nd_case('Conv 3-D stride 2 even input no pad (last plane unused)', rng, (1, 2, 6, 6, 6),
                            (2, 2, 3, 3, 3), (2, 2, 2), (0,) * 6))
    out.append(conv_nd_case('Conv 3-D groups 2, dilation 2', rng, (1, 4, 5, 5, 5), (2, 2, 3, 3, 3), (1, 1, 1), (2,) * 6,
                            dilations=(2, 2, 2), group=2))
    out.append(conv_nd_case('Conv 3-D depthwise stride 2', rng, (1, 3, 5, 6, 5), (3, 1, 3, 3, 3), (2, 2, 2), (1,) * 6,
                            group=3))
    out.append(conv_nd_case('Conv 3-D asymmetric pads and strides, 1x1x1 no bias', rng, (1, 2, 5, 6, 7),
                            (3, 2, 1, 2, 3), (1, 2, 3), (0, 1, 2, 1, 0, 0), bias=False))
    out.append(conv_nd_case('Conv 3-D 3x3x3 pad 1 opset 13', rng, (1, 2, 4, 4, 4), (2, 2, 3, 3, 3), (1, 1, 1), (1,) * 6,
                            opset=13))
    out.append(conv_nd_case('Conv 1-D kernel 5 stride 2 pad 2 dilation 1', rng, (2, 3, 11), (4, 3, 5), (2,), (2, 2)))
    out.append(conv_nd_case('Conv 1-D groups 3 dilation 2 asymmetric pads', rng, (1, 3, 9), (3, 1, 3), (1,), (1, 3),
                            dilations=(2,), group=3))
    # MaxPool 3-D: both constructions (opset 17 scatter-add, opset 13 window offsets).
    for opset in (17, 13):
        out.append(maxpool3d_case(f'MaxPool 3-D 3x3x3 stride 2 pad 1 overlapping (3-D ResNet stem) opset {opset}', rng,
                                  rand(rng, 1, 2, 6, 7, 6), (3, 3, 3), (2, 2, 2), (1,) * 6, opset=opset))
        out.append(maxpool3d_case(f'MaxPool 3-D 2x2x2 stride 2 odd input opset {opset}', rng, rand(rng, 2, 2, 5, 5, 5),
                                  (2, 2, 2), (2, 2, 2), opset=opset))
        ties = np.floor(rng.uniform(0, 3, size=(1, 1, 5, 5, 5)))
        out.append(maxpool3d_case(f'MaxPool 3-D 3x3x3 stride 2 ties (integer-valued input) opset {opset}', rng, ties,
                                  (3, 3, 3), (2, 2, 2), (1,) * 6, opset=opset))
    out.append(maxpool3d_case('MaxPool 3-D 1x3x3 stride (1,2,2) ceil_mode (video nets)', rng, rand(rng, 1, 2, 3, 6, 6),
                              (1, 3, 3), (1, 2, 2), ceil_mode=1))
    # AveragePool 3-D: DenseNet transitions (2x2x2 stride 2), padding conventions, adaptive-pool exports.
    out.append(avgpool3d_case('AveragePool 3-D 2x2x2 stride 2 odd input (DenseNet transition)', rng, (1, 2, 5, 6, 5),
                              (2, 2, 2), (2, 2, 2)))
    out.append(avgpool3d_case('AveragePool 3-D 3x3x3 pad 1 count_include_pad=0', rng, (1, 2, 4, 4, 4), (3, 3, 3),
                              (1, 1, 1), (1,) * 6))
    out.append(avgpool3d_case('AveragePool 3-D 3x3x3 stride 2 pad 1 ceil_mode count_include_pad=1', rng, (1, 2, 6, 5, 6),
                              (3, 3, 3), (2, 2, 2), (1,) * 6, cip=1, ceil_mode=1))
    out.append(avgpool3d_case('AveragePool 3-D asymmetric pads (1,0,2,0,1,0)', rng, (1, 2, 4, 5, 4), (2, 2, 3),
                              (1, 2, 1), (1, 0, 2, 0, 1, 0)))
    out.append(avgpool3d_case('AveragePool 3-D kernel 2x4x4 stride 2x4x4 (adaptive pool 4x8x8 to 2x2x2 export)', rng,
                              (1, 2, 4, 8, 8), (2, 4, 4), (2, 4, 4)))
    # BatchNormalization on volumes and sequences (inference: running statistics).
    for shape in [(2, 3, 3, 3, 4), (2, 3, 7)]:
        c = shape[1]
        scale, bias, mean = rand(rng, c), rand(rng, c), rand(rng, c)
        var = np.abs(rand(rng, c)) + 0.3
        node = helper.make_node('BatchNormalization', ['x', 's', 'b', 'm', 'v'], ['y'], epsilon=1e-3)
        out.append(make_case(f'BatchNormalization {len(shape)}-D inference', [node], {'x': rand(rng, *shape)}, ['x'],
                             lambda t: F.batch_norm(t['x'], t['m'], t['v'], t['s'], t['b'], training=False, eps=1e-3),
                             initializers={'s': scale, 'b': bias, 'm': mean, 'v': var}, rng=rng))
    # Global pools (torch exports AdaptiveAvgPool3d(1) and the mean over D, H, W as GlobalAveragePool).
    out.append(make_case('GlobalAveragePool 5-D', [helper.make_node('GlobalAveragePool', ['x'], ['y'])],
                         {'x': rand(rng, 2, 3, 3, 4, 5)}, ['x'], lambda t: F.adaptive_avg_pool3d(t['x'], 1), rng=rng))
    out.append(make_case('GlobalAveragePool 3-D (sequence)', [helper.make_node('GlobalAveragePool', ['x'], ['y'])],
                         {'x': rand(rng, 2, 3, 7)}, ['x'], lambda t: F.adaptive_avg_pool1d(t['x'], 1), rng=rng))
    out.append(make_case('GlobalMaxPool 5-D', [helper.make_node('GlobalMaxPool', ['x'], ['y'])],
                         {'x': rand(rng, 2, 3, 3, 4, 5)}, ['x'], lambda t: F.adaptive_max_pool3d(t['x'], 1), rng=rng))
    return out
