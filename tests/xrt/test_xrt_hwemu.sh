#!/usr/bin/env bash
# tests/xrt/test_xrt_hwemu.sh - the xrt backend end to end under XRT 2.13's
# hardware emulation: `hta xclbin --emu` packs our Verilator device process
# into an xclbin; unmodified XRT (libxrt_coreutil + Debian's libxrt_hwemu)
# starts it and drives the RTL through its remote calls. Two XRT sessions
# (each costs 10-20 s of XRT's own fixed waits): test_xrt_hwemu_api (a too
# short timeout, then every layer bit-exact with cpu and per-layer cycles
# equal to sim's), and `hta bench`, which must print sim's cycles.
# Run from the repository root; prints PASS/FAIL lines and "N passed, N failed".
set -uo pipefail
HTA=${HTA:-build/hta}
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
source tests/support/check.sh

if "$HTA" xclbin --emu -o "$tmp/hta_emu.xclbin" >"$tmp/log" 2>&1; then
  pass "xclbin --emu writes an emulation xclbin"
else
  fail "xclbin --emu writes an emulation xclbin" "$(head -c 300 "$tmp/log")"
fi
"$HTA" zoo mobilenet-v1 --width 0.25 --resolution 128 --plan hybrid:0.5 --seed 3 \
  -o "$tmp/m.hta" >/dev/null || fail "zoo model" "hta zoo failed"
dev="xrt:0:xclbin=$tmp/hta_emu.xclbin"

# 1: through the API in one XRT session: a too short timeout reports the
# registers, then a run gives every layer bit-exact with cpu and sim's cycles
SECONDS=0
out=$(timeout 300 "${HWEMU_API:-build/tests/test_xrt_hwemu_api}" "$tmp/hta_emu.xclbin" 2>&1)
st=$?
secs=$SECONDS
grep -E '^(PASS|FAIL) ' <<<"$out"
summary=$(grep -E '^[0-9]+ passed, [0-9]+ failed$' <<<"$out" | tail -1)
if [[ $st -eq 0 && -n $summary ]]; then
  passed=$((passed + ${summary%% passed*}))
  echo "(API session: ${secs} s)"
else
  fail "hw_emu: API session" "exit $st: $(grep -v '^INFO' <<<"$out" | tail -c 600)"
fi

# 2: bench cycles equal the sim device's; with --json, stdout holds the JSON
# object alone (XRT's own INFO lines are diverted to stderr)
timeout 300 "$HTA" bench --device "$dev" --model "$tmp/m.hta" --seed 2 --json \
  >"$tmp/xrt.out" 2>"$tmp/xrt.err"
st_x=$?
"$HTA" bench --device sim --model "$tmp/m.hta" --seed 2 --json >"$tmp/sim.out" 2>"$tmp/sim.err"
st_s=$?
cmp=$(python3 - "$tmp/xrt.out" "$tmp/sim.out" <<'PY' 2>&1
import json, sys
def load(p):
    return json.load(open(p))
x, s = load(sys.argv[1]), load(sys.argv[2])
assert x["device"].startswith("xrt") and s["device"] == "sim", (x["device"], s["device"])
assert x["total_cycles"] > 0
assert x["total_cycles"] == s["total_cycles"], ("total", x["total_cycles"], s["total_cycles"])
xl = [l["cycles"] for l in x["layers"]]
sl = [l["cycles"] for l in s["layers"]]
assert xl == sl, ("layers", xl, sl)
print("%d layers, %d cycles" % (len(xl), x["total_cycles"]))
PY
)
if [[ $st_x -eq 0 && $st_s -eq 0 ]] && [[ $cmp == *cycles ]]; then
  pass "hw_emu: bench per-layer and total cycles equal sim's ($cmp)"
else
  fail "hw_emu: bench cycles equal sim's" \
    "exit xrt $st_x sim $st_s: $cmp $(tail -c 400 "$tmp/xrt.err")"
fi

# 3: an index XRT does not have is refused, naming the index and the count
# (XRT itself opened device 0 for any index)
python3 - "$tmp/x.npy" <<'PY'
import struct, sys
d = "{'descr': '|i1', 'fortran_order': False, 'shape': (128, 128, 3), }"
h = d + " " * ((64 - (10 + len(d) + 1) % 64) % 64) + "\n"
open(sys.argv[1], "wb").write(b"\x93NUMPY\x01\x00" + struct.pack("<H", len(h)) + h.encode()
                              + bytes(128 * 128 * 3))
PY
expect "hw_emu: xrt:99 is refused, naming the index and the device count" 1 \
  "no XRT device 99: XRT sees 1 device \(index 0\.\.0\)" -- \
  timeout 300 "$HTA" run --device "xrt:99:xclbin=$tmp/hta_emu.xclbin" --model "$tmp/m.hta" \
  --input "$tmp/x.npy" --output "$tmp/o.npy"
# 4: the text bench prints no simulation speed: XRT's emulation counts no
# simulated cycles here (it printed "simulation speed 0 kcycles/s")
timeout 300 "$HTA" bench --device "$dev" --model "$tmp/m.hta" >"$tmp/xt.out" 2>"$tmp/xt.err"
st=$?
if [[ $st -eq 0 ]] && grep -q "^cycles per inference" "$tmp/xt.out" &&
   ! grep -q "simulation speed" "$tmp/xt.out"; then
  pass "hw_emu: text bench prints cycles and no simulation speed"
else
  fail "hw_emu: text bench prints no simulation speed" \
    "exit $st: $(grep -E 'simulation|cycles per' "$tmp/xt.out") $(tail -c 300 "$tmp/xt.err")"
fi

# 6: SIGTERM in the middle of a session: hta removes the emulation folder
# (TMPDIR) and XRT's two sockets (/tmp/$USER/*_PID) before it dies
mkdir -p "$tmp/tx"
# (a session that ends with status 1 instead, as XRT's does when one of its
# threads fails on the folder being removed and calls exit() before our
# handler re-raises the signal, is tried again, up to three times)
for try in 1 2 3; do
  res=$(TMPDIR="$tmp/tx" python3 tests/support/sigrun.py TERM "$tmp/tx/hta-xrt-*/.run" -- \
        "$HTA" bench --device "$dev" --model "$tmp/m.hta" 2>/dev/null | tail -1)
  [[ ${res%% *} == 143 ]] && break
done
pid=${res#* }
sleep 1
socks=$(ls /tmp/"${USER:-root}" 2>/dev/null | grep -E "_${pid}\$")
if [[ ${res%% *} == 143 && -z $(ls -A "$tmp/tx") && -z $socks ]]; then
  pass "hw_emu: SIGTERM mid-session leaves no emulation folder and no socket"
else
  fail "hw_emu: SIGTERM mid-session cleans up" \
    "status/pid '$res', left: $(ls -A "$tmp/tx") sockets: $socks"
fi

# 5: the device process ended with the session (XRT waits for it and says so)
if grep -q "All the simulator processes exited successfully" "$tmp/xrt.err" &&
   grep -q "All the simulator processes exited successfully" <<<"$out"; then
  pass "hw_emu: device process exits on xclClose"
else
  fail "hw_emu: device process exits on xclClose" "no exit message from XRT"
fi

summary
