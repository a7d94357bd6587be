#!/usr/bin/env bash
# tools/report/table1.sh HTA OUT.md OUT.png [R] - TABLE I of the hybrid filter
# bank paper (arXiv 1911.01028) for MobileNet-V1 0.5 at 224, regenerated from
# our own models: `hta zoo` builds each plan (seed 1), `hta stats --json`
# gives the modelled figures (paper accounting, 16-bit full precision, FP32
# Horowitz energy, R adders per MAC, normalised to the int8 plan), `hta bench
# --device sim --json` the measured cycles (v1 `small`; the equal-resource
# comparison on the v2 configurations zcu104 and zcu104mac). awk formats
# the markdown, gnuplot the plot. `make table1` runs it (~6 s per simulated
# plan on small, minutes per plan on the v2 part-sized configurations;
# results are cached in build/table1 while the model and hta are unchanged).
set -euo pipefail
HTA=${1:?usage: table1.sh HTA OUT.md OUT.png [R]}
OUT=${2:?usage: table1.sh HTA OUT.md OUT.png [R]}
PNG=${3:?usage: table1.sh HTA OUT.md OUT.png [R]}
R=${4:-2}
DIR=${TABLE1_DIR:-build/table1}
mkdir -p "$DIR"
[[ -x $HTA ]] || { echo "table1.sh: $HTA is not an executable (make build/hta)" >&2; exit 1; }
command -v gnuplot > /dev/null ||
  { echo "table1.sh: gnuplot not found (apt-get install gnuplot-nox, or make deps)" >&2; exit 1; }

# The paper's printed values: plan size_KB energy throughput mults adds
# ("-" = not printed). KB there is 1024 bytes: 2590 KB = 1326120 16-bit
# parameters, which is what MobileNet-V1 0.5 has.
cat > "$DIR/paper.txt" <<'EOF'
int8 Baseline_(full_precision) 65.2% 2590 1 1 - -
twn TWN_(all_ternary) 55.54% 323.7 0.2 2 - -
strassen:2 StrassenNets 65.14% 1178.9 0.9 0.46 - -
hybrid Hybrid_filter_bank 64.69% 1267.1 0.72 1 0.536 1.48
EOF

safe() { tr ':' '_' <<<"$1"; }

# flat FILE.json: the top-level numbers of one JSON object as "key value" lines
# (the layers array cut off; our JSON has no nested objects before it).
flat() {
  sed 's/,"layers":.*//; s/^{//; s/}$//' "$1" | tr ',' '\n' |
    awk -F'":' '{ k = $1; sub(/^"/, "", k); print k, $2 }'
}

model() { # PLAN: build/table1/PLAN.hta (regenerated only when missing)
  local f="$DIR/$(safe "$1").hta"
  [[ -f $f ]] || "$HTA" zoo mobilenet-v1 --width 0.5 --resolution 224 --plan "$1" --seed 1 \
    -o "$f" > /dev/null
  echo "$f"
}

stats() { # PLAN: PLAN.stats (paper) and PLAN.exact (exact accounting) "key value" files
  local f b s
  f=$(model "$1")
  b=$(model int8)
  s="$DIR/$(safe "$1")"
  "$HTA" stats --model "$f" --baseline "$b" --adders-per-mac "$R" --json > "$s.json"
  flat "$s.json" > "$s.stats"
  "$HTA" stats --model "$f" --baseline "$b" --adders-per-mac "$R" --accounting exact \
    --json > "$s.exact.json"
  flat "$s.exact.json" > "$s.exact"
}

# The hybrid grid: F = fraction of INT8 filters per pointwise layer, the rest
# ternary (hybrid:F) or strassenified with r = K c_out (1 - F).
GRID=()
for F in 0.25 0.375 0.5 0.625 0.75; do
  GRID+=("hybrid:$F")
  for K in 0.5 0.75 1 1.5 2; do GRID+=("hybrid:$F:strassen:$K"); done
done

