#!/usr/bin/env bash
# tests/cli/test_eval_data.sh - `hta eval` on the user's own data (build/hta,
# run from the repository root): the first 300 Fashion-MNIST test images laid
# out as an image folder (PNG, and RGB JPEG), at twice the size (resized), as
# .npz (stored and compressed, NHWC and NCHW) and as X.npy:Y.npy, against
# the built-in fashion-mnist source, logits compared bit for bit where the
# pixels are the same; --mean/--std against float inputs normalised the same
# way; top-5; the confusion matrix picture; clear errors for corrupt and
# mismatched data. Fixtures are written by python3 (numpy, PIL). About 10 s.
# Prints PASS/FAIL lines and "N passed, N failed".
set -uo pipefail
HTA=${HTA:-build/hta}
PY=/usr/bin/python3
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
source tests/support/check.sh
N=300

$PY - "$tmp" $N <<'EOF' || { echo "FAIL fixtures: python3 failed"; echo "0 passed, 1 failed"; exit 1; }
import os, sys
import numpy as np
from PIL import Image
sys.path.insert(0, 'tools/train')
import data  # Debian's dataset-fashion-mnist
T, n = sys.argv[1], int(sys.argv[2])
x, y = data.load('test')
u8 = (x[:n, 0] * 255).round().astype(np.uint8)  # exactly the idx pixels
names = ['T-shirt_top', 'Trouser', 'Pullover', 'Dress', 'Coat', 'Sandal', 'Shirt',
         'Sneaker', 'Bag', 'Ankle_boot']
for i in range(n):
    cls = '%d_%s' % (y[i], names[y[i]])
    for sub, img, ext in (('png', Image.fromarray(u8[i]), 'png'),
                          ('big', Image.fromarray(u8[i]).resize((56, 56), Image.NEAREST), 'png'),
                          ('jpg', Image.fromarray(u8[i]).convert('RGB'), 'jpg')):
        d = os.path.join(T, sub, cls)
        os.makedirs(d, exist_ok=True)
        img.save(os.path.join(d, '%05d.%s' % (i, ext)), quality=95)
open(os.path.join(T, 'png', 'README.txt'), 'w').write('files beside the classes are ignored')
np.savez(os.path.join(T, 'nhwc.npz'), x=u8[..., None], y=y[:n])
np.savez_compressed(os.path.join(T, 'nchw.npz'), images=u8[:, None], labels=y[:n].astype(np.uint8))
np.save(os.path.join(T, 'x.npy'), u8)
np.save(os.path.join(T, 'y.npy'), y[:n].astype(np.int32))
# float inputs: (p / 255 - 0.5) / 0.25, what --mean 0.5 --std 0.25 makes of pixels
np.savez(os.path.join(T, 'float.npz'), x=((u8 / np.float32(255) - np.float32(0.5)) /
                                          np.float32(0.25)).astype(np.float32)[..., None], y=y[:n])
np.savez(os.path.join(T, 'big_labels.npz'), x=u8[..., None], y=np.full(n, 11))
np.savez(os.path.join(T, 'wrong_shape.npz'), x=u8[:, :20], y=y[:n])
np.savez(os.path.join(T, 'no_labels.npz'), x=u8[..., None])
EOF

M=$tmp/m.hta
$HTA import models/fmnist_float.onnx -o "$M" --calib-n 200 >/dev/null 2>&1 ||
  { echo "FAIL model: no model to evaluate"; echo "0 passed, 1 failed"; exit 1; }

