"""Cases for the elementwise, normalisation and reduction ops: LeakyRelu, PRelu, Clip, Sigmoid, HardSigmoid, HardSwish,
Tanh, Sub, Mul, Div, Pow, Sqrt, Erf, BatchNormalization, ReduceMean, ReduceSum.

Conventions where the derivative is undefined (the random data avoids those points, except where a case says so):
- Clip follows torch.clamp: the gradient passes at the bounds themselves (min <= x <= max). One case puts x exactly
  on both bounds of a Relu6 to pin this down. (torch's F.relu6 / F.hardtanh use the opposite, strict convention.)
- HardSigmoid and HardSwish follow torch.nn.functional.hardsigmoid/hardswish in the open intervals only.

onnx 1.12 (Debian) knows opsets up to 17, so the opset-18 cases (Reduce* with an axes input) skip its checker;
onnxruntime validates them against the opset-18 schemas when the test loads them.
"""
import contextlib
import numpy as np
import onnx
import torch
from onnx import helper, numpy_helper
from .common import make_case, rand


@contextlib.contextmanager
def unchecked():
    """Skip onnx.checker for models above the opset the installed onnx knows."""
    saved = onnx.checker.check_model
    onnx.checker.check_model = lambda *a, **k: None
    try:
        yield
    finally:
        onnx.checker.check_model = saved


def const_node(name, value):
    return helper.make_node('Constant', [], [name], value=numpy_helper.from_array(np.asarray(value, dtype=np.float32), name))


def unary(name, op, rng, x, fn, opset=17, **attrs):
    return make_case(name, [helper.make_node(op, ['x'], ['y'], **attrs)], {'x': x}, ['x'], lambda t: fn(t['x']),
                     opset=opset, rng=rng)


def binary(name, op, rng, a_shape, b_shape, fn, const=None, positive_b=False, opset=17):
    """const: None (both inputs fed and differentiated), 'a' or 'b' (that one is an initializer)."""
    a = rand(rng, *a_shape)
    b = rand(rng, *b_shape)
    if positive_b:
        b = np.abs(b) + 0.5
    inputs = {k: v for k, v in (('a', a), ('b', b)) if k != const}
    inits = {k: v for k, v in (('a', a), ('b', b)) if k == const}
    node = helper.make_node(op, ['a', 'b'], ['y'])
    return make_case(name, [node], inputs, list(inputs), lambda t: fn(t['a'], t['b']), initializers=inits, opset=opset,
                     rng=rng)


def broadcast_cases(op, rng, fn, positive_b=False):
    out = []
    for what, sa, sb, const in [
        ('same shape', (2, 3, 4), (2, 3, 4), None),
        ('b [C,1,1] into a [N,C,H,W]', (2, 3, 4, 5), (3, 1, 1), None),
        ('a [N,C,1,1] into b [N,C,H,W]', (2, 3, 1, 1), (2, 3, 4, 5), None),
        ('both ways [N,1,H,1] with [1,C,1,W]', (2, 1, 4, 1), (1, 3, 1, 5), None),
        ('lower-rank a [W] into b [N,C,H,W]', (5,), (2, 3, 4, 5), None),
        ('scalar b [] into a', (2, 3, 4), (), None),
        ('constant b [C,1,1] (initializer), a variable', (2, 3, 4, 5), (3, 1, 1), 'b'),
        ('constant a [N,C,H,W] (initializer), b [C,1,1] variable', (2, 3, 4, 5), (3, 1, 1), 'a'),
    ]:
        out.append(binary(f'{op} {what}', op, rng, sa, sb, fn, const=const, positive_b=positive_b))
    out.append(binary(f'{op} opset 7 b [C,1,1] into a', op, rng, (2, 3, 4, 5), (3, 1, 1), fn, positive_b=positive_b,
                      opset=7))
    return out


def clip_attr_case(name, rng, x, opset, lo=None, hi=None):
    attrs = {k: v for k, v in (('min', lo), ('max', hi)) if v is not None}
    node = helper.make_node('Clip', ['x'], ['y'], **attrs)
    return make_case(name, [node], {'x': x}, ['x'], lambda t: torch.clamp(t['x'], min=lo, max=hi), opset=opset, rng=rng)


