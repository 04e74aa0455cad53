"""Cases for the ops and op forms the torchvision zoo brings (tools/gen_zoo.py): LayerNormalization (opset 17 export
of nn.LayerNorm), Slice with bounds computed at run time (x.chunk(3, -1) in nn.MultiheadAttention's in-projection),
Pad with pads computed at run time (F.pad in torchvision's Swin window partition), and Dropout with ratio 0 in
training mode (Swin's F.dropout(attn, p=0.0)).

The run-time bounds are built here the way torch.onnx writes them: Shape → Gather → integer arithmetic → Unsqueeze /
Concat (→ Cast to int64). onnx 1.12 knows opsets up to 17, so the opset-18 cases skip its checker (see shape_pool).
"""
import numpy as np
import torch
import torch.nn.functional as F
from onnx import TensorProto, helper, numpy_helper

from .common import make_case, rand
from .shape_pool import unchecked

INT64_MAX = 2 ** 63 - 1


def i64(name, values):
    """A Constant node holding int64 values (a scalar for a plain int)."""
    value = numpy_helper.from_array(np.asarray(values, dtype=np.int64), name)
    return helper.make_node('Constant', [], [name], value=value)


def layer_norm_case(name, rng, x_shape, axis, eps=None, bias=True, fed=False, all_outputs=False, opset=17):
    rank = len(x_shape)
    a = axis % rank
    pshape = tuple(x_shape[a:])
    x = rand(rng, *x_shape)
    scale = rand(rng, *pshape, scale=0.5) + 1.0
    params = {'scale': scale, **({'B': rand(rng, *pshape, scale=0.3)} if bias else {})}
    attrs = {'axis': axis, **({'epsilon': eps} if eps is not None else {})}
    outs = ['y', 'mean', 'inv'] if all_outputs else ['y']
    nodes = [helper.make_node('LayerNormalization', ['x', 'scale'] + (['B'] if bias else []), outs, **attrs)]
    if all_outputs:
        # Something must consume Mean and InvStdDev for their gradients to matter: y + mean·inv (broadcast).
        nodes += [helper.make_node('Mul', ['mean', 'inv'], ['mi']), helper.make_node('Add', ['y', 'mi'], ['out'])]
    dims = list(range(a, rank))
    e = 1e-5 if eps is None else float(np.float32(eps))

    def fn(t):
        xx = t['x']
        y = F.layer_norm(xx, pshape, t['scale'], t.get('B'), e)
        if not all_outputs:
            return y
        mean = xx.mean(dim=dims, keepdim=True)
        inv = 1 / torch.sqrt(xx.var(dim=dims, unbiased=False, keepdim=True) + e)
        return y + mean * inv

    inputs, inits, targets = {'x': x}, {}, ['x']
    if fed:
        inputs.update(params)
        targets += list(params)
    else:
        inits = params
    return make_case(name, nodes, inputs, targets, fn, initializers=inits, opset=opset, rng=rng)


def chunk_slice_case(name, rng, x_shape, which, opset=17):
    """y = x.chunk(3, -1)[which] as torch.onnx writes it:
    c = Shape(x)[-1] / 3, Slice(x, [which·c], [(which+1)·c], [-1])."""
    nodes = [
        helper.make_node('Shape', ['x'], ['s']),
        i64('last', -1),
        helper.make_node('Gather', ['s', 'last'], ['d'], axis=0),
        i64('three', 3),
        helper.make_node('Div', ['d', 'three'], ['c']),
        i64('lo_k', which),
        i64('hi_k', which + 1),
        helper.make_node('Mul', ['c', 'lo_k'], ['lo']),
        helper.make_node('Mul', ['c', 'hi_k'], ['hi']),
        i64('zero_axis', [0]),
        helper.make_node('Unsqueeze', ['lo', 'zero_axis'], ['starts']),
        helper.make_node('Unsqueeze', ['hi', 'zero_axis'], ['ends']),
        i64('axes', [-1]),
        helper.make_node('Slice', ['x', 'starts', 'ends', 'axes'], ['y']),
    ]
    x = rand(rng, *x_shape)
    k = x_shape[-1] // 3
    return make_case(name, nodes, {'x': x}, ['x'], lambda t: t['x'][..., which * k:(which + 1) * k], opset=opset,
                     rng=rng)


def negative_start_slice_case(rng):
    """Two axes, run-time starts [1, −c] with c = Shape(x)[2] / 4, constant ends [INT64_MAX, INT64_MAX]:
    x[:, 1:, −c:]."""
    nodes = [
        helper.make_node('Shape', ['x'], ['s']),
        i64('two', 2),
        helper.make_node('Gather', ['s', 'two'], ['d'], axis=0),
        i64('four', 4),
        helper.make_node('Div', ['d', 'four'], ['c']),
        helper.make_node('Neg', ['c'], ['nc']),
        i64('zero_axis', [0]),
        helper.make_node('Unsqueeze', ['nc', 'zero_axis'], ['nc1']),
        i64('one', [1]),
        helper.make_node('Concat', ['one', 'nc1'], ['starts'], axis=0),
        i64('ends', [INT64_MAX, INT64_MAX]),
        i64('axes', [1, 2]),
        helper.make_node('Slice', ['x', 'starts', 'ends', 'axes'], ['y']),
    ]
    x = rand(rng, 2, 4, 8)
    return make_case('Slice run-time starts [1, -Shape(x)[2]/4] on two axes, INT64_MAX ends', nodes, {'x': x}, ['x'],
                     lambda t: t['x'][:, 1:, -2:], opset=13, rng=rng)


