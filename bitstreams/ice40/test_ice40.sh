#!/usr/bin/env bash
# bitstreams/ice40/test_ice40.sh - builds the iCEBreaker (UART link) bitstream
# with yosys, nextpnr-ice40 and icepack (about a minute of CPU) and checks
# that a bitstream came out, that the design fits, and that it meets its
# 12 MHz clock. Prints PASS/FAIL lines and "N passed, N failed".
set -uo pipefail
cd "$(dirname "$0")/../.." || exit 1
out=build/ice40/uart
pass=0 fail=0
ok()  { echo "PASS $1"; pass=$((pass + 1)); }
bad() { echo "FAIL $1"; fail=$((fail + 1)); }

mkdir -p "$out"
rm -f "$out/hta.asc" "$out/hta.bin" "$out/summary.txt"
if make -s -C bitstreams/ice40 uart >"$out.log" 2>&1; then
  ok "make -C bitstreams/ice40 uart"
else
  bad "make -C bitstreams/ice40 uart: $(tail -5 "$out.log")"
fi
# A UP5K bitstream is 104090 bytes whatever the design.
size=$(stat -c %s "$out/hta.bin" 2>/dev/null || echo 0)
if [[ $size -eq 104090 ]]; then ok "hta.bin is an UP5K image"; else bad "hta.bin: $size bytes"; fi
if grep -q "ICESTORM_SPRAM      4 / 4" "$out/summary.txt" 2>/dev/null; then
  ok "all four SPRAMs used as memory"
else
  bad "SPRAM use: $(grep SPRAM "$out/summary.txt" 2>/dev/null)"
fi
if grep -q "^timing: met" "$out/summary.txt" 2>/dev/null; then
  ok "timing met at 12 MHz ($(grep -o 'Fmax [0-9.]* MHz' "$out/summary.txt"))"
else
  bad "timing: $(grep -E 'Fmax|timing' "$out/summary.txt" 2>/dev/null | tr '\n' ' ')"
fi
echo "$pass passed, $fail failed"
[[ $fail -eq 0 ]]
