# tests/support/check.sh - the shell tests' side of check.h, sourced by the
# tests (run from the repository root): one line per check, "PASS name" or
# "FAIL name: detail", and `summary` last, which prints "N passed, N failed"
# (the line tests/run.sh reads) and returns non-zero if anything failed.
passed=0 failed=0
pass() { echo "PASS $1"; passed=$((passed + 1)); }
fail() { echo "FAIL $1: $2"; failed=$((failed + 1)); }

# expect NAME STATUS PATTERN -- CMD...: exit status STATUS and PATTERN (grep -E)
# in stdout+stderr.
expect() {
  local name=$1 want=$2 pat=$3
  shift 4
  local out st
  out=$("$@" 2>&1)
  st=$?
  if [[ $st -ne $want ]]; then
    fail "$name" "exit $st, expected $want: $(head -c 400 <<<"$out")"
  elif ! grep -qE -- "$pat" <<<"$out"; then
    fail "$name" "output lacks /$pat/: $(head -c 400 <<<"$out")"
  else
    pass "$name"
  fi
}

summary() {
  echo "$passed passed, $failed failed"
  [[ $failed -eq 0 ]]
}
