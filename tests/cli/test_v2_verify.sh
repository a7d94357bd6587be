#!/usr/bin/env bash
# tests/cli/test_v2_verify.sh - `hta verify` on the v2 engine's Verilator
# models (sim:cfg=v2tiny, sim:cfg=v2small; docs/engine-v2.md): the
# Fashion-MNIST models of models/ (the committed INT8 one and the TWN,
# hybrid 25 / 50 % and strassen-free "sq" ONNX files imported here) on both,
# and MobileNet-V1 0.25/128 hybrid:0.5 and MobileNet-V2 0.35/96 hybrid:0.5
# (a graph) from the zoo on v2small, bit-exact with the cpu device on every
# layer. About a minute.
# Prints PASS/FAIL lines and "N passed, N failed".
set -uo pipefail
HTA=${HTA:-build/hta}
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
source tests/support/check.sh

models=(models/fmnist_float_int8.hta)
for m in twn hybrid25 hybrid50 sq; do
  if $HTA import models/fmnist_$m.onnx -o "$tmp/fmnist_$m.hta" --calib-n 100 > /dev/null 2>&1; then
    models+=("$tmp/fmnist_$m.hta")
  else
    fail "import fmnist_$m.onnx" "hta import failed"
  fi
done
for cfg in v2tiny v2small; do
  for m in "${models[@]}"; do
    expect "verify $(basename "$m") on sim:cfg=$cfg" 0 "^verify: OK: sim:cfg=$cfg is bit-exact" \
      -- $HTA verify --device sim:cfg=$cfg --model "$m" --inputs 1 --seed 3
  done
done
$HTA zoo mobilenet-v1 --width 0.25 --resolution 128 --plan hybrid:0.5 --seed 4 \
  -o "$tmp/mn.hta" > /dev/null || fail "zoo mobilenet-v1 0.25/128 hybrid:0.5" "could not generate"
expect "verify mobilenet-v1 0.25/128 hybrid:0.5 on sim:cfg=v2small" 0 \
  "^verify: OK: sim:cfg=v2small is bit-exact" \
  -- $HTA verify --device sim:cfg=v2small --model "$tmp/mn.hta" --inputs 1 --seed 5
# a graph: MobileNet-V2's residual ADDs on the graph-op unit, the rest on the core
$HTA zoo mobilenet-v2 --width 0.35 --resolution 96 --plan hybrid:0.5 --seed 6 \
  -o "$tmp/mn2.hta" > /dev/null || fail "zoo mobilenet-v2 0.35/96 hybrid:0.5" "could not generate"
expect "verify mobilenet-v2 0.35/96 hybrid:0.5 on sim:cfg=v2small" 0 \
  "^verify: OK: sim:cfg=v2small is bit-exact" \
  -- $HTA verify --device sim:cfg=v2small --model "$tmp/mn2.hta" --inputs 1 --seed 7
summary
