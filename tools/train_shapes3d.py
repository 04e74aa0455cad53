#!/usr/bin/python3
"""Trains gcam's built-in 3-D shapes model (models/shapes3d/) on procedural volumes drawn by the TypeScript generator.

    /usr/bin/python3 tools/train_shapes3d.py          # from the repository root; 27 min on 2 cores shared with other jobs

Volumes come from `node --import tsx tools/gen_scenes.ts --volume` (src/scenes/volume-scene.ts): 32³ voxels of 8-bit
values, one or two solids (sphere, cube, rod, disc) in a noisy background, so the training data and the TypeScript
tests are drawn by the same rules. Seed ranges are disjoint: training 1 000 000 + i, validation 2 000 000 + i,
held-out test 3 000 000 + i (the test range is only measured, never used to choose anything).

The network is multi-label (4 sigmoid outputs, BCE with logits), the 3-D counterpart of tools/train_shapes.py and
shaped the same way for Grad-CAM localisation (docs/builtin-model.md): downsampling by stride-2 convolutions with even
kernels (2³ pad 0, then 4³ pad 1: each cell of the 8³ feature map centred where gcam's half-pixel trilinear
upsampling draws it, and no MaxPool), a receptive field about the size of the largest solid, a fixed 3³ binomial
blur, global average pooling and one linear layer. Trained on voxels / 255; exported at opset 13 with that scale
folded into the first convolution (it has no bias and zero padding, so this is exact), BatchNorm folded into the
convolutions and a final Sigmoid named `probabilities`: the model takes the stored 8-bit levels as they are
(`--intensity none`).
"""
import argparse
import copy
import os
import sys
import time

import numpy as np
import torch
import torch.nn as nn
import torch.nn.functional as F

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from shapes_training import (  # noqa: E402  (what both trainers share)
    ROOT,
    TEST_SEED0,
    TRAIN_SEED0,
    VAL_SEED0,
    average_precision,
    export,
    make_data,
    receptive_field,
    train,
    write_metadata,
)

LABELS = ["sphere", "cube", "rod", "disc"]
SIZE = 32