# logits SRC NAME [options]: eval with --logits, keep the top-1 line
ev() {
  local name=$1 src=$2
  shift 2
  $HTA eval --device cpu --model "$M" --dataset "$src" --limit $N --logits "$tmp/$name.npy" \
    "$@" > "$tmp/$name.txt" 2>&1
}
same_logits() {
  local name=$1 a=$2 b=$3
  if cmp -s "$tmp/$a.npy" "$tmp/$b.npy"; then pass "$name"; else
    fail "$name" "$(head -1 "$tmp/$a.txt") / $(head -1 "$tmp/$b.txt")"; fi
}
ev ref fashion-mnist && pass eval_fashion_mnist || fail eval_fashion_mnist "$(cat "$tmp/ref.txt")"
# a folder lists class by class (sorted names), files sorted within: the idx order
# sorted by label, stably
ev png "$tmp/png"
if out=$($PY - "$tmp" $N <<'EOF' 2>&1
import sys
import numpy as np
sys.path.insert(0, 'tools/train')
import data
T, n = sys.argv[1], int(sys.argv[2])
y = data.load('test')[1][:n]
ref, png = np.load(T + '/ref.npy'), np.load(T + '/png.npy')
assert np.array_equal(ref[np.argsort(y, kind='stable')], png), 'logits differ'
EOF
); then pass folder_png_same_as_idx; else fail folder_png_same_as_idx "$out"; fi
ev nhwc "$tmp/nhwc.npz" && same_logits npz_stored_nhwc nhwc ref
ev nchw "$tmp/nchw.npz" && same_logits npz_compressed_nchw_uint8_labels nchw ref
ev npy "$tmp/x.npy:$tmp/y.npy" && same_logits npy_pair_hw_int32_labels npy ref
ev norm "$tmp/nhwc.npz" --mean 0.5 --std 0.25
ev flt "$tmp/float.npz"
same_logits mean_std_equal_float_inputs norm flt
cmp -s "$tmp/norm.npy" "$tmp/ref.npy" && fail mean_std_changes_inputs "same logits as p/255" ||
  pass mean_std_changes_inputs

# resized and colour inputs: not the same pixels, the same accuracy within a few points
top1() { sed -n 's/.*top-1 [0-9]* \/ [0-9]* = \([0-9.]*\)%.*/\1/p' "$tmp/$1.txt"; }
for v in big jpg; do
  ev $v "$tmp/$v"
  awk -v a="$(top1 $v)" -v b="$(top1 ref)" 'BEGIN { d = a - b; exit !(a != "" && d < 4 && d > -4) }' &&
    pass "folder_${v}_close_to_idx" || fail "folder_${v}_close_to_idx" "$(top1 $v)% vs $(top1 ref)%"
done

# JSON: top-5 >= top-1, class names from the folders, a confusion matrix that adds up
$HTA eval --device cpu --model "$M" --dataset "$tmp/png" --json --limit $N \
  --confusion "$tmp/c.svg" > "$tmp/e.json" 2>/dev/null
if out=$($PY - "$tmp/e.json" "$tmp/c.svg" $N <<'EOF' 2>&1
import json, sys, xml.dom.minidom
j = json.load(open(sys.argv[1]))
n = int(sys.argv[3])
assert j['n'] == n and j['top5'] >= j['top1'] > 0.5, j
assert j['classes'][1] == '1_Trouser' and len(j['classes']) == 10, j['classes']
assert sum(map(sum, j['confusion'])) == n, 'confusion does not add up'
assert sum(j['confusion'][i][i] for i in range(10)) == j['correct']
svg = xml.dom.minidom.parse(sys.argv[2])
assert len(svg.getElementsByTagName('rect')) == 101, 'cells'
EOF
); then pass eval_json_top5_confusion_svg; else fail eval_json_top5_confusion_svg "$out"; fi

# errors: the message names the file and what is wrong; no crash
cp "$tmp/nhwc.npz" "$tmp/trunc.npz" && truncate -s 5000 "$tmp/trunc.npz"
head -c 200 "$tmp/png/1_Trouser/00002.png" > "$tmp/bad.png"
mkdir -p "$tmp/badfolder/a" && cp "$tmp/bad.png" "$tmp/badfolder/a/x.png"
mkdir -p "$tmp/empty/a"
e() { expect "$1" "$2" "$3" -- $HTA eval --device cpu --model "$M" --dataset "${@:4}"; }
e refuse_truncated_npz 1 "trunc.npz.*(corrupt|no end record|runs past)" "$tmp/trunc.npz"
e refuse_corrupt_png 1 "x.png: PNG" "$tmp/badfolder"
e refuse_empty_folder 1 "no .png or .jpg images" "$tmp/empty"
e refuse_labels_beyond_outputs 1 "12 classes, model .* gives 10 outputs" "$tmp/big_labels.npz"
e refuse_wrong_shape 1 "does not hold inputs of the model's 28x28x1" "$tmp/wrong_shape.npz"
e refuse_npz_without_labels 1 "no array y, labels or targets" "$tmp/no_labels.npz"
e refuse_npy_without_labels 1 "labels are needed too" "$tmp/x.npy"
e refuse_unknown_source 1 "unknown dataset 'nope'" nope
e refuse_bad_std 2 "--std '0': one number or one per channel" "$tmp/nhwc.npz" --std 0

echo "$passed passed, $failed failed"
[[ $failed -eq 0 ]]
