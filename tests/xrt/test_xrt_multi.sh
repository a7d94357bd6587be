#!/usr/bin/env bash
# tests/xrt/test_xrt_multi.sh - two XRT devices in one process under XRT
# 2.13's hardware emulation: HTA_XRT_EMU_DEVICES=2 makes the emulation show
# two cards; `hta eval --device xrt:0,1:xclbin=F` opens both (one thread
# each, each loading its own xclbin and starting its own device process) and
# splits the items between them; the result must equal the sim device's in
# every field but wall time and device name (cycles included); the same for
# a batch of `hta bench`. Two hw_emu sessions (~20 s each: both devices start
# at once); the refusals cost no session.
# Run from the repository root; prints PASS/FAIL lines and "N passed, N failed".
set -uo pipefail
HTA=${HTA:-build/hta}
MODEL=$PWD/models/fmnist_float_int8.hta
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
source tests/support/check.sh

"$HTA" xclbin --emu -o "$tmp/emu.xclbin" >"$tmp/log" 2>&1 ||
  fail "xclbin --emu" "$(head -c 300 "$tmp/log")"

# without HTA_XRT_EMU_DEVICES, emulation shows one device: xrt:1 is refused,
# naming the count and the variable
expect "xrt:1 with one emulated device is refused, naming the count and HTA_XRT_EMU_DEVICES" 1 \
  "no XRT device 1: XRT sees 1 device \(index 0\.\.0\); XRT's hardware emulation shows HTA_XRT_EMU_DEVICES" -- \
  timeout 120 "$HTA" eval --device "xrt:1:xclbin=$tmp/emu.xclbin" --model "$MODEL" \
  --dataset fashion-mnist --limit 2
expect "a bad HTA_XRT_EMU_DEVICES is named" 1 \
  "HTA_XRT_EMU_DEVICES='17': the number of emulated devices, 1 to 16" -- \
  env HTA_XRT_EMU_DEVICES=17 timeout 120 "$HTA" eval --device "xrt:0:xclbin=$tmp/emu.xclbin" \
  --model "$MODEL" --dataset fashion-mnist --limit 2
expect "two emulated devices: xrt:2 is refused, naming the count" 1 \
  "no XRT device 2: XRT sees 2 devices \(index 0\.\.1\)" -- \
  env HTA_XRT_EMU_DEVICES=2 timeout 120 "$HTA" eval --device "xrt:2:xclbin=$tmp/emu.xclbin" \
  --model "$MODEL" --dataset fashion-mnist --limit 2

# the session: 8 images in batches of 2 over two devices vs sim
SECONDS=0
HTA_XRT_EMU_DEVICES=2 timeout 300 "$HTA" eval --device "xrt:0,1:xclbin=$tmp/emu.xclbin" \
  --model "$MODEL" --dataset fashion-mnist --limit 8 --batch 2 --json >"$tmp/x.out" 2>"$tmp/x.err"
st_x=$? secs=$SECONDS
timeout 300 "$HTA" eval --device sim --model "$MODEL" --dataset fashion-mnist --limit 8 \
  --batch 2 --json >"$tmp/s.out" 2>"$tmp/s.err"
st_s=$?
cmp=$(python3 - "$tmp/x.out" "$tmp/s.out" <<'PY' 2>&1
import json, sys
x, s = (json.load(open(p)) for p in sys.argv[1:3])
assert x["device"].startswith("xrt:0,1") and s["device"] == "sim", (x["device"], s["device"])
skip = {"wall_s", "device"}
assert set(x) - skip == set(s) - skip, ("fields", sorted(set(x) ^ set(s)))
diff = [k for k in sorted(set(x) - skip) if x[k] != s[k]]
assert not diff, ["%s: xrt %r sim %r" % (k, x[k], s[k]) for k in diff]
assert x["n"] == 8 and x["cycles"] > 0
print("top-1 %d/%d, %d cycles" % (x["correct"], x["n"], x["cycles"]))
PY
)
if [[ $st_x -eq 0 && $st_s -eq 0 && $cmp == top-1* ]]; then
  pass "xrt:0,1 (two emulated devices) equals sim: $cmp (${secs} s)"
else
  fail "xrt:0,1 equals sim" "exit xrt $st_x sim $st_s: $cmp $(grep -v '^INFO' "$tmp/x.err" | tail -c 600)"
fi
# both devices ran: XRT unpacked a device process for each, and both exited
d0=$(grep -c "hw_em/device0/" "$tmp/x.err") d1=$(grep -c "hw_em/device1/" "$tmp/x.err")
ex=$(grep -c "All the simulator processes exited successfully" "$tmp/x.err")
if [[ $d0 -gt 0 && $d1 -gt 0 && $ex -eq 2 ]]; then
  pass "each device ran its own device process, and both exited at close"
else
  fail "two device processes" "device0 lines $d0, device1 lines $d1, exits $ex"
fi

# a batch: hta bench --batch 4 over the two devices, every figure (per-layer
# cycles, counters) equal to sim's but wall time, speed and device name
SECONDS=0
HTA_XRT_EMU_DEVICES=2 timeout 300 "$HTA" bench --device "xrt:0,1:xclbin=$tmp/emu.xclbin" \
  --model "$MODEL" --batch 4 --seed 2 --json >"$tmp/bx.out" 2>"$tmp/bx.err"
st_x=$? secs=$SECONDS
timeout 300 "$HTA" bench --device sim --model "$MODEL" --batch 4 --seed 2 --json \
  >"$tmp/bs.out" 2>"$tmp/bs.err"
st_s=$?
cmp=$(python3 - "$tmp/bx.out" "$tmp/bs.out" <<'PY' 2>&1
import json, sys
x, s = (json.load(open(p)) for p in sys.argv[1:3])
skip = {"wall_s", "device", "inferences_per_s", "sim_cycles_per_s"}
assert set(x) == set(s), ("fields", sorted(set(x) ^ set(s)))
diff = [k for k in sorted(set(x) - skip) if x[k] != s[k]]
assert not diff, ["%s: xrt %r sim %r" % (k, x[k], s[k]) for k in diff]
assert x["batch"] == 4 and x["total_cycles"] > 0
print("%d layers, %d cycles" % (len(x["layers"]), x["total_cycles"]))
PY
)
ex=$(grep -c "All the simulator processes exited successfully" "$tmp/bx.err")
if [[ $st_x -eq 0 && $st_s -eq 0 && $cmp == *cycles && $ex -eq 2 ]]; then
  pass "bench --batch 4 on xrt:0,1 equals sim: $cmp (${secs} s)"
else
  fail "bench on xrt:0,1 equals sim" \
    "exit xrt $st_x sim $st_s, $ex device exits: $cmp $(grep -v '^INFO' "$tmp/bx.err" | tail -c 600)"
fi
summary