echo "table1: $((3 + ${#GRID[@]})) models, hta stats (R = $R)" >&2
for p in int8 twn strassen:2 "${GRID[@]}"; do stats "$p"; done

# The closest hybrid: least sum of squared log ratios to the paper's hybrid
# over mults, adds, energy and throughput (its size cannot be approached:
# see the notes in the output).
best=$(for p in "${GRID[@]}"; do
  awk -v plan="$p" '
    { v[$1] = $2 }
    END {
      e = log(v["mults_norm"] / 0.536) ^ 2 + log(v["adds_norm"] / 1.48) ^ 2
      e += log(v["energy_norm"] / 0.72) ^ 2 + log(v["throughput_norm"] / 1) ^ 2
      printf "%.6f %s\n", e, plan
    }' "$DIR/$(safe "$p").stats"
done | sort -g | tee "$DIR/grid.txt" | head -n 1 | cut -d' ' -f2)
echo "table1: closest hybrid $best" >&2

# Measured: cycles of one inference on the cycle-accurate simulator, same
# hardware configuration (hw/config/small.cfg, the default) for every plan.
BENCH=(int8 twn strassen:2 hybrid:0.5 "$best")
for p in "${BENCH[@]}"; do
  s="$DIR/$(safe "$p")"
  if [[ ! -f $s.bench || $s.bench -ot $(model "$p") || $s.bench -ot $HTA ]]; then
    echo "table1: hta bench --device sim $p" >&2
    "$HTA" bench --device sim --model "$(model "$p")" --json > "$s.bench.json"
    flat "$s.bench.json" > "$s.bench"
  fi
done

# Equal resources, measured: the v2 engine, a hybrid configuration running
# each plan against the MAC-only configuration of the same resources running
# int8 (its hw/config file says how it is sized). Default: v2small against
# v2smallmac (equal LUTs, DSPs not binding: minutes); the part-sized pair
# TABLE1_EQ_HYB=zcu104 TABLE1_EQ_MAC=zcu104mac (equal DSPs on the
# XCZU7EV) takes much longer.
EQ_HYB=${TABLE1_EQ_HYB:-v2small}
EQ_MAC=${TABLE1_EQ_MAC:-v2smallmac}
EQ_PLANS=(int8 twn hybrid:0.5 hybrid:0.25)
eq_bench() { # CFG PLAN SUFFIX
  local s
  s="$DIR/$(safe "$2").$3"
  if [[ ! -f $s || $s -ot $(model "$2") || $s -ot $HTA ]]; then
    echo "table1: hta bench --device sim:cfg=$1 $2" >&2
    "$HTA" bench --device "sim:cfg=$1" --model "$(model "$2")" --json > "$s.json"
    flat "$s.json" > "$s"
  fi
}
eq_bench "$EQ_MAC" int8 eqmac
for p in "${EQ_PLANS[@]}"; do eq_bench "$EQ_HYB" "$p" eqhyb; done

