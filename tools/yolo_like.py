"""A small YOLOv8-like detector written from the published architecture (Ultralytics YOLOv8, 2023: CSP-Darknet
backbone of C2f blocks, SPPF, PAN neck, anchor-free decoupled head with distribution focal loss box regression), for
the detection target tests. Raw output, as `yolo export format=onnx` gives it: [N, 4 + classes, anchors], rows
cx, cy, w, h (input pixels) then the class probabilities (sigmoid); no NMS in the graph.
"""
import torch
import torch.nn as nn

REG_MAX = 16


class ConvBNSiLU(nn.Module):
    def __init__(self, c1, c2, k=1, s=1):
        super().__init__()
        self.conv = nn.Conv2d(c1, c2, k, s, k // 2, bias=False)
        self.bn = nn.BatchNorm2d(c2)
        self.act = nn.SiLU()

    def forward(self, x):
        return self.act(self.bn(self.conv(x)))


class Bottleneck(nn.Module):
    def __init__(self, c, shortcut=True):
        super().__init__()
        self.cv1 = ConvBNSiLU(c, c, 3)
        self.cv2 = ConvBNSiLU(c, c, 3)
        self.add = shortcut

    def forward(self, x):
        y = self.cv2(self.cv1(x))
        return x + y if self.add else y


class C2f(nn.Module):
    """Split the 1×1 projection in two halves, chain n bottlenecks on the second, concatenate every stage."""

    def __init__(self, c1, c2, n=1, shortcut=False):
        super().__init__()
        self.c = c2 // 2
        self.cv1 = ConvBNSiLU(c1, 2 * self.c, 1)
        self.cv2 = ConvBNSiLU((2 + n) * self.c, c2, 1)
        self.m = nn.ModuleList(Bottleneck(self.c, shortcut) for _ in range(n))

    def forward(self, x):
        y = list(self.cv1(x).split((self.c, self.c), 1))
        y.extend(m(y[-1]) for m in self.m)
        return self.cv2(torch.cat(y, 1))


class SPPF(nn.Module):
    """Three chained 5×5 max pools (stride 1), concatenated with their input."""

    def __init__(self, c1, c2, k=5):
        super().__init__()
        c = c1 // 2
        self.cv1 = ConvBNSiLU(c1, c, 1)
        self.cv2 = ConvBNSiLU(c * 4, c2, 1)
        self.m = nn.MaxPool2d(k, 1, k // 2)

    def forward(self, x):
        x = self.cv1(x)
        y1 = self.m(x)
        y2 = self.m(y1)
        return self.cv2(torch.cat((x, y1, y2, self.m(y2)), 1))


class DFL(nn.Module):
    """Expected distance over REG_MAX bins: softmax over the bins, then a 1×1 conv with weights 0…REG_MAX−1."""

    def __init__(self):
        super().__init__()
        self.conv = nn.Conv2d(REG_MAX, 1, 1, bias=False).requires_grad_(False)
        self.reset_bins()

    def reset_bins(self):
        with torch.no_grad():
            self.conv.weight.copy_(torch.arange(REG_MAX, dtype=torch.float).view(1, REG_MAX, 1, 1))

    def forward(self, x):
        b, _, a = x.shape
        return self.conv(x.view(b, 4, REG_MAX, a).transpose(2, 1).softmax(1)).view(b, 4, a)


class Detect(nn.Module):
    def __init__(self, nc, channels, strides):
        super().__init__()
        self.nc, self.strides = nc, strides
        c2, c3 = max(16, channels[0] // 4, REG_MAX * 4), max(channels[0], nc)
        self.cv2 = nn.ModuleList(
            nn.Sequential(ConvBNSiLU(c, c2, 3), ConvBNSiLU(c2, c2, 3), nn.Conv2d(c2, 4 * REG_MAX, 1)) for c in channels)
        self.cv3 = nn.ModuleList(
            nn.Sequential(ConvBNSiLU(c, c3, 3), ConvBNSiLU(c3, c3, 3), nn.Conv2d(c3, nc, 1)) for c in channels)
        self.dfl = DFL()

    def forward(self, xs):
        n = xs[0].shape[0]
        feats = [torch.cat((self.cv2[i](x), self.cv3[i](x)), 1) for i, x in enumerate(xs)]
        anchors, strides = [], []
        for f, s in zip(feats, self.strides):
            h, w = f.shape[2:]
            sy, sx = torch.meshgrid(torch.arange(h, dtype=f.dtype) + 0.5, torch.arange(w, dtype=f.dtype) + 0.5,
                                    indexing='ij')
            anchors.append(torch.stack((sx, sy), -1).view(-1, 2))
            strides.append(torch.full((h * w, 1), s, dtype=f.dtype))
        anchors = torch.cat(anchors).transpose(0, 1)
        strides = torch.cat(strides).transpose(0, 1)
        x = torch.cat([f.view(n, 4 * REG_MAX + self.nc, -1) for f in feats], 2)
        box, cls = x.split((4 * REG_MAX, self.nc), 1)
        lt, rb = self.dfl(box).chunk(2, 1)
        x1y1, x2y2 = anchors - lt, anchors + rb
        xywh = torch.cat(((x1y1 + x2y2) / 2, x2y2 - x1y1), 1) * strides
        return torch.cat((xywh, cls.sigmoid()), 1)


class YoloLike(nn.Module):
    """Widths of YOLOv8-n (16…256 channels), depths 1-2-2-1."""

    def __init__(self, nc=3):
        super().__init__()
        self.b0 = ConvBNSiLU(3, 16, 3, 2)
        self.b1 = nn.Sequential(ConvBNSiLU(16, 32, 3, 2), C2f(32, 32, 1, True))
        self.b2 = nn.Sequential(ConvBNSiLU(32, 64, 3, 2), C2f(64, 64, 2, True))
        self.b3 = nn.Sequential(ConvBNSiLU(64, 128, 3, 2), C2f(128, 128, 2, True))
        self.b4 = nn.Sequential(ConvBNSiLU(128, 256, 3, 2), C2f(256, 256, 1, True), SPPF(256, 256))
        self.up = nn.Upsample(scale_factor=2, mode='nearest')
        self.n1 = C2f(384, 128)
        self.n2 = C2f(192, 64)
        self.d1 = ConvBNSiLU(64, 64, 3, 2)
        self.n3 = C2f(192, 128)
        self.d2 = ConvBNSiLU(128, 128, 3, 2)
        self.n4 = C2f(384, 256)
        self.detect = Detect(nc, (64, 128, 256), (8, 16, 32))

    @torch.no_grad()
    def tame_heads(self, x, spread=2.0):
        """Rescale the heads' last 1×1 convs so their outputs on x have standard deviation `spread`: with random
        weights they are in the hundreds, which saturates every class sigmoid at 1 (ties, zero gradients) and every
        DFL softmax at one bin."""
        for branch in (*self.detect.cv2, *self.detect.cv3):
            last = branch[-1]
            outs = []
            h = last.register_forward_hook(lambda _m, _i, o: outs.append(o))
            self(x)
            h.remove()
            last.weight.mul_(spread / outs[0].std())
            last.bias.zero_()

    def forward(self, x):
        p3 = self.b2(self.b1(self.b0(x)))
        p4 = self.b3(p3)
        p5 = self.b4(p4)
        t4 = self.n1(torch.cat((self.up(p5), p4), 1))
        o3 = self.n2(torch.cat((self.up(t4), p3), 1))
        o4 = self.n3(torch.cat((self.d1(o3), t4), 1))
        o5 = self.n4(torch.cat((self.d2(o4), p5), 1))
        return self.detect([o3, o4, o5])
