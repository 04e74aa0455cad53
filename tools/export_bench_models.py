#!/usr/bin/env python3
"""Exports the benchmark models into .cache/bench/ (git-ignored, not committed).

    /usr/bin/python3 tools/export_bench_models.py [--out .cache/bench] [--models resnet50,vgg16,mobilenet_v2] [--force]

For each model: torchvision architecture with random weights (weights=None, torch.manual_seed(0)), then the
BatchNorm running statistics calibrated on random N(0, 1) input (4 batches of 16, cumulative average), then eval mode.
Without the calibration the freshly initialised statistics (mean 0, variance 1) make activations vanish through
MobileNetV2 (logits ~1e-9) and explode through ResNet-50, which would make the CAM comparisons hinge on epsilons;
with it the activations have the scale of a trained network's. Timing does not depend on the weights.
  <name>.onnx  exported at opset 17 with a dynamic batch axis (input 'input' [N, 3, 224, 224], output 'logits');
  <name>.pt    the same weights as a state dict, so that the PyTorch references (tools/bench/) run the very same model;
  manifest.json  per model: file names, the Grad-CAM layers used by the benchmarks as PyTorch module paths (gcam
               resolves the same paths), and the ONNX tensor of the last block.
The weights are random on purpose: timing does not depend on them and nothing has to be downloaded. Needs torch and
torchvision only (torch.onnx.export does not need the onnx package). Existing files are kept unless --force.
"""
import argparse
import json
import os
import re

import torch
import torchvision

# Layers benchmarked, as PyTorch module paths: the usual Grad-CAM layer (output of the last convolutional block)
# and an early layer (the last module at 56×56, i.e. stride 4), where the backward pass crosses most of the network.
# Ablation-CAM / Score-CAM layers: see bench/run.ts.
MODELS = {
    "resnet50": {
        "build": lambda: torchvision.models.resnet50(weights=None),
        "last": "layer4",
        "early": "layer1",
        "tensor_pattern": rb"/layer4/[A-Za-z0-9_./]*/Relu(?:_\d+)?_output_0",
    },
    "vgg16": {
        "build": lambda: torchvision.models.vgg16(weights=None),
        "last": "features.29",
        "early": "features.15",
        "tensor_pattern": rb"/features/features\.29/Relu(?:_\d+)?_output_0",
    },
    "mobilenet_v2": {
        "build": lambda: torchvision.models.mobilenet_v2(weights=None),
        "last": "features.18",
        "early": "features.3",
        "tensor_pattern": rb"/features/features\.18/features\.18\.2/Clip(?:_\d+)?_output_0",
    },
}


def calibrate_batchnorm(model: torch.nn.Module) -> None:
    bns = [m for m in model.modules() if isinstance(m, torch.nn.modules.batchnorm._BatchNorm)]
    if not bns:
        return
    for m in bns:
        m.reset_running_stats()
        m.momentum = None  # cumulative moving average over the calibration batches
    model.train()
    with torch.no_grad():
        for _ in range(4):
            model(torch.randn(16, 3, 224, 224))


def export(name: str, out_dir: str, force: bool) -> dict:
    spec = MODELS[name]
    onnx_path = os.path.join(out_dir, f"{name}.onnx")
    pt_path = os.path.join(out_dir, f"{name}.pt")
    if force or not (os.path.exists(onnx_path) and os.path.exists(pt_path)):
        torch.manual_seed(0)
        model = spec["build"]()
        calibrate_batchnorm(model)
        model.eval()
        torch.save(model.state_dict(), pt_path)
        x = torch.randn(1, 3, 224, 224)
        with torch.no_grad():
            torch.onnx.export(
                model,
                x,
                onnx_path,
                opset_version=17,
                input_names=["input"],
                output_names=["logits"],
                dynamic_axes={"input": {0: "batch"}, "logits": {0: "batch"}},
                do_constant_folding=True,
            )
        print(f"wrote {onnx_path} ({os.path.getsize(onnx_path) / 1e6:.1f} MB) and {pt_path}")
    else:
        print(f"kept {onnx_path} and {pt_path} (--force to re-export)")
    # torch >= 1.13 names node outputs after the module scope; find the last block's output by scanning the bytes
    # (no onnx package needed). Informational: the benchmarks pass module paths, which gcam resolves itself.
    with open(onnx_path, "rb") as f:
        names = re.findall(spec["tensor_pattern"], f.read())
    last_tensor = names[-1].decode() if names else None
    print(f"  {name}: last block '{spec['last']}' = tensor {last_tensor}; early layer '{spec['early']}'")
    return {
        "onnx": f"{name}.onnx",
        "state_dict": f"{name}.pt",
        "arch": name,
        "last": spec["last"],
        "early": spec["early"],
        "last_tensor": last_tensor,
        "input": [3, 224, 224],
    }


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--out", default=os.path.join(os.path.dirname(__file__), "..", ".cache", "bench"))
    ap.add_argument("--models", default=",".join(MODELS))
    ap.add_argument("--force", action="store_true")
    args = ap.parse_args()
    out = os.path.normpath(args.out)
    os.makedirs(out, exist_ok=True)
    manifest_path = os.path.join(out, "manifest.json")
    manifest = {}
    if os.path.exists(manifest_path):
        with open(manifest_path) as f:
            manifest = json.load(f)
    for name in args.models.split(","):
        if name not in MODELS:
            raise SystemExit(f"unknown model '{name}'; known: {', '.join(MODELS)}")
        manifest[name] = export(name, out, args.force)
    with open(manifest_path, "w") as f:
        json.dump(manifest, f, indent=2)
        f.write("\n")
    print(f"wrote {manifest_path}")


if __name__ == "__main__":
    main()
