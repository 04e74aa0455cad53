"""Cases for Resize as torch.onnx writes F.interpolate (opsets 11–17): bilinear with align_corners False (linear,
half_pixel when the size is given, pytorch_half_pixel with a scale factor) and True (align_corners), nearest
(asymmetric, floor), up and down, integer and fractional ratios, sizes constant or computed at run time
(Shape → Slice → Concat, torchvision's segmentation heads), an output length of 1 by size, a source length of 1 (ASPP's pooled
branch brought back to the feature map), a 3-D tensor; then volumes (trilinear, nearest) and a 1-D signal (linear).
The torch side is F.interpolate itself in float64.
"""
import numpy as np
import torch.nn.functional as F
from onnx import helper

from .common import make_case, rand


def resize_node(mode, transform, scales=None, sizes=None, nearest='floor'):
    inputs = ['x', '', 'scales' if scales is not None else '', 'sizes' if sizes is not None else '']
    while inputs[-1] == '':
        inputs.pop()
    return helper.make_node('Resize', inputs, ['y'], mode=mode, coordinate_transformation_mode=transform,
                            nearest_mode=nearest, cubic_coeff_a=-0.75)


def interp_case(name, rng, shape, out_hw=None, scale=None, mode='bilinear', align=False, opset=17, runtime_sizes=False):
    onnx_mode = 'linear' if mode == 'bilinear' else 'nearest'
    if mode == 'nearest':
        transform = 'asymmetric'
    elif align:
        transform = 'align_corners'
    else:
        transform = 'half_pixel' if out_hw is not None else 'pytorch_half_pixel'
    inits, nodes = {}, []
    if scale is not None:
        inits['scales'] = np.array([1, 1, scale, scale], dtype=np.float32)
        nodes.append(resize_node(onnx_mode, transform, scales=True))
    elif runtime_sizes:
        inits.update({'st': np.array([0]), 'en': np.array([2]), 'hw': np.array(out_hw)})
        nodes += [helper.make_node('Shape', ['x'], ['shape']),
                  helper.make_node('Slice', ['shape', 'st', 'en'], ['nc']),
                  helper.make_node('Concat', ['nc', 'hw'], ['sizes'], axis=0),
                  resize_node(onnx_mode, transform, sizes=True)]
    else:
        inits['sizes'] = np.array(list(shape[:-2]) + list(out_hw))
        nodes.append(resize_node(onnx_mode, transform, sizes=True))
    kwargs = {} if mode == 'nearest' else {'align_corners': align}

    def fn(t):
        x = t['x']
        squeeze = x.dim() == 3
        x4 = x.unsqueeze(0) if squeeze else x
        if scale is not None:
            y = F.interpolate(x4, scale_factor=scale, mode=mode, **kwargs)
        else:
            y = F.interpolate(x4, size=tuple(out_hw), mode=mode, **kwargs)
        return y.squeeze(0) if squeeze else y

    return make_case(name, nodes, {'x': rand(rng, *shape)}, ['x'], fn, initializers=inits, opset=opset, rng=rng)


def interp_nd_case(name, rng, shape, out=None, scale=None, mode='trilinear', opset=17):
    """F.interpolate of a volume [N, C, D, H, W] (trilinear or nearest) or a signal [N, C, L] (linear): every axis
    after the channels resized, by size (half_pixel) or by one scale factor (pytorch_half_pixel / asymmetric)."""
    k = len(shape) - 2
    onnx_mode = 'nearest' if mode == 'nearest' else 'linear'
    transform = 'asymmetric' if mode == 'nearest' else ('half_pixel' if out is not None else 'pytorch_half_pixel')
    inits = {}
    if scale is not None:
        inits['scales'] = np.array([1, 1] + [scale] * k, dtype=np.float32)
        node = resize_node(onnx_mode, transform, scales=True)
    else:
        inits['sizes'] = np.array(list(shape[:2]) + list(out))
        node = resize_node(onnx_mode, transform, sizes=True)
    kwargs = {} if mode == 'nearest' else {'align_corners': False}

    def fn(t):
        if scale is not None:
            return F.interpolate(t['x'], scale_factor=scale, mode=mode, **kwargs)
        return F.interpolate(t['x'], size=tuple(out), mode=mode, **kwargs)

    return make_case(name, [node], {'x': rand(rng, *shape)}, ['x'], fn, initializers=inits, opset=opset, rng=rng)


def cases():
    rng = np.random.default_rng(17)
    return [
        interp_case('Resize bilinear up 4x5 -> 9x13 (size, half_pixel)', rng, (2, 3, 4, 5), out_hw=(9, 13)),
        interp_case('Resize bilinear up 16x16 -> 128x128 ratio 8 (segmentation output) opset 13', rng, (1, 2, 16, 16),
                    out_hw=(128, 128), opset=13),
        interp_case('Resize bilinear down 8x7 -> 3x4 (size, half_pixel)', rng, (2, 2, 8, 7), out_hw=(3, 4)),
        interp_case('Resize bilinear sizes computed at run time (torchvision heads)', rng, (2, 3, 5, 6),
                    out_hw=(11, 7), runtime_sizes=True),
        interp_case('Resize bilinear from 1x1 (ASPP pooling branch)', rng, (2, 4, 1, 1), out_hw=(5, 6),
                    runtime_sizes=True),
        interp_case('Resize bilinear down to one row by size (half_pixel)', rng, (2, 2, 4, 8), out_hw=(1, 3)),
        interp_case('Resize bilinear scale factor 0.5 (pytorch_half_pixel)', rng, (2, 2, 6, 8), scale=0.5),
        interp_case('Resize bilinear scale factor 2 (pytorch_half_pixel)', rng, (2, 3, 4, 5), scale=2.0),
        interp_case('Resize bilinear align_corners True 5x4 -> 9x10', rng, (2, 2, 5, 4), out_hw=(9, 10), align=True),
        interp_case('Resize nearest scale factor 2 (YOLO neck) opset 13', rng, (2, 3, 4, 5), scale=2.0, mode='nearest',
                    opset=13),
        interp_case('Resize nearest sizes 3x5 -> 7x8 (asymmetric floor)', rng, (2, 2, 3, 5), out_hw=(7, 8),
                    mode='nearest'),
        interp_case('Resize nearest down 9x8 -> 4x3', rng, (1, 2, 9, 8), out_hw=(4, 3), mode='nearest'),
        # Volumes and signals (3-D segmentation decoders, 1-D upsampling), appended so the 2-D cases above keep their draws.
    interp_nd_case('Resize trilinear 3x4x2 -> 5x7x4 (size, half_pixel)', rng, (2, 2, 3, 4, 2), out=(5, 7, 4)),
    interp_nd_case('Resize trilinear scale factor 2 (pytorch_half_pixel) opset 13', rng, (1, 2, 2, 3, 3), scale=2.0,
                   opset=13),
    interp_nd_case('Resize trilinear down 6x5x4 -> 3x2x4 (depth and height only)', rng, (1, 2, 6, 5, 4),
                   out=(3, 2, 4)),
    interp_nd_case('Resize nearest 3-D scale factor 2 (asymmetric floor)', rng, (1, 2, 2, 2, 3), scale=2.0,
                   mode='nearest'),
    interp_nd_case('Resize linear 1-D 5 -> 11 (size, half_pixel)', rng, (2, 3, 5), out=(11,), mode='linear'),
]
