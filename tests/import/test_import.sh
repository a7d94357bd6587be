#!/usr/bin/env bash
# tests/import/test_import.sh - `hta import` and `hta eval` end to end (run from the
# repository root, after build/hta):
#   - the quantizers against their definitions (test_quant.py);
#   - every fixture ONNX model (tests/import/make_fixtures.py: every supported float and
#     quantized op) imported and its golden-model output compared with an independent
#     numpy evaluation of the ONNX graph (tools/import/hta_check.py); graphs whose output
#     is quantized must match to one output step;
#   - the plans (int8, twn, fgq:N, --keep-int8) give the filter kinds they promise;
#   - every unsupported construct is refused with a message naming node and op, and
#     writes no file; bad options and a missing Python are clear errors;
#   - hta eval: its logits equal `hta run` on the same quantized images, top-1 of a
#     committed model on 200 test images, sim and cpu logits identical on 3 images,
#     clear errors for a missing dataset and a model of the wrong shape.
# About 30 s. Prints PASS/FAIL lines and "N passed, N failed".
set -uo pipefail
HTA=${HTA:-build/hta}
PY=/usr/bin/python3
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
source tests/support/check.sh

# a python test printing PASS/FAIL lines: add its counts
pytest_counts() {
  local out rc=0
  out=$("$@" 2>&1) || rc=$?
  echo "$out" | grep -E '^(PASS|FAIL) '
  passed=$((passed + $(grep -c '^PASS ' <<<"$out")))
  failed=$((failed + $(grep -c '^FAIL ' <<<"$out")))
  if ! grep -qE '^(PASS|FAIL) ' <<<"$out"; then
    fail "$(basename "$2")" "no PASS/FAIL line: $(tail -c 400 <<<"$out")"
  elif ((rc != 0)) && ! grep -q '^FAIL ' <<<"$out"; then
    # a script that stops part-way (a traceback) has not run its later checks
    fail "$(basename "$2")" "exit status $rc: $(tail -c 400 <<<"$out")"
  fi
}

pytest_counts $PY tests/import/test_quant.py

fx=$tmp/fx
if ! $PY tests/import/make_fixtures.py "$fx"; then
  fail make_fixtures "could not build the fixture models"
fi

# ---- good models: import, then golden model vs the ONNX graph in numpy ----
for m in float_mbnet float_misc ternary qdq qlinear integer float_pools float_acts \
    float_resize_pad graph_residual graph_se_silu qdq_pytorch graph_shuffle qlinear_zp integer_zp \
    qlinear_add graph_concat_group qdq_group qdq_group_dense graph_gelu graph_convnext \
    graph_resnext; do
  expect "import_$m" 0 "1x1x10" -- $HTA import "$fx/$m.onnx" -o "$tmp/$m.hta" --calib-n 200
  lsb=()
  [[ $m == qdq* || $m == qlinear* ]] && lsb=(--max-lsb 1)
  pytest_counts $PY tools/import/hta_check.py "$fx/$m.onnx" "$tmp/$m.hta" --n 50 \
    --hta-bin "$HTA" --name "reference_$m" "${lsb[@]}"
done

# a grouped Conv imports to the integers of its group-1 equivalent (zero weights
# outside each group): the same outputs on the same inputs
$PY -c "import numpy as np; np.save('$tmp/g.npy', np.random.default_rng(2).integers(-128, 128, (8, 28, 28, 1)).astype(np.int8))"
for m in qdq_group qdq_group_dense; do
  $HTA run --device cpu --model "$tmp/$m.hta" --input "$tmp/g.npy" --output "$tmp/$m.out.npy" \
    >/dev/null 2>&1
done
[[ -s $tmp/qdq_group.out.npy ]] && cmp -s "$tmp/qdq_group.out.npy" "$tmp/qdq_group_dense.out.npy" \
  && pass grouped_conv_equals_dense_equivalent \
  || fail grouped_conv_equals_dense_equivalent "outputs differ (or a run failed)"

