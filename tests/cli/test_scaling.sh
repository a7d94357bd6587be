#!/usr/bin/env bash
# tests/cli/test_scaling.sh - hta eval/bench --jobs, hta eval --shard and hta
# merge end to end (build/hta, run from the repository root): results of 2
# and 3 jobs equal one job's (JSON apart from the timing fields wall_s and,
# for bench, sim_cycles_per_s; --logits byte for byte) on cpu and on sim,
# shards merged in any order equal one run (byte for byte but wall_s),
# merge refuses missing, duplicate and mismatched parts naming them, a
# failing device under --jobs is reported, the progress line, and the usage
# errors. About a minute on sim.
# Prints PASS/FAIL lines and "N passed, N failed".
set -uo pipefail
HTA=${HTA:-build/hta}
M=models/fmnist_float_int8.hta
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
source tests/support/check.sh

# same_json NAME A B [FIELD...]: the JSON objects of files A and B are equal
# but for the FIELDs (python3 here is a test helper only), and not empty
same_json() {
  local name=$1 a=$2 b=$3
  shift 3
  local out
  if out=$(python3 - "$a" "$b" "$@" 2>&1 <<'PY'
import json, sys
a, b = (json.load(open(p)) for p in sys.argv[1:3])
for f in sys.argv[3:]:
    a.pop(f, None), b.pop(f, None)
diff = sorted(k for k in set(a) | set(b) if a.get(k) != b.get(k))
assert a and not diff, 'differ in %s: %s / %s' % (diff, [a.get(k) for k in diff][:3],
                                                  [b.get(k) for k in diff][:3])
PY
  ); then pass "$name"; else fail "$name" "$out"; fi
}
# same_bytes NAME A B: files A and B are identical (and A is not empty)
same_bytes() {
  if [[ -s $2 ]] && cmp -s "$2" "$3"; then pass "$1"; else fail "$1" "$2 and $3 differ"; fi
}
ev() { $HTA eval --model $M --dataset fashion-mnist "$@"; }

# ---- --jobs: the same results as one job ----
for j in 1 2 3; do
  ev --device cpu --limit 301 --batch 40 --jobs $j --json --logits "$tmp/cpu_j$j.npy" \
    > "$tmp/cpu_j$j.json" 2> "$tmp/cpu_j$j.err"
done
for j in 2 3; do
  same_json "eval_cpu_jobs${j}_json_equals_jobs1" "$tmp/cpu_j1.json" "$tmp/cpu_j$j.json" wall_s
  same_bytes "eval_cpu_jobs${j}_logits_equal_jobs1" "$tmp/cpu_j1.npy" "$tmp/cpu_j$j.npy"
done
python3 -c "
import json, sys; j = json.load(open('$tmp/cpu_j1.json'))
sys.exit(not (j['n'] == 301 and 0.8 < j['top1'] < 1 and sum(map(sum, j['confusion'])) == 301))" &&
  pass eval_cpu_result_plausible || fail eval_cpu_result_plausible "$(head -c 300 "$tmp/cpu_j1.json")"

N=14 # sim items (about 0.3 s each here)
for j in 1 2; do
  ev --device sim --limit $N --batch 4 --jobs $j --json --logits "$tmp/sim_j$j.npy" \
    > "$tmp/sim_j$j.json" 2> "$tmp/sim_j$j.err"
done
same_json eval_sim_jobs2_json_equals_jobs1 "$tmp/sim_j1.json" "$tmp/sim_j2.json" wall_s
same_bytes eval_sim_jobs2_logits_equal_jobs1 "$tmp/sim_j1.npy" "$tmp/sim_j2.npy"
grep -q '"cycles": [1-9]' "$tmp/sim_j2.json" && pass eval_sim_jobs2_counts_cycles ||
  fail eval_sim_jobs2_counts_cycles "$(head -c 300 "$tmp/sim_j2.json")"
ev --device cpu --limit $N --logits "$tmp/cpu_n.npy" > /dev/null 2>&1
same_bytes eval_sim_jobs2_logits_equal_cpu "$tmp/cpu_n.npy" "$tmp/sim_j2.npy"

# ---- shards and merge ----
for i in 0 1 2; do # three processes at once, as a cluster's nodes would run them
  ev --device sim --limit $N --batch 4 --shard $i/3 --out "$tmp/sp$i.json" \
    --logits "$tmp/sp$i.npy" > /dev/null 2> "$tmp/sp$i.err" &
