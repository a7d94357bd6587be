#!/usr/bin/env bash
# hw/synth/v2_core.sh OUTDIR [PIX CI MACCO ADDCO ACTDEPTH WDEPTH] - the v2
# compute core (hw/rtl/hta_v2_core.sv) through Yosys synth_xilinx -family
# xcup at one size (default: the mid size of docs/engine-v2.md, Pix 4 x
# Ci 16 x MacCo 8 / AddCo 16, 2048-word banks, 512 weight blocks; ~6 min).
# Writes OUTDIR/stat.txt (per module and the whole hierarchy) and
# OUTDIR/yosys.log.
set -euo pipefail
out=$1
pix=${2:-4} ci=${3:-16} macco=${4:-8} addco=${5:-16} act=${6:-2048} wd=${7:-512}
rtl=$(dirname "$0")/../rtl
mkdir -p "$out"
params="-set Pix $pix -set Ci $ci -set MacCo $macco -set AddCo $addco -set ActDepth $act"
yosys -q -p "read_verilog -sv -DSYNTHESIS $rtl/hta_pe_int8.sv $rtl/hta_dsp48e2_mac2.sv $rtl/hta_accum.sv $rtl/hta_add3.sv $rtl/hta_pe_tern.sv $rtl/hta_v2_core.sv;
  chparam $params -set WDepth $wd hta_v2_core;
  synth_xilinx -top hta_v2_core -family xcup; tee -o $out/stat.txt stat" >"$out/yosys.log" 2>&1 \
  || { tail -n 20 "$out/yosys.log"; exit 1; }
grep -A45 '=== design hierarchy ===' "$out/stat.txt" | grep -E '^ +(LUT|FDRE|DSP|RAM|SRL|CARRY)'
