#!/usr/bin/env bash
# hw/synth/drain_resources.sh OUTDIR - one v2 drain unit's cost (docs/resources.md,
# "The drain unit"): synthesizes hta_drain_unit_synth (hw/synth/
# hta_drain_unit_synth.sv: one unit as hta_v2_engine wires each of its Pix x D)
# with Yosys synth_xilinx -family xcup, as the unit was (Old = 1: fabric alpha
# product and bias, then hta_requant) and as it is (hw/rtl/hta_drain_unit.sv
# with its instantiated DSP48E2s, hw/rtl/hta_dsp48e2.sv). Writes
# OUTDIR/drain_resources.md: LUT, FF, CARRY, DSP per unit, and per Pix x D
# units at v2zcu104's 10 x 8 and 10 x 4. (Counting as pe_resources.sh: the
# "design hierarchy" totals, a LUT6_2 as one LUT, SRLs as LUTs.)
set -euo pipefail
out=$1
here=$(dirname "$0")
rtl=$here/../rtl
top=hta_drain_unit_synth
mkdir -p "$out"

# run NAME OLD: "LUT FF CARRY DSP"
run() {
  local dir=$out/$1 log
  mkdir -p "$dir"
  log=$dir/yosys.log
  yosys -p "read_verilog -sv $rtl/hta_requant.sv $rtl/hta_dsp48e2.sv $rtl/hta_drain_unit.sv \
      $here/$top.sv;
    chparam -set Old $2 $top;
    synth_xilinx -top $top -family xcup; stat" >"$log" 2>&1 || {
    echo "drain_resources: yosys failed, see $log" >&2
    return 1
  }
  # LUT (SRLs counted as LUTs: the input skew's shift registers), FF, CARRY, DSP
  awk -f "$here/cell_counts.awk" "$log" | awk '{ print $1 + $4, $2, $3, $5 }'
}

read -r ol of oc od < <(run old 1)
read -r nl nf nc nd < <(run new 0)
{
  echo "| drain unit | LUT | FF | CARRY | DSP48E2 | 10 x 8 units: DSP / LUT | 10 x 4 units: DSP / LUT |"
  echo "|---|---:|---:|---:|---:|---:|---:|"
  echo "| before (fabric alpha product, hta_requant) | $ol | $of | $oc | $od | $((80 * od)) / $((80 * ol)) | $((40 * od)) / $((40 * ol)) |"
  echo "| after (hta_drain_unit) | $nl | $nf | $nc | $nd | $((80 * nd)) / $((80 * nl)) | $((40 * nd)) / $((40 * nl)) |"
} >"$out/drain_resources.md"
cat "$out/drain_resources.md"
