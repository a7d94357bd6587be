#!/usr/bin/env bash
# tests/usb/test_usb.sh - libhta's usb device end to end, through the real
# libusb and an emulated USB device (umockdev) whose endpoints feed the
# Verilator RTL of hw/usb/hta_usb_sys.sv (link bridge + engine):
#   - the link protocol through libusb (test_usb_proto),
#   - seeded random layer chains bit-exact with cpu, cycles equal to sim
#     (test_usb_e2e),
#   - `hta run` and `hta bench --device usb` on MobileNet-V1 0.25/128,
#   - faults, each ending in a clear error within a measured bound: the
#     device vanishes mid-transfer, a corrupted frame (recovered by a retry;
#     persistent: a CRC error), the device stops answering; no device,
#     another device, a wrong serial, permission denied.
# Run from the repository root after the build. About a minute of CPU.
# Prints PASS/FAIL lines and "N passed, N failed".
set -uo pipefail
B=${BUILD:-build}
L=$B/sim/usb/usb_launcher
HTA=$B/hta
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
source tests/support/check.sh
now() { date +%s.%N; }
# elapsed START -> seconds with 2 decimals
elapsed() { awk -v a="$1" -v b="$(now)" 'BEGIN { printf "%.2f", b - a }'; }
# within X LO HI: LO <= X < HI
within() { awk -v x="$1" -v lo="$2" -v hi="$3" 'BEGIN { exit !(x >= lo && x < hi) }'; }

for f in "$L" "$B/sim/usb/usb_launcher_ref" "$HTA" "$B/tests/test_usb_proto" \
         "$B/tests/test_usb_e2e" "$B/tests/san/test_usb_e2e"; do
  if [[ ! -x $f ]]; then
    fail "built: $f" "missing (make $f)"
    echo "$passed passed, $failed failed"
    exit 1
  fi
done

# Forward a C test's PASS/FAIL lines and add up its counts.
forward() {
  local name=$1 out=$2 rc=$3 p f
  grep -E '^(PASS|FAIL) |^# ' <<<"$out" | sed "s/^\(PASS\|FAIL\) /\1 $name: /"
  p=$(grep -c '^PASS ' <<<"$out") f=$(grep -c '^FAIL ' <<<"$out")
  passed=$((passed + p)) failed=$((failed + f))
  if ! grep -qE '^[0-9]+ passed, 0 failed$' <<<"$out" || [[ $rc -ne 0 ]]; then
    [[ $f -eq 0 ]] && fail "$name" "exit $rc without a clean summary: $(tail -3 <<<"$out")"
  fi
}

# ---- the protocol, and random chains vs cpu and sim ----
out=$($L --timeout 120 -- $B/tests/test_usb_proto 24 7 2>&1); forward proto "$out" $?
# The C++ reference of the device side answers the same (a cross-check of
# the reference, which the engine-timeout test below uses).
out=$($B/sim/usb/usb_launcher_ref --timeout 120 -- $B/tests/test_usb_proto 24 7 2>&1)
forward proto-ref "$out" $?
t0=$(now)
out=$($L --timeout 300 -- $B/tests/test_usb_e2e usb 3 11 2>&1); forward e2e "$out" $?
echo "# 3 random chains (batch 2) on cpu, sim and usb: $(elapsed "$t0") s"