def swin_pad_nodes(axes_input=False):
    """Swin's F.pad(x, (0, 0, 0, pad_r, 0, pad_b)) on x [N, H, W, C] with pad = (3 − H % 3) % 3, written as ONNX does:
    an int pads vector from Shape arithmetic, Cast to int64. Here also a crop of 1 at the end of axis 1 (a negative
    pad), which F.pad allows too. With axes_input (opset 18), the pads name axes [1, 2] only."""
    nodes = [
        helper.make_node('Shape', ['x'], ['s']),
        i64('one', 1),
        i64('two', 2),
        helper.make_node('Gather', ['s', 'two'], ['w'], axis=0),
        i64('three', 3),
        helper.make_node('Mod', ['w', 'three'], ['wm']),
        helper.make_node('Sub', ['three', 'wm'], ['pr0']),
        helper.make_node('Mod', ['pr0', 'three'], ['pad_r']),
        i64('zero_axis', [0]),
        helper.make_node('Unsqueeze', ['pad_r', 'zero_axis'], ['pr']),
        i64('z1', [0]),
        i64('crop', [-1]),
        i64('b1', [1]),
    ]
    if axes_input:
        # [begin(axis 1), begin(axis 2), end(axis 1), end(axis 2)]
        nodes += [helper.make_node('Concat', ['b1', 'z1', 'crop', 'pr'], ['pads_i'], axis=0),
                  i64('pad_axes', [1, 2])]
    else:
        nodes += [helper.make_node('Concat', ['z1', 'b1', 'z1', 'z1', 'z1', 'crop', 'pr', 'z1'], ['pads_i'], axis=0)]
    nodes += [helper.make_node('Cast', ['pads_i'], ['pads'], to=TensorProto.INT64)]
    pad_inputs = ['x', 'pads', ''] + (['pad_axes'] if axes_input else [])
    nodes += [helper.make_node('Pad', pad_inputs, ['y'], mode='constant')]
    return nodes


def swin_pad_reference(t):
    x = t['x']
    pad_r = (3 - x.shape[2] % 3) % 3
    # F.pad lists (last axis begin, end, previous axis begin, end, …): W gets [0, pad_r], H gets [1, −1].
    return F.pad(x, (0, 0, 0, pad_r, 1, -1))


def cases():
    rng = np.random.default_rng(5)
    out = []

    # LayerNormalization
    out.append(layer_norm_case('LayerNormalization tokens [N,T,C] axis -1 (ViT, Swin)', rng, (2, 5, 8), -1))
    out.append(layer_norm_case('LayerNormalization axis 1 over [C,H,W], scale and B fed (gradients to all three)', rng,
                               (2, 3, 4, 5), 1, fed=True))
    out.append(layer_norm_case('LayerNormalization axis -2, no B, epsilon 1e-3', rng, (2, 3, 4, 5), -2, eps=1e-3,
                               bias=False))
    out.append(layer_norm_case('LayerNormalization with Mean and InvStdDev outputs consumed', rng, (2, 4, 6), -1,
                               all_outputs=True))
    out.append(layer_norm_case('LayerNormalization axis 0 (batch normalised too), all outputs consumed', rng,
                               (2, 3, 4), 0, all_outputs=True))
    with unchecked():
        out.append(layer_norm_case('LayerNormalization axis -1 opset 18 (ReduceMean axes as input)', rng, (2, 5, 8), -1,
                                   opset=18))

    # Slice with run-time bounds
    out.append(chunk_slice_case('Slice run-time bounds: x.chunk(3, -1)[1] (nn.MultiheadAttention in-projection)', rng,
                                (3, 2, 12), 1))
    out.append(chunk_slice_case('Slice run-time bounds: x.chunk(3, -1)[2] opset 13', rng, (3, 2, 12), 2, opset=13))
    out.append(negative_start_slice_case(rng))

    # Pad with run-time pads
    out.append(make_case('Pad run-time pads (Swin F.pad, H cropped by 1 at the end) opset 13', swin_pad_nodes(),
                         {'x': rand(rng, 2, 4, 5, 3)}, ['x'], swin_pad_reference, opset=13, rng=rng))
    with unchecked():
        out.append(make_case('Pad run-time pads with an axes input [1, 2] opset 18', swin_pad_nodes(axes_input=True),
                             {'x': rand(rng, 2, 4, 5, 3)}, ['x'], swin_pad_reference, opset=18, rng=rng))

    # Dropout ratio 0 in training mode
    nodes = [
        helper.make_node('Constant', [], ['ratio'],
                         value=numpy_helper.from_array(np.array(0.0, dtype=np.float32), 'r')),
        helper.make_node('Constant', [], ['training'], value=numpy_helper.from_array(np.array(True), 't')),
        helper.make_node('Dropout', ['x', 'ratio', 'training'], ['y']),
    ]
    out.append(make_case('Dropout ratio 0 with training_mode true (identity) opset 13', nodes,
                         {'x': rand(rng, 2, 3, 4)}, ['x'], lambda t: t['x'] * 1.0, opset=13, rng=rng))
    return out
