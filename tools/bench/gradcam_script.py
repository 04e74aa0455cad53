#!/usr/bin/env python3
"""Whole-process reference for the benchmarks: the script a PyTorch user writes with the popular CAM library's
approach, as a command like `gcam explain` (bench/run.ts times both, wall clock and peak RSS).

    /usr/bin/python3 tools/bench/gradcam_script.py --arch resnet50 --weights .cache/bench/resnet50.pt \
        --layer layer4 --batch-size 8 --threads 2 --out OUT_DIR image...

Loads the torchvision model with the given state dict, reads the images with PIL, ImageNet preprocessing (shorter side
256, centre crop 224, mean/std), per batch: Grad-CAM of the predicted class with hooks and a full backward
(tools/bench/torch_cams.HookedGradCAM, parameters requiring grad unless --frozen), then a JET overlay (alpha 0.5) on
the 224×224 crop written as <stem>-<class>.png, and one line per image on stdout.
"""
import argparse
import os
import sys

import numpy as np
import torch
import torchvision
from PIL import Image
from torchvision import transforms

sys.path.insert(0, os.path.dirname(__file__))
import torch_cams  # noqa: E402


def jet(v: np.ndarray) -> np.ndarray:
    """The JET colormap (piecewise linear: dark blue → blue → cyan → yellow → red → dark red) of v in [0, 1]."""
    r = np.clip(1.5 - np.abs(4 * v - 3), 0, 1)
    g = np.clip(1.5 - np.abs(4 * v - 2), 0, 1)
    b = np.clip(1.5 - np.abs(4 * v - 1), 0, 1)
    return np.stack([r, g, b], axis=-1)


def overlay(rgb: np.ndarray, cam: np.ndarray, alpha: float = 0.5) -> np.ndarray:
    out = (1 - alpha) * rgb + alpha * jet(cam)
    return np.uint8(255 * out / out.max())


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("images", nargs="+")
    ap.add_argument("--arch", default="resnet50", choices=sorted(torch_cams.BUILDERS))
    ap.add_argument("--weights", required=True)
    ap.add_argument("--layer", default="layer4")
    ap.add_argument("--batch-size", type=int, default=8)
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--frozen", action="store_true")
    ap.add_argument("--out", default="torch-out")
    args = ap.parse_args()

    torch.set_num_threads(args.threads)
    model = torch_cams.BUILDERS[args.arch]()
    model.load_state_dict(torch.load(args.weights))
    model.eval()
    cam = torch_cams.HookedGradCAM(model, args.layer, frozen=args.frozen)
    crop = transforms.Compose([transforms.Resize(256), transforms.CenterCrop(224)])
    normalise = transforms.Compose(
        [transforms.ToTensor(), transforms.Normalize(mean=[0.485, 0.456, 0.406], std=[0.229, 0.224, 0.225])]
    )
    os.makedirs(args.out, exist_ok=True)
    for start in range(0, len(args.images), args.batch_size):
        paths = args.images[start : start + args.batch_size]
        crops = [crop(Image.open(p).convert("RGB")) for p in paths]
        x = torch.stack([normalise(c) for c in crops])
        maps, classes = cam(x)
        for p, c, m, cls in zip(paths, crops, maps, classes):
            rgb = np.asarray(c, dtype=np.float32) / 255
            name = os.path.join(args.out, f"{os.path.splitext(os.path.basename(p))[0]}-{cls}.png")
            Image.fromarray(overlay(rgb, m)).save(name)
            print(f"{p}: class {cls} layer '{args.layer}'")
    cam.release()


if __name__ == "__main__":
    main()
