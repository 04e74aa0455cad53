#!/usr/bin/python3
"""Writes test/fixtures/e2e/<model>.onnx and <model>.json: three small random-weight CNNs and their Grad-CAM
references computed with torch autograd in float64.

Run with Debian's python3-torch and python3-onnx: /usr/bin/python3 tools/gen_e2e_fixtures.py [resnet|vgg|mobilenet ...]
Fixed seeds: the output is reproducible on one machine (torch 1.13, onnx 1.12).

Each model is exported with torch.onnx.export (opset 17, eval mode, dynamic batch axis). For each target layer
(a module path) the ONNX tensor is the output of the last node of the module's scope (torch 1.13 names nodes after
module scopes, e.g. '/layer2/layer2.1/relu_1/Relu'); when node and onnxruntime-node are available (the repository's
node_modules), the generator checks that tensor's values against the module's torch output.

References per model, for a batch of 2 inputs with per-image target classes: the logits; per layer A (the module's
output), dA = d(score)/dA with score[n] = logits[n, target[n]], the raw Grad-CAM map Σ_c mean(dA_c)·A_c and the final
map (ReLU, per-image min-max, F.interpolate bilinear align_corners=False to the input size).
"""
import json
import os
import shutil
import subprocess
import sys
import tempfile

import numpy as np
import onnx
import torch
import torch.nn as nn
import torch.nn.functional as F

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import cam_reference as ref  # noqa: E402

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.normpath(os.path.join(HERE, '..'))
OUT = os.path.join(ROOT, 'test', 'fixtures', 'e2e')
INPUT_SHAPE = (2, 3, 64, 64)
TARGETS = [3, 7]
NUM_CLASSES = 10
OPSET = 17


# ---------------------------------------------------------------- models

class BasicBlock(nn.Module):
    """ResNet basic block: conv3×3-BN-ReLU-conv3×3-BN, + identity (or 1×1 stride-s conv + BN), ReLU."""

    def __init__(self, cin, cout, stride):
        super().__init__()
        self.conv1 = nn.Conv2d(cin, cout, 3, stride, 1, bias=False)
        self.bn1 = nn.BatchNorm2d(cout)
        self.relu = nn.ReLU()
        self.conv2 = nn.Conv2d(cout, cout, 3, 1, 1, bias=False)
        self.bn2 = nn.BatchNorm2d(cout)
        self.downsample = None
        if stride != 1 or cin != cout:
            self.downsample = nn.Sequential(nn.Conv2d(cin, cout, 1, stride, bias=False), nn.BatchNorm2d(cout))

    def forward(self, x):
        identity = x if self.downsample is None else self.downsample(x)
        out = self.relu(self.bn1(self.conv1(x)))
        out = self.bn2(self.conv2(out))
        return self.relu(out + identity)


class ResNetLike(nn.Module):
    def __init__(self):
        super().__init__()
        self.conv1 = nn.Conv2d(3, 8, 7, 2, 3, bias=False)
        self.bn1 = nn.BatchNorm2d(8)
        self.relu = nn.ReLU()
        self.maxpool = nn.MaxPool2d(3, 2, 1)
        self.layer1 = nn.Sequential(BasicBlock(8, 8, 1), BasicBlock(8, 8, 1))
        self.layer2 = nn.Sequential(BasicBlock(8, 16, 2), BasicBlock(16, 16, 1))
        self.avgpool = nn.AdaptiveAvgPool2d(1)
        self.fc = nn.Linear(16, NUM_CLASSES)

    def forward(self, x):
        x = self.maxpool(self.relu(self.bn1(self.conv1(x))))
        x = self.layer2(self.layer1(x))
        return self.fc(torch.flatten(self.avgpool(x), 1))


