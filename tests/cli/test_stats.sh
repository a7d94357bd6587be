#!/usr/bin/env bash
# tests/cli/test_stats.sh - `hta stats` end to end (build/hta, run from the
# repository root) on small zoo models (MobileNet-V1 0.25 at 128): the table,
# --json parsed by python3 (a test helper only) and checked for consistency
# (layers add up to the totals, exact size = file size, a model against
# itself normalises to 1, the options change what they should), and errors
# for bad options and files. About 2 s.
# Prints PASS/FAIL lines and "N passed, N failed".
set -uo pipefail
HTA=${HTA:-build/hta}
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
source tests/support/check.sh

# pycheck NAME SCRIPT FILE...: python3 SCRIPT with the files as arguments.
pycheck() {
  local name=$1 script=$2
  shift 2
  local out
  if out=$(python3 -c "$script" "$@" 2>&1); then pass "$name"; else fail "$name" "$out"; fi
}

for p in int8 twn hybrid:0.5:strassen:1; do
  $HTA zoo mobilenet-v1 --width 0.25 --resolution 128 --plan $p --seed 2 \
    -o "$tmp/$p.hta" > /dev/null || fail "zoo $p" "could not generate"
done
A=$tmp/int8.hta T=$tmp/twn.hta H=$tmp/hybrid:0.5:strassen:1.hta

# ---- help and table ----
expect "stats --help" 0 "^usage: hta stats" -- $HTA stats --help
expect "hta --help lists stats" 0 "^  stats " -- $HTA --help
expect "stats: per-layer table" 0 "^ +1 DEPTHWISE +64x64x8 " -- $HTA stats --model $A
expect "stats: totals" 0 "^area-equivalent cost" -- $HTA stats --model $A
expect "stats --baseline: ratio column and throughput" 0 \
  "^throughput at equal area \(norm\.\) +[0-9.]+$" -- $HTA stats --model $T --baseline $A
expect "stats --baseline: per-layer E/base" 0 "E/base +thr/base" -- \
  $HTA stats --model $H --baseline $A

# ---- JSON ----
json() { # FILE ARGS...: hta stats ARGS --json > FILE, or a failure
  local f=$1
  shift
  $HTA stats "$@" --json > "$f" 2> "$f.err" || echo "exit $?: $(cat "$f.err")" > "$f"
}
json $tmp/a.json --model $A
json $tmp/ae.json --model $A --accounting exact
json $tmp/t.json --model $T --baseline $A
json $tmp/aa.json --model $A --baseline $A
json $tmp/h.json --model $H --baseline $A --energy int8 --adders-per-mac 3 --fp-bits 32
json $tmp/h2.json --model $H --baseline $A --energy int8 --adders-per-mac 2 --fp-bits 8

pycheck "stats --json: keys, and the layers add up to the totals" '
import json, sys
d = json.load(open(sys.argv[1]))
for k in ("params", "model_kib", "mults", "adds", "adds_nonzero", "energy_pj", "energy_norm",
          "throughput_norm", "layers", "model_bytes", "energy_mem_pj", "cost"):
    assert k in d, k
assert d["accounting"] == "paper" and d["fp_bits"] == 16 and d["energy"] == "fp32"
assert d["baseline"] is None and d["energy_norm"] is None and d["throughput_norm"] is None
assert len(d["layers"]) == 29
for k in ("params", "mults", "adds", "adds_nonzero"):
    assert sum(l[k] for l in d["layers"]) == d[k], k
for k in ("model_bytes", "energy_pj", "energy_mem_pj", "cost"):
    s = sum(l[k] for l in d["layers"])
    assert abs(s - d[k]) <= 1e-6 * d[k], (k, s, d[k])
assert abs(d["model_kib"] * 1024 - d["model_bytes"]) < 1e-3
assert d["model_bytes"] == 2 * d["params"]            # int8 at 16 bits
assert abs(d["energy_pj"] - (3.7 * d["mults"] + 0.9 * d["adds"])) < 1e-6 * d["energy_pj"]
assert abs(d["cost"] - (d["mults"] + (d["adds"] - d["mults"]) / 2)) < 1e-6 * d["cost"]
assert d["energy_mem_pj"] > d["energy_pj"]
' $tmp/a.json

