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

# Cell counts of the design. `stat` prints one block per module and, for a
# hierarchical design, a final "design hierarchy" block with the totals of
# the top; the last block after the last "Printing statistics." is therefore
# the whole design either way. Cells are summed into the usual report rows;
# an INV is a LUT1 on the device, so it counts as a LUT.
awk -v top="$top" -v secs="$elapsed" '
  /Printing statistics\./ { delete cnt }
  /^=== .* ===$/          { incells = 0; delete cnt }
  /Number of cells:/      { incells = 1; next }
  incells && NF == 2 && $2 ~ /^[0-9]+$/ { cnt[$1] += $2; next }
  incells && NF == 0      { incells = 0 }
  END {
    for (c in cnt) {
      if (c ~ /^LUT[1-6](_2)?$/ || c == "INV")            r["LUT"] += cnt[c]
      else if (c ~ /^FD[RSCP]E(_1)?$/ || c ~ /^LD[CP]E$/) r["FF"] += cnt[c]
      else if (c ~ /^CARRY(4|8)$/)                       r["CARRY"] += cnt[c]
      else if (c ~ /^(RAM(32|64|128|256)|SRL)/)          r["LUTRAM/SRL"] += cnt[c]
      else if (c == "DSP48E2" || c == "RAMB36E2" || c == "RAMB18E2") r[c] += cnt[c]
    }
    printf "Yosys synth_xilinx -family xcup, top %s (%d s)\n", top, secs
    split("LUT FF CARRY DSP48E2 RAMB36E2 RAMB18E2 LUTRAM/SRL", rows, " ")
    for (i = 1; i <= 7; i++) printf "  %-10s %8d\n", rows[i], r[rows[i]] + 0
  }' "$log" >"$report"

if ! grep -q 'Printing statistics\.' "$log"; then
  echo "synth: no statistics in $log" >&2
  exit 1
fi
cat "$report"
