#!/usr/bin/env bash
# The target suite: generate the segmentation and embedding models with their float64 torch references (cached in
# .cache/targets, or $GCAM_TARGETS_DIR; see tools/gen_targets.py), then run test/targets/torch.test.ts against them.
# Without Debian's python3-torch, python3-torchvision and python3-onnx it skips with one line and exits 0.
set -euo pipefail
cd "$(dirname "$0")/.."
PY=${GCAM_PYTHON:-/usr/bin/python3}
if ! "$PY" -c 'import torch, torchvision, onnx' >/dev/null 2>&1; then
  echo "target suite skipped: $PY cannot import torch, torchvision and onnx"
  exit 0
fi
start=$(date +%s)
PYTHONWARNINGS=ignore "$PY" tools/gen_targets.py "$@"
generated=$(date +%s)
status=0
node --import tsx --test --test-concurrency=1 test/targets/torch.test.ts || status=$?
echo "target suite: generation $((generated - start)) s, tests $(($(date +%s) - generated)) s"
exit $status
