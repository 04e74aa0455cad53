"""Cases for AveragePool, GlobalMaxPool, MatMul, Transpose, Squeeze, Unsqueeze, Split, Slice, Gather and Pad."""
import contextlib
import math
import numpy as np
import onnx
import torch
import torch.nn.functional as F
from onnx import helper
from .common import make_case, rand
from .core import same_pads

INT64_MAX = 2**63 - 1
INT64_MIN = -2**63


@contextlib.contextmanager
def unchecked():
    """Debian's onnx 1.12 knows opsets up to 17: its checker rejects opset 18/19 attributes (Split num_outputs,
    AveragePool dilations). Those few cases skip the checker; onnxruntime, which runs them in the test, knows them."""
    saved = onnx.checker.check_model
    onnx.checker.check_model = lambda m: None
    try:
        yield
    finally:
        onnx.checker.check_model = saved


# ---- AveragePool ----

def avgpool_reference(x, kernel, strides, pads, dilations, cip, ceil_mode):
    """Explicit average pool: window sums by a per-channel all-ones convolution over x zero-padded (and extended for
    ceil_mode windows), divided by the element count: taps inside the padded input (clipped at its end) when
    count_include_pad=1, taps inside x when 0 (onnxruntime's and PyTorch's convention)."""
    k = len(kernel)
    spatial = x.shape[2:]
    outs, counts, pad_arg = [], [], []
    for i in range(k):
        size, kk, s, d = spatial[i], kernel[i], strides[i], dilations[i]
        pb, pe = pads[i], pads[i + k]
        eff = (kk - 1) * d + 1
        span = size + pb + pe - eff
        o = (-(-span // s) if ceil_mode else span // s) + 1
        if ceil_mode and (o - 1) * s >= size + pb:
            o -= 1
        lo, hi = (-pb, size + pe) if cip else (0, size)
        counts.append([sum(1 for j in range(kk) if lo <= q * s - pb + j * d < hi) for q in range(o)])
        extra = max(0, (o - 1) * s + eff - (size + pb + pe))
        outs.append(o)
        pad_arg.append((pb, pe + extra))
    div = np.ones(outs)
    for i, c in enumerate(counts):
        shape = [1] * k
        shape[i] = len(c)
        div = div * np.array(c, dtype=np.float64).reshape(shape)
    flat_pads = [p for pair in reversed(pad_arg) for p in pair]
    xp = F.pad(x, flat_pads)
    ch = x.shape[1]
    w = torch.ones((ch, 1, *kernel))
    conv = {1: F.conv1d, 2: F.conv2d, 3: F.conv3d}[k]
    summed = conv(xp, w, stride=strides, dilation=dilations, groups=ch)
    summed = summed[(slice(None), slice(None), *[slice(0, o) for o in outs])]
    return summed / torch.tensor(div)


def avgpool_case(name, rng, x_shape, kernel, strides=None, pads=None, cip=0, ceil_mode=0, dilations=None,
                 auto_pad=None, opset=17):
    k = len(kernel)
    strides = strides or [1] * k
    x = rand(rng, *x_shape)
    attrs = dict(kernel_shape=list(kernel), strides=list(strides))
    if cip:
        attrs['count_include_pad'] = cip
    if ceil_mode:
        attrs['ceil_mode'] = ceil_mode
    if dilations:
        attrs['dilations'] = list(dilations)
    dil = dilations or [1] * k
    if auto_pad:
        attrs['auto_pad'] = auto_pad
        sp = [same_pads(x_shape[2 + i], kernel[i], strides[i], dil[i], auto_pad == 'SAME_UPPER') for i in range(k)]
        pads = [p[0] for p in sp] + [p[1] for p in sp]
    else:
        pads = pads or [0] * (2 * k)
        if any(pads):
            attrs['pads'] = list(pads)
    node = helper.make_node('AveragePool', ['x'], ['y'], **attrs)
    symmetric = pads[:k] == pads[k:] and all(2 * p <= kk for p, kk in zip(pads[:k], kernel))
    if k == 2 and symmetric and not dilations:
        # PyTorch's own average pool where it can express the node (symmetric pads), an independent check.
        def fn(t):
            return F.avg_pool2d(t['x'], kernel, strides, padding=pads[:2], ceil_mode=bool(ceil_mode),
                                count_include_pad=bool(cip))
    else:
        def fn(t):
            return avgpool_reference(t['x'], kernel, strides, pads, dil, cip, ceil_mode)
    if opset > 17:
        with unchecked():
            return make_case(name, [node], {'x': x}, ['x'], fn, opset=opset, rng=rng)
    return make_case(name, [node], {'x': x}, ['x'], fn, opset=opset, rng=rng)


def average_pool_cases(rng):
    out = []
    out.append(avgpool_case('AveragePool 3x3 stride 1 pad 1 overlapping, count_include_pad=0', rng, (2, 3, 6, 6), (3, 3),
                            pads=(1, 1, 1, 1)))
    out.append(avgpool_case('AveragePool 3x3 stride 1 pad 1 overlapping, count_include_pad=1', rng, (2, 3, 6, 6), (3, 3),
                            pads=(1, 1, 1, 1), cip=1))
    out.append(avgpool_case('AveragePool 2x2 stride 2 even input 8x8', rng, (2, 3, 8, 8), (2, 2), (2, 2)))
    out.append(avgpool_case('AveragePool 2x2 stride 2 odd input 7x7 (last row/column unused)', rng, (2, 3, 7, 7), (2, 2),
                            (2, 2)))
    out.append(avgpool_case('AveragePool 3x3 stride 2 odd input 7x7 pad 1, count_include_pad=0', rng, (1, 2, 7, 7), (3, 3),
                            (2, 2), pads=(1, 1, 1, 1)))
    out.append(avgpool_case('AveragePool 3x3 stride 2 ceil_mode even input 8x8 no pad (clipped last window)', rng,
                            (1, 2, 8, 8), (3, 3), (2, 2), ceil_mode=1, opset=11))
    out.append(avgpool_case('AveragePool 3x3 stride 2 ceil_mode pad 1 count_include_pad=0 on 6x6', rng, (1, 2, 6, 6),
                            (3, 3), (2, 2), pads=(1, 1, 1, 1), ceil_mode=1))
    out.append(avgpool_case('AveragePool 3x3 stride 2 ceil_mode pad 1 count_include_pad=1 on 6x6 (divisor clipped at '
                            'the end padding)', rng, (1, 2, 6, 6), (3, 3), (2, 2), pads=(1, 1, 1, 1), ceil_mode=1, cip=1))
    out.append(avgpool_case('AveragePool 2x2 stride 2 ceil_mode count_include_pad=1 odd input 7x7', rng, (1, 2, 7, 7),
                            (2, 2), (2, 2), ceil_mode=1, cip=1, opset=10))
    out.append(avgpool_case('AveragePool asymmetric pads and strides, count_include_pad=1', rng, (1, 2, 7, 8), (3, 2),
                            (2, 3), pads=(0, 1, 2, 0), cip=1))
    out.append(avgpool_case('AveragePool asymmetric pads 3x3 pads (2,0,0,1), count_include_pad=0', rng, (1, 2, 6, 7),
                            (3, 3), (1, 2), pads=(2, 0, 0, 1)))
    out.append(avgpool_case('AveragePool auto_pad SAME_UPPER stride 2, count_include_pad=0', rng, (1, 2, 7, 6), (3, 3),
                            (2, 2), auto_pad='SAME_UPPER'))
    out.append(avgpool_case('AveragePool auto_pad SAME_LOWER 4x4 stride 2, count_include_pad=1', rng, (1, 2, 7, 6),
                            (4, 4), (2, 2), auto_pad='SAME_LOWER', cip=1))
    out.append(avgpool_case('AveragePool kernel 1 stride 1 (identity adaptive pool export)', rng, (2, 3, 4, 5), (1, 1)))
    out.append(avgpool_case('AveragePool kernel = whole 5x6 map (adaptive pool to 1x1 export)', rng, (2, 3, 5, 6),
                            (5, 6), (5, 6)))
    out.append(avgpool_case('AveragePool kernel 4 stride 4 (adaptive pool 8x8 to 2x2 export)', rng, (2, 3, 8, 8), (4, 4),
                            (4, 4)))
    out.append(avgpool_case('AveragePool 1-D kernel 3 stride 2 pad 1', rng, (2, 3, 9), (3,), (2,), pads=(1, 1)))
    out.append(avgpool_case('AveragePool 3x3 pad 1 opset 7', rng, (2, 3, 5, 5), (3, 3), pads=(1, 1, 1, 1), opset=7))
    out.append(avgpool_case('AveragePool 3x3 stride 2 dilation 2 ceil_mode pad 1 count_include_pad=1 opset 19', rng,
                            (1, 2, 6, 6), (3, 3), (2, 2), pads=(1, 1, 1, 1), dilations=(2, 2), ceil_mode=1, cip=1,
                            opset=19))
    return out


# ---- GlobalMaxPool ----

def global_max_pool_cases(rng):
    out = []
    node = helper.make_node('GlobalMaxPool', ['x'], ['y'])
    pool = lambda t: F.adaptive_max_pool2d(t['x'], 1)  # noqa: E731
    out.append(make_case('GlobalMaxPool 4-D distinct values', [node], {'x': rand(rng, 2, 3, 4, 5)}, ['x'], pool, rng=rng))
    ties = np.floor(rng.uniform(0, 2, size=(2, 3, 3, 4)))
    out.append(make_case('GlobalMaxPool ties: gradient to the first maximum in row-major order', [node], {'x': ties},
                         ['x'], pool, rng=rng))
    out.append(make_case('GlobalMaxPool all-equal input (every position ties)', [node], {'x': np.ones((2, 2, 3, 3))},
                         ['x'], pool, rng=rng))
    out.append(make_case('GlobalMaxPool 3-D (1-D spatial)', [node], {'x': rand(rng, 2, 3, 7)}, ['x'],
                         lambda t: F.adaptive_max_pool1d(t['x'], 1), rng=rng))
    out.append(make_case('GlobalMaxPool opset 7', [node], {'x': rand(rng, 2, 3, 4, 4)}, ['x'], pool, opset=7, rng=rng))
    return out


# ---- MatMul ----

def matmul_case(name, rng, a_shape, b_shape, targets=('a', 'b'), const_b=False, opset=17):
    a = rand(rng, *a_shape)
    b = rand(rng, *b_shape)
    node = helper.make_node('MatMul', ['a', 'b'], ['y'])
    fn = lambda t: torch.matmul(t['a'], t['b'])  # noqa: E731
    if const_b:
        return make_case(name, [node], {'a': a}, ['a'], fn, initializers={'b': b}, opset=opset, rng=rng)
    return make_case(name, [node], {'a': a, 'b': b}, list(targets), fn, opset=opset, rng=rng)


def matmul_cases(rng):
    return [
        matmul_case('MatMul 2-D x 2-D (both variable)', rng, (3, 4), (4, 5)),
        matmul_case('MatMul 3-D batched x 3-D batched (both variable)', rng, (2, 3, 4), (2, 4, 5)),
        matmul_case('MatMul 4-D attention scores q·kT (both variable)', rng, (2, 3, 4, 5), (2, 3, 5, 4)),
        matmul_case('MatMul 4-D broadcast batch dims [2,1,4,5] x [1,3,5,6] (both variable)', rng, (2, 1, 4, 5),
                    (1, 3, 5, 6)),
        matmul_case('MatMul 3-D x 2-D weight broadcast over batch (both variable)', rng, (2, 3, 4), (4, 5)),
        matmul_case('MatMul 2-D x 4-D lower-rank A broadcast (both variable)', rng, (4, 5), (2, 3, 5, 6)),
        matmul_case('MatMul 1-D x 2-D (both variable)', rng, (4,), (4, 3)),
        matmul_case('MatMul 1-D x 3-D batched (both variable)', rng, (4,), (2, 4, 3)),
        matmul_case('MatMul 3-D x 1-D (both variable)', rng, (2, 3, 4), (4,)),
        matmul_case('MatMul 3-D x constant 2-D weight (linear layer)', rng, (2, 5, 4), (4, 6), const_b=True),
        matmul_case('MatMul 3-D batched opset 7 (both variable)', rng, (2, 3, 4), (2, 4, 2), opset=7),
    ]


# ---- Transpose / Squeeze / Unsqueeze ----

def transpose_cases(rng):
    out = []
    for perm in [(0, 2, 3, 1), (0, 3, 1, 2), (2, 0, 3, 1), None]:
        attrs = {'perm': list(perm)} if perm else {}
        node = helper.make_node('Transpose', ['x'], ['y'], **attrs)
        fn = (lambda t, perm=perm: t['x'].permute(*perm)) if perm else (lambda t: t['x'].permute(3, 2, 1, 0))
        label = f'perm {list(perm)}' if perm else 'default perm (reverse)'
        out.append(make_case(f'Transpose {label}', [node], {'x': rand(rng, 2, 3, 4, 5)}, ['x'], fn, rng=rng))
    node = helper.make_node('Transpose', ['x'], ['y'], perm=[0, 2, 1])
    out.append(make_case('Transpose 3-D tokens perm [0,2,1] opset 7', [node], {'x': rand(rng, 2, 3, 4)}, ['x'],
                         lambda t: t['x'].permute(0, 2, 1), opset=7, rng=rng))
    return out


def squeeze_cases(rng):
    out = []
    x = rand(rng, 2, 3, 1, 4, 1)
    node = helper.make_node('Squeeze', ['x'], ['y'], axes=[2, -1])
    out.append(make_case('Squeeze axes attribute [2,-1] opset 11', [node], {'x': x}, ['x'],
                         lambda t: t['x'].squeeze(4).squeeze(2), opset=11, rng=rng))
    node = helper.make_node('Squeeze', ['x', 'axes'], ['y'])
    out.append(make_case('Squeeze axes input [4] opset 13', [node], {'x': x}, ['x'], lambda t: t['x'].squeeze(4),
                         initializers={'axes': np.array([4])}, opset=13, rng=rng))
    node = helper.make_node('Squeeze', ['x'], ['y'])
    out.append(make_case('Squeeze without axes (every size-1 axis) opset 13', [node], {'x': x}, ['x'],
                         lambda t: t['x'].reshape(2, 3, 4), opset=13, rng=rng))
    out.append(make_case('Squeeze without axes opset 11', [node], {'x': x}, ['x'], lambda t: t['x'].reshape(2, 3, 4),
                         opset=11, rng=rng))
    x = rand(rng, 2, 3, 4)
    node = helper.make_node('Unsqueeze', ['x'], ['y'], axes=[1, -1])
    out.append(make_case('Unsqueeze axes attribute [1,-1] opset 11', [node], {'x': x}, ['x'],
                         lambda t: t['x'].reshape(2, 1, 3, 4, 1), opset=11, rng=rng))
    node = helper.make_node('Unsqueeze', ['x', 'axes'], ['y'])
    out.append(make_case('Unsqueeze axes input [0,3] opset 13', [node], {'x': x}, ['x'],
                         lambda t: t['x'].reshape(1, 2, 3, 1, 4), initializers={'axes': np.array([0, 3])}, opset=13,
                         rng=rng))
    return out


# ---- Split ----

def split_cases(rng):
    out = []
    x = rand(rng, 2, 6, 3)
    # opset 11: split attribute; the middle output is unused.
    nodes = [helper.make_node('Split', ['x'], ['a', 'b', 'c'], axis=1, split=[2, 3, 1]),
             helper.make_node('Concat', ['a', 'c'], ['y'], axis=1)]
    out.append(make_case('Split attribute [2,3,1] opset 11, middle output unused', nodes, {'x': x}, ['x'],
                         lambda t: torch.cat([t['x'][:, :2], t['x'][:, 5:]], 1), opset=11, rng=rng))
    # opset 13: split input; the first output unused.
    nodes = [helper.make_node('Split', ['x', 's'], ['a', 'b', 'c'], axis=-1),
             helper.make_node('Concat', ['c', 'b'], ['y'], axis=-1)]
    x = rand(rng, 2, 3, 7)
    out.append(make_case('Split input [1,4,2] axis -1 opset 13, first output unused', nodes, {'x': x}, ['x'],
                         lambda t: torch.cat([t['x'][..., 5:], t['x'][..., 1:5]], -1),
                         initializers={'s': np.array([1, 4, 2])}, opset=13, rng=rng))
    # opset 13: the graph output is one Split output; the other two receive no gradient at all.
    node = helper.make_node('Split', ['x', 's'], ['a', 'b', 'c'], axis=1)
    x = rand(rng, 2, 6, 2)
    out.append(make_case('Split opset 13, output is the middle branch (two branches without gradient)', [node],
                         {'x': x}, ['x'], lambda t: t['x'][:, 1:4], initializers={'s': np.array([1, 3, 2])},
                         output='b', opset=13, rng=rng))
    # opset 18: num_outputs (8 → 3, 3, 2); the last output unused.
    nodes = [helper.make_node('Split', ['x'], ['a', 'b', 'c'], axis=1, num_outputs=3),
             helper.make_node('Concat', ['b', 'a'], ['y'], axis=1)]
    x = rand(rng, 2, 8, 2)
    with unchecked():
        out.append(make_case('Split num_outputs=3 on 8 opset 18, last output unused', nodes, {'x': x}, ['x'],
                             lambda t: torch.cat([t['x'][:, 3:6], t['x'][:, :3]], 1), opset=18, rng=rng))
    # opset 7: equal split without sizes; zeros built without ConstantOfShape.
    nodes = [helper.make_node('Split', ['x'], ['a', 'b'], axis=2),
             helper.make_node('Concat', ['b', 'b'], ['y'], axis=1)]
    x = rand(rng, 2, 3, 4)
    out.append(make_case('Split equal halves opset 7, first output unused, second used twice', nodes, {'x': x}, ['x'],
                         lambda t: torch.cat([t['x'][:, :, 2:], t['x'][:, :, 2:]], 1), opset=7, rng=rng))
    return out


# ---- Slice ----

def onnx_slice(x, starts, ends, axes, steps):
    """ONNX Slice modelled with Python's own slice semantics (negative bounds from the end, clamping, steps)."""
    for s, e, a, st in zip(starts, ends, axes, steps):
        idx = list(range(x.shape[a]))[slice(s, e, st)]
        x = torch.index_select(x, a, torch.tensor(idx, dtype=torch.long))
    return x


def slice_case(name, rng, x_shape, starts, ends, axes=None, steps=None, opset=13):
    x = rand(rng, *x_shape)
    rank = len(x_shape)
    ax = [a % rank for a in (axes if axes is not None else range(len(starts)))]
    st = steps or [1] * len(starts)
    fn = lambda t: onnx_slice(t['x'], starts, ends, ax, st)  # noqa: E731
    if opset < 10:
        attrs = dict(starts=list(starts), ends=list(ends))
        if axes is not None:
            attrs['axes'] = list(axes)
        node = helper.make_node('Slice', ['x'], ['y'], **attrs)
        return make_case(name, [node], {'x': x}, ['x'], fn, opset=opset, rng=rng)
    inits = {'starts': np.array(starts), 'ends': np.array(ends)}
    ins = ['x', 'starts', 'ends']
    if axes is not None or steps is not None:
        inits['axes'] = np.array(axes if axes is not None else list(range(len(starts))))
        ins.append('axes')
    if steps is not None:
        inits['steps'] = np.array(steps)
        ins.append('steps')
    node = helper.make_node('Slice', ins, ['y'])
    return make_case(name, [node], {'x': x}, ['x'], fn, initializers=inits, opset=opset, rng=rng)


def slice_cases(rng):
    return [
        slice_case('Slice opset 9 attributes, negative start and end, INT64_MAX end', rng, (2, 6, 7, 5), [1, -5],
                   [INT64_MAX, -1], axes=[1, 2], opset=9),
        slice_case('Slice opset 9 without axes, ends clamped (100)', rng, (2, 5, 4), [0, 2, 1], [100, 100, 3], opset=9),
        slice_case('Slice opset 9 negative start beyond the size clamps to 0', rng, (2, 5, 4), [-10], [2], axes=[1],
                   opset=9),
        slice_case('Slice opset 13 step 2 with clamped end', rng, (2, 7, 6), [1, 0], [INT64_MAX, 100], axes=[1, 2],
                   steps=[2, 3]),
        slice_case('Slice opset 13 step -1 reverses an axis (INT64_MIN end)', rng, (2, 3, 5), [-1], [INT64_MIN],
                   axes=[2], steps=[-1]),
        slice_case('Slice opset 13 step -2 from 5 down to (excluding) 0, negative axis', rng, (2, 7, 3), [5], [0],
                   axes=[-2], steps=[-2]),
        slice_case('Slice opset 13 negative start/end step 1 on two axes (crop)', rng, (2, 3, 6, 6), [-5, 1], [-1, -2],
                   axes=[2, 3]),
        slice_case('Slice opset 13 mixed: step 1, step 2 and step -3 on three axes', rng, (2, 5, 6, 7), [1, 1, 6],
                   [4, INT64_MAX, -100], axes=[1, 2, 3], steps=[1, 2, -3]),
        slice_case('Slice opset 10 class token x[:, 0:1] (starts/ends only)', rng, (2, 5, 4), [0], [1], axes=[1],
                   opset=10),
    ]


# ---- Gather ----

def gather_case(name, rng, x_shape, indices, axis, opset=13):
    x = rand(rng, *x_shape)
    idx = np.array(indices, dtype=np.int64)
    node = helper.make_node('Gather', ['x', 'i'], ['y'], axis=axis)

    def fn(t):
        sel = [slice(None)] * axis + [torch.tensor(idx) if idx.ndim else int(idx)]
        return t['x'][tuple(sel)]
    return make_case(name, [node], {'x': x}, ['x'], fn, initializers={'i': idx}, opset=opset, rng=rng)


def gather_cases(rng):
    return [
        gather_case('Gather scalar index 0 axis 1 (class token)', rng, (2, 5, 4), 0, 1),
        gather_case('Gather scalar index -1 axis 1 (last token)', rng, (2, 5, 4), -1, 1),
        gather_case('Gather scalar index axis 0 on a non-batch axis (qkv unbind)', rng, (3, 2, 4), 1, 0),
        gather_case('Gather index list with repeats and a negative index axis 1', rng, (2, 5, 3), [3, 1, 3, 0, -2, 3], 1),
        gather_case('Gather unique permuted index list axis 2', rng, (2, 3, 6), [4, 0, 2], 2),
        gather_case('Gather contiguous index range axis 1', rng, (2, 6, 3), [1, 2, 3], 1),
        gather_case('Gather 2-D indices with repeats axis 2', rng, (2, 3, 4, 5), [[0, 2], [2, 3]], 2),
        gather_case('Gather scalar index axis 1 opset 7', rng, (2, 5, 4), 2, 1, opset=7),
        gather_case('Gather index list with repeats opset 11', rng, (2, 4, 3), [1, 1, 0], 1, opset=11),
    ]


# ---- Pad ----

def pad_case(name, rng, x_shape, pads, value=0.0, opset=13):
    x = rand(rng, *x_shape)
    rank = len(x_shape)

    def fn(t):
        flat = []
        for a in reversed(range(rank)):
            flat += [pads[a], pads[a + rank]]
        return F.pad(t['x'], flat, value=value)
    if opset < 11:
        node = helper.make_node('Pad', ['x'], ['y'], pads=list(pads), value=value, mode='constant')
        return make_case(name, [node], {'x': x}, ['x'], fn, opset=opset, rng=rng)
    node = helper.make_node('Pad', ['x', 'p', 'v'], ['y'], mode='constant')
    return make_case(name, [node], {'x': x}, ['x'], fn, opset=opset, rng=rng,
                     initializers={'p': np.array(pads), 'v': np.array(value, dtype=np.float32)})


def pad_cases(rng):
    return [
        pad_case('Pad opset 7 positive pads, value 0', rng, (2, 3, 4, 5), [0, 0, 1, 2, 0, 0, 2, 1], opset=7),
        pad_case('Pad opset 7 positive and negative pads, value 1.5', rng, (2, 3, 5, 6), [0, 0, 1, -1, 0, 0, -2, 2],
                 value=1.5, opset=7),
        pad_case('Pad opset 13 positive pads input, constant_value input', rng, (2, 3, 4, 5), [0, 1, 1, 0, 0, 0, 2, 3],
                 value=-0.5),
        pad_case('Pad opset 13 negative pads only (crop)', rng, (2, 3, 6, 6), [0, 0, -1, -2, 0, -1, -2, 0]),
        pad_case('Pad opset 13 mixed signs on every spatial side', rng, (2, 3, 6, 7), [0, 0, 2, -1, 0, 0, -3, 1]),
        pad_case('Pad opset 11 3-D tokens', rng, (2, 4, 3), [0, 1, 0, 0, 2, 1], opset=11),
    ]


def cases():
    rng = np.random.default_rng(2)
    out = []
    out += average_pool_cases(rng)
    out += global_max_pool_cases(rng)
    out += matmul_cases(rng)
    out += transpose_cases(rng)
    out += squeeze_cases(rng)
    out += split_cases(rng)
    out += slice_cases(rng)
    out += gather_cases(rng)
    out += pad_cases(rng)
    return out