# grouped convolutions are written natively (cgroups, format version 3; hta info names
# them), and give exactly the outputs of the block-diagonal CONV2D the importer wrote
# before (HTA_IMPORT_GROUPED=block-diag) under every plan: the same integers
for m in qdq_group graph_concat_group graph_resnext; do
  n=$($HTA info "$tmp/$m.hta" | grep -c ' cgroups [0-9]')
  v=$(od -A n -t u4 -j 4 -N 4 "$tmp/$m.hta" | tr -d ' ')
  [[ $n -ge 1 && $v == 3 ]] && pass "grouped_native_$m" \
    || fail "grouped_native_$m" "$n grouped layers in hta info, file version $v"
done
[[ $($HTA info "$tmp/qdq_group_dense.hta" | grep -c ' cgroups ') == 0 ]] \
  && pass grouped_dense_stays_dense || fail grouped_dense_stays_dense "a group-1 Conv became grouped"
$PY -c "import numpy as np; np.save('$tmp/gr.npy', np.random.default_rng(3).integers(-128, 128, (4, 28, 28, 1)).astype(np.int8))"
for plan in int8 twn fgq:4 hybrid:0.5; do
  for how in native block-diag; do
    HTA_IMPORT_GROUPED=$how $HTA import "$fx/graph_resnext.onnx" -o "$tmp/rx_$how.hta" \
      --calib-n 100 --plan $plan >/dev/null 2>&1
    $HTA run --device cpu --model "$tmp/rx_$how.hta" --input "$tmp/gr.npy" \
      --output "$tmp/rx_$how.npy" >/dev/null 2>&1
  done
  nb=$($HTA info "$tmp/rx_block-diag.hta" 2>/dev/null | grep -c ' cgroups ')
  nn=$($HTA info "$tmp/rx_native.hta" 2>/dev/null | grep -c ' cgroups ')
  [[ -s $tmp/rx_native.npy && $nb == 0 && $nn == 3 ]] &&
    cmp -s "$tmp/rx_native.npy" "$tmp/rx_block-diag.npy" \
    && pass "grouped_native_equals_block_diag_$plan" \
    || fail "grouped_native_equals_block_diag_$plan" "outputs differ, or $nn native / $nb block-diagonal grouped layers (want 3 / 0)"
  rm -f "$tmp"/rx_*
done

# N-input Concat (a chain of CONCATs) and grouped convolutions (native: runs of groups
# over channel slices on engine v2, block-diagonal on v1) on the RTL: bit-exact with the
# golden model on every layer, on a v1 and two v2 engines (Ci 8 and 4)
for cfg in small v2small v2tiny; do
  expect "verify_concat_group_sim_$cfg" 0 "bit-exact with cpu on every layer" -- \
    $HTA verify --device sim:cfg=$cfg --model "$tmp/graph_concat_group.hta"
  expect "verify_resnext_sim_$cfg" 0 "bit-exact with cpu on every layer" -- \
    $HTA verify --device sim:cfg=$cfg --model "$tmp/graph_resnext.hta"
done
# ConvNeXt's pieces (LAYERNORM on the graph-op unit, the space-to-depth stem, GELU's table)
for cfg in small v2small; do
  expect "verify_convnext_sim_$cfg" 0 "bit-exact with cpu on every layer" -- \
    $HTA verify --device sim:cfg=$cfg --model "$tmp/graph_convnext.hta"
done

# ---- filter kinds per plan (hta info: int8 / tern / bin columns of each layer) ----
# kinds FILE: "i8,t,b" per layer with weights, space separated
kinds() {
  $HTA info "$1" |
    awk '$2 ~ /^(CONV2D|DEPTHWISE|POINTWISE|FC)$/ {printf "%s,%s,%s ", $6, $7, $8}'
}
check_kinds() {
  local name=$1 want=$2 file=$3 got
  got=$(kinds "$file")
  [[ "$got" == "$want" ]] && pass "$name" || fail "$name" "kinds '$got', expected '$want'"
}
check_kinds kinds_auto_ternary "4,4,0 0,16,0 0,0,10 " "$tmp/ternary.hta"
for plan in int8 twn fgq:4 fgq:16; do
  f=$tmp/mb_${plan/:/}.hta
  expect "import_plan_$plan" 0 "plan $plan" -- $HTA import "$fx/float_mbnet.onnx" -o "$f" \
    --plan "$plan" --calib-n 100
