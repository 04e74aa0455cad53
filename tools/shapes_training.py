"""What the two trainers of gcam's built-in models share (tools/train_shapes.py, 2-D; tools/train_shapes3d.py, 3-D):
the scenes tools/gen_scenes.ts dumps and their reading back, the receptive field of a convolution plan, the training
loop, the average precision both report, the export's common part and the metadata file. Each trainer keeps its
network, its input scaling, its augmentation, its evaluation and its metadata fields.
"""
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
# Disjoint seed ranges: training, validation, held-out test (only measured, never used to choose anything).
TRAIN_SEED0, VAL_SEED0, TEST_SEED0 = 1_000_000, 2_000_000, 3_000_000


def dump(out_dir, count, seed_start, gen_args):
    """Starts the TypeScript dumper; returns the process (several run at once, one per core)."""
    os.makedirs(out_dir, exist_ok=True)
    cmd = ["node", "--import", "tsx", "tools/gen_scenes.ts", *gen_args]
    cmd += ["--count", str(count), "--seed-start", str(seed_start), "--out", out_dir]
    return subprocess.Popen(cmd, cwd=ROOT)


def load(out_dir, labels):
    x = np.load(os.path.join(out_dir, "images.npy"))
    with open(os.path.join(out_dir, "labels.json")) as f:
        meta = json.load(f)
    assert meta["labels"] == labels, meta["labels"]
    y = np.array([it["multiHot"] for it in meta["items"]], dtype=np.float32)
    return torch.from_numpy(x), torch.from_numpy(y)


def make_data(cache, n_train, n_val, n_test, parts, labels, gen_args=()):
    """Dumps the three sets (training split over `parts` processes for the two cores, at most `parts` at a time)
    unless `cache` already holds them (same count, first seed and labels); returns (x, y) for train, val and test."""
    failed = " ".join(["gen_scenes.ts", *gen_args]) + " failed"

    def wait(jobs):
        for j in jobs:
            if j.wait() != 0:
                sys.exit(failed)

    plan = [("val", n_val, VAL_SEED0), ("test", n_test, TEST_SEED0)]
    per = (n_train + parts - 1) // parts
    plan += [(f"train{p}", min(per, n_train - p * per), TRAIN_SEED0 + p * per) for p in range(parts)]
    jobs = []
    for name, count, seed0 in plan:
        stamp = os.path.join(cache, name, "labels.json")
        if os.path.exists(stamp):
            with open(stamp) as f:
                done = json.load(f)
            if done["count"] == count and done["seedStart"] == seed0 and done["labels"] == labels:
                continue
        jobs.append(dump(os.path.join(cache, name), count, seed0, gen_args))
        if len(jobs) >= parts:
            wait(jobs)
            jobs = []
    wait(jobs)
    xs, ys = zip(*[load(os.path.join(cache, f"train{p}"), labels) for p in range(parts)])
    return (torch.cat(xs), torch.cat(ys)), load(os.path.join(cache, "val"), labels), load(os.path.join(cache, "test"), labels)


def receptive_field(plan):
    """Receptive field and stride (jump) of the last layer of [(in, out, kernel, stride, pad)], and where cell 0's
    field is centred (pixel-centre coordinates: pixel j spans [j, j + 1]); gcam's half-pixel upsampling puts cell i at
    (i + 0.5) · stride."""
    rf, jump, centre = 1, 1, 0.5
    for _, _, k, s, p in plan:
        rf += (k - 1) * jump
        centre += ((k - 1) / 2 - p) * jump
        jump *= s
    return rf, jump, centre


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


def train(model, opt, sched, xt, yt, batch, epochs, augment, to_input, val_map):
    """Epochs over a random permutation of the training set, BCE with logits on augment(to_input(uint8 batch)), the
    scheduler stepped per batch; `val_map(model)` after each epoch. Returns the history and the seconds taken."""
    t1 = time.time()
    history = []
    per_epoch = len(xt) // batch
    for epoch in range(epochs):
        model.train()
        perm = torch.randperm(len(xt))
        total = 0.0
        for b in range(per_epoch):
            idx = perm[b * batch : (b + 1) * batch]
            loss = F.binary_cross_entropy_with_logits(model(augment(to_input(xt[idx]))), yt[idx])
            opt.zero_grad(set_to_none=True)
            loss.backward()
            opt.step()
            sched.step()
            total += loss.item()
        val_map_now = val_map(model)
        history.append({"epoch": epoch + 1, "loss": total / per_epoch, "valMAP": val_map_now})
        print(f"epoch {epoch + 1}: loss {history[-1]['loss']:.4f}  val mAP {val_map_now:.4f}  ({time.time() - t1:.0f} s)", flush=True)
    return history, time.time() - t1


class WithSigmoid(nn.Module):
    """The exported graph ends in probabilities (multi-label), so users read scores directly."""

    def __init__(self, net):
        super().__init__()
        self.net = net

    def forward(self, x):
        return torch.sigmoid(self.net(x))


def export(net, example, path, input_name):
    """`net` + Sigmoid at opset 13, the output 'probabilities', a dynamic batch axis, constants folded (BatchNorm into
    the convolutions)."""
    torch.onnx.export(
        WithSigmoid(net),
        example,
        path,
        opset_version=13,
        input_names=[input_name],
        output_names=["probabilities"],
        dynamic_axes={input_name: {0: "batch"}, "probabilities": {0: "batch"}},
        do_constant_folding=True,
    )


def write_metadata(path, meta):
    with open(path, "w", encoding="utf-8") as f:
        json.dump(meta, f, indent=2, ensure_ascii=False)
        f.write("\n")
    # The repository's lint runs `prettier --check .`: give the file the layout prettier wants (best effort).
    subprocess.run(["npx", "prettier", "--write", path], cwd=ROOT, stdout=subprocess.DEVNULL, check=False)
