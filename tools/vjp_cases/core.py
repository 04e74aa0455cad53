"""Cases for Relu, Add, Conv, Gemm, MaxPool, Softmax, Concat, Flatten, Reshape, GlobalAveragePool, Identity, Dropout."""
import math
import numpy as np
import torch
import torch.nn.functional as F
from onnx import helper
from .common import make_case, rand


def same_pads(size, k, s, d, upper):
    out = math.ceil(size / s)
    total = max(0, (out - 1) * s + (k - 1) * d + 1 - size)
    small = total // 2
    begin = small if upper else total - small
    return begin, total - begin


def conv_case(name, rng, x_shape, w_shape, strides=(1, 1), pads=(0, 0, 0, 0), dilations=(1, 1), group=1,
              auto_pad=None, bias=True):
    x = rand(rng, *x_shape)
    w = rand(rng, *w_shape, scale=0.5)
    b = rand(rng, w_shape[0])
    attrs = dict(strides=list(strides), dilations=list(dilations), group=group, kernel_shape=list(w_shape[2:]))
    if auto_pad:
        attrs['auto_pad'] = auto_pad
        if auto_pad == 'VALID':
            pads = (0, 0, 0, 0)
        else:
            ph = same_pads(x_shape[2], w_shape[2], strides[0], dilations[0], auto_pad == 'SAME_UPPER')
            pw = same_pads(x_shape[3], w_shape[3], strides[1], dilations[1], auto_pad == 'SAME_UPPER')
            pads = (ph[0], pw[0], ph[1], pw[1])
    else:
        attrs['pads'] = list(pads)
    ins = ['x', 'w', 'b'] if bias else ['x', 'w']
    node = helper.make_node('Conv', ins, ['y'], **attrs)

    def fn(t):
        xp = F.pad(t['x'], (pads[1], pads[3], pads[0], pads[2]))
        return F.conv2d(xp, t['w'], t['b'] if bias else None, stride=strides, dilation=dilations, groups=group)

    inits = {'w': w, 'b': b} if bias else {'w': w}
    return make_case(name, [node], {'x': x}, ['x'], fn, initializers=inits, rng=rng)


def binary_case(name, op, rng, a_shape, b_shape, torch_op, targets=('a', 'b'), positive_b=False):
    a = rand(rng, *a_shape)
    b = rand(rng, *b_shape)
    if positive_b:
        b = np.abs(b) + 0.5
    node = helper.make_node(op, ['a', 'b'], ['y'])
    return make_case(name, [node], {'a': a, 'b': b}, list(targets), lambda t: torch_op(t['a'], t['b']), rng=rng)


def maxpool_case(name, rng, x, kernel, strides, pads=(0, 0, 0, 0), dilations=(1, 1), ceil_mode=0):
    node = helper.make_node('MaxPool', ['x'], ['y'], kernel_shape=list(kernel), strides=list(strides), pads=list(pads),
                            dilations=list(dilations), ceil_mode=ceil_mode)

    def fn(t):
        xp = F.pad(t['x'], (pads[1], pads[3], pads[0], pads[2]), value=-math.inf)
        return F.max_pool2d(xp, kernel, strides, dilation=dilations, ceil_mode=bool(ceil_mode))

    return make_case(name, [node], {'x': x}, ['x'], fn, rng=rng)


def softmax_case(name, rng, shape, axis, opset):
    x = rand(rng, *shape, scale=2.0)
    node = helper.make_node('Softmax', ['x'], ['y'], axis=axis)

    def fn(t):
        if opset >= 13:
            return F.softmax(t['x'], dim=axis)
        a = axis % len(shape)
        lead = int(np.prod(shape[:a]))
        return F.softmax(t['x'].reshape(lead, -1), dim=1).reshape(shape)

    return make_case(name, [node], {'x': x}, ['x'], fn, opset=opset, rng=rng)


