#!/usr/bin/env bash
# tests/cli/test_install.sh - `make install PREFIX=<temp dir>` and a tiny C
# program built against the installed hta.pc (pkg-config), run on both
# devices. Run from the repository root after the build. A few seconds.
# Prints PASS/FAIL lines and "N passed, N failed".
set -uo pipefail
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
source tests/support/check.sh

prefix=$tmp/prefix
if out=$(make -s install PREFIX="$prefix" 2>&1); then pass "make install PREFIX=$prefix"
else fail "make install" "$out"; fi
for f in lib/libhta.a lib/libhta.so lib/libhta.so.0 lib/hta/libhtasim_small.so \
         lib/pkgconfig/hta.pc include/hta/hta.h \
         include/hta/hta_model.h include/hta/hta_sim.h bin/hta; do
  [[ -e $prefix/$f ]] && pass "installed $f" || fail "installed $f" "missing"
done
grep -qx "prefix=$prefix" "$prefix/lib/pkgconfig/hta.pc" && pass "hta.pc carries the PREFIX" \
  || fail "hta.pc carries the PREFIX" "$(head -1 "$prefix/lib/pkgconfig/hta.pc")"
out=$("$prefix/bin/hta" --version 2>&1) && [[ $out == hta\ * ]] && pass "installed hta runs" \
  || fail "installed hta runs" "$out"

cat > "$tmp/hello.c" <<'C'
#include <stdio.h>
#include <string.h>
#include <hta.h>
int main(void) {
  int8_t w[4] = {1, 2, 3, 4}; int32_t bias[1] = {0}, mult[1] = {1 << 30};
  uint8_t shift[1] = {0};
  hta_layer l; memset(&l, 0, sizeof l);
  l.op = HTA_OP_POINTWISE; l.in_h = l.in_w = 2; l.in_c = 4; l.out_c = 1; l.kh = l.kw = 1;
  l.stride = 1; l.act_min = -128; l.act_max = 127;
  l.w = w; l.bias = bias; l.mult = mult; l.shift = shift;
  const char *uris[2] = {"cpu", "sim"};
  int8_t in[16], out[2][4];
  for (int i = 0; i < 16; i++) in[i] = (int8_t)(i - 8);
  for (int d = 0; d < 2; d++) {
    hta_device *dev; hta_net *net;
    if (hta_open(uris[d], &dev)) { printf("open %s: %s\n", uris[d], hta_open_error()); return 1; }
    if (hta_load_layers(dev, &l, 1, &net) || hta_run(net, in, out[d], 1, 0, NULL)) {
      printf("%s: %s\n", uris[d], hta_last_error(dev)); return 1;
    }
    hta_close(dev);
  }
  if (memcmp(out[0], out[1], 4)) { printf("cpu and sim differ\n"); return 1; }
  printf("ok %d %d %d %d %s\n", out[0][0], out[0][1], out[0][2], out[0][3],
         hta_strerror(HTA_ERROR_TIMEOUT));
  return 0;
}
C
export PKG_CONFIG_PATH=$prefix/lib/pkgconfig
if flags=$(pkg-config --cflags --libs hta 2>&1); then pass "pkg-config finds hta ($flags)"
else fail "pkg-config finds hta" "$flags"; fi
if out=$(cc -std=c11 -Wall -Wextra -Werror "$tmp/hello.c" $flags -o "$tmp/hello" 2>&1); then
  pass "a C program builds against the installed hta.pc"
else fail "a C program builds against the installed hta.pc" "$out"; fi
out=$(LD_LIBRARY_PATH=$prefix/lib "$tmp/hello" 2>&1)
# 1x1 conv, weights 1..4, mult 2^30 (x0.5): pixel p of input (i-8) -> sum/2
[[ $out == "ok -30 -10 10 30 operation timed out" ]] && pass "it runs on cpu and sim" \
  || fail "it runs on cpu and sim" "$out"
# linked against the shared library, which needs neither XRT nor libusb
needed=$(readelf -d "$tmp/hello" "$prefix/lib/libhta.so.0" 2>&1 | grep NEEDED)
grep -q 'libhta.so.0' <<<"$needed" && ! grep -qE 'xrt|usb' <<<"$needed" &&
  pass "libhta.so.0 linked; no XRT or libusb needed" || fail "shared linking" "$needed"
# static linking still works: pkg-config --static, libhta.a
if out=$(cc -std=c11 "$tmp/hello.c" $(pkg-config --cflags hta) "$prefix/lib/libhta.a" \
         $(pkg-config --static --libs-only-l hta | sed 's/-lhta//') -o "$tmp/hello_static" 2>&1) &&
   out=$("$tmp/hello_static" 2>&1) && [[ $out == ok* ]]; then pass "static libhta.a links and runs"
else fail "static libhta.a links and runs" "$out"; fi

# the Python package, outside the tree: import hta, run a layer on cpu
site=$(ls -d "$prefix"/lib/python3*/dist-packages 2>/dev/null | head -1)
if out=$(cd "$tmp" && PYTHONPATH=$site /usr/bin/python3 -c "
import hta, numpy as np
assert hta.__file__.startswith('$prefix'), hta.__file__
with hta.open('cpu') as d:
    print(d.kind, hta.version(), ' '.join(hta.schemes()))
" 2>&1) && [[ $out == "cpu "* ]]; then pass "python3 -c 'import hta' outside the tree ($out)"
else fail "python3 import hta outside the tree" "$out"; fi

summary
