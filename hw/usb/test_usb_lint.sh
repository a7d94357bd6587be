#!/usr/bin/env bash
# hw/usb/test_usb_lint.sh - lint of the link RTL: `verilator --lint-only -Wall`
# of each top (the system with the engine, each pin adapter alone), waivers
# only in hw/lint/hta.vlt and hw/usb/usb.vlt; then Yosys 0.23 reads and
# elaborates the same files (the two tools accept different SystemVerilog).
# Prints one PASS/FAIL line per check and "N passed, N failed"; `make lint-usb`
# and `make test` run it from the repository root.
set -uo pipefail
cd "$(dirname "$0")/../.." || exit 1

pass=0 fail=0
log=$(mktemp)
trap 'rm -f "$log"' EXIT
check() {  # check NAME COMMAND...: PASS if it exits 0, else FAIL with its output
  local name=$1
  shift
  if "$@" >"$log" 2>&1; then
    echo "PASS $name"
    pass=$((pass + 1))
  else
    echo "FAIL $name: $*"
    sed 's/^/    /' "$log" | head -40
    fail=$((fail + 1))
  fi
}

gen="hw/rtl/hta_cfg_pkg.sv hw/rtl/hta_regs_pkg.sv"
pkgs="$gen $(ls hw/rtl/*_pkg.sv | grep -v -e hta_cfg_pkg -e hta_regs_pkg | sort | xargs)"
rtl="$pkgs $(ls hw/rtl/*.sv | grep -v _pkg.sv | sort | xargs)"
usb="hw/usb/hta_usb_pkg.sv hw/usb/hta_usb_idq.sv hw/usb/hta_usb_axi_arb.sv"
usb="$usb hw/usb/hta_usb_bridge.sv hw/usb/hta_usb_sys.sv"
pins="hw/usb/hta_usb_ft245.sv hw/usb/hta_usb_uart.sv"
vlt="hw/lint/hta.vlt hw/usb/usb.vlt"

# shellcheck disable=SC2086  # word splitting of the file lists is intended
{
  check "verilator lint hta_usb_sys" verilator --lint-only -Wall --top-module hta_usb_sys \
    $vlt $rtl $usb
  check "verilator lint hta_usb_ft245" verilator --lint-only -Wall --top-module hta_usb_ft245 \
    $vlt hw/usb/hta_usb_ft245.sv
  check "verilator lint hta_usb_uart" verilator --lint-only -Wall --top-module hta_usb_uart \
    $vlt hw/usb/hta_usb_uart.sv
  check "yosys read hta_usb_sys" yosys -q -p \
    "read_verilog -sv $rtl $usb; hierarchy -check -top hta_usb_sys"
  for top in hta_usb_ft245 hta_usb_uart; do
    check "yosys synth_ice40 $top" yosys -q -p "read_verilog -sv $pins; synth_ice40 -top $top"
  done
}

echo "$pass passed, $fail failed"
[[ $fail -eq 0 ]]