class VggLike(nn.Module):
    def __init__(self):
        super().__init__()

        def block(cin, cout):
            return [nn.Conv2d(cin, cout, 3, padding=1), nn.ReLU(), nn.Conv2d(cout, cout, 3, padding=1), nn.ReLU()]

        # 64 → pool 32 → pool 16 → pool 8 → pool 4
        self.features = nn.Sequential(
            *block(3, 8), nn.MaxPool2d(2),                       # 0..3, 4
            *block(8, 16), nn.MaxPool2d(2),                      # 5..8, 9
            *block(16, 24), nn.MaxPool2d(2),                     # 10..13, 14
            nn.Conv2d(24, 32, 3, padding=1), nn.ReLU(),          # 15, 16: last conv block (8×8)
            nn.MaxPool2d(2),                                     # 17
        )
        self.classifier = nn.Sequential(
            nn.Linear(32 * 4 * 4, 48), nn.ReLU(), nn.Dropout(0.5), nn.Linear(48, NUM_CLASSES),
        )

    def forward(self, x):
        return self.classifier(torch.flatten(self.features(x), 1))


class SqueezeExcite(nn.Module):
    def __init__(self, c, squeezed):
        super().__init__()
        self.avgpool = nn.AdaptiveAvgPool2d(1)
        self.fc1 = nn.Conv2d(c, squeezed, 1)
        self.relu = nn.ReLU()
        self.fc2 = nn.Conv2d(squeezed, c, 1)
        self.gate = nn.Hardsigmoid()

    def forward(self, x):
        s = self.gate(self.fc2(self.relu(self.fc1(self.avgpool(x)))))
        return x * s