done
check_kinds kinds_plan_int8 "8,0,0 8,0,0 16,0,0 10,0,0 " "$tmp/mb_int8.hta"
# a ternarized filter with no zero weight is stored binary (exact, 1 bit)
got=$(kinds "$tmp/mb_twn.hta")
[[ $got =~ ^0,[0-9]+,[0-9]+\ 0,[0-9]+,[0-9]+\ 0,[0-9]+,[0-9]+\ 0,[0-9]+,[0-9]+\ $ ]] &&
  pass kinds_plan_twn || fail kinds_plan_twn "kinds '$got': expected no int8 filter"
expect import_keep_int8 0 "int8 18 " -- $HTA import "$fx/float_mbnet.onnx" \
  -o "$tmp/mb_keep.hta" --plan twn --keep-int8 first,last --calib-n 100
check_kinds kinds_keep_int8_first_last "8,0,0 0,8,0 0,16,0 10,0,0 " "$tmp/mb_keep.hta"
$HTA import "$fx/float_mbnet.onnx" -o "$tmp/mb_dw.hta" --plan fgq:4 --keep-int8 dw,4 \
  --calib-n 50 >/dev/null 2>&1
got=$(kinds "$tmp/mb_dw.hta")
[[ $got =~ ^0,[0-9]+,[0-9]+\ 8,0,0\ 0,[0-9]+,[0-9]+\ 10,0,0\ $ ]] &&
  pass kinds_keep_int8_dw_and_index || fail kinds_keep_int8_dw_and_index "kinds '$got'"
# post-training hybrid: round(F O) int8 filters per layer, the rest ternary/binary
expect import_plan_hybrid 0 "plan hybrid:0.5" -- $HTA import "$fx/float_mbnet.onnx" \
  -o "$tmp/mb_hyb.hta" --plan hybrid:0.5 --calib-n 100
got=$(kinds "$tmp/mb_hyb.hta")
[[ $got =~ ^4,[0-9]+,[0-9]+\ 4,[0-9]+,[0-9]+\ 8,[0-9]+,[0-9]+\ 5,[0-9]+,[0-9]+\ $ ]] &&
  pass kinds_plan_hybrid_half || fail kinds_plan_hybrid_half "kinds '$got'"
# keeping the most sensitive half int8 must bring the output closer to float than TWN
rel() {
  $PY tools/import/hta_check.py "$fx/float_mbnet.onnx" "$1" --n 50 --hta-bin "$HTA" \
    --max-rel 1e9 --min-agree 0 | sed -n 's/.*relative RMS error \([0-9.]*\).*/\1/p'
}
r_twn=$(rel "$tmp/mb_twn.hta") r_hyb=$(rel "$tmp/mb_hyb.hta") r_int8=$(rel "$tmp/mb_int8.hta")
awk -v t="$r_twn" -v h="$r_hyb" -v i="$r_int8" 'BEGIN { exit !(i < h && h < t) }' &&
  pass hybrid_error_between_int8_and_twn ||
  fail hybrid_error_between_int8_and_twn "relative RMS error: int8 '$r_int8', hybrid:0.5 '$r_hyb', twn '$r_twn'"
expect import_plan_hybrid_global 0 "plan hybrid-global:0.3" -- $HTA import \
  "$fx/float_mbnet.onnx" -o "$tmp/mb_hybg.hta" --plan hybrid-global:0.3 --calib-n 100
expect refuse_plan_hybrid_range 1 "must be a number in 0..1" -- $HTA import \
  "$fx/float_mbnet.onnx" -o "$tmp/bad.hta" --plan hybrid:2
