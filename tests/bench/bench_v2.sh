#!/usr/bin/env bash
# tests/bench/bench_v2.sh HTA CFG [options] - per-configuration benchmark
# table of the v2 engine (issue 11): MobileNet-V1 models of the zoo, each
# plan at each batch, on the Verilator model of configuration CFG (`hta bench
# --device sim:cfg=CFG --json`). Writes one JSON object per run into
# docs/bench/CFG.json (a JSON array) and a markdown table between the markers
#   <!-- bench_v2 CFG begin --> ... <!-- bench_v2 CFG end -->
# of the document (appended at its end the first time).
#
#   --models "W:R ..."   width:resolution pairs (default "0.25:128")
#   --plans "P ..."      zoo plans (default "int8 hybrid:0.5 hybrid:0.25 twn")
#   --batches "B ..."    batch sizes (default "1"; a batch of up to 8 runs as one
#                        start of a batch program: weights loaded once)
#   --vs CFG2            also a column: speedup against the int8 plan on CFG2 (its
#                        docs/bench/CFG2.json, same model and batch), e.g. the MAC-only
#                        configuration of the same part
#   --doc FILE           the document (default docs/benchmarks.md)
#   --clock-mhz F        the clock the inferences/s assume (default 300)
#
# A plan the configuration refuses (hta bench fails) is a row saying so.
# Runs one simulation at a time. Models are cached in build/bench/ (zoo seed 1).
set -euo pipefail
HTA=${1:?usage: bench_v2.sh HTA CFG [--models ..] [--plans ..] [--vs CFG2] [--doc F]}
CFG=${2:?usage: bench_v2.sh HTA CFG [--models ..] [--plans ..] [--vs CFG2] [--doc F]}
shift 2
MODELS="0.25:128"
PLANS="int8 hybrid:0.5 hybrid:0.25 twn"
BATCHES="1"
VS=""
DOC=docs/benchmarks.md
MHZ=300
while (($#)); do
  case $1 in
    --models) MODELS=${2:?}; shift 2 ;;
    --plans) PLANS=${2:?}; shift 2 ;;
    --batches) BATCHES=${2:?}; shift 2 ;;
    --vs) VS=${2:?}; shift 2 ;;
    --doc) DOC=${2:?}; shift 2 ;;
    --clock-mhz) MHZ=${2:?}; shift 2 ;;
    *) echo "bench_v2.sh: unknown option '$1'" >&2; exit 2 ;;
  esac
done
[[ -x $HTA ]] || { echo "bench_v2.sh: $HTA is not an executable (make build/hta)" >&2; exit 1; }
[[ -f $DOC ]] || { echo "bench_v2.sh: $DOC does not exist" >&2; exit 1; }
DIR=build/bench
mkdir -p "$DIR/$CFG" docs/bench
JSON=docs/bench/$CFG.json
if [[ -n $VS && ! -f docs/bench/$VS.json ]]; then
  echo "bench_v2.sh: --vs $VS needs docs/bench/$VS.json (run bench_v2.sh for $VS first)" >&2
  exit 1
fi

safe() { tr ':.' '__' <<<"$1"; }

# num FILE KEY: a top-level number of one bench JSON object
num() {
  sed 's/,"counters":.*//; s/,"layers":.*//' "$1" | tr ',' '\n' |
    awk -F'":' -v k="\"$2" '$1 == k || $1 == "{" k { print $2; exit }'
}