size=$(stat -c %s $A)
pycheck "stats --accounting exact: model size = the file size ($size bytes)" '
import json, sys
d = json.load(open(sys.argv[1]))
assert d["accounting"] == "exact"
assert d["model_bytes"] == int(sys.argv[2]), (d["model_bytes"], sys.argv[2])
assert sum(l["model_bytes"] for l in d["layers"]) < d["model_bytes"]   # + header, INFO
' $tmp/ae.json $size

pycheck "stats --baseline itself: every ratio 1, per layer too" '
import json, sys
d = json.load(open(sys.argv[1]))
keys = ("params_norm", "model_size_norm", "mults_norm", "adds_norm", "adds_nonzero_norm",
        "energy_norm", "energy_mem_norm", "throughput_norm")
assert all(d[k] == 1 for k in keys), [d[k] for k in keys]
for l in d["layers"]:
    assert all(l[k] in (1, None) for k in keys), l
assert d["layers"][27]["params_norm"] is None   # GAP: no parameters
' $tmp/aa.json

pycheck "stats: twn against int8 (size / 8, same adds, ratios = value ratios)" '
import json, sys
t, a = json.load(open(sys.argv[1])), json.load(open(sys.argv[2]))
assert t["model_size_norm"] == 0.125 and t["adds_norm"] == 1
assert abs(t["energy_norm"] - t["energy_pj"] / a["energy_pj"]) < 1e-8
assert abs(t["throughput_norm"] - a["cost"] / t["cost"]) < 1e-8
assert t["throughput_norm"] > 1.5 and t["energy_norm"] < 0.5
assert t["adds_nonzero"] < t["adds"]
' $tmp/t.json $tmp/a.json

pycheck "stats: --energy int8, --adders-per-mac and --fp-bits take effect" '
import json, sys
h, h2 = json.load(open(sys.argv[1])), json.load(open(sys.argv[2]))
assert h["energy"] == "int8" and h["adders_per_mac"] == 3 and h["fp_bits"] == 32
assert abs(h["energy_pj"] - (0.2 * h["mults"] + 0.1 * h["adds"])) < 1e-6 * h["energy_pj"]
assert abs(h["cost"] - (h["mults"] + (h["adds"] - h["mults"]) / 3)) < 1e-6 * h["cost"]
assert h2["cost"] > h["cost"]                 # fewer adders per MAC: dearer adds
assert h["model_bytes"] > h2["model_bytes"]   # INT8 filters and a^ at 32 vs 8 bits
assert h["mults"] == h2["mults"] and h["params"] == h2["params"]
' $tmp/h.json $tmp/h2.json

# ---- errors ----
expect "stats: --model is required" 2 "--model is required" -- $HTA stats
expect "stats: bad accounting" 2 "--accounting 'fuzzy' is not paper or exact" -- \
  $HTA stats --model $A --accounting fuzzy
expect "stats: bad fp-bits" 2 "--fp-bits '12' is not 8, 16 or 32" -- \
  $HTA stats --model $A --fp-bits 12
expect "stats: fp-bits not a number" 2 "--fp-bits 'x'" -- $HTA stats --model $A --fp-bits x
expect "stats: bad energy" 2 "--energy 'fp64' is not fp32, fp16 or int8" -- \
  $HTA stats --model $A --energy fp64
expect "stats: bad adders-per-mac" 2 "--adders-per-mac '0'" -- \
  $HTA stats --model $A --adders-per-mac 0
expect "stats: unknown option" 2 "unknown option '--frob'" -- $HTA stats --model $A --frob
expect "stats: missing model file" 1 "cannot load model '$tmp/none.hta'" -- \
  $HTA stats --model $tmp/none.hta
head -c 200 /dev/zero | tr '\0' x > $tmp/bad.hta
expect "stats: garbage model" 1 "cannot load model '$tmp/bad.hta'.*magic" -- \
  $HTA stats --model $tmp/bad.hta
expect "stats: missing baseline file" 1 "cannot load model '$tmp/nob.hta'" -- \
  $HTA stats --model $A --baseline $tmp/nob.hta
out=$($HTA stats --model $A --json --energy bad 2>/dev/null)
[[ -z $out ]] && pass "stats --json: nothing on stdout after an error" \
  || fail "stats --json: nothing on stdout after an error" "$out"

summary
