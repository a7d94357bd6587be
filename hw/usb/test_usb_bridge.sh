#!/usr/bin/env bash
# hw/usb/test_usb_bridge.sh - builds hw/usb/tb/hta_usb_bridge_tb.sv with
# `verilator --binary` (assertions on) and runs it: the link bridge's framing,
# commands, error statuses, resynchronisation and retransmission rule against
# small AXI slaves. The testbench prints PASS/FAIL lines and "N passed, N
# failed"; a build failure is reported as one failure. Run from anywhere.
set -uo pipefail
cd "$(dirname "$0")/../.." || exit 1

out=${BUILD:-build}/usb/tb
mkdir -p "$out"
if ! verilator --binary -j 2 --assert --timescale 1ns/1ps \
     -Wall -Wno-DECLFILENAME -Wno-UNUSEDSIGNAL -Wno-UNUSEDPARAM -Wno-WIDTH -Wno-BLKSEQ -Wno-INITIALDLY \
     --top-module hta_usb_bridge_tb --Mdir "$out" -o tb \
     -MAKEFLAGS "OPT_FAST=-O0 OPT_SLOW=-O0 OPT_GLOBAL=-O0" \
     hw/usb/hta_usb_pkg.sv hw/usb/hta_usb_bridge.sv hw/usb/tb/hta_usb_bridge_tb.sv \
     >"$out/build.log" 2>&1; then
  echo "FAIL build of hta_usb_bridge_tb (see $out/build.log):"
  tail -30 "$out/build.log"
  echo "0 passed, 1 failed"
  exit 1
fi
"$out/tb"