rows=()
objs=()
for m in $MODELS; do
  w=${m%%:*}
  r=${m##*:}
  for p in $PLANS; do
    f="$DIR/mobilenet-v1_${w}_${r}_$(safe "$p").hta"
    [[ -f $f ]] || "$HTA" zoo mobilenet-v1 --width "$w" --resolution "$r" --plan "$p" --seed 1 \
      -o "$f" > /dev/null
    for bt in $BATCHES; do
    out="$DIR/$CFG/$(basename "$f" .hta)_b$bt.json"
    err="$DIR/$CFG/$(basename "$f" .hta)_b$bt.err"
    echo "bench_v2.sh: $CFG mobilenet-v1 $w/$r $p batch $bt" >&2
    if ! "$HTA" bench --model "$f" --device "sim:cfg=$CFG" --clock-mhz "$MHZ" --batch "$bt" \
      --json > "$out" 2> "$err"; then
      why=$(grep -m1 -v '^$' "$err" | cut -c1-160 || true)
      rows+=("| $w/$r | \`$p\` | $bt | refused: ${why//|/\/} | | | | | | | |")
      continue
    fi
    objs+=("$(sed "s/^{/{\"config\":\"$CFG\",\"width\":$w,\"resolution\":$r,\"plan\":\"$p\",/" "$out")")
    cyc=$(num "$out" cycles_per_inference)
    ips=$(num "$out" inferences_per_s)
    ut=$(num "$out" utilization)
    mu=$(num "$out" mac_utilization)
    au=$(num "$out" adder_utilization)
    rd=$(num "$out" bytes_rd)
    wr=$(num "$out" bytes_wr)
    sp=$(num "$out" sim_cycles_per_s)
    vs="-"
    if [[ -n $VS ]]; then
      base=$(awk -v w="$w" -v r="$r" -v b="$bt" '
        /"plan":"int8"/ && index($0, "\"width\":" w ",") && index($0, "\"resolution\":" r ",") &&
        index($0, "\"batch\":" b ",") {
          s = $0; sub(/.*"cycles_per_inference":/, "", s); sub(/,.*/, "", s); print s; exit }' \
        "docs/bench/$VS.json")
      [[ -n $base ]] && vs=$(awk -v b="$base" -v c="$cyc" 'BEGIN { printf "%.2fx", b / c }')
    fi
    rows+=("$(awk -v w="$w" -v r="$r" -v p="$p" -v bt="$bt" -v c="$cyc" -v i="$ips" -v u="$ut" \
      -v mu="$mu" -v au="$au" -v rd="$rd" -v wr="$wr" -v sp="$sp" -v vs="$vs" 'BEGIN {
        printf "| %s/%s | `%s` | %s | %.0f | %.1f | %.1f%% | %.1f%% | %s | %.2f / %.2f | %.0f | %s |",
          w, r, p, bt, c, i, 100 * u, 100 * mu, (au + 0 > 0 ? sprintf("%.1f%%", 100 * au) : "-"),
          rd / 1e6 / bt, wr / 1e6 / bt, sp / 1e3, vs }')")
    done
  done
done

# docs/bench/CFG.json: the runs of this table, each `hta bench --json` with
# the configuration, model and plan in front
{
  echo "["
  for i in "${!objs[@]}"; do
    printf '%s%s\n' "${objs[$i]}" "$([[ $i -lt $((${#objs[@]} - 1)) ]] && echo , || true)"
  done
  echo "]"
} > "$JSON"

vs_head=${VS:+int8 on $VS at the same batch = 1}
table=$(
  echo "<!-- bench_v2 $CFG begin -->"
  echo "\`tests/bench/bench_v2.sh build/hta $CFG${VS:+ --vs $VS}\` ($(date -u +%Y-%m-%d);"
  echo "zoo seed 1, random inputs, batches as listed (up to 8 items in one start of a batch program);"
  echo "cycles per inference; inferences/s at an ASSUMED $MHZ MHz clock;"
  echo "utilization = ideal / actual cycles, the ideal of each layer max(INT8 work / MACs,"
  echo "ternary work / adders); DRAM in MB read / written per inference; simulation speed in"
  echo "simulated kcycles per wall second; JSON: docs/bench/$CFG.json):"
  echo
  echo "| model | plan | batch | cycles | inf/s | utilization | MAC util. | adder util. | DRAM MB | sim kcyc/s | speedup (${vs_head:-none}) |"
  echo "|---|---|---|---|---|---|---|---|---|---|---|"
  printf '%s\n' "${rows[@]}"
  echo "<!-- bench_v2 $CFG end -->"
)

# replace the marked block, or append it
tmp=$(mktemp)
trap 'rm -f "$tmp"' EXIT
if grep -q "^<!-- bench_v2 $CFG begin -->$" "$DOC"; then
  awk -v cfg="$CFG" -v tf=<(printf '%s\n' "$table") '
    $0 == "<!-- bench_v2 " cfg " begin -->" { while ((getline l < tf) > 0) print l; skip = 1; next }
    $0 == "<!-- bench_v2 " cfg " end -->" { skip = 0; next }
    !skip' "$DOC" > "$tmp"
else
  { cat "$DOC"; echo; printf '%s\n' "$table"; } > "$tmp"
fi
cat "$tmp" > "$DOC"
echo "bench_v2.sh: $CFG: ${#objs[@]} runs -> $DOC, $JSON" >&2
