#!/usr/bin/python3
"""Writes test/fixtures/vjp/<group>.json for each module in tools/vjp_cases (or the groups named on the command line).

Run with Debian's python3-torch and python3-onnx: /usr/bin/python3 tools/gen_vjp_cases.py
Each module defines cases() -> list of dicts made by vjp_cases.common.make_case. Fixed seeds: output is reproducible.
"""
import importlib
import json
import os
import pkgutil
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
OUT = os.path.join(HERE, '..', 'test', 'fixtures', 'vjp')

import vjp_cases  # noqa: E402


def main(groups):
    os.makedirs(OUT, exist_ok=True)
    names = [m.name for m in pkgutil.iter_modules(vjp_cases.__path__) if m.name != 'common']
    for g in groups or names:
        mod = importlib.import_module(f'vjp_cases.{g}')
        cases = mod.cases()
        seen = set()
        for c in cases:
            assert c['name'] not in seen, c['name']
            seen.add(c['name'])
        path = os.path.join(OUT, f'{g}.json')
        with open(path, 'w') as f:
            json.dump(cases, f, separators=(',', ':'))
        print(f'{path}: {len(cases)} cases')


if __name__ == '__main__':
    main(sys.argv[1:])