done
wait
$HTA merge "$tmp/sp2.json" "$tmp/sp0.json" "$tmp/sp1.json" --json -o "$tmp/sim_merged_o.json" \
  --logits "$tmp/sim_merged.npy" > "$tmp/sim_merged.json" 2> "$tmp/merge.err"
same_json merge_sim_shards_equal_one_run "$tmp/sim_j1.json" "$tmp/sim_merged.json" wall_s
same_bytes merge_sim_logits_equal_one_run "$tmp/sim_j1.npy" "$tmp/sim_merged.npy"
same_bytes merge_o_file_equals_stdout "$tmp/sim_merged.json" "$tmp/sim_merged_o.json"
# byte for byte, once the one timing field is cut out of both
for f in sim_j1 sim_merged; do sed 's/"wall_s": [0-9.]*, //' "$tmp/$f.json" > "$tmp/$f.notime"; done
same_bytes merge_sim_bytes_equal_one_run_but_wall_s "$tmp/sim_j1.notime" "$tmp/sim_merged.notime"
grep -q wall_s "$tmp/sim_merged.notime" && fail merge_wall_s_cut "sed left wall_s" ||
  pass merge_wall_s_cut

for i in 0 1 2 3; do
  ev --device cpu --limit 301 --batch 40 --shard $i/4 --out "$tmp/cp$i.json" --json \
    > "$tmp/cp$i.slice.json" 2>/dev/null
done
$HTA merge "$tmp/cp3.json" "$tmp/cp1.json" "$tmp/cp0.json" "$tmp/cp2.json" --json \
  > "$tmp/cpu_merged.json" 2>&1
same_json merge_cpu_4_shards_any_order_equal_one_run "$tmp/cpu_j1.json" "$tmp/cpu_merged.json" \
  wall_s
python3 -c "
import json, sys; j = json.load(open('$tmp/cp1.slice.json')); p = json.load(open('$tmp/cp1.json'))
sys.exit(not (j['n'] == 75 and p['first'] == 75 and len(p['predictions']) == 75 and
              all(p[k] == v for k, v in j.items() if k != 'wall_s')))" &&
  pass shard_part_holds_slice_and_its_json || fail shard_part_holds_slice_and_its_json "cp1"
$HTA merge "$tmp/cp1.json" "$tmp/cp0.json" "$tmp/cp2.json" "$tmp/cp3.json" > "$tmp/text.txt" &&
  grep -q "on cpu: top-1 $(python3 -c "import json; print(json.load(open('$tmp/cpu_j1.json'))['correct'])") / 301" \
    "$tmp/text.txt" && pass merge_text_names_the_counts || fail merge_text_names_the_counts \
  "$(head -2 "$tmp/text.txt")"

expect merge_names_missing_shards 1 "2 of 4 shards missing: 1 3" -- \
  $HTA merge "$tmp/cp0.json" "$tmp/cp2.json"
expect merge_names_duplicate_shards 1 "shard 2 of 4 given twice: .*cp2.json and .*cp2b.json" -- \
  bash -c "cp '$tmp/cp2.json' '$tmp/cp2b.json'; $HTA merge '$tmp/cp0.json' '$tmp/cp1.json' \
  '$tmp/cp2.json' '$tmp/cp2b.json' '$tmp/cp3.json'"
expect merge_refuses_other_shard_count 1 "different shard counts" -- \
  $HTA merge "$tmp/cp0.json" "$tmp/sp1.json"
ev --device cpu --limit 300 --shard 1/4 --out "$tmp/other_data.json" > /dev/null 2>&1
expect merge_refuses_other_dataset 1 "different datasets.*301 items.*300 items" -- \
  $HTA merge "$tmp/cp0.json" "$tmp/other_data.json" "$tmp/cp2.json" "$tmp/cp3.json"
if $HTA import models/fmnist_float.onnx -o "$tmp/other.hta" --calib-n 20 > /dev/null 2>&1; then
  $HTA eval --model "$tmp/other.hta" --dataset fashion-mnist --device cpu --limit 301 \
    --shard 1/4 --out "$tmp/other_model.json" > /dev/null 2>&1
  expect merge_refuses_other_model 1 "different models" -- \
    $HTA merge "$tmp/cp0.json" "$tmp/other_model.json" "$tmp/cp2.json" "$tmp/cp3.json"
