#!/usr/bin/env bash
# tests/cli/test_v2_verify.sh - `hta verify` on the v2 engine's Verilator
# models (sim:cfg=v2tiny, v2tiny512 (a 512-bit bus), v2small; docs/engine-v2.md): the
# Fashion-MNIST models of models/ (the committed INT8 one and the TWN,
# hybrid 25 / 50 % and strassen-free "sq" ONNX files imported here) on both,
# and MobileNet-V1 0.25/128 hybrid:0.5 and MobileNet-V2 0.35/96 hybrid:0.5
# (a graph), ResNet-18/32 int8 and hybrid:0.5 and ResNet-50/32 hybrid:0.5
# from the zoo on v2small, MobileNet-V1's STRASSEN plans, bit-exact with the
# cpu device on every layer;
# batches in batch programs (weights loaded once per start) the same.
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
# STRASSEN filters (compile_v2.c, lower_strassen: hidden units into the
# scratch region, then a 1x1 convolution over them), alone and beside INT8
# filters, and in a batch program (the MAC-only core: test_v2_networks)
for plan in hybrid:0.5:strassen:1 strassen:0.5; do
  $HTA zoo mobilenet-v1 --width 0.25 --resolution 128 --plan $plan --seed 16 \
    -o "$tmp/mns.hta" > /dev/null || fail "zoo mobilenet-v1 0.25/128 $plan" "could not generate"
  for cfg in v2small v2tiny; do
    expect "verify mobilenet-v1 0.25/128 $plan on sim:cfg=$cfg" 0 \
      "^verify: OK: sim:cfg=$cfg is bit-exact" \
      -- $HTA verify --device sim:cfg=$cfg --model "$tmp/mns.hta" --inputs 1 --seed 17
  done
done
expect "verify mobilenet-v1 0.25/128 strassen:0.5 batch of 2 on sim:cfg=v2tiny512" 0 \
  "^verify: OK: sim:cfg=v2tiny512 is bit-exact" \
  -- $HTA verify --device sim:cfg=v2tiny512 --model "$tmp/mns.hta" --inputs 2 --seed 18
# Batch programs (hta_compile_batch: up to 8 inputs in one start, each
# weight block loaded once): a batch of 10 runs as starts of 8 and 2, a graph
# (MobileNet-V2's ADDs repeated per item) and ResNet-18 in starts of 3 and 2
expect "verify fmnist_float_int8 batch of 10 on sim:cfg=v2tiny (batch programs of 8 and 2)" 0 \
  "^verify: OK: sim:cfg=v2tiny is bit-exact" \
  -- $HTA verify --device sim:cfg=v2tiny --model models/fmnist_float_int8.hta --inputs 10 --seed 12
expect "verify mobilenet-v2 0.35/96 hybrid:0.5 batch of 3 on sim:cfg=v2small" 0 \
  "^verify: OK: sim:cfg=v2small is bit-exact" \
  -- $HTA verify --device sim:cfg=v2small --model "$tmp/mn2.hta" --inputs 3 --seed 13
expect "verify resnet-18/32 hybrid:0.5 batch of 2 on sim:cfg=v2small" 0 \
  "^verify: OK: sim:cfg=v2small is bit-exact" \
  -- $HTA verify --device sim:cfg=v2small --model "$tmp/rn18.hta" --inputs 2 --seed 14
# ... and the weights are read once per start: each item after the first
# reads less than a single inference does beyond its program (weights,
# records, scales: `hta info`'s program bytes)
pbytes=$($HTA info --cfg v2small "$tmp/mn.hta" | sed -n 's/.*program \([0-9]*\) bytes.*/\1/p')
b1=$($HTA bench --device sim:cfg=v2small --model "$tmp/mn.hta" --batch 1 --json)
b4=$($HTA bench --device sim:cfg=v2small --model "$tmp/mn.hta" --batch 4 --json)
if python3 -c "
import json, sys
p, r1, r4 = int(sys.argv[1]), json.loads(sys.argv[2])['bytes_rd'], json.loads(sys.argv[3])['bytes_rd']
print('program %d bytes, read: batch 1 %d, batch 4 %d (4 starts of 1: %d)' % (p, r1, r4, 4 * r1))
sys.exit(0 if p > 0 and r4 <= r1 + 3 * (r1 - 0.95 * p) else 1)" "${pbytes:-0}" "$b1" "$b4"; then
  pass "bench: a batch of 4 on sim:cfg=v2small reads the weights once"
else
  fail "bench: a batch of 4 on sim:cfg=v2small reads the weights once" "read as much as 4 starts"
fi
# where a start of 4 does not fit the device's memory (3 MiB: program
# 0.86 MB + 4 data windows of 0.61 MB), starts of 2: still bit-exact, and
# reading the weights twice (between one start of 4 and four of 1)
expect "verify mobilenet-v1 0.25/128 batch of 4 on sim:cfg=v2small,mem_mb=3 (starts of 2)" 0 \
  "^verify: OK: sim:cfg=v2small,mem_mb=3 is bit-exact" \
  -- $HTA verify --device sim:cfg=v2small,mem_mb=3 --model "$tmp/mn.hta" --inputs 4 --seed 15
b4s=$($HTA bench --device sim:cfg=v2small,mem_mb=3 --model "$tmp/mn.hta" --batch 4 --json)
if python3 -c "
import json, sys
r1, r4, r4s = (json.loads(a)['bytes_rd'] for a in sys.argv[1:4])
print('read: batch 4 in 3 MiB %d (one start of 4: %d, four of 1: %d)' % (r4s, r4, 4 * r1))
sys.exit(0 if r4 < r4s < 4 * r1 else 1)" "$b1" "$b4" "$b4s"; then
  pass "bench: a batch of 4 in 3 MiB runs as starts of 2"
else
  fail "bench: a batch of 4 in 3 MiB runs as starts of 2" "bytes read do not say so"
fi
summary