def cases():
    rng = np.random.default_rng(1)
    out = []
    # Relu: values straddling zero
    out.append(make_case('Relu mixed signs', [helper.make_node('Relu', ['x'], ['y'])], {'x': rand(rng, 2, 3, 4, 5)}, ['x'],
                         lambda t: F.relu(t['x']), rng=rng))
    # Add with broadcasting in every direction
    add = lambda a, b: a + b  # noqa: E731
    out.append(binary_case('Add same shape', 'Add', rng, (2, 3, 4, 4), (2, 3, 4, 4), add))
    out.append(binary_case('Add broadcast b [C,1,1] into a [N,C,H,W]', 'Add', rng, (2, 3, 4, 5), (3, 1, 1), add))
    out.append(binary_case('Add broadcast a [N,C,1,1] into b [N,C,H,W]', 'Add', rng, (2, 3, 1, 1), (2, 3, 4, 5), add))
    out.append(binary_case('Add broadcast both ways [N,1,H,1]+[1,C,1,W]', 'Add', rng, (2, 1, 4, 1), (1, 3, 1, 5), add))
    out.append(binary_case('Add broadcast lower rank a [W] into b [N,C,H,W]', 'Add', rng, (5,), (2, 3, 4, 5), add))
    # Conv
    out.append(conv_case('Conv 3x3 pad 1 stride 1', rng, (2, 3, 6, 6), (4, 3, 3, 3), pads=(1, 1, 1, 1)))
    out.append(conv_case('Conv stride 2 odd input 7x7 pad 1', rng, (2, 3, 7, 7), (4, 3, 3, 3), strides=(2, 2), pads=(1, 1, 1, 1)))
    out.append(conv_case('Conv stride 2 even input 8x8 pad 1', rng, (2, 3, 8, 8), (4, 3, 3, 3), strides=(2, 2), pads=(1, 1, 1, 1)))
    out.append(conv_case('Conv stride 2 even input no pad (last row unused)', rng, (1, 2, 8, 8), (3, 2, 3, 3), strides=(2, 2)))
    out.append(conv_case('Conv 7x7 stride 2 pad 3 (stem)', rng, (1, 3, 11, 11), (4, 3, 7, 7), strides=(2, 2), pads=(3, 3, 3, 3)))
    out.append(conv_case('Conv groups 2', rng, (2, 4, 6, 6), (6, 2, 3, 3), pads=(1, 1, 1, 1), group=2))
    out.append(conv_case('Conv depthwise stride 2', rng, (2, 4, 7, 7), (4, 1, 3, 3), strides=(2, 2), pads=(1, 1, 1, 1), group=4))
    out.append(conv_case('Conv dilation 2', rng, (1, 2, 9, 9), (3, 2, 3, 3), pads=(2, 2, 2, 2), dilations=(2, 2)))
    out.append(conv_case('Conv asymmetric pads and strides', rng, (1, 2, 7, 8), (3, 2, 3, 2), strides=(2, 3), pads=(0, 1, 2, 0)))
    out.append(conv_case('Conv auto_pad SAME_UPPER stride 2', rng, (1, 2, 7, 6), (3, 2, 3, 3), strides=(2, 2), auto_pad='SAME_UPPER'))
    out.append(conv_case('Conv auto_pad SAME_LOWER stride 2', rng, (1, 2, 7, 6), (3, 2, 4, 4), strides=(2, 2), auto_pad='SAME_LOWER'))
    out.append(conv_case('Conv auto_pad VALID', rng, (1, 2, 7, 6), (3, 2, 3, 3), auto_pad='VALID'))
    out.append(conv_case('Conv 1x1 no bias', rng, (2, 5, 4, 4), (3, 5, 1, 1), bias=False))
    # Gemm
    for ta, tb, alpha, beta in [(0, 0, 1.0, 1.0), (0, 1, 0.5, 2.0), (1, 0, 1.5, 1.0), (1, 1, 1.0, 0.5)]:
        a = rand(rng, *((4, 3) if ta else (3, 4)))
        b = rand(rng, *((5, 4) if tb else (4, 5)))
        c = rand(rng, 5)
        node = helper.make_node('Gemm', ['a', 'b', 'c'], ['y'], transA=ta, transB=tb, alpha=alpha, beta=beta)

        def fn(t, ta=ta, tb=tb, alpha=alpha, beta=beta):
            A = t['a'].T if ta else t['a']
            B = t['b'].T if tb else t['b']
            return alpha * A @ B + beta * t['c']
        out.append(make_case(f'Gemm transA={ta} transB={tb} alpha={alpha} beta={beta} (A and B variable)', [node],
                             {'a': a, 'b': b}, ['a', 'b'], fn, initializers={'c': c}, rng=rng))
    w = rand(rng, 6, 8)
    out.append(make_case('Gemm classifier head, weight initializer transB=1', [helper.make_node('Gemm', ['x', 'w', 'c'], ['y'], transB=1)],
                         {'x': rand(rng, 2, 8)}, ['x'], lambda t: t['x'] @ t['w'].T + t['c'], initializers={'w': w, 'c': rand(rng, 6)}, rng=rng))
    # MaxPool
    out.append(maxpool_case('MaxPool 3x3 stride 2 pad 1 overlapping (ResNet stem)', rng, rand(rng, 2, 3, 8, 8), (3, 3), (2, 2), (1, 1, 1, 1)))
    out.append(maxpool_case('MaxPool 2x2 stride 2 odd input', rng, rand(rng, 1, 2, 7, 7), (2, 2), (2, 2)))
    out.append(maxpool_case('MaxPool 3x3 stride 2 ceil_mode (SqueezeNet)', rng, rand(rng, 1, 2, 8, 8), (3, 3), (2, 2), ceil_mode=1))
    out.append(maxpool_case('MaxPool 3x3 stride 1 with dilation 2', rng, rand(rng, 1, 2, 7, 7), (3, 3), (1, 1), dilations=(2, 2)))
    ties = np.floor(rng.uniform(0, 3, size=(1, 2, 6, 6)))
    out.append(maxpool_case('MaxPool 3x3 stride 2 with ties (integer-valued input)', rng, ties, (3, 3), (2, 2), (1, 1, 1, 1)))
    out.append(maxpool_case('MaxPool 2x2 stride 1 all-equal input (ties everywhere)', rng, np.ones((1, 1, 4, 4)), (2, 2), (1, 1)))
    # Softmax on several axes and both semantics
    out.append(softmax_case('Softmax axis -1 opset 13 on 3-D', rng, (2, 3, 5), -1, 13))
    out.append(softmax_case('Softmax axis 1 opset 13 on 4-D (channels only)', rng, (2, 4, 3, 3), 1, 13))
    out.append(softmax_case('Softmax axis 0 opset 13 on 2-D', rng, (4, 3), 0, 13))
    out.append(softmax_case('Softmax axis 1 opset 11 on 4-D (coerced to 2-D)', rng, (2, 3, 2, 2), 1, 11))
    # Concat
    nodes = [helper.make_node('Concat', ['a', 'b', 'c'], ['y'], axis=1)]
    out.append(make_case('Concat 3 inputs axis 1 (one constant)', nodes, {'a': rand(rng, 2, 3, 4, 4), 'b': rand(rng, 2, 5, 4, 4)}, ['a', 'b'],
                         lambda t: torch.cat([t['a'], t['b'], t['c']], 1), initializers={'c': rand(rng, 2, 2, 4, 4)}, rng=rng))
    nodes = [helper.make_node('Concat', ['a', 'b'], ['y'], axis=-1)]
    out.append(make_case('Concat axis -1', nodes, {'a': rand(rng, 2, 3, 2), 'b': rand(rng, 2, 3, 4)}, ['a', 'b'],
                         lambda t: torch.cat([t['a'], t['b']], -1), rng=rng))
    # Flatten / Reshape / GlobalAveragePool / Identity / Dropout
    out.append(make_case('Flatten axis 1', [helper.make_node('Flatten', ['x'], ['y'], axis=1)], {'x': rand(rng, 2, 3, 2, 2)}, ['x'],
                         lambda t: t['x'].reshape(2, -1), rng=rng))
    out.append(make_case('Flatten axis 2', [helper.make_node('Flatten', ['x'], ['y'], axis=2)], {'x': rand(rng, 2, 3, 2, 2)}, ['x'],
                         lambda t: t['x'].reshape(6, -1), rng=rng))
    out.append(make_case('Reshape to [N,-1] with 0 copy', [helper.make_node('Reshape', ['x', 's'], ['y'])], {'x': rand(rng, 2, 3, 2, 2)}, ['x'],
                         lambda t: t['x'].reshape(2, 12), initializers={'s': np.array([0, -1])}, rng=rng))
    out.append(make_case('GlobalAveragePool 4-D', [helper.make_node('GlobalAveragePool', ['x'], ['y'])], {'x': rand(rng, 2, 3, 4, 5)}, ['x'],
                         lambda t: t['x'].mean(dim=(2, 3), keepdim=True), rng=rng))
    out.append(make_case('GlobalAveragePool opset 7', [helper.make_node('GlobalAveragePool', ['x'], ['y'])], {'x': rand(rng, 2, 3, 4, 5)}, ['x'],
                         lambda t: t['x'].mean(dim=(2, 3), keepdim=True), opset=7, rng=rng))
    out.append(make_case('Identity', [helper.make_node('Identity', ['x'], ['y'])], {'x': rand(rng, 2, 3)}, ['x'], lambda t: t['x'] * 1, rng=rng))
    out.append(make_case('Dropout inference (opset 13, ratio input)', [helper.make_node('Dropout', ['x', 'r'], ['y'])], {'x': rand(rng, 2, 3)}, ['x'],
                         lambda t: t['x'] * 1, initializers={'r': np.array(0.5, dtype=np.float32)}, rng=rng))
    return out