else
  fail merge_refuses_other_model "hta import of a second model failed"
fi
expect merge_refuses_a_non_part 1 "cpu_j1.json: not a part file" -- \
  $HTA merge "$tmp/cpu_j1.json"
head -c 500 "$tmp/cp0.json" > "$tmp/cut.json"
expect merge_refuses_a_cut_part 1 "cut.json: not a part file.*not JSON at byte" -- \
  $HTA merge "$tmp/cut.json"
sed 's/"predictions": \[[0-9]/"predictions": [99/' "$tmp/cp0.json" > "$tmp/badpred.json"
expect merge_checks_member_ranges 1 "badpred.json: member 'predictions', item 0" -- \
  $HTA merge "$tmp/badpred.json" "$tmp/cp1.json" "$tmp/cp2.json" "$tmp/cp3.json"
expect merge_logits_need_logits 1 "cp0.json holds no logits" -- \
  $HTA merge "$tmp/cp0.json" "$tmp/cp1.json" "$tmp/cp2.json" "$tmp/cp3.json" --logits "$tmp/l.npy"
expect merge_no_parts 2 "no part files" -- $HTA merge --json

# ---- bench --jobs ----
$HTA zoo mobilenet-v1 --width 0.25 --resolution 128 --plan hybrid:0.5 --seed 3 \
  -o "$tmp/mb.hta" > /dev/null 2>&1
for j in 1 2; do
  $HTA bench --device sim --model "$tmp/mb.hta" --batch 3 --jobs $j --json \
    > "$tmp/bench_j$j.json" 2>/dev/null
done
same_json bench_sim_jobs2_equals_jobs1 "$tmp/bench_j1.json" "$tmp/bench_j2.json" wall_s \
  sim_cycles_per_s
grep -q '"total_cycles":[1-9]' "$tmp/bench_j2.json" && pass bench_jobs2_counts_cycles ||
  fail bench_jobs2_counts_cycles "$(head -c 200 "$tmp/bench_j2.json")"

# ---- errors and progress ----
expect eval_jobs_device_error_names_job 1 "job [12] of 2: device 'sim:fault=rd', items .*ERR_AXI_RD" -- \
  ev --device sim:fault=rd --limit 4 --batch 1 --jobs 2
expect eval_jobs_zero 2 "--jobs '0' is not an integer in 1..256" -- ev --device cpu --jobs 0
expect eval_jobs_on_one_xrt 2 "'xrt:0' is one device and cannot be opened 2 times" -- \
  ev --device xrt:0 --jobs 2
expect eval_jobs_trace 2 "trace= writes one waveform file" -- \
  ev --device sim:trace=$tmp/t.fst --jobs 2
expect eval_xrt_list_vs_jobs 2 "names 2 devices but 3 jobs" -- ev --device xrt:0,1 --jobs 3
expect eval_shard_out_of_range 2 "--shard '3/3': I/N with 0 <= I < N" -- \
  ev --device cpu --shard 3/3 --out "$tmp/x.json"
expect eval_shard_needs_out 2 "--shard needs --out" -- ev --device cpu --shard 0/2
expect eval_out_dir_checked_first 1 "nodir" -- \
  ev --device cpu --shard 0/2 --out "$tmp/nodir/p.json"
ev --device cpu --limit 120 --batch 10 --jobs 2 --progress > /dev/null 2> "$tmp/prog.err"
grep -q "eval \[[#.]*\] [0-9]* / 120 items on 2 devices" "$tmp/prog.err" && pass eval_progress_line ||
  fail eval_progress_line "$(head -c 200 "$tmp/prog.err")"
grep -q "items on" "$tmp/cpu_j2.err" && fail eval_no_progress_off_tty "$(head -c 200 "$tmp/cpu_j2.err")" ||
  pass eval_no_progress_off_tty

# ---- help ----
expect help_eval_jobs_shard 0 "--jobs N.*" -- bash -c "$HTA eval --help | tr '\n' ' ' | grep -- '--shard I/N'"
expect help_merge 0 "usage: hta merge PART.json" -- $HTA merge --help
expect help_lists_merge 0 "merge +combine the part files" -- $HTA --help
summary
