#!/usr/bin/env bash
# tests/train/test_models.sh - run the model contract check (test_models.py) with
# Debian's python; a missing module is reported as a failure, not a skip.
set -uo pipefail
cd "$(dirname "$0")/../.."
if ! /usr/bin/python3 -c "import onnx, numpy" 2>/dev/null; then
  echo "FAIL python modules: /usr/bin/python3 cannot import onnx and numpy (make deps)"
  echo "0 passed, 1 failed"
  exit 1
fi
exec /usr/bin/python3 tests/train/test_models.py
