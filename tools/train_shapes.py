#!/usr/bin/python3
"""Trains gcam's built-in shapes model (models/shapes/) on procedural scenes drawn by the TypeScript generator.

    /usr/bin/python3 tools/train_shapes.py            # from the repository root; about 5 minutes on 2 idle CPU cores

Scenes come from `node --import tsx tools/gen_scenes.ts` (src/scenes), so training data and the TypeScript tests are
drawn by the same rules. Seed ranges are disjoint: training 1 000 000 + i, validation 2 000 000 + i, held-out test
3 000 000 + i (the test range is only measured, never used to choose anything).

The network is multi-label (6 sigmoid outputs, BCE with logits). It is shaped for Grad-CAM localisation (see
docs/builtin-model.md): downsampling by stride-2 convolutions with even kernels (no MaxPool, whose gradient rule in
gcam needs opset 16), so that every cell of the 16×16 feature map is centred where gcam's half-pixel upsampling draws
it; a receptive field about the size of the largest shape (38 px at the last ReLU, 44 px shapes); then a fixed 3×3
blur, global average pooling and one linear layer. Exported at opset 13 with BatchNorm folded into the convolutions and
a final Sigmoid named `probabilities`.
"""
import argparse
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

LABELS = ["circle", "square", "triangle", "star", "cross", "ring"]
SIZE = 128
MEAN, STD = 0.5, 0.5


