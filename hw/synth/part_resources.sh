#!/usr/bin/env bash
# hw/synth/part_resources.sh OUTDIR CFG PARTS FILE... - the resources of a
# part-sized configuration without one monolithic synthesis
# (docs/resources.md, "Part-sized configurations (v2)"; `make
# resources-part CFG=name`).
#
# synth_xilinx keeps the hierarchy, so Yosys synthesizes each distinct
# module (one per parameter set) once and `stat` multiplies by the
# instances. This script makes that split explicit and measurable:
#   1. elaborate hta_top (read_verilog; hierarchy) and walk its module tree:
#      a module is a *leaf* when its base name is in LEAVES (default
#      hta_pe_int8 hta_pe_tern hta_drain_unit hta_requant) or when hta_top holds
#      >= LEAF_MIN (default 32) instances of it (so any other repeated module
#      is found without editing this list); nothing
#      below a leaf is looked at;
#   2. synthesize every leaf once, alone, at the parameters it has in the
#      design (synth_xilinx -top <derived module>), one Yosys run (leaves.log);
#   3. synthesize hta_top with the leaves as black boxes (Yosys `blackbox`
#      on the derived modules after `hierarchy`): the "rest" (rest.log);
#      its `stat` lists each black box as a cell type with its instance count
#      over the whole hierarchy, and every other module's own cells
#      (rest_stat.txt: the block breakdown);
#   4. total = rest + sum over leaves of (instances x cost of one).
# Counted as in hw/synth/synth.sh: LUT = LUT1..6, LUT6_2 and INV; FF =
# FDRE/FDSE/FDCE/FDPE/LDCE/LDPE; CARRY = CARRY4/CARRY8; LUTRAM/SRL the RAM*
# and SRL* cells (LUTs on the device: added to LUT for the part check);
# DSP48E2; RAMB36E2, RAMB18E2 (half a BRAM36), URAM288.
#
# PARTS: "LUT FF DSP BRAM36 URAM" of the part (hw/hw.mk's table, from
# /work/shared/notes/fpga-parts.md). "Lanes" are the processing elements
# (hta_pe_int8, hta_pe_tern instances x their cost); everything else
# (feeder, buffers, scale units, drain, writer, loader, graph-op unit, AXI)
# is "not a lane" (issue 11: <= 35% of the LUTs).
#
# Writes OUTDIR/<CFG>.txt (a report) and OUTDIR/<CFG>.json; the Yosys logs
# and stat outputs in OUTDIR/<CFG>/. CPU seconds of each Yosys run are
# reported (user + sys, from bash's `times` of the child).
set -euo pipefail
if [[ $# -lt 4 ]]; then
  echo "usage: $0 OUTDIR CFG 'LUT FF DSP BRAM36 URAM' FILE..." >&2
  exit 2
fi
out=$1 cfg=$2 parts=$3
shift 3
here=$(dirname "$0")
dir=$out/$cfg
mkdir -p "$dir"
leaves=${LEAVES:-hta_pe_int8 hta_pe_tern hta_drain_unit hta_requant}
leaf_min=${LEAF_MIN:-32}
read_cmd="read_verilog -sv -DSYNTHESIS $*"
read -r p_lut p_ff p_dsp p_bram p_uram <<<"$parts"

# cpu SECONDS-VAR CMD...: run CMD, store its children's CPU seconds
cpu_of() {
  local var=$1 t0 t1
  shift
  t0=$(awk '{print $14 + $15 + $16 + $17}' /proc/$$/stat)
  "$@"
  t1=$(awk '{print $14 + $15 + $16 + $17}' /proc/$$/stat)
  printf -v "$var" '%d' $(( (t1 - t0) / $(getconf CLK_TCK) ))
}
yosys_run() {   # yosys_run NAME SCRIPT
  if ! yosys -q -l "$dir/$1.log" -s "$2" >/dev/null 2>&1; then
    echo "part_resources: yosys failed ($1), last lines of $dir/$1.log:" >&2
    tail -n 20 "$dir/$1.log" >&2
    return 1
  fi
}

# ---- 1. the module tree -------------------------------------------------
echo "  PART    $cfg: elaborate (hierarchy), logs in $dir"
printf '%s\nhierarchy -top hta_top\ntee -q -o %s stat\n' "$read_cmd" "$dir/tree.txt" >"$dir/tree.ys"
cpu_of t_tree yosys_run tree "$dir/tree.ys"
# The "design hierarchy" block: indentation (2 per level) and per-parent
# counts; a module's instances = product of the counts on its path.
awk -v leaves=" $leaves " -v min="$leaf_min" '
  /^=== design hierarchy ===/ { on = 1; next }
  on && /Number of wires/ { exit }
  on && NF == 2 && $2 ~ /^[0-9]+$/ {
    match($0, /^ */); lvl = (RLENGTH - 3) / 2
    name = $1; n = $2
    tot[lvl] = (lvl == 0 ? 1 : tot[lvl - 1]) * n
    base = name; sub(/^\$paramod(\$[0-9a-f]+)?\\/, "", base); sub(/\\.*/, "", base)
    if (cut >= 0 && lvl > cut) next        # below a leaf
    cut = -1
    if (lvl > 0 && (index(leaves, " " base " ") || tot[lvl] >= min)) {
      cnt[name] += tot[lvl]; b[name] = base; cut = lvl
    }
  }
  BEGIN { cut = -1 }
  END { for (m in cnt) print m, b[m], cnt[m] }' "$dir/tree.txt" | sort -k2,2 >"$dir/leaves.txt"
if [[ ! -s $dir/leaves.txt ]]; then
  echo "part_resources: no leaf modules found in $dir/tree.txt" >&2
  exit 1
fi

# ---- 2. each leaf once; 3. the rest with the leaves as black boxes -------
{
  echo "$read_cmd"
  echo "hierarchy -top hta_top"
  echo "design -save full"
  i=0
  while read -r m base n; do
    echo "design -load full"
    echo "hierarchy -top $m"
    echo "synth_xilinx -top $m -family xcup -noiopad -noclkbuf"
    echo "tee -q -o $dir/leaf_$i.txt stat"
    i=$((i + 1))
  done <"$dir/leaves.txt"
} >"$dir/leaves.ys"
{
  echo "$read_cmd"
  echo "hierarchy -top hta_top"
  while read -r m base n; do echo "blackbox $m"; done <"$dir/leaves.txt"
  echo "synth_xilinx -top hta_top -family xcup"
  echo "tee -q -o $dir/rest_stat.txt stat"
} >"$dir/rest.ys"
echo "  PART    $cfg: $(wc -l <"$dir/leaves.txt") leaf modules once, then the rest (black boxes)"
cpu_of t_leaves yosys_run leaves "$dir/leaves.ys"
cpu_of t_rest yosys_run rest "$dir/rest.ys"

# counts FILE: "LUT FF CARRY SRL DSP B36 B18 URAM" of the last block of a
# stat output (the design hierarchy when there is one: the whole design)
counts() {
  awk -f "$here/cell_counts.awk" "$1"
}
# black boxes as counted by the rest's stat (whole hierarchy)
bbcount() {
  awk -v m="$1" '
    /^=== design hierarchy ===/ { on = 1 }
    on && NF == 2 && $1 == m && $2 ~ /^[0-9]+$/ { n = $2 }
    END { print n + 0 }' "$dir/rest_stat.txt"
}
{
  echo "rest - $(counts "$dir/rest_stat.txt")"
  i=0
  while read -r m base n; do
    seen=$(bbcount "$m")
    if [[ $seen != "$n" ]]; then
      echo "part_resources: $base: the tree has $n instances, the black-boxed stat $seen" >&2
      exit 1
    fi
    echo "$base $n $(counts "$dir/leaf_$i.txt")"
    i=$((i + 1))
  done <"$dir/leaves.txt"
} >"$dir/parts.txt"

# Per-module cells of the rest (its own cells, not its children's).
awk '
  /^=== .* ===$/ { m = $2; incells = 0; next }
  /Number of cells:/ { incells = 1; next }
  incells && NF == 2 && $2 ~ /^[0-9]+$/ {
    if ($1 ~ /^LUT[1-6](_2)?$/ || $1 == "INV") l[m] += $2
    else if ($1 ~ /^FD[RSCP]E/) f[m] += $2
    else if ($1 == "DSP48E2") d[m] += $2
    else if ($1 ~ /^RAMB36/) b[m] += $2
    else if ($1 ~ /^RAMB18/) h[m] += $2
    else if ($1 ~ /^(RAM(32|64|128|256)|SRL)/) s[m] += $2
    next }
  incells && NF == 0 { incells = 0 }
  END { for (m in l) if (m != "design") { base = m; sub(/^\$paramod(\$[0-9a-f]+)?\\/, "", base)
          sub(/\\.*/, "", base); printf "%s %d %d %d %d %d %d\n", base, l[m], f[m], d[m], b[m], h[m], s[m] } }
' "$dir/rest_stat.txt" | sort -k2,2nr >"$dir/blocks.txt"

# ---- 4. the sums and the report -----------------------------------------
awk -v cfg="$cfg" -v plut="$p_lut" -v pff="$p_ff" -v pdsp="$p_dsp" -v pbram="$p_bram" \
    -v puram="$p_uram" -v tt="$t_tree" -v tl="$t_leaves" -v tr="$t_rest" \
    -v blocks="$dir/blocks.txt" -v json="$out/$cfg.json" '
  function pct(a, b) { return b > 0 ? 100 * a / b : 0 }
  $1 == "rest" { for (i = 1; i <= 8; i++) { rest[i] = $(i + 2); tot[i] += $(i + 2) } next }
  { nl++; lb[nl] = $1; ln[nl] = $2
    for (i = 1; i <= 8; i++) { lc[nl, i] = $(i + 2); tot[i] += $2 * $(i + 2) }
    if ($1 == "hta_pe_int8" || $1 == "hta_pe_tern") lane += $2 * ($3 + $6) }
  END {
    lut = tot[1] + tot[4]; bram = tot[6] + tot[7] / 2
    printf "Configuration %s: Yosys 0.23 synth_xilinx -family xcup, leaves synthesized once and\n", cfg
    printf "multiplied by their instances, the rest with them as black boxes (hw/synth/part_resources.sh)\n"
    printf "CPU: elaborate %d s, leaves %d s, rest %d s\n\n", tt, tl, tr
    printf "%-14s %6s %8s %8s %7s %7s %5s %5s %5s %5s\n", "part", "inst", "LUT", "FF", "CARRY", "LUTRAM", "DSP", "B36", "B18", "URAM"
    printf "%-14s %6d %8d %8d %7d %7d %5d %5d %5d %5d\n", "rest", 1, rest[1], rest[2], rest[3], rest[4], rest[5], rest[6], rest[7], rest[8]
    for (k = 1; k <= nl; k++) {
      printf "%-14s %6d %8d %8d %7d %7d %5d %5d %5d %5d  (each: %d LUT, %d FF, %d DSP)\n", lb[k], ln[k],
        ln[k] * lc[k, 1], ln[k] * lc[k, 2], ln[k] * lc[k, 3], ln[k] * lc[k, 4], ln[k] * lc[k, 5],
        ln[k] * lc[k, 6], ln[k] * lc[k, 7], ln[k] * lc[k, 8], lc[k, 1] + lc[k, 4], lc[k, 2], lc[k, 5]
    }
    printf "%-14s %6s %8d %8d %7d %7d %5d %5d %5d %5d\n\n", "total", "", tot[1], tot[2], tot[3], tot[4], tot[5], tot[6], tot[7], tot[8]
    ok = 1
    printf "against the part (85%% rule; LUT includes LUTRAM/SRL, BRAM36 = RAMB36 + RAMB18 / 2):\n"
    split("LUT FF DSP48E2 BRAM36 URAM", nm, " ")
    v[1] = lut; v[2] = tot[2]; v[3] = tot[5]; v[4] = bram; v[5] = tot[8]
    p[1] = plut; p[2] = pff; p[3] = pdsp; p[4] = pbram; p[5] = puram
    for (i = 1; i <= 5; i++) {
      fit = pct(v[i], p[i]) <= 85
      if (!fit) ok = 0
      printf "  %-8s %9.1f of %9d  %5.1f%%  %s\n", nm[i], v[i], p[i], pct(v[i], p[i]), fit ? "ok" : "OVER 85%"
    }
    printf "fits within 85%%: %s\n", ok ? "yes" : "NO"
    printf "lanes (PE instances) %d LUT = %.1f%%; everything else %d LUT = %.1f%% (issue target <= 35%%)\n\n",
      lane, pct(lane, lut), lut - lane, pct(lut - lane, lut)
    printf "the rest by module (own cells; LUT FF DSP RAMB36 RAMB18 LUTRAM/SRL):\n"
    while ((getline line < blocks) > 0) { split(line, f, " "); printf "  %-16s %7d %7d %5d %4d %4d %5d\n", f[1], f[2], f[3], f[4], f[5], f[6], f[7] }
    printf "{\"cfg\": \"%s\", \"lut\": %d, \"ff\": %d, \"carry\": %d, \"lutram_srl\": %d, \"dsp\": %d, ", cfg, tot[1], tot[2], tot[3], tot[4], tot[5] >json
    printf "\"ramb36\": %d, \"ramb18\": %d, \"uram\": %d, \"bram36\": %.1f, ", tot[6], tot[7], tot[8], bram >json
    printf "\"part\": {\"lut\": %d, \"ff\": %d, \"dsp\": %d, \"bram36\": %d, \"uram\": %d}, ", plut, pff, pdsp, pbram, puram >json
    printf "\"pct\": {\"lut\": %.1f, \"ff\": %.1f, \"dsp\": %.1f, \"bram36\": %.1f, \"uram\": %.1f}, ", pct(lut, plut), pct(tot[2], pff), pct(tot[5], pdsp), pct(bram, pbram), pct(tot[8], puram) >json
    printf "\"fits85\": %s, \"lane_lut\": %d, \"nonlane_lut_pct\": %.1f, ", ok ? "true" : "false", lane, pct(lut - lane, lut) >json
    printf "\"cpu_s\": {\"elaborate\": %d, \"leaves\": %d, \"rest\": %d}, \"leaves\": [", tt, tl, tr >json
    for (k = 1; k <= nl; k++)
      printf "%s{\"module\": \"%s\", \"instances\": %d, \"lut\": %d, \"ff\": %d, \"carry\": %d, \"lutram_srl\": %d, \"dsp\": %d, \"ramb36\": %d, \"ramb18\": %d}", (k > 1 ? ", " : ""), lb[k], ln[k], lc[k, 1], lc[k, 2], lc[k, 3], lc[k, 4], lc[k, 5], lc[k, 6], lc[k, 7] >json
    printf "], \"rest\": {\"lut\": %d, \"ff\": %d, \"carry\": %d, \"lutram_srl\": %d, \"dsp\": %d, \"ramb36\": %d, \"ramb18\": %d}}\n", rest[1], rest[2], rest[3], rest[4], rest[5], rest[6], rest[7] >json
  }' "$dir/parts.txt" >"$out/$cfg.txt"
cat "$out/$cfg.txt"
