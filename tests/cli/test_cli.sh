#!/usr/bin/env bash
# tests/cli/test_cli.sh - the hta CLI end to end (build/hta, run from the
# repository root): every --help, zoo/info/run/bench/verify on a small zoo
# model (MobileNet-V1 0.25 at 128x128), .npy and raw round trips, batches,
# bad input files and options giving clear errors and non-zero exit, the
# hardware configurations (hta configs, cpu:/sim:cfg=NAME and their errors), the JSON
# of bench parsed by python3 (a test helper only). About 15 s.
# Prints PASS/FAIL lines and "N passed, N failed".
set -uo pipefail
HTA=${HTA:-build/hta}
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
source tests/support/check.sh

# mknpy FILE DESCR SHAPE COUNT SEED [TRUNC]: a .npy with COUNT random bytes
mknpy() {
  python3 - "$@" <<'PY'
import random, struct, sys
path, descr, shape, count, seed = sys.argv[1:6]
trunc = int(sys.argv[6]) if len(sys.argv) > 6 else 0
d = "{'descr': '%s', 'fortran_order': False, 'shape': %s, }" % (descr, shape)
pad = (64 - (10 + len(d) + 1) % 64) % 64
h = d + " " * pad + "\n"
random.seed(int(seed))
data = bytes(random.randrange(256) for _ in range(int(count)))
with open(path, "wb") as f:
    f.write(b"\x93NUMPY\x01\x00" + struct.pack("<H", len(h)) + h.encode())
    f.write(data[:len(data) - trunc])
PY
}

