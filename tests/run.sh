#!/usr/bin/env bash
# tests/run.sh BIN... - run HTA's test executables one after another and add
# up their results. `make test` calls it with $(TEST_BINS).
#
# Contract with a test executable: it prints, as its last summary, a line
#     N passed, N failed            (", N skipped" may follow; one word and a
#                                     colon, e.g. "sim: ", may come before)
# and exits 0 when nothing failed. The last such line counts. Anything else
# - a crash, a timeout, a non-zero exit with no failure reported, no summary
# line at all, a missing file - counts as 1 failed, with a message naming it,
# so a broken test can never pass by saying nothing.
#
# Output is streamed as it comes (stdout and stderr, merged). C programs
# writing to a pipe buffer stdout: tests should setvbuf(stdout, NULL,
# _IOLBF, 0) or fflush to be seen live.
#
# Environment: HTA_TEST_TIMEOUT  seconds per executable (default 1200), or any
#              duration timeout(1) accepts (90s, 20m).
# Ends with the single line "N passed, N failed"; exit status 1 if any failed.
set -uo pipefail

limit=${HTA_TEST_TIMEOUT:-1200}
if [[ ! $limit =~ ^[0-9]+(\.[0-9]+)?[smhd]?$ || $limit =~ ^0+(\.0+)?[smhd]?$ ]]; then
  echo "run.sh: HTA_TEST_TIMEOUT='$limit' is not a positive duration" >&2
  exit 2
fi

summary_re='^([A-Za-z0-9_.-]+: )?([0-9]+) passed, ([0-9]+) failed(, ([0-9]+) skipped)?$'

tmp=$(mktemp -d)
tpid= teepid=
cleanup() { rm -rf "$tmp"; }
# Ctrl-C or TERM: stop the running test too. timeout(1) runs it in a process
# group of its own (so a timeout kills its children as well), which is why
# the terminal's SIGINT does not reach it and it must be forwarded.
interrupted() {
  [[ -n $tpid ]] && kill -TERM "$tpid" 2>/dev/null
  echo >&2
  echo "run.sh: interrupted" >&2
  cleanup
  exit 130
}
trap interrupted INT TERM
trap cleanup EXIT

total_pass=0 total_fail=0 total_skip=0
results=()

# Count one executable: add to the totals and remember a one-line verdict.
record() { # bin passed failed skipped verdict
  total_pass=$((total_pass + $2))
  total_fail=$((total_fail + $3))
  total_skip=$((total_skip + $4))
  results+=("$(printf '%-5s %s  %s' "$([[ $3 -eq 0 ]] && echo PASS || echo FAIL)" "$1" "$5")")
}

# Seconds since $1 (an $EPOCHREALTIME), with one decimal, in bash alone (bc
# is not on a fresh machine). The decimal separator follows the locale.
elapsed() {
  local now=$EPOCHREALTIME us
  us=$((10#${now//[.,]/} - 10#${1//[.,]/}))
  printf '%d.%d' $((us / 1000000)) $((us / 100000 % 10))
}

run_one() {
  local bin=$1 cmd=$1 log=$tmp/log status start secs line
  echo "==> $bin"
  if [[ ! -f $bin ]]; then
    echo "run.sh: $bin: no such file" >&2
    record "$bin" 0 1 0 "(not found)"
    return
  fi
  if [[ ! -x $bin ]]; then
    echo "run.sh: $bin: not executable" >&2
    record "$bin" 0 1 0 "(not executable)"
    return
  fi
  [[ $cmd == */* ]] || cmd=./$cmd

  # tee reads a FIFO so that both the test and tee run in the background:
  # `wait` (unlike a foreground pipeline) lets the INT/TERM trap run at once.
  rm -f "$tmp/out"
  mkfifo "$tmp/out"
  tee "$log" <"$tmp/out" &
  teepid=$!
  start=$EPOCHREALTIME
  timeout -k 10 "$limit" "$cmd" </dev/null >"$tmp/out" 2>&1 &
  tpid=$!
  wait "$tpid"
  status=$?
  tpid=
  # A child the test left behind may keep the FIFO open; do not hang on it.
  for _ in {1..50}; do
    kill -0 "$teepid" 2>/dev/null || break
    sleep 0.1
  done
  kill "$teepid" 2>/dev/null
  wait "$teepid" 2>/dev/null
  secs=$(elapsed "$start")

  local pass=0 fail=0 skip=0 found=0 why=""
  line=$(grep -E "$summary_re" <(tr -d '\r' <"$log") | tail -n 1)
  if [[ -n $line && $line =~ $summary_re ]]; then
    found=1
    pass=${BASH_REMATCH[2]} fail=${BASH_REMATCH[3]} skip=${BASH_REMATCH[5]:-0}
  fi

  if [[ $status -eq 124 ]]; then
    why="timed out after $limit s (HTA_TEST_TIMEOUT)"
  elif [[ $status -gt 128 ]]; then
    why="killed by signal $((status - 128)) ($(kill -l $((status - 128)) 2>/dev/null || echo '?'))"
    # timeout(1) escalates to KILL 10 s after a TERM the test ignored
    [[ $status -eq 137 ]] && why+=": timed out and ignored TERM, or ran out of memory"
  elif [[ $status -ne 0 && $found -eq 1 && $fail -gt 0 ]]; then
    why="" # a normal failing exit: its own count says it all
  elif [[ $status -ne 0 ]]; then
    why="exited with status $status"
  elif [[ $found -eq 0 ]]; then
    why="printed no 'N passed, N failed' line"
  fi

  if [[ -n $why ]]; then
    echo "run.sh: $bin: $why: counted as 1 failed" >&2
    fail=$((fail + 1))
    record "$bin" "$pass" "$fail" "$skip" "($pass passed, $fail failed; $why; ${secs} s)"
  else
    record "$bin" "$pass" "$fail" "$skip" "($pass passed, $fail failed; ${secs} s)"
  fi
}

for bin in "$@"; do
  run_one "$bin"
done

echo
echo "==== test summary: $# executable(s) ===="
for r in "${results[@]}"; do
  echo "  $r"
done
[[ $# -eq 0 ]] && echo "  (no test executables given: TEST_BINS is empty)"
[[ $total_skip -gt 0 ]] && echo "  $total_skip skipped"
echo "$total_pass passed, $total_fail failed"
[[ $total_fail -eq 0 ]]
