#!/usr/bin/env bash
# tests/cli/test_v2_verify.sh - `hta verify` on the v2 engine's Verilator
# models (sim:cfg=v2tiny, v2tiny512 (a 512-bit bus), v2small; docs/engine-v2.md): the
# Fashion-MNIST models of models/ (the committed INT8 one and the TWN,
# hybrid 25 / 50 % and strassen-free "sq" ONNX files imported here) on both,
# and MobileNet-V1 0.25/128 hybrid:0.5 and MobileNet-V2 0.35/96 hybrid:0.5
# (a graph), ResNet-18/32 int8 and hybrid:0.5 and ResNet-50/32 hybrid:0.5
# from the zoo on v2small, bit-exact with the cpu device on every layer.
# About two minutes of CPU.
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
for cfg in v2tiny v2tiny512 v2small; do
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
# ResNet-18 (v2small's WDepth 1024 holds its 3x3x512 layers, K = 576
# blocks): max pool and residual ADDs on the graph-op unit, int8 and hybrid
for plan in int8 hybrid:0.5; do
  $HTA zoo resnet-18 --resolution 32 --plan $plan --seed 8 -o "$tmp/rn18.hta" > /dev/null \
    || fail "zoo resnet-18/32 $plan" "could not generate"
  expect "verify resnet-18/32 $plan on sim:cfg=v2small" 0 \
    "^verify: OK: sim:cfg=v2small is bit-exact" \
    -- $HTA verify --device sim:cfg=v2small --model "$tmp/rn18.hta" --inputs 1 --seed 9
done
# ResNet-50: its 1x1 layers of 2048 channels (256 blocks of Ci 8) run as
# half-pixels under a 1x2 kernel (compile_v2.c, emit_halves)
$HTA zoo resnet-50 --resolution 32 --plan hybrid:0.5 --seed 10 -o "$tmp/rn50.hta" > /dev/null \
  || fail "zoo resnet-50/32 hybrid:0.5" "could not generate"
expect "verify resnet-50/32 hybrid:0.5 on sim:cfg=v2small" 0 \
  "^verify: OK: sim:cfg=v2small is bit-exact" \
  -- $HTA verify --device sim:cfg=v2small --model "$tmp/rn50.hta" --inputs 1 --seed 11
summary