# npyinfo FILE: "shape=(...) n=BYTES descr=..." (parses the header by hand)
npyinfo() {
  python3 - "$1" <<'PY'
import ast, struct, sys
b = open(sys.argv[1], "rb").read()
assert b[:6] == b"\x93NUMPY", "magic"
n = struct.unpack("<H", b[8:10])[0]
h = ast.literal_eval(b[10:10 + n].decode())
assert (10 + n) % 64 == 0, "header not aligned"
print("shape=%s n=%d descr=%s fortran=%s"
      % (h["shape"], len(b) - 10 - n, h["descr"], h["fortran_order"]))
PY
}
npydata() { python3 -c "
import struct,sys; b=open(sys.argv[1],'rb').read(); n=struct.unpack('<H',b[8:10])[0]
sys.stdout.buffer.write(b[10+n:])" "$1"; }

# ---- help and usage ----
expect "hta --help lists the commands" 0 'info.*' -- $HTA --help
for c in info run bench verify zoo; do
  expect "hta --help names $c" 0 "^  $c " -- $HTA --help
  expect "hta $c --help" 0 "^usage: hta $c" -- $HTA $c --help
done
expect "hta run --help lists every device scheme" 0 "xrt:N.*" -- $HTA run --help
expect "hta run --help names usb" 0 "usb:VID:PID" -- $HTA run --help
expect "eval: a batch over the library's limit names the limit" 2 "--batch '65537'.*1\.\.65536" \
  -- $HTA eval --device cpu --model x.hta --dataset fashion-mnist --batch 65537
expect "hta --version" 0 '^hta [0-9]+\.[0-9]+' -- $HTA --version
expect "no command: usage, exit 2" 2 'usage: hta' -- $HTA
expect "unknown command" 2 "unknown command 'frob'" -- $HTA frob
expect "unknown option" 2 "unknown option '--bogus'" -- $HTA bench --model x --bogus
expect "missing value" 2 "needs a value" -- $HTA run --device
expect "missing required options" 2 "required" -- $HTA run --device cpu

# ---- zoo and info ----
M=$tmp/m.hta
expect "zoo mobilenet-v1 0.25/128 hybrid:0.5" 0 "wrote .*29 layers" -- \
  $HTA zoo mobilenet-v1 --width 0.25 --resolution 128 --plan hybrid:0.5 --seed 3 -o $M
expect "zoo: unknown model" 2 "unknown model 'resnet'" -- $HTA zoo resnet --width 1 \
  --resolution 224 --plan int8 -o $tmp/x.hta
expect "zoo: bad width" 2 "--width 'abc'" -- $HTA zoo mobilenet-v1 --width abc \
  --resolution 128 --plan int8 -o $tmp/x.hta
expect "zoo: bad plan is an error" 1 "error" -- $HTA zoo mobilenet-v1 --width 0.25 \
  --resolution 128 --plan nonsense:7 -o $tmp/x.hta
expect "info: table" 0 "POINTWISE +32x32x16 +32x32x32" -- $HTA info $M
expect "info: totals and compile" 0 "compiled for small: [0-9]+ hardware descriptors" -- $HTA info $M
expect "info: missing file" 1 "cannot load model '$tmp/none.hta'" -- $HTA info $tmp/none.hta
printf 'garbage, not a model' > $tmp/bad.hta
expect "info: garbage file" 1 "cannot load model" -- $HTA info $tmp/bad.hta

# ---- graphs: MobileNet-V2 and ResNet (graph ops on the engines' graph-op unit) ----
R=$tmp/r18.hta
expect "zoo resnet-18/64 hybrid:0.5" 0 "wrote .*resnet-18-64.*31 layers" -- \
  $HTA zoo resnet-18 --resolution 64 --plan hybrid:0.5 -o $R
expect "zoo mobilenet-v2 0.35/96 fgq:8" 0 "wrote .*mobilenet-v2-0.35-96.*64 layers" -- \
  $HTA zoo mobilenet-v2 --width 0.35 --resolution 96 --plan fgq:8 -o $tmp/m2.hta
expect "zoo: resnet has no width" 2 "has no --width" -- $HTA zoo resnet-50 --width 1 \
  --resolution 64 --plan int8 -o $tmp/x.hta
expect "info: graph rows name their inputs" 0 " ADD .* t[0-9]+ t[0-9]+" -- $HTA info $R
expect "info: ResNet-18's graph ops compile; a 3x3x256 conv exceeds small's KMax" 0 \
  "compiled for small: does not fit this hardware: layer 16: K = kh\\*kw\\*in_c = 3\\*3\\*256 = 2304 exceeds KMax 2048" \
  -- $HTA info $R
expect "verify a MobileNet-V2 (residual ADDs) on sim: every layer bit-exact" 0 \
  "verify: OK: sim is bit-exact with cpu on every layer" -- \
  $HTA verify --device sim --model $tmp/m2.hta --inputs 1
mknpy $tmp/xr.npy '|i1' '(64, 64, 3)' 12288 2
expect "run a ResNet-18 on cpu" 0 "" -- $HTA run --device cpu --model $R --input $tmp/xr.npy \
  --output $tmp/yr.npy
info=$(npyinfo $tmp/yr.npy 2>&1)
[[ $info == "shape=(1, 1, 1000) n=1000 descr=|i1 fortran=False" ]] \
  && pass "run: ResNet-18 output .npy header" || fail "run: ResNet-18 output .npy header" "$info"
expect "run a ResNet-18 on v2tiny: its 3x3x128 weights exceed the weight buffer" 1 \
  "layer 9: K = 288 blocks .* exceed the weight buffer \\(WDepth 256 blocks of v2tiny\\)" \
  -- $HTA run --device sim:cfg=v2tiny --model $R --input $tmp/xr.npy --output $tmp/ys2.npy
expect "verify: the refusing device is named with its own message" 1 \
  "^hta verify: error: sim:cfg=v2tiny: .*exceed the weight buffer" -- \
  $HTA verify --device sim:cfg=v2tiny --model $R --inputs 1

# ---- run: .npy, batch, raw ----
mknpy $tmp/x.npy '|i1' '(128, 128, 3)' 49152 1
mknpy $tmp/xb.npy '|i1' '(2, 128, 128, 3)' 98304 1
expect "run on cpu" 0 "" -- $HTA run --device cpu --model $M --input $tmp/x.npy --output $tmp/yc.npy
expect "run on sim" 0 "cycles" -- $HTA run --device sim --model $M --input $tmp/x.npy \
  --output $tmp/ys.npy --stats
info=$(npyinfo $tmp/ys.npy 2>&1)
[[ $info == "shape=(1, 1, 1000) n=1000 descr=|i1 fortran=False" ]] \
  && pass "run: output .npy header" \
  || fail "run: output .npy header" "$info"
cmp -s $tmp/yc.npy $tmp/ys.npy && pass "run: sim output equals cpu output" \
  || fail "run: sim output equals cpu output" "files differ"
expect "run: batch of 2 on cpu" 0 "2 input" -- $HTA run --device cpu --model $M \
  --input $tmp/xb.npy --output $tmp/yb.npy --stats
info=$(npyinfo $tmp/yb.npy 2>&1)
[[ $info == "shape=(2, 1, 1, 1000) n=2000 descr=|i1 fortran=False" ]] \
  && pass "run: batch output keeps the batch dimension" || fail "run: batch output shape" "$info"
# item 0 of the batch is the same input as x.npy (same seed, first 49152 bytes)
if cmp -s <(npydata $tmp/yb.npy | head -c 1000) <(npydata $tmp/yc.npy); then
  pass "run: batch item 0 equals the single run"
else fail "run: batch item 0 equals the single run" "differs"; fi
npydata $tmp/x.npy > $tmp/x.raw
expect "run --raw" 0 "" -- $HTA run --device cpu --model $M --input $tmp/x.raw \
  --output $tmp/y.raw --raw
cmp -s $tmp/y.raw <(npydata $tmp/yc.npy) && pass "run: raw output equals .npy data" \
  || fail "run: raw output equals .npy data" "differs"
# .npy written by hta read back by hta: feed yc.npy's bytes into a model-free check
mknpy $tmp/rt.npy '|i1' '(128, 128, 3)' 49152 1
cmp -s $tmp/rt.npy $tmp/x.npy && pass "npy: writer is deterministic" || fail "npy: writer" "differs"

# ---- bad inputs ----
expect "run: missing input file" 1 "x-missing.npy: No such file" -- $HTA run --device cpu \
  --model $M --input $tmp/x-missing.npy --output $tmp/o.npy
mknpy $tmp/f4.npy '<f4' '(128, 128, 3)' 196608 1
expect "run: float input is refused" 1 "not int8" -- $HTA run --device cpu --model $M \
  --input $tmp/f4.npy --output $tmp/o.npy
mknpy $tmp/tr.npy '|i1' '(128, 128, 3)' 49152 1 100
expect "run: truncated .npy" 1 "truncated" -- $HTA run --device cpu --model $M \
  --input $tmp/tr.npy --output $tmp/o.npy
mknpy $tmp/sh.npy '|i1' '(3, 128, 128)' 49152 1
expect "run: wrong shape" 1 "does not match" -- $HTA run --device cpu --model $M \
  --input $tmp/sh.npy --output $tmp/o.npy
printf 'NOTNUMPY' > $tmp/junk.npy
expect "run: not a .npy" 1 "not a .npy file" -- $HTA run --device cpu --model $M \
  --input $tmp/junk.npy --output $tmp/o.npy
head -c 1000 $tmp/x.raw > $tmp/short.raw
expect "run: raw of the wrong size" 1 "not a whole number" -- $HTA run --device cpu --model $M \
  --input $tmp/short.raw --output $tmp/o.raw --raw
# bounded reads: nothing is read that cannot be a legitimate input, and no
# open waits forever (timeout 20: a hang fails the check instead of the suite)
mkfifo $tmp/fifo
expect "run: an input that never ends (/dev/zero) is refused" 1 "/dev/zero: is a character device" \
  -- timeout 20 $HTA run --device cpu --model $M --input /dev/zero --output $tmp/o.npy
expect "run --raw: /dev/zero is refused" 1 "/dev/zero: is a character device" -- \
  timeout 20 $HTA run --device cpu --model $M --input /dev/zero --output $tmp/o.raw --raw
expect "run: a FIFO as input is refused, not waited on" 1 "fifo: is a FIFO" -- \
  timeout 20 $HTA run --device cpu --model $M --input $tmp/fifo --output $tmp/o.raw --raw
expect "run: a FIFO as model is refused, not waited on" 1 "fifo: is a FIFO" -- \
  timeout 20 $HTA run --device cpu --model $tmp/fifo --input $tmp/x.npy --output $tmp/o.npy
expect "info: /dev/zero as model is refused, not read" 1 "/dev/zero: is a device" -- \
  timeout 20 $HTA info /dev/zero
truncate -s 4G $tmp/huge.raw # sparse: no disk used
expect "run: an input larger than the largest batch is refused unread" 1 \
  "larger than the largest batch, 65536 inputs of 49152 bytes" -- \
  timeout 20 $HTA run --device cpu --model $M --input $tmp/huge.raw --output $tmp/o.raw --raw
rm -f $tmp/huge.raw
expect "run: sim:mem_mb out of range names the range" 1 "mem_mb=1\.\.4096" -- $HTA run \
  --device sim:mem_mb=999999 --model $M --input $tmp/x.npy --output $tmp/o.npy
# the cpu device is bounded like an engine: its timeout (checked between
# layers and rows; it was ignored) and its memory (a stated, settable limit)
expect "run: the cpu device honours --timeout-ms" 1 \
  "cpu: timeout \(1 ms\) in layer [0-9]+ .*HTA_ERROR_TIMEOUT" -- $HTA run --device cpu \
  --model $M --input $tmp/x.npy --output $tmp/o.npy --timeout-ms 1
$HTA zoo mobilenet-v1 --width 1 --resolution 224 --plan int8 -o $tmp/m1.hta >/dev/null
mknpy $tmp/x1.npy '|i1' '(224, 224, 3)' 150528 1
expect "run: the cpu device refuses a model over its memory limit, naming limit and layer" 1 \
  "cpu: the model needs 11 MiB .*layer 2, POINTWISE.*limit of 4 MiB.*HTA_ERROR_NO_MEM" -- \
  $HTA run --device cpu:mem_mb=4 --model $tmp/m1.hta --input $tmp/x1.npy --output $tmp/o.npy
expect "run: cpu options name their range" 1 "cpu: bad option 'mem_mb=0' .*mem_mb=1\.\.65536" \
  -- $HTA run --device cpu:mem_mb=0 --model $M --input $tmp/x.npy --output $tmp/o.npy
expect "run: unknown device names the schemes" 1 "unknown device 'bogus:0'.*cpu.*sim" -- \
  $HTA run --device bogus:0 --model $M --input $tmp/x.npy --output $tmp/o.npy
expect "run: timeout on sim is reported with registers" 1 "timeout.*STATUS.*HTA_ERROR_TIMEOUT" -- \
  $HTA run --device sim --model $M --input $tmp/x.npy --output $tmp/o.npy --timeout-ms 1
expect "run: an engine error is reported with its registers" 1 \
  "ERR_AXI_RD.*STATUS 0x[0-9a-f]+.*ERR_ADDR.*HTA_ERROR_DEVICE" -- $HTA run --device sim:fault=rd \
  --model $M --input $tmp/x.npy --output $tmp/o.npy
expect "verify: a failing device exits 1" 1 "HTA_ERROR_DEVICE" -- $HTA verify --model $M \
  --device sim:fault=wr --inputs 1
out=$($HTA verify --model $M --device sim:fault=flip --inputs 1 2>&1)
st=$?
first='first difference: input 0, layer 14 \(POINTWISE\), element 0 \(h 0, w 0, c 0\)'
if [[ $st -eq 1 ]] && grep -qE "$first" <<<"$out" \
   && grep -q "FAILED: first differing layer 14" <<<"$out"; then
  pass "verify: a mismatch names the first differing layer and element, exits 1"
else fail "verify: a mismatch" "exit $st: $(grep -v bit-exact <<<"$out")"; fi
# a valid model of no layers (hta_model_new + hta_model_save, nothing added):
# the reader accepts it; run must refuse it, not divide by its input size 0
base64 -d > $tmp/empty.hta <<'B64'
SFRBTQEAAAAgAAAAAwAAALkAAAAAAAAA8xdC9gAAAAABAAAAAAAAAIAAAAAAAAAAOQAAAAAAAAB1EqANAAAAAAIAAAAAAAAAuQAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAwAAAAAAAAC5AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAgD8AAAAAAAAAAAAAAAAAAAAAAACAPwUABABlbXB0eWludDg=
B64
expect "info: a model of no layers loads" 0 "layers +0" -- $HTA info $tmp/empty.hta
expect "run: a model of no layers is refused (.npy)" 1 "has no layers" -- $HTA run \
  --device cpu --model $tmp/empty.hta --input $tmp/x.npy --output $tmp/o.npy
expect "run: a model of no layers is refused (--raw)" 1 "has no layers" -- $HTA run \
  --device cpu --model $tmp/empty.hta --input $tmp/short.raw --output $tmp/o.raw --raw
expect "run: unwritable output" 1 "cannot write|No such file" -- $HTA run --device cpu \
  --model $M --input $tmp/x.raw --output $tmp/no/dir/o.raw --raw

# ---- outputs: written whole or not at all ----
# A file size limit (ulimit -f, in KiB) makes a write fail part way: the
# output must not be left truncated, an existing file must stay as it was,
# and no temporary file may stay behind.
limited() { local kb=$1; shift; bash -c 'ulimit -f "$0"; exec "$@"' "$kb" "$@"; }
# kept NAME FILE CONTENT: FILE still holds CONTENT and no .FILE.tmp-* is left
kept() {
  local left
  left=$(ls -A "$(dirname "$2")" | grep -F ".$(basename "$2").tmp-")
  if [[ $(cat "$2" 2>/dev/null) == "$3" && -z $left ]]; then pass "$1"
  else fail "$1" "file now $(wc -c < "$2" 2>/dev/null) bytes, temporaries: ${left:-none}"; fi
}
echo old > $tmp/w.hta
expect "zoo -o: a failed write is an error" 1 "cannot write .*File too large" -- \
  limited 16 $HTA zoo mobilenet-v1 --width 0.25 --resolution 128 --plan int8 -o $tmp/w.hta
kept "zoo -o: a failed write leaves the old file whole, no temporary" $tmp/w.hta old
echo old > $tmp/w.npy
expect "run: a failed .npy write is an error" 1 "cannot write .*File too large" -- \
  limited 0 $HTA run --device cpu --model $M --input $tmp/x.npy --output $tmp/w.npy
kept "run: a failed .npy write leaves the old file" $tmp/w.npy old
echo old > $tmp/w.raw
expect "run: a failed raw write is an error" 1 "cannot write .*File too large" -- \
  limited 0 $HTA run --device cpu --model $M --input $tmp/x.raw --output $tmp/w.raw --raw
kept "run: a failed raw write leaves the old file" $tmp/w.raw old
echo old > $tmp/w.xclbin
expect "xclbin -o: a failed write is an error" 1 "cannot write .*File too large" -- \
  limited 0 $HTA xclbin -o $tmp/w.xclbin
kept "xclbin -o: a failed write leaves the old file" $tmp/w.xclbin old
# the output path is checked before the run: a 1 ms timeout on sim would
# fire first if it were checked after
expect "run: an output in a missing directory is refused before the run" 1 \
  "cannot write '$tmp/nodir/o.npy': directory '$tmp/nodir': No such file" -- \
  $HTA run --device sim --model $M --input $tmp/x.npy --output $tmp/nodir/o.npy --timeout-ms 1
expect "run: an output that is a directory is refused before the run" 1 "is a directory" -- \
  $HTA run --device sim --model $M --input $tmp/x.npy --output $tmp --timeout-ms 1

# ---- bench ----
if $HTA bench --device sim --model $M --json > $tmp/b.json 2> $tmp/b.err; then
  if python3 - $tmp/b.json <<'PY'
import json, sys
d = json.load(open(sys.argv[1]))
for k in ("total_cycles", "utilization", "inferences_per_s", "wall_s", "layers"):
    assert k in d, k
assert d["has_cycles"] is True and d["total_cycles"] > 100000, d["total_cycles"]
assert 0 < d["utilization"] <= 1 and 0 < d["mac_utilization"] <= 1
assert len(d["layers"]) == 29
assert sum(l["cycles"] for l in d["layers"]) <= d["total_cycles"] + 100
assert all(0 <= l["utilization"] <= 1 for l in d["layers"])
assert abs(d["inferences_per_s"] - 300e6 / d["total_cycles"]) < 1e-3 * d["inferences_per_s"]
PY
  then pass "bench --json: one JSON object with sane values"
  else fail "bench --json" "$(head -c 300 $tmp/b.json)"; fi
else fail "bench --json" "$(cat $tmp/b.err)"; fi
expect "bench: table" 0 "inferences/s +[0-9.]+ at 150 MHz" -- $HTA bench --device cpu \
  --model $M --clock-mhz 150
expect "bench: sim prints its simulation speed" 0 "simulation speed +[0-9]+ kcycles/s" -- \
  $HTA bench --device sim --model $M
expect "bench: cpu says it counts no cycles" 0 "counts no cycles" -- $HTA bench --device cpu \
  --model $M
out=$($HTA bench --device cpu --model $M --json --batch 2)
python3 -c "import json,sys; d=json.loads(sys.argv[1]); assert d['has_cycles'] is False and \
d['batch']==2 and d['total_cycles']==0" "$out" && pass "bench --json on cpu" \
  || fail "bench --json on cpu" "$out"
expect "bench: bad batch" 2 "--batch '0'" -- $HTA bench --model $M --batch 0

# ---- verify ----
expect "verify: sim is bit-exact with cpu" 0 "verify: OK" -- $HTA verify --model $M --inputs 1 \
  --seed 5
expect "verify: per-layer lines" 0 "layer +28 FC .*bit-exact" -- $HTA verify --model $M \
  --device cpu --inputs 2
expect "verify: bad inputs count" 2 "--inputs" -- $HTA verify --model $M --inputs -1

# ---- hardware configurations (hw/config/<name>.cfg): one hta for all ----
# the configurations are the .cfg files but the two contract sources
CFGS=$(cd hw/config && ls *.cfg | grep -vx 'regmap.cfg\|program.cfg' | sed 's/\.cfg$//' | LC_ALL=C sort)
NCFG=$(wc -w <<<"$CFGS")
CFG_LIST=$(sed -z 's/\n$//; s/\n/, /g' <<<"$CFGS")               # kv260, small, ...
CFG_ROW=$(sed -z 's/\n$//; s/\bsmall\b/small\\*/; s/\n/ +/g' <<<"$CFGS")  # kv260 +small\* +...
expect "configs: the table marks the default" 0 "small\*" -- $HTA configs
expect "configs: every configuration" 0 "$CFG_ROW" -- $HTA configs
if out=$($HTA configs --json 2>&1) && python3 -c '
import json, sys
j = json.loads(sys.argv[1])
c = {x["name"]: x for x in j["configs"]}
assert j["default"] == "small", j["default"]
assert sorted(c) == sys.argv[2].split(), sorted(c)
assert c["tiny"]["mac_lanes"] == 16 and c["u50"]["bus_bits"] == 256, c
assert len({x["signature"] for x in j["configs"]}) == len(c)
' "$out" "$CFGS"; then pass "configs --json: all $NCFG configurations, distinct signatures, default small"
else fail "configs --json" "$out"; fi
expect "info --cfg tiny compiles for tiny" 0 "compiled for tiny: [0-9]+ hardware descriptors" -- \
  $HTA info --cfg tiny models/fmnist_float_int8.hta
expect "info --cfg nosuch: the known ones" 2 "nosuch.*$CFG_LIST" -- \
  $HTA info --cfg nosuch $M
# The compiler targets the device's configuration: tiny's ChanMax (512) is
# below the model's 1000 classes, small's is not.
expect "cpu:cfg=tiny: the compiler refuses what tiny cannot hold" 1 \
  "compiler: layer 28: out_c = 1000 exceeds ChanMax 512" -- \
  $HTA run --device cpu:cfg=tiny --model $M --input $tmp/x.npy --output $tmp/o.npy
expect "sim:cfg=tiny loads tiny's model and is bit-exact" 0 "verify: OK: sim:cfg=tiny" -- \
  $HTA verify --device sim:cfg=tiny --model models/fmnist_float_int8.hta --inputs 1
expect "sim:cfg=NAME unknown: named, with the known ones" 1 \
  "unknown hardware configuration 'nosuch' \(known: $CFG_LIST" -- \
  $HTA run --device sim:cfg=nosuch --model $M --input $tmp/x.npy --output $tmp/o.npy
# A configuration whose model is not built (make test builds small and tiny).
if [[ ! -e build/sim/u50/libhtasim_u50.so ]]; then
  expect "sim:cfg=u50 unbuilt: names it and how to build it" 1 \
    "no simulation model of configuration 'u50'" -- \
    $HTA run --device sim:cfg=u50 --model $M --input $tmp/x.npy --output $tmp/o.npy
  expect "sim:cfg=u50 unbuilt: says make sim CFG=u50" 1 'build it with `make sim CFG=u50`' -- \
    $HTA run --device sim:cfg=u50 --model $M --input $tmp/x.npy --output $tmp/o.npy
  # another configuration's model under u50's name is not taken for it
  mkdir -p $tmp/simpath
  ln -s "$PWD/build/sim/small/libhtasim_small.so" $tmp/simpath/libhtasim_u50.so
  expect "sim:cfg=u50: small's model under u50's name is refused" 1 \
    "simpath/libhtasim_u50.so: a model of another configuration" -- \
    env HTA_SIM_PATH=$tmp/simpath $HTA run --device sim:cfg=u50 --model $M \
    --input $tmp/x.npy --output $tmp/o.npy
else
  pass "sim:cfg=u50 unbuilt: skipped (build/sim/u50 exists)"
fi
# A program compiled for another configuration (fault=foreign: the same
# layers compiled for the first other configuration they fit) is refused by
# the engine, and the error says why (test_rtl_errors checks that the engine
# touched no memory and runs the next valid program).
expect "a program for another configuration is refused, clearly" 1 \
  "ERR_PROG.*compiled for another hardware configuration than this device's \('small'" -- \
  $HTA run --device sim:fault=foreign --model $M --input $tmp/x.npy --output $tmp/o.npy

summary
