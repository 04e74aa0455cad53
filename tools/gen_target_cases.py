#!/usr/bin/python3
"""test/fixtures/targets/seeds.json: per target kind (det:0 in both detection layouts), random score tensors of one image, f written from its definition
in torch float64 and df/d(scores) by autograd (the seed gcam's targets compute by hand; test/targets.test.ts).

Run with Debian's python3-torch: /usr/bin/python3 tools/gen_target_cases.py
"""
import json
import os

import numpy as np
import torch
import torch.nn.functional as F

OUT = os.path.join(os.path.dirname(os.path.abspath(__file__)), '..', 'test', 'fixtures', 'targets', 'seeds.json')


def case(target, dims, activation, scores, f, files=None):
    s = torch.tensor(scores, dtype=torch.float64, requires_grad=True)
    value = f(s)
    value.backward()
    return {'target': target, 'dims': dims, 'activation': activation, 'scores': s.detach().reshape(-1).tolist(),
            'value': float(value), 'seed': s.grad.reshape(-1).tolist(), 'files': files or {}}


def main():
    rng = np.random.default_rng(3)
    out = []
    z = rng.standard_normal(7) * 3
    out.append(case('prob:2', [7], 'softmax', z, lambda s: torch.softmax(s, 0)[2]))
    out.append(case('prob:2', [7], 'none', z, lambda s: torch.softmax(s, 0)[2]))
    out.append(case('prob:5', [7], 'sigmoid', z, lambda s: torch.sigmoid(s[5])))
    out.append(case('class:4', [7], 'none', z, lambda s: s[4]))
    out.append(case('binary', [1], 'sigmoid', z[:1], lambda s: s[0]))
    out.append(case('binary:0', [1], 'none', z[:1], lambda s: -s[0]))
    out.append(case('raw', [2, 3], 'none', rng.standard_normal((2, 3)), lambda s: s.sum()))
    out.append(case('raw:4', [2, 3], 'none', rng.standard_normal((2, 3)), lambda s: s.reshape(-1)[4]))
    seg = rng.standard_normal((4, 5, 6))
    out.append(case('seg:1', [4, 5, 6], 'none', seg, lambda s: (s[1] * (s.detach().argmax(0) == 1)).sum()))
    mask = (rng.random((5, 6)) > 0.5).astype(np.float64)
    out.append(case('seg:2:m.npy', [4, 5, 6], 'none', seg, lambda s: (s[2] * torch.tensor(mask)).sum(),
                    {'m.npy': {'dims': [5, 6], 'data': mask.reshape(-1).tolist()}}))
    e = rng.standard_normal((3, 4))
    r = rng.standard_normal(12)
    out.append(case('similarity:r.npy', [3, 4], 'none', e,
                    lambda s: F.cosine_similarity(s.reshape(-1), torch.tensor(r), dim=0, eps=1e-8),
                    {'r.npy': {'dims': [12], 'data': r.tolist()}}))
    # det:0 is the best-scoring box (NMS never removes it): the largest class score over anchors and classes.
    v8 = rng.random((4 + 3, 10)) * 50
    out.append(case('det:0', [7, 10], 'none', v8, lambda s: s[4:].max()))
    v5 = rng.random((12, 5 + 2)) * 50
    v5[:, 4:] = rng.random((12, 3))
    out.append(case('det:0', [12, 7], 'none', v5, lambda s: (s[:, 4:5] * s[:, 5:]).max()))
    with open(OUT, 'w') as f:
        json.dump(out, f, separators=(',', ':'))
    print(f'{OUT}: {len(out)} cases')


if __name__ == '__main__':
    main()
