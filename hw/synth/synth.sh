#!/usr/bin/env bash
# hw/synth/synth.sh OUTDIR TOP FILE... - out-of-context synthesis with Yosys
# for an AMD UltraScale+ part (synth_xilinx -family xcup), for resource counts.
#
# Writes OUTDIR/yosys.log (everything Yosys says) and OUTDIR/report.txt (the
# table printed at the end). This is an estimate from Yosys' technology
# mapping, not Vivado's: good for comparing versions of the design and for
# the MAC-lane vs adder-lane cost ratio, not for timing closure.
#
# SYNTH_PARAMS (optional) sets the top's parameters, as `chparam` takes them:
#   SYNTH_PARAMS="-set MacLanes 32 -set AddLanes 64"
#
# The full design may take minutes: Yosys' output is shown only with V=1;
# otherwise one line before and the table after.
set -euo pipefail

if [[ $# -lt 3 ]]; then
  echo "usage: $0 OUTDIR TOP FILE..." >&2
  exit 2
fi
out=$1 top=$2
shift 2
mkdir -p "$out"
log=$out/yosys.log report=$out/report.txt

params=${SYNTH_PARAMS:-}
script="read_verilog -sv $*; ${params:+chparam $params $top; }"
script+="synth_xilinx -top $top -family xcup; stat"

echo "  SYNTH   $top${params:+ ($params)} ($# files; log: $log)"
start=$SECONDS
if [[ ${V:-0} == 1 ]]; then
  echo "yosys -p \"$script\""
  yosys -p "$script" 2>&1 | tee "$log"
else
  if ! yosys -p "$script" >"$log" 2>&1; then
    echo "synth: yosys failed; last lines of $log:" >&2
    tail -n 30 "$log" >&2
    exit 1
  fi
fi
elapsed=$((SECONDS - start))

# Cell counts of the design: the last statistics block (the whole design;
# for a hierarchical one, the "design hierarchy" totals) reduced by the
# shared classifier (hw/synth/cell_counts.awk), printed as the usual rows.
read -r c_lut c_ff c_carry c_srl c_dsp c_b36 c_b18 _ < <(awk -f "$(dirname "$0")/cell_counts.awk" "$log")
{
  printf 'Yosys synth_xilinx -family xcup, top %s (%d s)\n' "$top" "$elapsed"
  printf '  %-10s %8d\n' LUT "$c_lut" FF "$c_ff" CARRY "$c_carry" DSP48E2 "$c_dsp" \
    RAMB36E2 "$c_b36" RAMB18E2 "$c_b18" LUTRAM/SRL "$c_srl"
} >"$report"

if ! grep -q 'Printing statistics\.' "$log"; then
  echo "synth: no statistics in $log" >&2
  exit 1
fi
cat "$report"