# ---- the markdown ----
{
  for p in int8 twn strassen:2 "$best"; do
    printf 'ROW %s' "$p"
    for f in stats exact; do
      awk -v t="$f" '{ printf " %s.%s=%s", t, $1, $2 }' "$DIR/$(safe "$p").$f"
    done
    [[ -f $DIR/$(safe "$p").bench ]] &&
      awk '{ printf " bench.%s=%s", $1, $2 }' "$DIR/$(safe "$p").bench"
    printf '\n'
  done
  for p in "${BENCH[@]}"; do
    printf 'BENCH %s' "$p"
    awk '{ printf " stats.%s=%s", $1, $2 }' "$DIR/$(safe "$p").stats"
    awk '{ printf " bench.%s=%s", $1, $2 }' "$DIR/$(safe "$p").bench"
    printf '\n'
  done
  while read -r e p; do
    printf 'GRID %s err=%s' "$p" "$e"
    awk '{ printf " stats.%s=%s", $1, $2 }' "$DIR/$(safe "$p").stats"
    printf '\n'
  done < "$DIR/grid.txt"
  for p in "${EQ_PLANS[@]}"; do
    printf 'EQ %s' "$p"
    awk '{ printf " stats.%s=%s", $1, $2 }' "$DIR/$(safe "$p").stats"
    awk '{ printf " eq.%s=%s", $1, $2 }' "$DIR/$(safe "$p").eqhyb"
    printf '\n'
  done
  printf 'EQMAC int8'
  awk '{ printf " eq.%s=%s", $1, $2 }' "$DIR/int8.eqmac"
  printf '\n'
  sed 's/^/PAPER /' "$DIR/paper.txt"
} > "$DIR/table1.in"
# The FC layer (index 28) of the int8 plan, and the arrays of the hardware.
fc=$(grep -o '{"index":28,[^}]*' "$DIR/int8.json" | tr ',' '\n' | tr -d '"')
fc_kib=$(awk -F: '$1 == "model_kib" { print $2 }' <<<"$fc")
fc_mults=$(awk -F: '$1 == "mults" { print $2 }' <<<"$fc")
fc_pct=$(awk -v a="$fc_mults" '$1 == "mults" { print 100 * a / $2 }' "$DIR/int8.stats")
lanes() { awk -v k="$1" '$1 == k { print $2 }' hw/config/small.cfg; }
v2() { awk -v k="$2" '$1 == k { print $2 }' "hw/config/$1.cfg"; }
awk -v R="$R" -v best="$best" -v fc_kib="$fc_kib" -v fc_mac_pct="$fc_pct" \
  -v mac_lanes="$(lanes MacLanes)" -v add_lanes="$(lanes AddLanes)" \
  -v eq_hyb="$EQ_HYB" -v eq_mac="$EQ_MAC" \
  -v eq_hyb_size="$(v2 "$EQ_HYB" Pix) x $(v2 "$EQ_HYB" Ci) x $(v2 "$EQ_HYB" MacCo) / $(v2 "$EQ_HYB" AddCo)" \
  -v eq_mac_size="$(v2 "$EQ_MAC" Pix) x $(v2 "$EQ_MAC" Ci) x $(v2 "$EQ_MAC" MacCo) / $(v2 "$EQ_MAC" AddCo)" \
  -f tools/report/table1.awk "$DIR/table1.in" > "$OUT.tmp"
mv "$OUT.tmp" "$OUT"

# ---- the plot: energy vs throughput, ours and the paper's ----
awk '$1 == "ROW" || $1 == "GRID" {
       for (i = 3; i <= NF; i++) { split($i, kv, "="); v[kv[1]] = kv[2] }
       print $1, $2, v["stats.throughput_norm"], v["stats.energy_norm"] }' \
  "$DIR/table1.in" > "$DIR/plot.dat"
# measured at equal resources: the plan on the hybrid v2 configuration
# against int8 on the MAC-only one of the same part (see table1.awk)
awk '$1 == "EQ" || $1 == "EQMAC" {
       for (i = 3; i <= NF; i++) { split($i, kv, "="); v[$1, $2, kv[1]] = kv[2] }
       if ($1 == "EQ") plans[++n] = $2 }
     END { c0 = v["EQMAC", "int8", "eq.cycles_per_inference"]
           for (i = 1; i <= n; i++)
             print plans[i], c0 / v["EQ", plans[i], "eq.cycles_per_inference"],
                   v["EQ", plans[i], "stats.energy_norm"] }' "$DIR/table1.in" > "$DIR/measured.dat"
awk '$1 == "PAPER" { split($3, n, "_"); print "\"paper " n[1] "\"", $7, $6 }' \
  "$DIR/table1.in" > "$DIR/paper.dat"
gnuplot -e "dir = '$DIR'; out = '$PNG.tmp'; R = '$R'" tools/report/table1.gp
mv "$PNG.tmp" "$PNG"
echo "table1: wrote $OUT and $PNG" >&2