def batchnorm_case(name, rng, x_shape, opset, spatial=None, eps=None, scale_fed=False):
    c = x_shape[1]
    pshape = (c,) if spatial in (None, 1) else tuple(x_shape[1:])
    scale = rand(rng, *pshape)
    bias = rand(rng, *pshape)
    mean = rand(rng, *pshape)
    var = np.abs(rand(rng, *pshape)) + 0.1
    attrs = {}
    if spatial is not None:
        attrs['spatial'] = spatial
    if eps is not None:
        attrs['epsilon'] = eps
    e = 1e-5 if eps is None else float(np.float32(eps))
    node = helper.make_node('BatchNormalization', ['x', 'scale', 'B', 'mean', 'var'], ['y'], **attrs)
    inputs = {'x': rand(rng, *x_shape)}
    inits = {'B': bias, 'mean': mean, 'var': var}
    if scale_fed:
        inputs['scale'] = scale
    else:
        inits['scale'] = scale

    def fn(t):
        shape = list(pshape) + [1] * (len(x_shape) - 1 - len(pshape))
        p = {k: t[k].reshape(shape) for k in ('scale', 'B', 'mean', 'var')}
        return (t['x'] - p['mean']) / torch.sqrt(p['var'] + e) * p['scale'] + p['B']

    return make_case(name, [node], inputs, ['x'], fn, initializers=inits, opset=opset, rng=rng)


def reduce_case(name, op, rng, x_shape, opset, axes=None, keepdims=None, as_input=False, axes_node=False, noop=None):
    """axes as attribute, or (as_input) an int64 initializer / (axes_node) a Constant node output."""
    x = rand(rng, *x_shape)
    attrs = {}
    if keepdims is not None:
        attrs['keepdims'] = keepdims
    if noop is not None:
        attrs['noop_with_empty_axes'] = noop
    nodes = []
    inits = {}
    ins = ['x']
    if axes is not None and as_input:
        if axes_node:
            nodes.append(helper.make_node('Constant', [], ['axes'],
                                          value=numpy_helper.from_array(np.array(axes, dtype=np.int64), 'axes')))
        else:
            inits['axes'] = np.array(axes, dtype=np.int64)
        ins.append('axes')
    elif axes is not None:
        attrs['axes'] = list(axes)
    nodes.append(helper.make_node(op, ins, ['y'], **attrs))
    keep = keepdims != 0

    def fn(t):
        if axes is None and noop == 1:
            return t['x'] * 1
        dims = tuple(range(len(x_shape))) if axes is None else tuple(axes)
        return t['x'].sum(dim=dims, keepdim=keep) if op == 'ReduceSum' else t['x'].mean(dim=dims, keepdim=keep)

    with unchecked() if opset > onnx.defs.onnx_opset_version() else contextlib.nullcontext():
        return make_case(name, nodes, {'x': x}, ['x'], fn, initializers=inits, opset=opset, rng=rng)