def conv_bn_act(cin, cout, k, stride, groups, act):
    conv = nn.Conv2d(cin, cout, k, stride, k // 2, groups=groups, bias=False)
    return nn.Sequential(conv, nn.BatchNorm2d(cout), act())


class InvertedResidual(nn.Module):
    """MobileNetV2/V3 block: 1×1 expand, k×k depthwise, optional squeeze-excite, 1×1 project (+ residual)."""

    def __init__(self, cin, hidden, cout, stride, act, se):
        super().__init__()
        self.expand = conv_bn_act(cin, hidden, 1, 1, 1, act)
        self.depthwise = conv_bn_act(hidden, hidden, 3, stride, hidden, act)
        self.se = SqueezeExcite(hidden, hidden // 4) if se else nn.Identity()
        self.project = nn.Sequential(nn.Conv2d(hidden, cout, 1, bias=False), nn.BatchNorm2d(cout))
        self.residual = stride == 1 and cin == cout

    def forward(self, x):
        y = self.project(self.se(self.depthwise(self.expand(x))))
        return x + y if self.residual else y


class MobileNetLike(nn.Module):
    def __init__(self):
        super().__init__()
        self.stem = conv_bn_act(3, 8, 3, 2, 1, nn.Hardswish)                   # 32×32
        self.blocks = nn.Sequential(
            InvertedResidual(8, 24, 16, 2, nn.ReLU6, se=False),                # 16×16
            InvertedResidual(16, 48, 16, 1, nn.Hardswish, se=True),            # 16×16, SE + residual
            InvertedResidual(16, 48, 24, 2, nn.ReLU6, se=False),               # 8×8
        )
        self.lastconv = conv_bn_act(24, 48, 1, 1, 1, nn.Hardswish)             # 8×8
        self.avgpool = nn.AdaptiveAvgPool2d(1)
        self.classifier = nn.Linear(48, NUM_CLASSES)

    def forward(self, x):
        x = self.lastconv(self.blocks(self.stem(x)))
        return self.classifier(torch.flatten(self.avgpool(x), 1))


# (model name, constructor, [(layer id, module path)], fold BatchNorm): the deep layer (last conv block before the
# pooling/head) and an early one whose backward path crosses the whole network. The eval-mode export folds BatchNorm
# into the convolutions (the usual case); MobileNet-like keeps BatchNormalization nodes (TrainingMode.PRESERVE on an
# eval model) so that their gradient rule is covered too.
MODELS = [
    ('resnet', ResNetLike, [('deep', 'layer2'), ('early', 'maxpool')], True),
    ('vgg', VggLike, [('deep', 'features.16'), ('early', 'features.4')], True),
    ('mobilenet', MobileNetLike, [('deep', 'lastconv'), ('early', 'stem')], False),
]


# ---------------------------------------------------------------- helpers

def randomize(model, gen):
    """He-normal weights and small random biases (PyTorch's default init shrinks the signal layer after layer, which
    leaves near-identical logits for every input), and random BatchNorm statistics and affine parameters."""
    with torch.no_grad():
        for m in model.modules():
            if isinstance(m, (nn.Conv2d, nn.Linear)):
                fan_in = m.weight[0].numel()
                m.weight.copy_(torch.randn(m.weight.shape, generator=gen) * (2.0 / fan_in) ** 0.5)
                if m.bias is not None:
                    m.bias.copy_(torch.randn(m.bias.shape, generator=gen) * 0.1)
            elif isinstance(m, nn.BatchNorm2d):
                c = m.num_features
                m.running_mean.copy_(torch.randn(c, generator=gen) * 0.2)
                m.running_var.copy_(torch.rand(c, generator=gen) + 0.5)
                m.weight.copy_(torch.rand(c, generator=gen) + 0.5)
                m.bias.copy_(torch.randn(c, generator=gen) * 0.2)


def sig7(a):
    """Flattened float list rounded to 7 significant digits."""
    return [float('%.7g' % v) for v in np.asarray(a, dtype=np.float64).reshape(-1)]


def onnx_scope(module_path):
    """torch 1.13 scope of a submodule: attributes keep their name, Sequential children are '<parent>.<index>':
    'layer2.1.relu' → '/layer2/layer2.1/relu', 'blocks.1.expand.2' → '/blocks/blocks.1/expand/expand.2'."""
    segments = []
    for part in module_path.split('.'):
        segments.append(f'{segments[-1]}.{part}' if part.isdigit() and segments else part)
    return '/' + '/'.join(segments)


def tensor_for_module(graph, module_path):
    """The output of the last node (graph order) in the module's scope: the tensor the module returns."""
    scope = onnx_scope(module_path) + '/'
    nodes = [n for n in graph.node if n.name.startswith(scope)]
    assert nodes, f'no ONNX node in scope {scope}; nodes: {[n.name for n in graph.node][:20]}…'
    return nodes[-1].output[0], nodes[-1].op_type


def verify_with_onnxruntime(onnx_path, x32, expected):
    """Runs the model with the target tensors as extra outputs through onnxruntime-node (when available) and returns
    the max relative difference per tensor against the torch float64 values, or None when node is unavailable."""
    node = shutil.which('node')
    if not node or not os.path.isdir(os.path.join(ROOT, 'node_modules', 'onnxruntime-node')):
        return None
    model = onnx.load(onnx_path)
    for name in expected:
        model.graph.output.append(onnx.helper.make_empty_tensor_value_info(name))
    with tempfile.TemporaryDirectory() as tmp:
        mpath = os.path.join(tmp, 'm.onnx')
        onnx.save(model, mpath)
        xpath = os.path.join(tmp, 'x.bin')
        x32.astype('<f4').tofile(xpath)
        script = (
            "const ort = require('onnxruntime-node'); const fs = require('fs');"
            "(async () => { const [m, xp, names, dims] = process.argv.slice(1);"
            "const s = await ort.InferenceSession.create(m);"
            "const b = fs.readFileSync(xp); const x = new Float32Array(b.buffer, b.byteOffset, b.length / 4);"
            "const out = await s.run({ [s.inputNames[0]]: new ort.Tensor('float32', x, JSON.parse(dims)) });"
            "const r = {}; for (const n of JSON.parse(names)) r[n] = Array.from(out[n].data);"
            "process.stdout.write(JSON.stringify(r)); })();"
        )
        args = [node, '-e', script, mpath, xpath, json.dumps(list(expected)), json.dumps(list(x32.shape))]
        res = subprocess.run(args, cwd=ROOT, check=True, capture_output=True, text=True)
    got = json.loads(res.stdout)
    diffs = {}
    for name, ref in expected.items():
        ref = np.asarray(ref, dtype=np.float64).reshape(-1)
        val = np.asarray(got[name], dtype=np.float64)
        assert val.shape == ref.shape, f'{name}: {val.shape} vs {ref.shape}'
        diffs[name] = float(np.abs(val - ref).max() / max(1.0, np.abs(ref).max()))
    return diffs


def grad_cam_torch(a, da, size):
    """Raw Grad-CAM map and the final one (ReLU, min-max, half-pixel bilinear to the input size, min-max again)."""
    raw = ref.gradcam(a, da)
    return raw, ref.final_map(raw, size)


# ---------------------------------------------------------------- generation

def generate(name, ctor, layers, fold_bn, seed):
    torch.manual_seed(seed)
    gen = torch.Generator().manual_seed(seed + 1000)
    model = ctor()
    randomize(model, gen)
    model.eval()

    # Image-like inputs (smooth random colour fields, different per image, plus a little noise) with 2 decimals
    # (compact JSON); the references use exactly their float32 values.
    n, c, h, w = INPUT_SHAPE
    coarse = torch.randn((n, c, 6, 6), generator=gen, dtype=torch.float64) * 1.5
    smooth = F.interpolate(coarse, size=(h, w), mode='bicubic', align_corners=False)
    noise = torch.randn(INPUT_SHAPE, generator=gen, dtype=torch.float64) * 0.2
    x_dec = torch.round((smooth + noise) * 100) / 100
    x32 = x_dec.float()

    onnx_path = os.path.join(OUT, f'{name}.onnx')
    torch.onnx.export(model, x32, onnx_path, opset_version=OPSET, input_names=['input'], output_names=['logits'],
                      dynamic_axes={'input': {0: 'batch'}, 'logits': {0: 'batch'}}, do_constant_folding=fold_bn,
                      training=torch.onnx.TrainingMode.EVAL if fold_bn else torch.onnx.TrainingMode.PRESERVE)
    proto = onnx.load(onnx_path)
    onnx.checker.check_model(proto)
    tensors = {lid: tensor_for_module(proto.graph, path) for lid, path in layers}

    # float64 references with autograd; module outputs captured by forward hooks (last call wins).
    m64 = model.double()
    captured = {}
    handles = []
    modules = dict(m64.named_modules())
    for lid, path in layers:
        def hook(_mod, _inp, out, lid=lid):
            out.retain_grad()
            captured[lid] = out
        handles.append(modules[path].register_forward_hook(hook))
    x64 = x32.double()
    logits = m64(x64)
    onehot = F.one_hot(torch.tensor(TARGETS), NUM_CLASSES).double()
    (logits * onehot).sum().backward()
    for h in handles:
        h.remove()

    verified = verify_with_onnxruntime(onnx_path, x32.numpy(),
                                       {tensors[lid][0]: captured[lid].detach().numpy() for lid, _ in layers})

    out_layers = []
    for lid, path in layers:
        a = captured[lid].detach()
        da = captured[lid].grad.detach()
        raw, final = grad_cam_torch(a, da, INPUT_SHAPE[2:])
        tensor, op = tensors[lid]
        out_layers.append({
            'id': lid,
            'module': path,
            'tensor': tensor,
            'opType': op,
            'dims': list(a.shape),
            'activation': sig7(a),
            'gradient': sig7(da),
            'rawCam': sig7(raw),
            'finalCam': sig7(final),
        })
        check = '' if verified is None else f', onnxruntime vs torch {verified[tensor]:.2e}'
        print(f'  {name} {lid}: module {path} -> {tensor} ({op}) {list(a.shape)}{check}')

    fixture = {
        'model': name,
        'onnx': f'{name}.onnx',
        'generator': f'tools/gen_e2e_fixtures.py (torch {torch.__version__}, onnx {onnx.__version__}, seed {seed})',
        'inputShape': list(INPUT_SHAPE),
        'input': [float(v) for v in x_dec.reshape(-1).tolist()],
        'targets': TARGETS,
        'numClasses': NUM_CLASSES,
        'logits': sig7(logits.detach()),
        'layers': out_layers,
    }
    json_path = os.path.join(OUT, f'{name}.json')
    with open(json_path, 'w') as f:
        json.dump(fixture, f, separators=(',', ':'))
    ops = sorted({n.op_type for n in proto.graph.node})
    print(f'{onnx_path}: {os.path.getsize(onnx_path)} bytes; {json_path}: {os.path.getsize(json_path)} bytes')
    print(f'  ops: {", ".join(ops)}')


def main(names):
    torch.set_num_threads(2)
    os.makedirs(OUT, exist_ok=True)
    for seed, (name, ctor, layers, fold_bn) in enumerate(MODELS):
        if not names or name in names:
            generate(name, ctor, layers, fold_bn, seed)


if __name__ == '__main__':
    main(sys.argv[1:])
