#!/usr/bin/env bash
# The torchvision zoo suite (npm run test:zoo): generate the models and their torch references (cached in
# .cache/zoo, or $GCAM_ZOO_DIR; see tools/gen_zoo.py), the 3-D zoo (.cache/zoo3d, or $GCAM_ZOO3D_DIR; see
# tools/gen_volume_zoo.py) and the 1-D zoo (.cache/zoo1d, or $GCAM_ZOO1D_DIR; see tools/gen_signal_zoo.py), then run
# test/zoo/*.test.ts against them.
# Without Debian's python3-torch, python3-torchvision and python3-onnx it skips with one line and exits 0.
# Arguments are passed to the generator (architecture names, --force).
set -euo pipefail
cd "$(dirname "$0")/.."
PY=${GCAM_PYTHON:-/usr/bin/python3}
if ! "$PY" -c 'import torch, torchvision, onnx' >/dev/null 2>&1; then
  echo "zoo suite skipped: $PY cannot import torch, torchvision and onnx (apt-get install python3-torch python3-torchvision python3-onnx)"
  exit 0
fi
start=$(date +%s)
# torch.onnx prints a page of TracerWarnings per export: they are about Python control flow frozen at the traced
# sizes, which is what a fixed-size export means.
PYTHONWARNINGS=ignore "$PY" tools/gen_zoo.py "$@"
# The 3-D zoo takes no architecture names (its own are densenet3d, resnet3d, r3d_18); --force is passed on.
PYTHONWARNINGS=ignore "$PY" tools/gen_volume_zoo.py $(printf '%s\n' "$@" | grep -x -- --force || true)
# So does the 1-D zoo (resnet1d, cnn1d).
PYTHONWARNINGS=ignore "$PY" tools/gen_signal_zoo.py $(printf '%s\n' "$@" | grep -x -- --force || true)
generated=$(date +%s)
status=0
node --import tsx --test --test-concurrency=1 test/zoo/*.test.ts || status=$?
echo "zoo suite: generation $((generated - start)) s, tests $(($(date +%s) - generated)) s"
exit $status
