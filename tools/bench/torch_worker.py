#!/usr/bin/env python3
"""The PyTorch side of bench/run.ts: a worker process that runs one reference contender per request, so that the
driver can interleave PyTorch and gcam runs (only one of the two processes computes at a time; each times its own
work). Also a one-shot mode for peak-RSS measurements in a fresh process.

Server mode (JSON lines on stdin → JSON lines on stdout):
    {"op": "load", "model": "resnet50", "dir": ".cache/bench", "threads": 2}   → {"load_ms": …}
    {"op": "input", "path": "x.npy"}                                          (float32 [N, 3, H, W])
    {"op": "run", "task": "forward" | "gradcam" | "scorecam" | "ablation", "batch": n, "layer": …,
     "frozen": bool, "double": bool, "chunk": 32, "channels": N | null, "style": "tail" | "full", "maps": "out.npy" | null}
                                                                               → {"ms": …, "targets": […]}
    {"op": "rss"}                                                              → {"maxrss_kb": …}
One-shot mode (peak RSS of one contender in its own process; prints one JSON line):
    torch_worker.py --oneshot '{"model": …, "dir": …, "input": …, "threads": 2, "repeat": 3, "run": {…}}'
"""
import copy
import json
import resource
import sys
import time

import numpy as np
import torch

sys.path.insert(0, __import__("os").path.dirname(__file__))
import torch_cams  # noqa: E402


def blas():
    """The BLAS libraries mapped into this process (which one torch's matrix products use)."""
    with open("/proc/self/maps") as f:
        libs = {line.split()[-1] for line in f if "blas" in line.lower() and "/" in line}
    return sorted(libs)


class Worker:
    def __init__(self):
        self.model = None
        self.model64 = None
        self.arch = None
        self.x = None
        self.cams = {}

    def load(self, req):
        torch.set_num_threads(int(req.get("threads", 2)))
        t0 = time.perf_counter()
        self.release_cams()
        self.model, self.model64 = None, None
        self.model = torch_cams.load_model(req["model"], req["dir"])
        self.arch = req["model"]
        return {"load_ms": (time.perf_counter() - t0) * 1000, "threads": torch.get_num_threads(), "blas": blas()}

    def input(self, req):
        self.x = torch.from_numpy(np.load(req["path"]).astype(np.float32))
        return {"shape": list(self.x.shape)}

    def release_cams(self):
        for cam in self.cams.values():
            cam.release()
        self.cams = {}

    def gradcam(self, layer, frozen, double=False):
        """The hooked Grad-CAM of (layer, frozen); double: on a float64 copy of the model (agreement checks only)."""
        key = (layer, frozen, double)
        if key not in self.cams:
            # One hooked object at a time: switching removes the old hooks and re-applies requires_grad.
            self.release_cams()
            if double and self.model64 is None:
                self.model64 = copy.deepcopy(self.model).double()
            self.cams = {key: torch_cams.HookedGradCAM(self.model64 if double else self.model, layer, frozen)}
        return self.cams[key]

    def run(self, req):
        n = int(req["batch"])
        x = self.x[:n].contiguous()
        double = bool(req.get("double"))
        if double:
            x = x.double()
        task = req["task"]
        t0 = time.perf_counter()
        maps, targets = None, None
        if task == "forward":
            with torch.no_grad():
                targets = self.model(x).argmax(dim=1).tolist()
        elif task == "gradcam":
            maps, targets = self.gradcam(req["layer"], bool(req.get("frozen")), double)(x)
        elif task == "scorecam":
            maps, targets = torch_cams.score_cam(
                self.model, req["layer"], x, chunk=int(req.get("chunk", 32)), channels=req.get("channels")
            )
        elif task == "ablation":
            maps, targets = torch_cams.ablation_cam(
                self.model, self.arch, req["layer"], x, chunk=int(req.get("chunk", 32)), style=req.get("style", "tail")
            )
        else:
            raise ValueError(f"unknown task {task}")
        ms = (time.perf_counter() - t0) * 1000
        if req.get("maps") and maps is not None:
            np.save(req["maps"], maps.astype(np.float32))
        return {"ms": ms, "targets": targets}

    @staticmethod
    def rss(_req=None):
        return {"maxrss_kb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss}


def serve():
    w = Worker()
    for line in sys.stdin:
        if not line.strip():
            continue
        req = json.loads(line)
        op = req["op"]
        try:
            if op == "quit":
                break
            out = getattr(w, op)(req)
        except Exception as e:  # reported to the driver, which fails loudly
            out = {"error": f"{type(e).__name__}: {e}"}
        sys.stdout.write(json.dumps(out) + "\n")
        sys.stdout.flush()


def oneshot(spec):
    w = Worker()
    if not spec.get("model"):  # baseline: torch and torchvision imported, nothing loaded
        print(json.dumps({**Worker.rss(), "run_ms": []}))
        return
    load = w.load({"model": spec["model"], "dir": spec["dir"], "threads": spec.get("threads", 2)})
    w.input({"path": spec["input"]})
    times = [w.run(spec["run"])["ms"] for _ in range(int(spec.get("repeat", 3)))]
    print(json.dumps({**Worker.rss(), "load_ms": load["load_ms"], "run_ms": times}))


if __name__ == "__main__":
    if len(sys.argv) == 3 and sys.argv[1] == "--oneshot":
        oneshot(json.loads(sys.argv[2]))
    else:
        serve()
