#!/usr/bin/env python3
"""Exports the benchmark models used by bench/explain-vs-forward.ts into .cache/bench/ (git-ignored, not committed).

    /usr/bin/python3 tools/export_bench_models.py [--out .cache/bench]

Writes resnet50.onnx: torchvision ResNet-50 with random weights (weights=None, torch.manual_seed(0)), eval mode,
exported at opset 17 with a dynamic batch axis. The weights are random on purpose: timing does not depend on them and
nothing has to be downloaded. Needs torch and torchvision only (torch.onnx.export does not need the onnx package).
Prints the tensor name of layer4's output (the last Relu of layer4) to pass as --layer.
"""
import argparse
import os
import re

import torch
import torchvision


def export_resnet50(out_dir: str) -> None:
    torch.manual_seed(0)
    model = torchvision.models.resnet50(weights=None).eval()
    path = os.path.join(out_dir, "resnet50.onnx")
    x = torch.randn(1, 3, 224, 224)
    with torch.no_grad():
        torch.onnx.export(
            model,
            x,
            path,
            opset_version=17,
            input_names=["input"],
            output_names=["logits"],
            dynamic_axes={"input": {0: "batch"}, "logits": {0: "batch"}},
            do_constant_folding=True,
        )
    # torch >= 1.13 names node outputs after the module scope, e.g. '/layer4/layer4.2/relu_2/Relu_output_0'.
    # Find the last Relu of layer4 by scanning the serialized names (no onnx package needed).
    with open(path, "rb") as f:
        data = f.read()
    names = re.findall(rb"/layer4/[A-Za-z0-9_./]*/Relu(?:_\d+)?_output_0", data)
    last = names[-1].decode() if names else "(not found: list the graph's tensors)"
    print(f"wrote {path} ({os.path.getsize(path) / 1e6:.1f} MB)")
    print(f"layer4 output (last Relu of layer4): {last}")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--out", default=os.path.join(os.path.dirname(__file__), "..", ".cache", "bench"))
    args = ap.parse_args()
    os.makedirs(args.out, exist_ok=True)
    export_resnet50(os.path.normpath(args.out))


if __name__ == "__main__":
    main()
