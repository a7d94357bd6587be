#!/usr/bin/env bash
# tests/run_selftest.sh - checks tests/run.sh against fake test executables,
# one per way a test can end. run.sh decides whether CI is green, so a bug in
# it would hide every other failure. Takes about 2 s (one deliberate timeout).
# Prints "N passed, N failed" like every test executable.
set -uo pipefail

here=$(cd "$(dirname "$0")" && pwd)
runner=$here/run.sh
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

pass=0 fail=0

# fake NAME BODY: an executable shell script in the scratch folder
fake() {
  printf '#!/usr/bin/env bash\n%s\n' "$2" >"$tmp/$1"
  chmod +x "$tmp/$1"
}

# expect NAME WANT_STATUS WANT_LAST_LINE WANT_TEXT [BIN...]: run run.sh on the
# BINs; check its exit status, its last line, and that WANT_TEXT (a fixed
# string, may be empty) appears in its output.
expect() {
  local name=$1 want_status=$2 want_last=$3 want_text=$4
  shift 4
  local out status last
  out=$(HTA_TEST_TIMEOUT=${TIMEOUT:-20} bash "$runner" "$@" 2>&1)
  status=$?
  last=$(tail -n 1 <<<"$out")
  if [[ $status -eq $want_status && $last == "$want_last" &&
        ( -z $want_text || $out == *"$want_text"* ) ]]; then
    echo "ok   $name"
    pass=$((pass + 1))
  else
    echo "FAIL $name: status $status (want $want_status), last line '$last'" \
         "(want '$want_last'), text '$want_text'"
    sed 's/^/     | /' <<<"$out"
    fail=$((fail + 1))
  fi
}

fake pass        'echo "3 passed, 0 failed"'
fake prefixed    'echo "sim: 4 passed, 0 failed, 2 skipped"'
fake failing     'echo "1 passed, 2 failed"; exit 1'
fake crash       'echo "starting"; kill -SEGV $$'
fake silent      'echo "no summary here"'
fake liar        'echo "2 passed, 0 failed"; exit 3'
fake twolines    'echo "1 passed, 1 failed"; echo "5 passed, 0 failed"'
fake stderr_only 'echo "6 passed, 0 failed" >&2'
fake slow        'echo "1 passed, 0 failed"; sleep 30'
fake crlf        'printf "7 passed, 0 failed\r\n"'
printf 'not a program\n' >"$tmp/noexec"

cd "$tmp" || exit 1
expect "no executables"          0 "0 passed, 0 failed" "TEST_BINS is empty"
expect "passing test"            0 "3 passed, 0 failed" "PASS  ./pass" ./pass
expect "prefix and skipped"      0 "4 passed, 0 failed" "2 skipped" ./prefixed
expect "failing test"            1 "1 passed, 2 failed" "FAIL  ./failing" ./failing
expect "crash"                   1 "0 passed, 1 failed" "signal 11 (SEGV)" ./crash
expect "no summary line"         1 "0 passed, 1 failed" "no 'N passed, N failed' line" ./silent
expect "non-zero exit, 0 failed" 1 "2 passed, 1 failed" "exited with status 3" ./liar
expect "last summary counts"     0 "5 passed, 0 failed" "" ./twolines
expect "summary on stderr"       0 "6 passed, 0 failed" "" ./stderr_only
expect "CRLF line end"           0 "7 passed, 0 failed" "" ./crlf
expect "missing file"            1 "0 passed, 1 failed" "no such file" ./nothere
expect "not executable"          1 "0 passed, 1 failed" "not executable" ./noexec
expect "bare name in cwd"        0 "3 passed, 0 failed" "" pass
expect "totals over several"     1 "13 passed, 3 failed" "" \
       ./pass ./prefixed ./failing ./twolines ./silent
TIMEOUT=1 expect "timeout"       1 "1 passed, 1 failed" "timed out after 1 s" ./slow
TIMEOUT=0 expect "bad timeout"   2 "run.sh: HTA_TEST_TIMEOUT='0' is not a positive duration" ""

echo "$pass passed, $fail failed"
[[ $fail -eq 0 ]]