class SpaceToDepthConv(nn.Conv3d):
    """A 2³ stride-2 convolution without padding (what the graph holds), trained as the same products arranged for a
    matrix product: each 2³ block of voxels becomes 8 channels, then a 1³ convolution. With one input channel the
    direct form is several times slower on a CPU."""

    graph_ops = False

    def __init__(self, cin, cout):
        super().__init__(cin, cout, 2, 2, 0, bias=False)

    def forward(self, x):
        if self.graph_ops:
            return super().forward(x)
        n, c, d, h, w = x.shape
        blocks = x.reshape(n, c, d // 2, 2, h // 2, 2, w // 2, 2).permute(0, 1, 3, 5, 7, 2, 4, 6)
        blocks = blocks.reshape(n, c * 8, d // 2, h // 2, w // 2)
        return F.conv3d(blocks, self.weight.reshape(self.out_channels, c * 8, 1, 1, 1))


def block(cin, cout, kernel, stride, pad):
    if (kernel, stride, pad) == (2, 2, 0):
        conv = SpaceToDepthConv(cin, cout)
    else:
        conv = nn.Conv3d(cin, cout, kernel, stride, pad, bias=False)
    return nn.Sequential(conv, nn.BatchNorm3d(cout), nn.ReLU(inplace=True))


class Blur3d(nn.Module):
    """A fixed (untrained) 3×3×3 binomial low-pass filter per channel, the outer product of [1 2 1] / 4 along each
    axis, zero padding: a depthwise Conv in the graph. As in the 2-D model, Grad-CAM at its output is the Grad-CAM of
    the ReLU before, smoothed, so the map's maximum is the middle of the evidence for a solid. Trained as the same
    filter in another form, two 2³ box means after zero padding ([1 1] / 2 twice is [1 2 1] / 4), since depthwise 3-D
    convolutions are slow on a CPU."""

    graph_ops = False

    def __init__(self, channels):
        super().__init__()
        self.channels = channels
        k = torch.tensor([1.0, 2.0, 1.0]) / 4
        self.register_buffer("kernel", torch.einsum("i,j,k->ijk", k, k, k).expand(channels, 1, 3, 3, 3).clone())

    def forward(self, x):
        if self.graph_ops:
            return F.conv3d(x, self.kernel, padding=1, groups=self.channels)
        return F.avg_pool3d(F.avg_pool3d(F.pad(x, (1,) * 6), 2, 1), 2, 1)


def use_graph_ops(model, on):
    """Switches the modules above between their training form and the form the exported graph holds."""
    for m in model.modules():
        if isinstance(m, (SpaceToDepthConv, Blur3d)):
            m.graph_ops = on


# (in, out, kernel, stride, pad): 32 → 16 → 8 by stride-2 convolutions with even kernels (2³ pad 0, then 4³ pad 1:
# cells stay centred), one 3³ and two 1³ at 8³. Receptive field 16 voxels at the last ReLU (solids are 9–14 voxels
# long, up to 19 across when rotated), 24 after the blur. Narrow, because 3-D convolutions and BatchNorm are slow on
# a CPU.
PLAN = [(1, 8, 2, 2, 0), (8, 24, 4, 2, 1), (24, 32, 3, 1, 1), (32, 48, 1, 1, 0), (48, 48, 1, 1, 0)]


class Shapes3dNet(nn.Module):
    def __init__(self, plan):
        super().__init__()
        self.features = nn.Sequential(*[block(*layer) for layer in plan], Blur3d(plan[-1][1]))
        self.classifier = nn.Linear(plan[-1][1], len(LABELS))

    def forward(self, x):
        return self.classifier(F.adaptive_avg_pool3d(self.features(x), 1).flatten(1))


def to_input(batch_u8):
    """uint8 [N, D, H, W] → float [N, 1, D, H, W] in [0, 1] (the export folds the / 255 into the first convolution)."""
    return (batch_u8.float() / 255.0).unsqueeze(1)


def symmetry(x):
    """A random one of the cube's 48 symmetries (axis flips and permutations) for the whole batch: labels unchanged."""
    k = int(torch.randint(48, ()))
    perm = [(0, 1, 2), (0, 2, 1), (1, 0, 2), (1, 2, 0), (2, 0, 1), (2, 1, 0)][k // 8]
    x = x.permute(0, 1, *(2 + a for a in perm))
    flips = [2 + a for a in range(3) if (k >> a) & 1]
    return x.flip(flips) if flips else x


@torch.no_grad()
def evaluate(model, x, y, batch=200):
    model.eval()
    p = torch.cat([torch.sigmoid(model(to_input(x[i : i + batch]))) for i in range(0, len(x), batch)]).numpy()
    t = y.numpy()
    ap = [average_precision(p[:, k], t[:, k]) for k in range(len(LABELS))]
    decided = (p >= 0.5) == (t == 1)
    return {
        "mAP": float(np.mean(ap)),
        "AP": ap,
        "decisions": float(decided.mean()),  # (volume, class) decisions at 0.5 that are right
        "exact": float(decided.all(axis=1).mean()),  # volumes whose every class is decided right
    }


def export_model(model, path, check):
    """The trained net with voxels / 255 folded into the first convolution's weights, ending in Sigmoid. `check`: a
    uint8 batch on which the folded net must give the trained net's probabilities (tested before the export, which
    fuses BatchNorm into the convolutions' parameters in place)."""
    model.eval()
    net = copy.deepcopy(model)
    use_graph_ops(net, True)
    with torch.no_grad():
        net.features[0][0].weight.mul_(1 / 255.0)
        gap = (torch.sigmoid(net(check.float().unsqueeze(1))) - torch.sigmoid(model(to_input(check)))).abs().max()
    assert gap < 1e-5, f"the graph's form (its first convolution and blur, / 255 folded in) changed the output by {gap}"
    export(net, torch.zeros(1, 1, SIZE, SIZE, SIZE), path, "volume")


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--train", type=int, default=8000, help="training volumes (each epoch sees all, randomly flipped and permuted)")
    ap.add_argument("--val", type=int, default=500)
    ap.add_argument("--test", type=int, default=1000)
    ap.add_argument("--epochs", type=int, default=4)
    ap.add_argument("--batch", type=int, default=16)
    ap.add_argument("--lr", type=float, default=2e-3)
    ap.add_argument("--head-lr", type=float, default=10, help="the linear layer's learning rate, as a multiple of --lr")
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--cache", default=os.path.join(ROOT, ".cache", "shapes3d-data"), help="where the dumped volumes go")
    ap.add_argument("--out", default=os.path.join(ROOT, "models", "shapes3d"))
    args = ap.parse_args()

    torch.set_num_threads(2)  # Debian's torch uses 1 thread unless told; the machine has 2 cores
    torch.manual_seed(args.seed)
    np.random.seed(args.seed)
    t0 = time.time()
    (xt, yt), (xv, yv), (xs, ys) = make_data(args.cache, args.train, args.val, args.test, 2, LABELS, ["--volume"])
    t_data = time.time() - t0
    print(f"data: {len(xt)} train, {len(xv)} val, {len(xs)} test volumes in {t_data:.0f} s", flush=True)

    rf, jump, _ = receptive_field(PLAN + [(0, 0, 3, 1, 1)])
    model = Shapes3dNet(PLAN)
    # Global average pooling over 8³ = 512 cells dilutes a solid's evidence (it covers a few dozen cells) many times
    # more than in 2-D, so the linear layer has to grow large weights: it learns faster than the convolutions.
    head = list(model.classifier.parameters())
    body = [p for n, p in model.named_parameters() if not n.startswith("classifier.")]
    lrs = [args.lr, args.lr * args.head_lr]
    opt = torch.optim.AdamW([{"params": body, "lr": lrs[0]}, {"params": head, "lr": lrs[1]}], weight_decay=1e-4)
    per_epoch = len(xt) // args.batch
    steps = args.epochs * per_epoch
    sched = torch.optim.lr_scheduler.OneCycleLR(opt, max_lr=lrs, total_steps=steps, pct_start=0.05, div_factor=10)
    history, t_train = train(model, opt, sched, xt, yt, args.batch, args.epochs, symmetry, to_input, lambda m: evaluate(m, xv, yv)["mAP"])

    val = evaluate(model, xv, yv)
    test = evaluate(model, xs, ys)
    print(
        f"held-out test: mAP {test['mAP']:.4f} ("
        + ", ".join(f"{l} {a:.4f}" for l, a in zip(LABELS, test["AP"]))
        + f"), decisions at 0.5 {test['decisions']:.4f}, volumes all right {test['exact']:.4f}"
    )

    os.makedirs(args.out, exist_ok=True)
    onnx_path = os.path.join(args.out, "shapes3d.onnx")
    export_model(model, onnx_path, check=xs[:8])
    round5 = lambda v: round(v, 5)  # noqa: E731
    meta = {
        "labels": LABELS,
        "input": {
            "name": "volume",
            "size": [SIZE, SIZE, SIZE],
            "layout": "NCDHW",
            "channels": 1,
            "intensity": "none",
            "values": "8-bit levels 0–255 as stored",
        },
        "output": "sigmoid",
        "outputName": "probabilities",
        "generator": {
            "command": "node --import tsx tools/gen_scenes.ts --volume",
            "size": SIZE,
            "minObjects": 1,
            "maxObjects": 2,
            "seeds": {
                "train": [TRAIN_SEED0, TRAIN_SEED0 + args.train - 1],
                "val": [VAL_SEED0, VAL_SEED0 + args.val - 1],
                "test": [TEST_SEED0, TEST_SEED0 + args.test - 1],
            },
        },
        "architecture": {
            "convs": [{"in": i, "out": o, "kernel": k, "stride": s, "pad": p} for i, o, k, s, p in PLAN],
            "blur": "fixed depthwise 3×3×3, outer product of [1 2 1] / 4 per axis, zero padding",
            "featureMap": [SIZE // jump] * 3,
            "receptiveField": rf,
            "head": "GlobalAveragePool → Gemm → Sigmoid",
            "inputScale": "voxels / 255, folded into the first convolution",
        },
        "training": {
            "command": "/usr/bin/python3 tools/train_shapes3d.py",
            "epochs": args.epochs,
            "batch": args.batch,
            "optimizer": f"AdamW, one-cycle (5% warm-up from a tenth) max lr {args.lr}, the linear layer's {args.head_lr}× that, "
            "weight decay 1e-4",
            "augmentation": "random axis flips and permutations (the 48 symmetries of the cube)",
            "seed": args.seed,
            "torch": torch.__version__,
            "threads": 2,
            "history": history,
            "valMAP": round5(val["mAP"]),
            "testMAP": round5(test["mAP"]),
            "testAP": dict(zip(LABELS, (round5(a) for a in test["AP"]))),
            "testDecisions": round5(test["decisions"]),
            "testExact": round5(test["exact"]),
            "dataSeconds": round(t_data),
            "trainSeconds": round(t_train),
        },
        "bytes": os.path.getsize(onnx_path),
    }
    meta_path = os.path.join(args.out, "shapes3d.json")
    write_metadata(meta_path, meta)
    print(f"wrote {onnx_path} ({meta['bytes']} bytes); data {t_data:.0f} s, training {t_train:.0f} s")


if __name__ == "__main__":
    main()