def cases():
    rng = np.random.default_rng(2)
    F = torch.nn.functional
    out = []

    # LeakyRelu / PRelu
    out.append(unary('LeakyRelu default alpha 0.01', 'LeakyRelu', rng, rand(rng, 2, 3, 4, 4),
                     lambda x: F.leaky_relu(x, 0.01)))
    out.append(unary('LeakyRelu alpha 0.2 opset 7', 'LeakyRelu', rng, rand(rng, 2, 3, 4), lambda x: F.leaky_relu(x, 0.2),
                     opset=7, alpha=0.2))
    prelu = lambda t: torch.where(t['x'] > 0, t['x'], t['slope'] * t['x'])  # noqa: E731
    node = helper.make_node('PRelu', ['x', 'slope'], ['y'])
    out.append(make_case('PRelu per-channel slope [C,1,1] initializer', [node], {'x': rand(rng, 2, 3, 4, 4)}, ['x'], prelu,
                         initializers={'slope': rand(rng, 3, 1, 1, scale=0.3)}, rng=rng))
    out.append(make_case('PRelu shared slope [1] initializer opset 7', [node], {'x': rand(rng, 2, 3, 4)}, ['x'], prelu,
                         initializers={'slope': np.array([0.25])}, opset=7, rng=rng))
    out.append(make_case('PRelu slope [W] broadcast over last axis', [node], {'x': rand(rng, 2, 3, 5)}, ['x'], prelu,
                         initializers={'slope': rand(rng, 5, scale=0.3)}, rng=rng))
    out.append(make_case('PRelu variable slope [C,1,1] (gradient to x and slope)', [node],
                         {'x': rand(rng, 2, 3, 4, 4), 'slope': rand(rng, 3, 1, 1, scale=0.3)}, ['x', 'slope'], prelu,
                         rng=rng))

    # Clip (bounds never hit exactly by the random data, except in the Relu6 bounds case)
    out.append(clip_attr_case('Clip attrs min -0.5 max 0.7 opset 7', rng, rand(rng, 2, 3, 4), 7, -0.5, 0.7))
    out.append(clip_attr_case('Clip attr min only 0.1 opset 10', rng, rand(rng, 2, 3, 4), 10, lo=0.1))
    out.append(clip_attr_case('Clip attr max only 0.3 opset 10', rng, rand(rng, 2, 3, 4), 10, hi=0.3))
    node = helper.make_node('Clip', ['x', 'lo', 'hi'], ['y'])
    out.append(make_case('Clip min/max initializers opset 13', [node], {'x': rand(rng, 2, 3, 4)}, ['x'],
                         lambda t: torch.clamp(t['x'], -0.4, 0.6), opset=13, rng=rng,
                         initializers={'lo': np.array(-0.4, dtype=np.float32), 'hi': np.array(0.6, dtype=np.float32)}))
    out.append(make_case('Clip min/max from Constant nodes opset 13', [const_node('lo', -0.3), const_node('hi', 0.8), node],
                         {'x': rand(rng, 2, 3, 4)}, ['x'], lambda t: torch.clamp(t['x'], float(np.float32(-0.3)),
                                                                                 float(np.float32(0.8))),
                         opset=13, rng=rng))
    out.append(make_case('Clip max omitted (min from Constant node) opset 13',
                         [const_node('lo', -0.2), helper.make_node('Clip', ['x', 'lo'], ['y'])], {'x': rand(rng, 2, 3, 4)},
                         ['x'], lambda t: torch.clamp(t['x'], min=float(np.float32(-0.2))), opset=13, rng=rng))
    out.append(make_case('Clip min omitted (empty input name) opset 13',
                         [const_node('hi', 0.2), helper.make_node('Clip', ['x', '', 'hi'], ['y'])], {'x': rand(rng, 2, 3, 4)},
                         ['x'], lambda t: torch.clamp(t['x'], max=float(np.float32(0.2))), opset=13, rng=rng))
    out.append(make_case('Clip no bounds (identity) opset 13', [helper.make_node('Clip', ['x'], ['y'])],
                         {'x': rand(rng, 2, 3)}, ['x'], lambda t: t['x'] * 1, opset=13, rng=rng))
    out.append(make_case('Clip as Relu6 (min 0 max 6 initializers) opset 11', [node], {'x': rand(rng, 2, 3, 4, 4, scale=4)},
                         ['x'], lambda t: torch.clamp(t['x'], 0, 6), opset=11, rng=rng,
                         initializers={'lo': np.array(0, dtype=np.float32), 'hi': np.array(6, dtype=np.float32)}))
    x = rand(rng, 2, 8, scale=4)
    x[0, :4] = [0.0, 6.0, 0.0, 6.0]
    out.append(make_case('Clip as Relu6 with x exactly 0 and 6 (torch.clamp convention: gradient passes at the bounds)',
                         [node], {'x': x}, ['x'], lambda t: torch.clamp(t['x'], 0, 6), opset=13, rng=rng,
                         initializers={'lo': np.array(0, dtype=np.float32), 'hi': np.array(6, dtype=np.float32)}))
    out.append(make_case('Clip with variable scalar min and max (gradient to x, min and max)', [node],
                         {'x': rand(rng, 2, 3, 4), 'lo': np.array(-0.5), 'hi': np.array(0.4)}, ['x', 'lo', 'hi'],
                         lambda t: torch.clamp(t['x'], t['lo'], t['hi']), opset=13, rng=rng))

    # Smooth unary ops
    out.append(unary('Sigmoid', 'Sigmoid', rng, rand(rng, 2, 3, 4, scale=2), torch.sigmoid))
    out.append(unary('Sigmoid opset 7', 'Sigmoid', rng, rand(rng, 2, 5, scale=2), torch.sigmoid, opset=7))
    out.append(unary('Tanh', 'Tanh', rng, rand(rng, 2, 3, 4, scale=1.5), torch.tanh))
    out.append(unary('Tanh opset 7', 'Tanh', rng, rand(rng, 2, 5, scale=1.5), torch.tanh, opset=7))
    out.append(unary('Erf', 'Erf', rng, rand(rng, 2, 3, 4), torch.erf))
    out.append(unary('Erf opset 9', 'Erf', rng, rand(rng, 2, 5), torch.erf, opset=9))
    out.append(unary('Sqrt positive input', 'Sqrt', rng, np.abs(rand(rng, 2, 3, 4)) + 0.1, torch.sqrt))
    out.append(unary('Sqrt positive input opset 7', 'Sqrt', rng, np.abs(rand(rng, 2, 5)) + 0.1, torch.sqrt, opset=7))

    # HardSigmoid / HardSwish (data spread over all three pieces, kinks not hit)
    out.append(unary('HardSigmoid default alpha 0.2 beta 0.5', 'HardSigmoid', rng, rand(rng, 2, 3, 4, 4, scale=3),
                     lambda x: torch.clamp(0.2 * x + 0.5, 0, 1)))
    a, b = float(np.float32(0.7)), float(np.float32(-0.1))
    out.append(unary('HardSigmoid alpha 0.7 beta -0.1 opset 7', 'HardSigmoid', rng, rand(rng, 2, 3, 4, scale=1.5),
                     lambda x: torch.clamp(a * x + b, 0, 1), opset=7, alpha=0.7, beta=-0.1))
    out.append(unary('HardSwish opset 14', 'HardSwish', rng, rand(rng, 2, 3, 4, 4, scale=3), F.hardswish, opset=14))
    nodes = [helper.make_node('HardSigmoid', ['x'], ['h'], alpha=1 / 6, beta=0.5), helper.make_node('Mul', ['x', 'h'], ['y'])]
    out.append(make_case('HardSwish as HardSigmoid(alpha 1/6) + Mul opset 13', nodes, {'x': rand(rng, 2, 3, 4, 4, scale=3)},
                         ['x'], lambda t: F.hardswish(t['x']), opset=13, rng=rng))

    # Sub / Mul / Div with broadcasting in every direction
    out += broadcast_cases('Sub', rng, lambda a, b: a - b)
    out += broadcast_cases('Mul', rng, lambda a, b: a * b)
    out += broadcast_cases('Div', rng, lambda a, b: a / b, positive_b=True)

    # Pow with a constant exponent
    def pow_case(name, x, e, opset=17, node_const=False):
        e = np.asarray(e)
        nodes = [helper.make_node('Pow', ['x', 'e'], ['y'])]
        inits = {}
        if node_const:
            nodes.insert(0, const_node('e', e))
        else:
            inits['e'] = e
        ef = e.astype(np.float32).astype(np.float64) if not np.issubdtype(e.dtype, np.integer) else e
        return make_case(name, nodes, {'x': x}, ['x'], lambda t: torch.pow(t['x'], torch.tensor(ef)),
                         initializers=inits, opset=opset, rng=rng)

    out.append(pow_case('Pow exponent 2 (scalar initializer)', rand(rng, 2, 3, 4), np.array(2.0)))
    out.append(pow_case('Pow exponent 0.5 positive base', np.abs(rand(rng, 2, 3, 4)) + 0.2, np.array(0.5)))
    out.append(pow_case('Pow exponent 3 from Constant node opset 7', rand(rng, 2, 5), np.array(3.0), opset=7,
                        node_const=True))
    out.append(pow_case('Pow exponent -1.5 positive base', np.abs(rand(rng, 2, 3)) + 0.5, np.array(-1.5)))
    out.append(pow_case('Pow int64 exponent 3 opset 13', rand(rng, 2, 3, 4), np.array(3, dtype=np.int64), opset=13))
    out.append(pow_case('Pow exponent 1', rand(rng, 2, 3), np.array(1.0)))
    out.append(pow_case('Pow exponent 0 (zero gradient)', rand(rng, 2, 3), np.array(0.0)))
    out.append(pow_case('Pow per-channel exponents [C,1,1] = 0, 1, 2.5 with a zero in the base',
                        np.concatenate([np.zeros((1, 3, 1, 2)), np.abs(rand(rng, 1, 3, 1, 2)) + 0.3], axis=3),
                        np.array([0.0, 1.0, 2.5]).reshape(3, 1, 1)))
    out.append(pow_case('Pow exponent [2,1,1,1] broadcasting x [C,H,W] up a rank', rand(rng, 3, 2, 2),
                        np.array([2.0, 3.0]).reshape(2, 1, 1, 1)))

    # BatchNormalization (inference)
    out.append(batchnorm_case('BatchNormalization opset 7 spatial=1', rng, (2, 3, 4, 4), 7, spatial=1))
    out.append(batchnorm_case('BatchNormalization opset 7 spatial=0 (per-activation params [C,H,W])', rng, (2, 3, 2, 3), 7,
                              spatial=0))
    out.append(batchnorm_case('BatchNormalization opset 9 epsilon 1e-3', rng, (2, 3, 4, 4), 9, eps=1e-3))
    out.append(batchnorm_case('BatchNormalization opset 15', rng, (2, 4, 3, 3), 15))
    out.append(batchnorm_case('BatchNormalization opset 15 rank-2 input [N,C]', rng, (3, 5), 15))
    out.append(batchnorm_case('BatchNormalization opset 15 rank-3 input [N,C,L]', rng, (2, 3, 5), 15))
    out.append(batchnorm_case('BatchNormalization opset 15 scale fed at run time (graph-op factor)', rng, (2, 3, 4, 4), 15,
                              scale_fed=True))

    # ReduceMean: axes attribute before opset 18, input from 18
    R = 'ReduceMean'
    out.append(reduce_case('ReduceMean opset 11 axes [2,3] keepdims 1', R, rng, (2, 3, 4, 5), 11, axes=[2, 3], keepdims=1))
    out.append(reduce_case('ReduceMean opset 11 axes [-1] keepdims 0', R, rng, (2, 3, 4, 5), 11, axes=[-1], keepdims=0))
    out.append(reduce_case('ReduceMean opset 13 axes [1,-1] keepdims 0', R, rng, (2, 3, 4, 5), 13, axes=[1, -1],
                           keepdims=0))
    out.append(reduce_case('ReduceMean opset 13 no axes (all) keepdims default 1', R, rng, (2, 3, 4), 13))
    out.append(reduce_case('ReduceMean opset 13 axes [0] (batch axis) keepdims 1', R, rng, (3, 2, 4), 13, axes=[0]))
    out.append(reduce_case('ReduceMean opset 18 axes input [-2,-1] keepdims 1', R, rng, (2, 3, 4, 5), 18, axes=[-2, -1],
                           keepdims=1, as_input=True))
    out.append(reduce_case('ReduceMean opset 18 axes input [1,3] keepdims 0', R, rng, (2, 3, 4, 5), 18, axes=[1, 3],
                           keepdims=0, as_input=True))
    out.append(reduce_case('ReduceMean opset 18 axes from Constant node [-1] keepdims 0', R, rng, (2, 3, 4), 18, axes=[-1],
                           keepdims=0, as_input=True, axes_node=True))
    out.append(reduce_case('ReduceMean opset 18 no axes with noop_with_empty_axes=1 (identity)', R, rng, (2, 3, 4), 18,
                           noop=1))
    out.append(reduce_case('ReduceMean opset 7 axes [1] keepdims 0', R, rng, (2, 3, 4), 7, axes=[1], keepdims=0))

    # ReduceSum: axes attribute before opset 13, input from 13
    R = 'ReduceSum'
    out.append(reduce_case('ReduceSum opset 11 axes [1] keepdims 0', R, rng, (2, 3, 4, 5), 11, axes=[1], keepdims=0))
    out.append(reduce_case('ReduceSum opset 11 axes [-2,-1] keepdims 1', R, rng, (2, 3, 4, 5), 11, axes=[-2, -1],
                           keepdims=1))
    out.append(reduce_case('ReduceSum opset 13 axes input [-1] keepdims 0', R, rng, (2, 3, 4), 13, axes=[-1], keepdims=0,
                           as_input=True))
    out.append(reduce_case('ReduceSum opset 13 axes input [1,2] keepdims 1', R, rng, (2, 3, 4, 5), 13, axes=[1, 2],
                           keepdims=1, as_input=True))
    out.append(reduce_case('ReduceSum opset 13 axes from Constant node [2,-1] keepdims 0', R, rng, (2, 3, 4, 5), 13,
                           axes=[2, -1], keepdims=0, as_input=True, axes_node=True))
    out.append(reduce_case('ReduceSum opset 13 no axes (all) keepdims 1', R, rng, (2, 3, 4), 13, keepdims=1))
    out.append(reduce_case('ReduceSum opset 13 no axes with noop_with_empty_axes=1 (identity)', R, rng, (2, 3, 4), 13,
                           noop=1))
    out.append(reduce_case('ReduceSum opset 18 axes input [-3] keepdims 0', R, rng, (2, 3, 4, 5), 18, axes=[-3],
                           keepdims=0, as_input=True))
    out.append(reduce_case('ReduceSum opset 7 axes [2] keepdims 1 (broadcast back without Expand)', R, rng, (2, 3, 4), 7,
                           axes=[2], keepdims=1))
    return out