# ---- the CLI: hta run and hta bench on a small model, hta run on a MobileNet ----
C=$tmp/chain.hta
$B/tests/test_usb_e2e --save $C 11001
# cli_run NAME MODEL INPUT-BYTES: hta run on cpu, sim and usb; usb's output
# must equal cpu's and its cycles sim's.
cli_run() {
  local name=$1 m=$2 x=$tmp/$1.in sim_cycles usb_cycles out t0
  head -c "$3" /dev/urandom > "$x"
  $HTA run --device cpu --model "$m" --input "$x" --raw --output "$x.cpu" >/dev/null 2>&1
  sim_cycles=$($HTA run --device sim --model "$m" --input "$x" --raw --output "$x.sim" \
               --stats 2>&1 | sed -n 's/^1 input(s): \([0-9]*\) cycles.*/\1/p')
  t0=$(now)
  out=$($L --timeout 300 --stats -- $HTA run --device usb:1209:0001 --model "$m" --input "$x" \
        --raw --output "$x.usb" --stats 2>&1)
  echo "# hta run --device usb ($name): $(elapsed "$t0") s"
  sed -n 's/^usb_launcher: /#   launcher: /p' <<<"$out"
  if cmp -s "$x.cpu" "$x.usb"; then pass "hta run --device usb ($name): output bit-exact with cpu"
  else fail "hta run --device usb ($name): output bit-exact with cpu" "$(tail -2 <<<"$out")"; fi
  usb_cycles=$(sed -n 's/^1 input(s): \([0-9]*\) cycles.*/\1/p' <<<"$out")
  [[ -n $sim_cycles && $usb_cycles == "$sim_cycles" ]] \
    && pass "hta run ($name): usb cycles == sim ($usb_cycles)" \
    || fail "hta run ($name): usb cycles == sim" "sim '$sim_cycles', usb '$usb_cycles'"
}
cli_run chain $C $((3 * 7 * 2))
cyc() {
  python3 -c 'import json, sys
d = json.load(sys.stdin)
print(d["total_cycles"], [l["cycles"] for l in d["layers"]])' 2>/dev/null
}
a=$($HTA bench --device sim --model $C --batch 3 --json 2>/dev/null | cyc)
b=$($L --timeout 120 -- $HTA bench --device usb --model $C --batch 3 --json 2>/dev/null | cyc)
[[ -n $a && $a == "$b" ]] \
  && pass "hta bench --device usb --batch 3: total and per-layer cycles == sim" \
  || fail "hta bench --device usb: cycles == sim" "sim '${a:0:80}' usb '${b:0:80}'"
# The whole network: 1.3 MB of program and 0.8 MB of data window cross the
# 1-byte-per-cycle link; ~8 M cycles of hta_usb_sys, ~30 s here.
M=$tmp/m.hta
$HTA zoo mobilenet-v1 --width 0.25 --resolution 128 --plan hybrid:0.5 --seed 5 -o $M >/dev/null
cli_run mobilenet-v1-0.25-128 $M $((128 * 128 * 3))

# ---- faults: each a clear error, within its bound ----
X=$tmp/x.bin
head -c $((128 * 128 * 3)) /dev/urandom > $X
# (readable for the permission test's program, which runs as nobody; hta run
# checks that its output can be written before it opens the device)
chmod 755 $tmp && chmod 644 $M $X && mkdir -p $tmp/out && chmod 1777 $tmp/out
H="$HTA run --model $M --input $X --raw --output $tmp/out/o.bin"
# expect NAME PATTERN LO_S HI_S -- LAUNCHER-ARGS... : hta run fails (exit 1) with
# PATTERN on stderr, after LO_S..HI_S seconds.
expect_fail() {
  local name=$1 pat=$2 lo=$3 hi=$4
  shift 5
  local t0 out rc dt
  t0=$(now)
  out=$("$@" 2>&1)
  rc=$?
  dt=$(elapsed "$t0")
  if [[ $rc -eq 1 ]] && grep -qE -- "$pat" <<<"$out" && within "$dt" "$lo" "$hi"; then
    pass "$name (${dt} s, bound ${hi} s)"
    grep -m1 'error:' <<<"$out" | sed 's/^/#   /'
  else
    fail "$name" "exit $rc after $dt s (bound $lo..$hi): $(grep -m1 -E 'error|usb' <<<"$out")"
  fi
  FAULT_OUT=$out
}
expect_fail "no device: named, and what is present" \
  "no device 1209:0001 found; USB devices present: none" \
  0 10 -- $L --no-device -- $H --device usb
expect_fail "another device only: listed" \
  "no device 1209:0001 found; USB devices present: 0403:6010" \
  0 10 -- $L --vid 0403 --pid 6010 -- $H --device usb
expect_fail "wrong serial: the serial found is named" "with serial NOPE found.*serial HTA0001" \
  0 10 -- $L -- $H --device usb:1209:0001:NOPE
expect_fail "permission denied: points to the udev rule" \
  "permission denied.*docs/udev/60-hta.rules" \
  0 10 -- $L --deny-access -- $H --device usb