expect refuse_keep_int8 1 "--keep-int8 'middle'" -- $HTA import "$fx/float_mbnet.onnx" \
  -o "$tmp/bad.hta" --keep-int8 middle
# group size: hta info shows it in the plan line; the file is smaller with bigger groups
s4=$(stat -c %s "$tmp/mb_fgq4.hta") s16=$(stat -c %s "$tmp/mb_fgq16.hta")
[[ $s4 -gt $s16 ]] && pass fgq_group_scales_cost_bytes ||
  fail fgq_group_scales_cost_bytes "fgq:4 $s4 bytes, fgq:16 $s16 bytes"

# ---- refused models: the message names node and op; no file is written ----
while IFS=$'\t' read -r f msg; do
  rm -f "$tmp/bad.hta"
  # one blocker: on the error line; several: one indented line each after it
  expect "refuse_$f" 1 "(hta import: error: .*|^  )$(sed 's/[][().*]/\\&/g' <<<"$msg")" -- \
    $HTA import "$fx/$f.onnx" -o "$tmp/bad.hta" --calib-n 10
  [[ -e $tmp/bad.hta ]] && fail "refuse_${f}_no_file" "a file was written" ||
    pass "refuse_${f}_no_file"
done <"$fx/bad.txt"
# every blocker of a model in one message, and no file
rm -f "$tmp/bad.hta"
out=$($HTA import "$fx/bad_many.onnx" -o "$tmp/bad.hta" --calib-n 10 2>&1)
st=$?
ok=1
for frag in "hta import: error: 2 nodes block the import:" \
    "node 'dilated' (Conv): dilations [2, 2]" "node 'elu' (Elu): Elu runs"; do
  grep -qF -- "$frag" <<<"$out" || { ok=0; fail refuse_every_blocker_at_once "lacks '$frag': $out"; }
done
[[ $st -eq 1 && $ok -eq 1 && ! -e $tmp/bad.hta ]] && pass refuse_every_blocker_at_once ||
  { [[ $ok -eq 1 ]] && fail refuse_every_blocker_at_once "exit $st or a file: $out"; }
grep -q Traceback <<<"$out" && fail refuse_no_traceback "$out" || pass refuse_no_traceback
# a LayerNorm cut short (the channels-last Transpose is fine): each node the pattern
# would have taken named in the one message
out=$($HTA import "$fx/bad_layernorm.onnx" -o "$tmp/bad.hta" --calib-n 10 2>&1)
ok=1
for frag in "3 nodes block the import" \
    "node 'bad_mean' (ReduceMean): ReduceMean over axes [-1]" "node 'bad_sub' (Sub): reads 2" \
    "node 'bad_sqrt' (Sqrt): unsupported op Sqrt"; do
  grep -qF -- "$frag" <<<"$out" || { ok=0; fail refuse_layernorm_every_node "lacks '$frag': $out"; }