def parse_plan(text):
    """"out:kernel:stride,…" → [(in, out, kernel, stride, pad)], padding (kernel − stride) / 2 on every side."""
    plan, cin = [], 3
    for item in text.split(","):
        cout, k, s = (int(v) for v in item.split(":"))
        if (k - s) % 2:
            raise SystemExit(f"kernel {k} with stride {s}: (kernel - stride) must be even so that cells stay centred")
        plan.append((cin, cout, k, s, (k - s) // 2))
        cin = cout
    return plan


def block(cin, cout, kernel, stride, pad):
    return nn.Sequential(nn.Conv2d(cin, cout, kernel, stride, pad, bias=False), nn.BatchNorm2d(cout), nn.ReLU(inplace=True))


class Blur(nn.Module):
    """A fixed (untrained) 3×3 binomial low-pass filter per channel, [1 2 1]ᵀ[1 2 1] / 16 with zero padding: exported
    as a depthwise Conv. Global average pooling after it sees nearly the same mean (cells on the border keep 3/4 of
    their weight, corners 9/16); Grad-CAM at its output is the Grad-CAM of the ReLU before, smoothed, so the map's
    maximum is the middle of the evidence for a shape, not whichever of its cells happens to respond most."""

    def __init__(self, channels):
        super().__init__()
        self.channels = channels
        k = torch.tensor([1.0, 2.0, 1.0])
        self.register_buffer("kernel", (torch.outer(k, k) / 16).expand(channels, 1, 3, 3).clone())

    def forward(self, x):
        return F.conv2d(x, self.kernel, padding=1, groups=self.channels)


# out:kernel:stride per convolution. 128 → 64 → 32 → 16 by stride-2 convolutions with even kernels (4×4 pad 1, then
# 2×2 pad 0): each cell's receptive field is centred exactly where gcam's half-pixel bilinear upsampling draws it.
# One 3×3 convolution at 16×16, then two 1×1: receptive field 38 px, about the largest shape (44 px). Then Blur.
DEFAULT_PLAN = "24:4:2,32:4:2,48:3:1,64:2:2,96:3:1,96:1:1,96:1:1"


class ShapesNet(nn.Module):
    def __init__(self, plan, blur=True):
        super().__init__()
        layers = [block(*layer) for layer in plan]
        if blur:
            layers.append(Blur(plan[-1][1]))
        self.features = nn.Sequential(*layers)
        self.classifier = nn.Linear(plan[-1][1], len(LABELS))

    def forward(self, x):
        return self.classifier(F.adaptive_avg_pool2d(self.features(x), 1).flatten(1))


def to_input(batch_u8):
    """uint8 NHWC → float NCHW, RGB in [0, 1], then (x − mean) / std (as stated in shapes.json)."""
    x = (batch_u8.permute(0, 3, 1, 2).float() / 255.0 - MEAN) / STD
    return x.contiguous(memory_format=torch.channels_last)  # NHWC in memory: ~25% faster convolutions on CPU here


def dihedral(x):
    """A random flip/transpose of the whole batch: labels (which shapes are present) do not change."""
    k = int(torch.randint(8, ()))
    if k & 1:
        x = x.flip(3)
    if k & 2:
        x = x.flip(2)
    if k & 4:
        x = x.transpose(2, 3)
    return x


@torch.no_grad()
def evaluate(model, x, y, batch=250):
    model.eval()
    p = torch.cat([torch.sigmoid(model(to_input(x[i : i + batch]))) for i in range(0, len(x), batch)]).numpy()
    ap = [average_precision(p[:, k], y[:, k].numpy()) for k in range(len(LABELS))]
    return float(np.mean(ap)), ap, p


def export_model(model, path):
    model.eval().to(memory_format=torch.contiguous_format)
    export(model, torch.zeros(1, 3, SIZE, SIZE), path, "image")


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--train", type=int, default=24000, help="training scenes (each epoch sees all, randomly flipped)")
    ap.add_argument("--val", type=int, default=1000)
    ap.add_argument("--test", type=int, default=1000)
    ap.add_argument("--epochs", type=int, default=3)
    ap.add_argument("--batch", type=int, default=64)
    ap.add_argument("--lr", type=float, default=3e-3)
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--plan", default=DEFAULT_PLAN, help="convolutions as out:kernel:stride,… (padding (kernel − stride) / 2)")
    ap.add_argument("--no-blur", dest="blur", action="store_false", help="leave out the fixed 3×3 blur before pooling")
    ap.add_argument("--cache", default=os.path.join(ROOT, ".cache", "shapes-data"), help="where the dumped scenes go")
    ap.add_argument("--out", default=os.path.join(ROOT, "models", "shapes"))
    args = ap.parse_args()

    torch.set_num_threads(2)  # Debian's torch uses 1 thread unless told; the machine has 2 cores
    torch.manual_seed(args.seed)
    np.random.seed(args.seed)
    t0 = time.time()
    (xt, yt), (xv, yv), (xs, ys) = make_data(args.cache, args.train, args.val, args.test, 2, LABELS)
    t_data = time.time() - t0
    print(f"data: {len(xt)} train, {len(xv)} val, {len(xs)} test scenes in {t_data:.0f} s", flush=True)

    plan = parse_plan(args.plan)
    rf, jump, centre = receptive_field(plan + ([(0, 0, 3, 1, 1)] if args.blur else []))
    print(f"plan {args.plan}: receptive field {rf} px, stride {jump}, cell 0 centred at {centre} (gcam draws it at {jump / 2})")
    model = ShapesNet(plan, args.blur).to(memory_format=torch.channels_last)
    opt = torch.optim.AdamW(model.parameters(), lr=args.lr, weight_decay=1e-4)
    steps = args.epochs * (len(xt) // args.batch)
    sched = torch.optim.lr_scheduler.OneCycleLR(opt, max_lr=args.lr, total_steps=steps, pct_start=0.15)
    history, t_train = train(model, opt, sched, xt, yt, args.batch, args.epochs, dihedral, to_input, lambda m: evaluate(m, xv, yv)[0])

    val_map, val_ap, _ = evaluate(model, xv, yv)
    test_map, test_ap, _ = evaluate(model, xs, ys)
    print(f"held-out test mAP {test_map:.4f}: " + ", ".join(f"{l} {a:.4f}" for l, a in zip(LABELS, test_ap)))

    os.makedirs(args.out, exist_ok=True)
    onnx_path = os.path.join(args.out, "shapes.onnx")
    export_model(model, onnx_path)
    meta = {
        "labels": LABELS,
        "input": {"name": "image", "size": SIZE, "layout": "NCHW", "channelOrder": "rgb", "range": 1, "mean": [MEAN] * 3, "std": [STD] * 3},
        "output": "sigmoid",
        "outputName": "probabilities",
        "generator": {
            "command": "node --import tsx tools/gen_scenes.ts",
            "size": SIZE,
            "minObjects": 1,
            "maxObjects": 3,
            "noise": 6,
            "seeds": {
                "train": [TRAIN_SEED0, TRAIN_SEED0 + args.train - 1],
                "val": [VAL_SEED0, VAL_SEED0 + args.val - 1],
                "test": [TEST_SEED0, TEST_SEED0 + args.test - 1],
            },
        },
        "architecture": {
            "convs": [{"in": i, "out": o, "kernel": k, "stride": s, "pad": p} for i, o, k, s, p in plan],
            "blur": "fixed depthwise 3×3 [1 2 1]ᵀ[1 2 1] / 16, zero padding" if args.blur else None,
            "featureMap": [SIZE // jump, SIZE // jump],
            "receptiveField": rf,
            "head": "GlobalAveragePool → Gemm → Sigmoid",
        },
        "training": {
            "command": "/usr/bin/python3 tools/train_shapes.py",
            "epochs": args.epochs,
            "batch": args.batch,
            "optimizer": f"AdamW, one-cycle max lr {args.lr}, weight decay 1e-4",
            "augmentation": "random flips and transposes (the 8 symmetries of the square)",
            "seed": args.seed,
            "torch": torch.__version__,
            "threads": 2,
            "history": history,
            "valMAP": round(val_map, 5),
            "valAP": dict(zip(LABELS, (round(a, 5) for a in val_ap))),
            "testMAP": round(test_map, 5),
            "testAP": dict(zip(LABELS, (round(a, 5) for a in test_ap))),
            "dataSeconds": round(t_data),
            "trainSeconds": round(t_train),
        },
        "bytes": os.path.getsize(onnx_path),
    }
    meta_path = os.path.join(args.out, "shapes.json")
    write_metadata(meta_path, meta)
    print(f"wrote {onnx_path} ({meta['bytes']} bytes); data {t_data:.0f} s, training {t_train:.0f} s")


if __name__ == "__main__":
    main()
