#!/usr/bin/python3
"""Trains gcam's built-in shapes model (models/shapes/) on procedural scenes drawn by the TypeScript generator.

    /usr/bin/python3 tools/train_shapes.py            # from the repository root; about 10 minutes on 2 CPU cores

Scenes come from `node --import tsx tools/gen_scenes.ts` (src/scenes), so training data and the TypeScript tests are
drawn by the same rules. Seed ranges are disjoint: training 1 000 000 + i, validation 2 000 000 + i, held-out test
3 000 000 + i (the test range is only measured, never used to choose anything).

The network is multi-label (6 sigmoid outputs, BCE with logits). Downsampling is by stride-2 convolutions, not
MaxPool (whose gradient rule in gcam needs opset 16), down to a 16×16 feature map whose receptive field (~71 px)
covers the largest shape, then global average pooling and one linear layer: the textbook Grad-CAM setting.
Exported at opset 13 with BatchNorm folded into the convolutions and a final Sigmoid named `probabilities`.
"""
import argparse
import json
import os
import subprocess
import sys
import time

import numpy as np
import torch
import torch.nn as nn
import torch.nn.functional as F

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
LABELS = ["circle", "square", "triangle", "star", "cross", "ring"]
SIZE = 128
TRAIN_SEED0, VAL_SEED0, TEST_SEED0 = 1_000_000, 2_000_000, 3_000_000
MEAN, STD = 0.5, 0.5


def dump(out_dir, count, seed_start):
    """Starts the TypeScript dumper; returns the process (several run at once, one per core)."""
    os.makedirs(out_dir, exist_ok=True)
    cmd = ["node", "--import", "tsx", "tools/gen_scenes.ts", "--count", str(count), "--seed-start", str(seed_start), "--out", out_dir]
    return subprocess.Popen(cmd, cwd=ROOT)


def load(out_dir):
    x = np.load(os.path.join(out_dir, "images.npy"))
    with open(os.path.join(out_dir, "labels.json")) as f:
        meta = json.load(f)
    y = np.array([it["multiHot"] for it in meta["items"]], dtype=np.float32)
    assert meta["labels"] == LABELS, meta["labels"]
    return torch.from_numpy(x), torch.from_numpy(y)


def make_data(cache, n_train, n_val, n_test, parts):
    """Dumps the three sets (training split over `parts` processes for the two cores) unless already in `cache`."""
    jobs = []
    plan = [("val", n_val, VAL_SEED0), ("test", n_test, TEST_SEED0)]
    per = (n_train + parts - 1) // parts
    plan += [(f"train{p}", min(per, n_train - p * per), TRAIN_SEED0 + p * per) for p in range(parts)]
    for name, count, seed0 in plan:
        d = os.path.join(cache, name)
        stamp = os.path.join(d, "labels.json")
        if os.path.exists(stamp) and json.load(open(stamp))["count"] == count and json.load(open(stamp))["seedStart"] == seed0:
            continue
        jobs.append(dump(d, count, seed0))
        if len(jobs) >= parts:
            for j in jobs:
                if j.wait() != 0:
                    sys.exit("gen_scenes.ts failed")
            jobs = []
    for j in jobs:
        if j.wait() != 0:
            sys.exit("gen_scenes.ts failed")
    train = [load(os.path.join(cache, f"train{p}")) for p in range(parts)]
    xs, ys = zip(*train)
    return (torch.cat(xs), torch.cat(ys)), load(os.path.join(cache, "val")), load(os.path.join(cache, "test"))


def block(cin, cout, stride):
    return nn.Sequential(nn.Conv2d(cin, cout, 3, stride, 1, bias=False), nn.BatchNorm2d(cout), nn.ReLU(inplace=True))


class ShapesNet(nn.Module):
    # (in, out, stride): 128 → 64 → 32 → 16, then three 3×3 convolutions at 16×16 to widen the receptive field.
    PLAN = [(3, 24, 2), (24, 32, 2), (32, 48, 1), (48, 64, 2), (64, 96, 1), (96, 96, 1), (96, 96, 1)]

    def __init__(self):
        super().__init__()
        self.features = nn.Sequential(*[block(i, o, s) for i, o, s in self.PLAN])
        self.classifier = nn.Linear(self.PLAN[-1][1], len(LABELS))

    def forward(self, x):
        return self.classifier(F.adaptive_avg_pool2d(self.features(x), 1).flatten(1))


class WithSigmoid(nn.Module):
    """The exported graph ends in probabilities (multi-label), so users read scores directly."""

    def __init__(self, net):
        super().__init__()
        self.net = net

    def forward(self, image):
        return torch.sigmoid(self.net(image))


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