done
[[ $ok -eq 1 ]] && pass refuse_layernorm_every_node
# a bug of the importer itself (here: one injected) is one line naming it, exit 1
out=$(cd tools/import && HTA_IMPORT_PROG="hta import" $PY -c "
import sys, hta_import, hta_onnx
def bug(path): return 1 // 0
hta_onnx.load_chain = bug
sys.argv = ['hta_import.py', '$fx/qlinear.onnx', '--bundle', '$tmp/bug']
sys.exit(hta_import.main())" 2>&1)
st=$?
[[ $st -eq 1 && $out == "hta import: error: internal error of the importer (ZeroDivisionError: "* ]] \
  && ! grep -q Traceback <<<"$out" && pass import_internal_error_one_line \
  || fail import_internal_error_one_line "exit $st: $out"
# a model that is not 28x28x1 without calibration data: how to give it
expect refuse_calib_how 1 "the model takes 32x32x3 inputs .*--calib FILE.npy: an array \[N, 32, 32, 3\]" \
  -- $HTA import "$fx/float_rgb32.onnx" -o "$tmp/bad.hta"
$PY -c "import numpy as np; np.save('$tmp/rgb.npy', np.random.default_rng(1).random((40, 32, 32, 3), np.float32))"
expect import_float_rgb32_with_calib 0 "1x1x10" -- $HTA import "$fx/float_rgb32.onnx" \
  -o "$tmp/rgb.hta" --calib "$tmp/rgb.npy"
expect refuse_calib_wrong_shape_says_how 1 "calibration images are \[32, 32, 3\], the model takes \[28, 28, 1\].*--calib FILE.npy" \
  -- $HTA import "$fx/float_mbnet.onnx" -o "$tmp/bad.hta" --calib "$tmp/rgb.npy"
expect refuse_not_onnx 1 "cannot read .* as ONNX" -- $HTA import tests/import/test_import.sh \
  -o "$tmp/bad.hta"
expect refuse_missing 1 "no such file" -- $HTA import "$tmp/nope.onnx" -o "$tmp/bad.hta"
expect refuse_plan 1 "unknown plan 'int4'" -- $HTA import "$fx/float_mbnet.onnx" \
  -o "$tmp/bad.hta" --plan int4
# (the file is made first: a process substitution raced with the import)
$PY -c "import numpy as np; np.save('$tmp/c.npy', np.zeros((5, 14, 14), np.uint8))"
expect refuse_calib_shape 1 "calibration images are" -- $HTA import "$fx/float_mbnet.onnx" \
  -o "$tmp/bad.hta" --calib "$tmp/c.npy" --calib-n 5
expect usage_no_output 2 "required" -- $HTA import "$fx/float_mbnet.onnx"
expect no_python 1 "python3-onnx" -- env HTA_PYTHON=/nonexistent/python3 \
  $HTA import "$fx/float_mbnet.onnx" -o "$tmp/bad.hta"
expect import_help 0 "usage: hta import" -- $HTA import --help

# ---- --report: one row per layer, the golden model against the float graph ----
expect report_text 0 "^ +4  fc +1x1x10 +0\.0[0-9]+ +0\.0[0-9]+  Gemm" -- $HTA import \
  "$fx/float_mbnet.onnx" -o "$tmp/rep.hta" --calib-n 50 --report text --report-n 4
rows=$($HTA import "$fx/graph_residual.onnx" -o "$tmp/rep2.hta" --calib-n 50 --report json \
  --report-n 2 | grep -c '^{"layer": ')
layers=$($HTA info "$tmp/rep2.hta" | grep -cE '^ *[0-9]+ ')
[[ $rows -gt 0 && $rows -eq $layers ]] && pass report_json_rows ||
  fail report_json_rows "$rows JSON rows for $layers layers"
expect refuse_report_format 2 "text or json" -- $HTA import "$fx/float_mbnet.onnx" \
  -o "$tmp/bad.hta" --report xml
expect refuse_report_n 2 "1..4096" -- $HTA import "$fx/float_mbnet.onnx" -o "$tmp/bad.hta" \
  --report text --report-n 0
[[ ! -e $tmp/bad.hta ]] && pass report_refused_writes_nothing ||
  fail report_refused_writes_nothing "$tmp/bad.hta exists"

# the installed hta finds the installed importer (PREFIX/share/hta/import)
if make -s install PREFIX="$tmp/inst" >"$tmp/inst.log" 2>&1; then
  expect installed_import 0 "1x1x10" -- env -u HTA_IMPORT_TOOL "$tmp/inst/bin/hta" import \
    "$fx/qlinear.onnx" -o "$tmp/inst.hta"
else
  fail installed_import "make install: $(tail -c 300 "$tmp/inst.log")"
fi

# a graph of a few hundred bytes whose tensors need GBs: the cpu device
# refuses it by its memory limit (2048 MiB) before allocating, naming a layer
expect import_big_tensors 0 "7172x7172x1" -- $HTA import "$fx/big_tensors.onnx" \
  -o "$tmp/big.hta"
head -c 784 /dev/zero > "$tmp/z784.raw"
expect cpu_refuses_big_tensors 1 \
  "cpu: the model needs 2779 MiB per inference .*layer 9, PAD, output 7172x7172x1.*limit of 2048 MiB" \
  -- bash -c 'ulimit -v 4000000; exec "$@"' _ $HTA run --device cpu --model "$tmp/big.hta" \
  --input "$tmp/z784.raw" --output "$tmp/big.raw" --raw

# ---- interrupted imports leave nothing behind ----
# hta: a stub importer announces itself and sleeps; SIGINT or SIGTERM to hta
# ends the stub, removes the bundle folder, and hta dies by the signal
cat > "$tmp/stub.py" <<'PY'
import os, sys, time
open(os.environ['STUB_PID'], 'w').write(str(os.getpid()))
time.sleep(60)
PY
for sig in INT TERM; do
  rm -rf "$tmp/t$sig" "$tmp/stub$sig.pid" && mkdir -p "$tmp/t$sig"
  res=$(TMPDIR="$tmp/t$sig" HTA_IMPORT_TOOL="$tmp/stub.py" STUB_PID="$tmp/stub$sig.pid" \
        $PY tests/support/sigrun.py $sig "$tmp/stub$sig.pid" -- \
        $HTA import "$fx/qlinear.onnx" -o "$tmp/int.hta" 2>/dev/null)
  want=$([[ $sig == INT ]] && echo 130 || echo 143)
  stub=$(cat "$tmp/stub$sig.pid" 2>/dev/null)
  left=$(ls -A "$tmp/t$sig")
  if [[ ${res%% *} == "$want" && -z $left && -n $stub ]] && ! kill -0 "$stub" 2>/dev/null &&
     [[ ! -e $tmp/int.hta ]]; then
    pass "import_sig${sig}_cleans_up"
  else
    fail "import_sig${sig}_cleans_up" "status/pid '$res' (want $want), left: '$left', stub $stub"
  fi
done
# the Python side: a signal while the bundle is half written removes it and
# the folder it made; one line, no traceback, status 128 + N
rm -rf "$tmp/pb"
out=$(cd tools/import && $PY ../../tests/support/sigrun.py INT "$tmp/pb/bundle.bin.tmp" -- \
      $PY -c "
import sys, time, hta_import
def slow(d, tmps, *a):
    open(tmps[0], 'wb').write(b'partial')
    time.sleep(60)
hta_import._write_bundle = slow
sys.argv = ['hta_import.py', '$fx/qlinear.onnx', '--bundle', '$tmp/pb']
hta_import.run()" 2>&1)
if [[ $(tail -1 <<<"$out") == "130 "* && $out == *"hta_import.py: interrupted (SIGINT)"* ]] &&
   ! grep -q Traceback <<<"$out" && [[ ! -e $tmp/pb ]]; then
  pass import_py_sigint_one_line_no_partial_bundle
else
  fail import_py_sigint_one_line_no_partial_bundle "$out; $(ls -A "$tmp/pb" 2>&1)"
fi

# ---- hta eval ----
expect eval_help 0 "usage: hta eval" -- $HTA eval --help
# eval's logits are `hta run` on the model's quantization of the same images
$HTA eval --device cpu --model "$tmp/qlinear.hta" --dataset fashion-mnist --limit 50 \
  --logits "$tmp/ev.npy" >/dev/null 2>&1
out=$($PY - "$tmp" "$HTA" <<'PY' 2>&1
import os, subprocess, sys
import numpy as np
sys.path.insert(0, 'tools/import')
import hta_check, hta_import
d, hta = sys.argv[1], sys.argv[2]
m = os.path.join(d, 'qlinear.hta')
pix = hta_import.idx_images(os.path.join(hta_import.DATASET, 't10k-images-idx3-ubyte.gz'), 50)
s, z, _, _ = hta_check.hta_io_quant(m)
x = np.clip(np.round(pix / 255.0 / s) + z, -128, 127).astype(np.int8)[..., None]
hta_check.npy_write_i8(os.path.join(d, 'x.npy'), x)
subprocess.run([hta, 'run', '--device', 'cpu', '--model', m, '--input',
                os.path.join(d, 'x.npy'), '--output', os.path.join(d, 'y.npy')], check=True)
y = np.load(os.path.join(d, 'y.npy')).reshape(50, 10)
e = np.load(os.path.join(d, 'ev.npy'))
print('same' if e.shape == (50, 10) and (e == y).all() else 'differ %s' % (e.shape,))
PY
)
[[ $out == same ]] && pass eval_logits_equal_run || fail eval_logits_equal_run "$out"
expect eval_json 0 '"n": 50, "correct": [0-9]+' -- $HTA eval --device cpu \
  --model "$tmp/qlinear.hta" --dataset fashion-mnist --limit 50 --json
# a --logits path that cannot be written is an error before the run (exit 1)
expect eval_logits_unwritable 1 "cannot write .*directory .*No such" -- $HTA eval --device cpu \
  --model "$tmp/qlinear.hta" --dataset fashion-mnist --limit 5 --logits "$tmp/none/ev.npy"
# a write that fails part way (file size limit) leaves the old file whole, no temporary
echo old > "$tmp/lg.npy"
expect eval_logits_write_error 1 "cannot write .*File too large" -- bash -c 'ulimit -f 0; \
  exec "$@"' _ $HTA eval --device cpu --model "$tmp/qlinear.hta" --dataset fashion-mnist \
  --limit 5 --logits "$tmp/lg.npy"
[[ $(cat "$tmp/lg.npy") == old && -z $(ls -A "$tmp" | grep -F .lg.npy.tmp-) ]] \
  && pass eval_logits_write_error_keeps_old || fail eval_logits_write_error_keeps_old \
  "$(wc -c < "$tmp/lg.npy") bytes; $(ls -A "$tmp" | grep -F .lg.npy.tmp-)"
# a committed trained model: its accuracy on 200 test images (float top-1 is ~90%)
committed=models/fmnist_float_int8.hta
if [[ -f $committed ]]; then
  out=$($HTA eval --device cpu --model $committed --dataset fashion-mnist --limit 200 --json)
  top=$($PY -c "import json,sys; d=json.loads(sys.argv[1]); print(d['n'], d['top1'])" "$out")
  $PY -c "import sys; n,t=sys.argv[1].split(); sys.exit(0 if n=='200' and float(t)>0.8 else 1)" \
    "$top" && pass eval_committed_model_200 || fail eval_committed_model_200 "n, top-1: $top"
else
  fail eval_committed_model_200 "$committed is missing"
fi
# sim and cpu give the same logits (the RTL simulation is bit-exact)
simm=$([[ -f $committed ]] && echo $committed || echo "$tmp/ternary.hta")
$HTA eval --device cpu --model "$simm" --dataset fashion-mnist --limit 3 --logits "$tmp/c.npy" \
  >/dev/null 2>&1
$HTA eval --device sim --model "$simm" --dataset fashion-mnist --limit 3 --logits "$tmp/s.npy" \
  >/dev/null 2>&1
[[ -s $tmp/c.npy ]] && cmp -s "$tmp/c.npy" "$tmp/s.npy" && pass eval_sim_equals_cpu_3 ||
  fail eval_sim_equals_cpu_3 "logits differ (or a run failed)"
expect eval_no_dataset 1 "dataset-fashion-mnist" -- $HTA eval --device cpu \
  --model "$tmp/qlinear.hta" --dataset fashion-mnist --data-dir "$tmp/none"
$HTA zoo mobilenet-v1 --width 0.25 --resolution 128 --plan int8 -o "$tmp/zoo.hta" >/dev/null 2>&1
expect eval_wrong_shape 1 "fashion-mnist has 28x28x1 images; the model takes 128x128x3" -- $HTA eval --device cpu \
  --model "$tmp/zoo.hta" --dataset fashion-mnist
expect eval_unknown_dataset 1 "unknown dataset 'cifar'" -- $HTA eval --device cpu \
  --model "$tmp/qlinear.hta" --dataset cifar

summary
