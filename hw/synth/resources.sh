#!/usr/bin/env bash
# hw/synth/resources.sh OUTDIR FILE... - the lane-cost sweep behind
# docs/resources.md: synthesizes hta_lanes_synth (the engine's lane arrays
# without buffers, control and requantization) at several lane counts with
# hw/synth/synth.sh, takes the marginal cost of a MAC lane and of an adder
# lane from the differences, and from them R = (cost of a MAC lane) / (cost
# of an adder lane); then synthesizes hybrid arrays of the MAC-only array's
# budget and checks they fit it. Writes OUTDIR/resources.md (tables).
#
# A DSP48E2 is priced in LUTs at LUT_PER_DSP (default 141: the LUT-to-DSP
# ratio of the Alveo U250's XCU250, 1,728k LUTs / 12,288 DSP slices, i.e. what
# a DSP displaces as a share of the device). Lane counts: multiples of 8.
set -euo pipefail
out=$1
shift
here=$(dirname "$0")
top=hta_lanes_synth
rate=${LUT_PER_DSP:-141}
mkdir -p "$out"

# synth M A: counts of the lane arrays with M MAC and A adder lanes, as
# "LUT FF CARRY DSP" (cached per run in OUTDIR/lanes_M_A/report.txt).
synth() {
  local m=$1 a=$2 dir=$out/lanes_$1_$2
  shift 2
  SYNTH_PARAMS="-set MacLanes $m -set AddLanes $a" \
    bash "$here/synth.sh" "$dir" "$top" "$here/$top.sv" "$@" >/dev/null
  awk '$1 == "LUT" {l = $2} $1 == "FF" {f = $2} $1 == "CARRY" {c = $2}
       $1 == "DSP48E2" {d = $2} END {print l, f, c, d}' "$dir/report.txt"
}
row() {   # row NAME M A: one table row and the LUT-equivalent total
  local r; r=$(synth "$2" "$3" "${files[@]}")
  read -r l f c d <<<"$r"
  printf '| %s | %s | %s | %s | %s | %s | %s | %s |\n' "$1" "$2" "$3" "$l" "$f" "$c" "$d" \
    "$((l + d * rate))" >>"$tables"
  echo "$l $f $c $d"
}
files=("$@")
tables=$out/resources.md.tmp
: >"$tables"

echo "  SWEEP   $top (LUT_PER_DSP=$rate)"
{
  echo "| configuration | MAC lanes | adder lanes | LUT | FF | CARRY | DSP48E2 |" \
       "LUT + $rate x DSP |"
  echo "|---|---|---|---|---|---|---|---|"
} >"$tables"
read -r l0 f0 c0 d0 <<<"$(row "MAC-only, half" 32 0)"
read -r l1 f1 c1 d1 <<<"$(row "MAC-only (budget)" 64 0)"
read -r l2 f2 c2 d2 <<<"$(row "MAC half + adders" 32 64)"
if [[ -z ${l0:-} || -z ${l1:-} || -z ${l2:-} ]]; then
  echo "resources: a synthesis failed (logs in $out/lanes_*)" >&2
  exit 1
fi

# Marginal cost per lane (32 more MAC lanes; 64 more adder lanes).
read -r mac_l mac_f mac_c mac_d add_l add_f add_c r_lut r_eq hyb <<<"$(awk \
  -v l0="$l0" -v f0="$f0" -v c0="$c0" -v d0="$d0" -v l1="$l1" -v f1="$f1" -v c1="$c1" \
  -v d1="$d1" -v l2="$l2" -v f2="$f2" -v c2="$c2" -v rate="$rate" 'BEGIN {
    ml = (l1 - l0) / 32; mf = (f1 - f0) / 32; mc = (c1 - c0) / 32; md = (d1 - d0) / 32
    al = (l2 - l0) / 64; af = (f2 - f0) / 64; ac = (c2 - c0) / 64
    req = (ml + md * rate) / al
    printf "%.1f %.1f %.2f %.2f %.1f %.1f %.2f %.2f %.2f %d\n",
      ml, mf, mc, md, al, af, ac, ml / al, req, int(32 * req / 8) * 8
  }')"

# Hybrids of the MAC-only budget: give up 16 or 32 MAC lanes for R adders each.
hyb16=$(awk -v r="$r_eq" 'BEGIN { print int(16 * r / 8) * 8 }')
row "hybrid, same budget" 48 "$hyb16" >/dev/null
row "hybrid, same budget" 32 "$hyb" >/dev/null

{
  echo
  echo "Marginal cost of one lane (differences of the rows above):"
  echo
  echo "| lane | LUT | FF | CARRY | DSP48E2 | LUT + $rate x DSP |"
  echo "|---|---|---|---|---|---|"
  echo "| MAC lane (half a DSP pair) | $mac_l | $mac_f | $mac_c | $mac_d |" \
       "$(awk -v l="$mac_l" -v d="$mac_d" -v r="$rate" 'BEGIN {printf "%.1f", l + d * r}') |"
  echo "| adder lane | $add_l | $add_f | $add_c | 0 | $add_l |"
  echo
  echo "R (adder lanes per MAC lane of equal area): $r_eq at $rate LUTs per DSP48E2;"
  echo "$r_lut counting LUTs only (DSPs free)."
} >>"$tables"
mv "$tables" "$out/resources.md"
cat "$out/resources.md"
