"""PyTorch reference implementations for the gcam benchmarks (bench/run.ts), written the way the popular Python CAM
library works, so that the benchmark compares gcam against what users run today:

- Grad-CAM: a forward hook on the target module keeps its output (detached) and registers a tensor hook that keeps the
  gradient arriving at it; the model runs once, the target class per image is the argmax unless given, the loss
  Σ_n output[n, c_n] is back-propagated with retain_graph=True after model.zero_grad(); then
  w = mean of the gradient over the positions, cam = ReLU(Σ_k w_k·A_k), per image min-max normalised
  ((x − min) / (max − min + 1e-7)) and resized bilinearly (half-pixel centres, as cv2.resize) to the input size.
  `frozen=False`: parameters require grad (as loaded; the library's default usage), so backward runs through the
  whole network down to the first convolution's weights. `frozen=True`: every parameter has requires_grad=False and
  the hook makes the target activation a leaf requiring grad, so backward runs only from the logits down to the
  layer — the cheapest way to do it in PyTorch.
- Score-CAM: masks = per-channel min-max of the activations upsampled with corners aligned (UpsamplingBilinear2d),
  the masked inputs of one image materialised at once and scored in chunks of `chunk` under no_grad,
  w = softmax over the channels of the target scores. `channels=N` scores only the N channels with the largest mean
  activation (ties by index; the others weigh 0), the same rule as gcam's scoreCamChannels.
- Ablation-CAM: w_k = (y − y_k)/y with y_k the target score with channel k of the layer zeroed, chunked by `chunk`.
  style 'tail': only the modules after the layer are re-run on the ablated activations (what gcam does);
  style 'full': the whole model is re-run on a batch of copies of the image with a forward hook replacing the layer's
  output by the ablated copies (how the popular library does it; the layers before the target run again every chunk).

Written for this benchmark from the papers' formulas and the library's documented behaviour; no code copied.
"""
import json
import os
import time

import numpy as np
import torch
import torch.nn.functional as F
import torchvision

BUILDERS = {
    "resnet50": lambda: torchvision.models.resnet50(weights=None),
    "vgg16": lambda: torchvision.models.vgg16(weights=None),
    "mobilenet_v2": lambda: torchvision.models.mobilenet_v2(weights=None),
}


def load_model(name: str, cache_dir: str) -> torch.nn.Module:
    """The benchmark model with the exported weights (state dict written by tools/export_bench_models.py)."""
    model = BUILDERS[name]()
    model.load_state_dict(torch.load(os.path.join(cache_dir, f"{name}.pt")))
    return model.eval()


def manifest(cache_dir: str) -> dict:
    with open(os.path.join(cache_dir, "manifest.json")) as f:
        return json.load(f)


def normalise_and_resize(cam: np.ndarray, size) -> np.ndarray:
    """ReLU'd raw maps [N, h, w] → per-image min-max to [0, 1], bilinear (half-pixel) to `size` [H, W], then min-max
    again (the popular library's order)."""
    t = torch.from_numpy(np.ascontiguousarray(min_max(cam), dtype=np.float32))[:, None]
    return min_max(F.interpolate(t, size=tuple(size), mode="bilinear", align_corners=False)[:, 0].numpy())


def min_max(cam: np.ndarray) -> np.ndarray:
    """Per-image (x − min) / (max − min + 1e-7) over the last two axes."""
    cam = cam - cam.min(axis=(1, 2), keepdims=True)
    return cam / (1e-7 + cam.max(axis=(1, 2), keepdims=True))


class HookedGradCAM:
    def __init__(self, model: torch.nn.Module, layer: str, frozen: bool):
        self.model = model
        self.frozen = frozen
        for p in model.parameters():
            p.requires_grad_(not frozen)
        self.activation = None
        self.gradient = None
        self.handle = model.get_submodule(layer).register_forward_hook(self._keep)

    def _keep(self, module, inputs, output):
        if self.frozen:
            # Nothing before the layer requires grad: its output is a leaf, make it the start of the graph.
            output.requires_grad_(True)
        self.activation = output.cpu().detach()
        if not output.requires_grad:  # e.g. a forward under torch.no_grad(): nothing to differentiate
            return

        def keep_grad(g):
            self.gradient = g.cpu().detach()

        output.register_hook(keep_grad)

    def __call__(self, x: torch.Tensor, targets=None) -> tuple:
        outputs = self.model(x)
        if targets is None:
            targets = outputs.argmax(dim=1).tolist()
        self.model.zero_grad()
        loss = sum(outputs[i, c] for i, c in enumerate(targets))
        loss.backward(retain_graph=True)
        weights = self.gradient.mean(dim=(2, 3)).numpy()
        acts = self.activation.numpy()
        cam = np.maximum((weights[:, :, None, None] * acts).sum(axis=1), 0)
        return normalise_and_resize(cam, x.shape[2:]), targets

    def release(self):
        self.handle.remove()