# The program upload is 1.3 MB of 1046-byte MEM_WRITE frames after three
# 20-byte requests: byte 3000 is in the middle of the third frame.
expect_fail "device vanishes mid-transfer: disconnected (ENODEV), no hang" \
  "was disconnected while writing the program window.*NO_DEVICE" 0 8 -- \
  $L --vanish-after 3000 --stats -- $H --device usb
# Stops answering there: 4 tries of resp_ms=400 (and 3 idle waits of 16 ms),
# then a timeout error. The libusb timeouts cancel the IN URBs through
# DISCARDURB (the launcher counts them).
expect_fail "device stops answering: timeout after 4 tries" \
  "stopped answering while writing the program window.*4 tries.*HTA_ERROR_TIMEOUT" 1.6 8 -- \
  $L --mute-after 3000 --stats -- $H --device usb:1209:0001,resp_ms=400
d=$(sed -n 's/.* \([0-9]*\) discarded.*/\1/p' <<<"$FAULT_OUT")
[[ ${d:-0} -ge 4 ]] && pass "libusb's timeouts went through DISCARDURB ($d URBs)" \
  || fail "libusb's timeouts went through DISCARDURB" "discarded '$d'"
# Every MEM_WRITE from the 5th OUT URB on corrupted: BAD_CRC 4 times, then a
# CRC error.
expect_fail "persistent corruption: CRC error after 4 tries" \
  "corrupted frames.*CRC errors on every one of 4 tries.*HTA_ERROR_IO" 0 8 -- \
  $L --corrupt-out 5+ -- $H --device usb
# One corrupted frame each way, recovered: the chain still matches cpu/sim.
# OUT URB 2 is a 20-byte REG_READ (its header CRC fails: the device stays
# silent, the host times out and resends); OUT URB 30 a MEM_WRITE payload
# (BAD_CRC); IN URB 3 a response (its CRC fails at the host).
for f in "--corrupt-out 2" "--corrupt-out 30" "--corrupt-in 3"; do
  t0=$(now)
  out=$($L --timeout 120 --stats $f -- $B/tests/test_usb_e2e usb:1209:0001,resp_ms=500 1 3 2>&1)
  rc=$?
  dt=$(elapsed "$t0")
  if [[ $rc -eq 0 ]] && grep -q '^[0-9]* passed, 0 failed$' <<<"$out" &&
     grep -q ' 1 corrupted' <<<"$out"; then
    pass "one corrupted frame ($f) is recovered by a retry: results still exact (${dt} s)"
  else
    fail "one corrupted frame ($f) is recovered" \
      "exit $rc: $(grep -E '^FAIL|corrupted|error' <<<"$out" | head -3)"
  fi
done

# The engine does not finish in time: the wait for ap_done is bounded by the
# caller's timeout. (On the reference device, whose uploads are quick: the
# MobileNet's 434 k engine cycles outlast 1 ms and a 50 k-cycle WAIT.)
expect_fail "engine timeout: bounded by --timeout-ms, says the engine may still run" \
  "timeout \(1 ms\): no ap_done .*may still be running.*HTA_ERROR_TIMEOUT" 0 20 -- \
  $B/sim/usb/usb_launcher_ref -- $H --device usb --timeout-ms 1

# No leak and no memory error on the fault paths: the sanitizer build of the
# chain test, unplugged and muted mid-transfer, fails with the clear error and
# nothing from AddressSanitizer/LeakSanitizer.
for f in "--vanish-after 3000:was disconnected while" \
         "--mute-after 3000:stopped answering while"; do
  out=$($L --timeout 120 ${f%%:*} -- $B/tests/san/test_usb_e2e usb:1209:0001,resp_ms=300 1 3 2>&1)
  rc=$?
  if [[ $rc -eq 1 ]] && grep -q "^FAIL .*runs on usb: .*${f#*:}" <<<"$out" &&
     ! grep -q 'Sanitizer' <<<"$out"; then
    pass "sanitizers: ${f%%:*} ends in a clear error, no leak or memory error"
  else
    fail "sanitizers: ${f%%:*}" "exit $rc: $(grep -m2 -E 'Sanitizer|FAIL' <<<"$out")"
  fi
done

summary