def average_precision(scores, targets):
    """Area under the precision-recall step curve, as sklearn's average_precision_score: Σ (R_n − R_{n−1}) P_n over
    distinct score thresholds, highest first (tied scores enter together)."""
    order = np.argsort(-scores, kind="mergesort")
    s, t = scores[order], targets[order]
    positives = t.sum()
    if positives == 0:
        return float("nan")
    last = np.r_[np.nonzero(np.diff(s))[0], len(s) - 1]  # the end of each run of equal scores
    tp = np.cumsum(t)[last]
    precision = tp / (last + 1)
    recall = tp / positives
    return float(np.sum(np.diff(np.r_[0.0, recall]) * precision))


@torch.no_grad()
def evaluate(model, x, y, batch=250):
    model.eval()
    p = torch.cat([torch.sigmoid(model(to_input(x[i : i + batch]))) for i in range(0, len(x), batch)]).numpy()
    ap = [average_precision(p[:, k], y[:, k].numpy()) for k in range(len(LABELS))]
    return float(np.mean(ap)), ap, p


def export(model, path):
    model.eval().to(memory_format=torch.contiguous_format)
    torch.onnx.export(
        WithSigmoid(model),
        torch.zeros(1, 3, SIZE, SIZE),
        path,
        opset_version=13,
        input_names=["image"],
        output_names=["probabilities"],
        dynamic_axes={"image": {0: "batch"}, "probabilities": {0: "batch"}},
        do_constant_folding=True,
    )


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--train", type=int, default=24000, help="training scenes (each epoch sees all, randomly flipped)")
    ap.add_argument("--val", type=int, default=1000)
    ap.add_argument("--test", type=int, default=1000)
    ap.add_argument("--epochs", type=int, default=6)
    ap.add_argument("--batch", type=int, default=64)
    ap.add_argument("--lr", type=float, default=3e-3)
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--cache", default=os.path.join(ROOT, ".cache", "shapes-data"), help="where the dumped scenes go")
    ap.add_argument("--out", default=os.path.join(ROOT, "models", "shapes"))
    args = ap.parse_args()

    torch.set_num_threads(2)  # Debian's torch uses 1 thread unless told; the machine has 2 cores
    torch.manual_seed(args.seed)
    np.random.seed(args.seed)
    t0 = time.time()
    (xt, yt), (xv, yv), (xs, ys) = make_data(args.cache, args.train, args.val, args.test, parts=2)
    t_data = time.time() - t0
    print(f"data: {len(xt)} train, {len(xv)} val, {len(xs)} test scenes in {t_data:.0f} s", flush=True)

    model = ShapesNet().to(memory_format=torch.channels_last)
    opt = torch.optim.AdamW(model.parameters(), lr=args.lr, weight_decay=1e-4)
    steps = args.epochs * (len(xt) // args.batch)
    sched = torch.optim.lr_scheduler.OneCycleLR(opt, max_lr=args.lr, total_steps=steps, pct_start=0.15)
    t1 = time.time()
    history = []
    for epoch in range(args.epochs):
        model.train()
        perm = torch.randperm(len(xt))
        total = 0.0
        for b in range(len(xt) // args.batch):
            idx = perm[b * args.batch : (b + 1) * args.batch]
            loss = F.binary_cross_entropy_with_logits(model(dihedral(to_input(xt[idx]))), yt[idx])
            opt.zero_grad(set_to_none=True)
            loss.backward()
            opt.step()
            sched.step()
            total += loss.item()
        val_map, val_ap, _ = evaluate(model, xv, yv)
        history.append({"epoch": epoch + 1, "loss": total / (len(xt) // args.batch), "valMAP": val_map})
        print(f"epoch {epoch + 1}: loss {history[-1]['loss']:.4f}  val mAP {val_map:.4f}  ({time.time() - t1:.0f} s)", flush=True)
    t_train = time.time() - t1

    val_map, val_ap, _ = evaluate(model, xv, yv)
    test_map, test_ap, _ = evaluate(model, xs, ys)
    print(f"held-out test mAP {test_map:.4f}: " + ", ".join(f"{l} {a:.4f}" for l, a in zip(LABELS, test_ap)))

    os.makedirs(args.out, exist_ok=True)
    onnx_path = os.path.join(args.out, "shapes.onnx")
    export(model, onnx_path)
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
        "architecture": {"convs": [{"in": i, "out": o, "stride": s, "kernel": 3} for i, o, s in ShapesNet.PLAN], "featureMap": [16, 16], "head": "GlobalAveragePool → Gemm → Sigmoid"},
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
    with open(meta_path, "w") as f:
        json.dump(meta, f, indent=2)
        f.write("\n")
    # The repository's lint runs `prettier --check .`: give the file the layout prettier wants (best effort).
    subprocess.run(["npx", "prettier", "--write", meta_path], cwd=ROOT, stdout=subprocess.DEVNULL, check=False)
    print(f"wrote {onnx_path} ({meta['bytes']} bytes); data {t_data:.0f} s, training {t_train:.0f} s")


if __name__ == "__main__":
    main()
