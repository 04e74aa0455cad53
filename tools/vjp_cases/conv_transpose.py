"""Cases for ConvTranspose as decoders use it (U-Net / FCN upsampling, 3-D segmentation heads): 2-D kernel 2 stride 2,
kernel 4 stride 2 pad 1, kernel 3 stride 2 pad 1 with output_padding 1, groups and uneven strides, 1-D and 3-D, with and without bias,
opsets 13 and 17. The torch side is torch's conv_transpose1d/2d/3d in float64, with ONNX's symmetric pads given as
torch's padding (they are equal per axis in every case here)."""
import numpy as np
import torch.nn.functional as F
from onnx import helper

from .common import make_case, rand


def conv_transpose_case(name, rng, x_shape, w_shape, strides, pads, output_padding=None, dilations=None, group=1,
                        bias=True, opset=17):
    k = len(w_shape) - 2
    dilations = dilations or [1] * k
    output_padding = output_padding or [0] * k
    assert all(pads[i] == pads[i + k] for i in range(k)), 'torch takes one padding per axis'
    x = rand(rng, *x_shape)
    w = rand(rng, *w_shape, scale=0.5)
    b = rand(rng, w_shape[1] * group)
    node = helper.make_node('ConvTranspose', ['x', 'w', 'b'] if bias else ['x', 'w'], ['y'], strides=list(strides),
                            pads=list(pads), dilations=list(dilations), group=group, kernel_shape=list(w_shape[2:]),
                            output_padding=list(output_padding))
    op = {1: F.conv_transpose1d, 2: F.conv_transpose2d, 3: F.conv_transpose3d}[k]

    def fn(t):
        return op(t['x'], t['w'], t['b'] if bias else None, stride=list(strides), padding=list(pads[:k]),
                  output_padding=list(output_padding), groups=group, dilation=list(dilations))

    inits = {'w': w, 'b': b} if bias else {'w': w}
    return make_case(name, [node], {'x': x}, ['x'], fn, initializers=inits, opset=opset, rng=rng)


def cases():
    rng = np.random.default_rng(23)
    return [
        conv_transpose_case('ConvTranspose 2-D kernel 2 stride 2 (U-Net up)', rng, (2, 3, 4, 5), (3, 2, 2, 2), (2, 2),
                            (0, 0, 0, 0)),
        conv_transpose_case('ConvTranspose 2-D kernel 4 stride 2 pad 1 (FCN up) opset 13', rng, (1, 2, 5, 4),
                            (2, 3, 4, 4), (2, 2), (1, 1, 1, 1), opset=13),
        conv_transpose_case('ConvTranspose 2-D kernel 3 stride 2 pad 1 output_padding 1', rng, (2, 2, 4, 4),
                            (2, 2, 3, 3), (2, 2), (1, 1, 1, 1), output_padding=(1, 1)),
        conv_transpose_case('ConvTranspose 2-D groups 2, no bias, strides 2x3', rng, (1, 4, 3, 4), (4, 3, 3, 2),
                            (2, 3), (1, 0, 1, 0), group=2, bias=False),
        conv_transpose_case('ConvTranspose 1-D kernel 4 stride 2 pad 1', rng, (2, 3, 6), (3, 2, 4), (2,), (1, 1)),
        conv_transpose_case('ConvTranspose 3-D kernel 2 stride 2 (3-D U-Net up)', rng, (1, 2, 2, 3, 2),
                            (2, 2, 2, 2, 2), (2, 2, 2), (0,) * 6),
        conv_transpose_case('ConvTranspose 3-D kernel 3 stride 2 pad 1 output_padding 1', rng, (1, 2, 3, 2, 3),
                            (2, 1, 3, 3, 3), (2, 2, 2), (1,) * 6, output_padding=(1, 1, 1)),
    ]
