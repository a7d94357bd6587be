#!/usr/bin/env bash
# bitstreams/check_tools.sh FLOW ITEM... - stop a vendor flow early, with a
# message that says what is missing and how to get it, when AMD's tools are
# not installed or not sourced. The flows cannot do anything useful without
# them, and a failure deep inside make would name none of this.
#
# ITEM is a program that must be on PATH (vivado, v++, emconfigutil) or an
# environment variable that must be set (XILINX_VITIS, XILINX_VIVADO: the
# settings64.sh scripts set them). FLOW is "alveo" or "zynq" (for the hints).
# Exit status 0 when everything is there, 1 (and the message) otherwise.
set -uo pipefail

if [[ $# -lt 2 ]]; then
  echo "usage: $0 alveo|zynq ITEM..." >&2
  exit 2
fi
flow=$1
shift

missing=()
for item in "$@"; do
  if [[ $item =~ ^[A-Z_]+$ ]]; then
    [[ -n ${!item:-} ]] || missing+=("$item (environment variable not set)")
  else
    command -v "$item" >/dev/null 2>&1 || missing+=("$item (not on PATH)")
  fi
done
[[ ${#missing[@]} -eq 0 ]] && exit 0

{
  echo "bitstreams/$flow: cannot build here: AMD's vendor tools are missing:"
  for m in "${missing[@]}"; do echo "  - $m"; done
  echo
  if [[ $flow == alveo ]]; then
    cat <<'EOF'
The Alveo flow needs AMD Vitis (v++, Vivado, emconfigutil), 2022.2 or newer:
  1. Install Vitis (free with an AMD account), "Vitis (SW Developer)" at
     https://www.xilinx.com/support/download.html
  2. Install the card's platform (deployment + development .deb packages from
     the card's page, e.g. https://www.xilinx.com/products/boards-and-kits/alveo/u50.html),
     which puts it under /opt/xilinx/platforms.
  3. In the shell that runs make:
       source /tools/Xilinx/Vitis/2022.2/settings64.sh    # sets XILINX_VITIS, PATH
       source /opt/xilinx/xrt/setup.sh                     # for hw_emu runs
See bitstreams/README.md.
EOF
  else
    cat <<'EOF'
The Zynq flow needs AMD Vivado (2022.2 or newer) with the board files:
  1. Install Vivado (free with an AMD account; the ZCU104 and KV260 parts are
     in the free edition), "Vivado ML Standard" at
     https://www.xilinx.com/support/download.html
  2. In the shell that runs make:
       source /tools/Xilinx/Vivado/2022.2/settings64.sh   # sets XILINX_VIVADO, PATH
  3. Board files (KV260 and ZCU104): Vivado > Tools > Vivado Store > Boards,
     or xhub::install [xhub::get_xitems *kv260*] in the Vivado Tcl console.
See bitstreams/README.md.
EOF
  fi
} >&2
exit 1
