#!/usr/bin/env bash
# mk/deps.sh PKG... - install the Debian packages among PKG that are missing.
#
# Called by `make deps` with the DEPS_PKGS list. When everything is present it
# costs one dpkg-query call (a few milliseconds), so every target that needs
# the tools can depend on `deps` without slowing anyone down; apt-get runs
# only when something is missing, and `apt-get update` only then too.
# Not root: print the exact command to run and fail, rather than half-working.
set -euo pipefail

if [[ $# -eq 0 ]]; then
  echo "deps: no packages listed" >&2
  exit 0
fi

if ! command -v dpkg-query >/dev/null 2>&1; then
  echo "deps: dpkg-query not found: this is not a Debian system." >&2
  echo "deps: install by hand the equivalents of: $*" >&2
  exit 1
fi

# One query for all packages. Unknown packages make dpkg-query complain on
# stderr and exit 1; they simply count as missing.
declare -A status=()
while IFS=' ' read -r pkg state; do
  [[ -n $pkg ]] && status[$pkg]=$state
done < <(dpkg-query -W -f='${Package} ${Status}\n' "$@" 2>/dev/null || true)

missing=()
for pkg in "$@"; do
  # Multi-arch packages may be listed as name:arch; look the bare name up.
  if [[ ${status[$pkg]:-} != "install ok installed" &&
        ${status[${pkg%%:*}]:-} != "install ok installed" ]]; then
    missing+=("$pkg")
  fi
done

if [[ ${#missing[@]} -eq 0 ]]; then
  echo "deps: all ${#} packages present"
  exit 0
fi

echo "deps: missing: ${missing[*]}"
if [[ $(id -u) -ne 0 ]]; then
  echo "deps: not root; install them with:" >&2
  echo "  sudo apt-get update && sudo apt-get install -y --no-install-recommends ${missing[*]}" >&2
  exit 1
fi

export DEBIAN_FRONTEND=noninteractive
apt-get update
apt-get install -y --no-install-recommends "${missing[@]}"
echo "deps: installed ${missing[*]}"
