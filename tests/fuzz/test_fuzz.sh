#!/usr/bin/env bash
# tests/fuzz/test_fuzz.sh - run every fuzzer of tests/fuzz for FUZZ_SECONDS
# each (default 20: `make test`; `make fuzz` gives 300), docs/fuzzing.md.
#
# For each libFuzzer harness (build/fuzz/fuzz_NAME): first every reproducer
# of tests/fuzz/regress/NAME, one named check each (a past finding must stay
# fixed), then a fuzzing run over the committed seeds (tests/fuzz/corpus/NAME,
# only read) and what earlier runs added (build/fuzz/corpus/NAME); a crash,
# leak, timeout or sanitizer report fails the check, its input is kept in
# build/fuzz/crashes/NAME/. Then the importer's fuzzer (fuzz_import.py).
# Ends with "N passed, N failed" (tests/run.sh).
set -uo pipefail
cd "$(dirname "$0")/../.."
secs=${FUZZ_SECONDS:-20}
out=build/fuzz
pass=0 fail=0

ok() { echo "PASS $1${2:+: $2}"; pass=$((pass + 1)); }
bad() { echo "FAIL $1${2:+: $2}"; fail=$((fail + 1)); }

# libFuzzer's bounds: 10 s per input is a hang; 1 GiB of RSS (or one malloc of
# more) is an out-of-memory finding; inputs up to 64 KiB.
opts=(-timeout=10 -rss_limit_mb=1024 -max_len=65536 -print_final_stats=1)

for name in model npy usb_link; do
  bin=$out/fuzz_$name
  if [[ ! -x $bin ]]; then
    bad "fuzz_$name" "$bin not built (make $bin)"
    continue
  fi
  for r in tests/fuzz/regress/$name/*; do
    [[ -f $r ]] || continue
    if "$bin" "${opts[@]}" "$r" >"$out/regress.log" 2>&1; then
      ok "regress/$name/$(basename "$r")"
    else
      why=$(grep -m1 -E 'ERROR|runtime error|fuzz_' "$out/regress.log")
      bad "regress/$name/$(basename "$r")" "$why"
    fi
  done
  mkdir -p "$out/corpus/$name" "$out/crashes/$name"
  dict=(); [[ -f tests/fuzz/$name.dict ]] && dict=(-dict="tests/fuzz/$name.dict")
  log=$out/fuzz_$name.log
  "$bin" "${opts[@]}" "${dict[@]}" -max_total_time="$secs" \
    -artifact_prefix="$out/crashes/$name/" "$out/corpus/$name" "tests/fuzz/corpus/$name" \
    >"$log" 2>&1
  status=$?
  execs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log")
  cov=$(grep -oE 'cov: [0-9]+ ft: [0-9]+ corp: [0-9]+' "$log" | tail -n 1)
  if [[ $status -eq 0 ]]; then
    ok "fuzz_$name" "$secs s, ${execs:-?} inputs, $cov"
  else
    tail -n 30 "$log"
    bad "fuzz_$name" "exit $status after ${execs:-?} inputs; input in $out/crashes/$name/, log $log"
  fi
done

# The importer: its own count line, folded into ours.
line=$(/usr/bin/python3 tests/fuzz/fuzz_import.py --seconds "$secs" --work "$out/import" \
         --regress tests/fuzz/regress/import 2>&1 | tee "$out/fuzz_import.log" |
       grep -E '^[0-9]+ passed, [0-9]+ failed$' | tail -n 1)
grep -E '^(PASS|FAIL) |^  finding: ' "$out/fuzz_import.log"
if [[ $line =~ ^([0-9]+)\ passed,\ ([0-9]+)\ failed$ ]]; then
  pass=$((pass + BASH_REMATCH[1])) fail=$((fail + BASH_REMATCH[2]))
else
  tail -n 30 "$out/fuzz_import.log"
  bad "fuzz_import" "no summary line (log $out/fuzz_import.log)"
fi

echo "$pass passed, $fail failed"
[[ $fail -eq 0 ]]