def kept_channels(acts: torch.Tensor, keep) -> list:
    """All channels, or the `keep` with the largest mean activation (ties by index), in index order."""
    c = acts.shape[0]
    if keep is None or keep >= c:
        return list(range(c))
    means = acts.reshape(c, -1).double().mean(dim=1).tolist()
    order = sorted(range(c), key=lambda k: (-means[k], k))[:keep]
    return sorted(order)


class ActivationHook:
    """Keeps the (detached) output of a module during a forward pass."""

    def __init__(self, model, layer):
        self.value = None
        self.handle = model.get_submodule(layer).register_forward_hook(self._keep)

    def _keep(self, module, inputs, output):
        self.value = output.detach()

    def release(self):
        self.handle.remove()


def forward_with_activations(model, layer: str, x: torch.Tensor, targets=None):
    """One forward pass recording the layer's output: (activations, outputs, targets), the targets being the predicted
    classes when none are given."""
    hook = ActivationHook(model, layer)
    try:
        outputs = model(x)
        acts = hook.value
    finally:
        hook.release()
    return acts, outputs, (outputs.argmax(dim=1).tolist() if targets is None else targets)


@torch.no_grad()
def score_cam(model, layer: str, x: torch.Tensor, chunk: int = 32, channels=None, targets=None):
    acts, _, targets = forward_with_activations(model, layer, x, targets)
    up = torch.nn.UpsamplingBilinear2d(size=tuple(x.shape[2:]))(acts)
    n, c = acts.shape[:2]
    weights = torch.zeros(n, c)
    for i in range(n):
        keep = kept_channels(acts[i], channels)
        masks = up[i, keep]
        lo = masks.amin(dim=(1, 2), keepdim=True)
        hi = masks.amax(dim=(1, 2), keepdim=True)
        masks = (masks - lo) / (hi - lo + 1e-8)
        masked = x[i][None] * masks[:, None]  # [K, 3, H, W], all kept channels at once
        scores = []
        for s in range(0, len(keep), chunk):
            scores.append(model(masked[s : s + chunk])[:, targets[i]])
        weights[i, keep] = torch.softmax(torch.cat(scores), dim=0)
    cam = np.maximum((weights[:, :, None, None] * acts).sum(dim=1).numpy(), 0)
    return normalise_and_resize(cam, x.shape[2:]), targets


def tail_function(model, arch: str, layer: str):
    """The modules after `layer` as a function of its output, for the layers the benchmark ablates."""
    if arch == "resnet50" and layer.startswith("layer"):
        k = int(layer[len("layer") :])
        rest = [getattr(model, f"layer{j}") for j in range(k + 1, 5)]

        def tail(a):
            for m in rest:
                a = m(a)
            return model.fc(torch.flatten(model.avgpool(a), 1))

        return tail
    if arch in ("vgg16", "mobilenet_v2") and layer.startswith("features."):
        k = int(layer.split(".")[1])
        rest = model.features[k + 1 :]

        def tail(a):
            a = rest(a)
            if arch == "vgg16":
                a = model.avgpool(a)
            else:
                a = F.adaptive_avg_pool2d(a, (1, 1))
            return model.classifier(torch.flatten(a, 1))

        return tail
    raise ValueError(f"no tail for {arch} {layer}")


@torch.no_grad()
def ablation_cam(model, arch: str, layer: str, x: torch.Tensor, chunk: int = 32, style: str = "tail", targets=None):
    acts, outputs, targets = forward_with_activations(model, layer, x, targets)
    n, c = acts.shape[:2]
    weights = torch.zeros(n, c)
    tail = tail_function(model, arch, layer) if style == "tail" else None
    for i in range(n):
        y = float(outputs[i, targets[i]])
        yk = []
        for s in range(0, c, chunk):
            m = min(chunk, c - s)
            ablated = acts[i][None].repeat(m, 1, 1, 1)
            for j in range(m):
                ablated[j, s + j] = 0
            if style == "tail":
                out = tail(ablated)
            else:
                # Replace the layer's output by the ablated copies while re-running the whole model on m copies.
                handle = model.get_submodule(layer).register_forward_hook(lambda mod, inp, out, a=ablated: a)
                try:
                    out = model(x[i][None].expand(m, -1, -1, -1))
                finally:
                    handle.remove()
            yk.append(out[:, targets[i]])
        yk = torch.cat(yk)
        weights[i] = (y - yk) / (y if y != 0 else 1.0)
    cam = np.maximum((weights[:, :, None, None] * acts).sum(dim=1).numpy(), 0)
    return normalise_and_resize(cam, x.shape[2:]), targets


def timed(fn, *args, **kwargs):
    t0 = time.perf_counter()
    out = fn(*args, **kwargs)
    return (time.perf_counter() - t0) * 1000, out
