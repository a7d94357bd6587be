#!/usr/bin/python3
"""Check the committed Fashion-MNIST models against the contract in tools/train/README.md.

For every models/fmnist_*.onnx (with its .json sidecar written by the trainer):
the graph is the opset-13 sequential chain the importer accepts, no BatchNorm is
left, every filter the sidecar calls ternary/binary holds exactly {-a, 0, +a} /
{-a, +a}, the others are not two/three-valued (so the importer's detection gives
the same kinds), and a plain numpy forward pass of the ONNX weights on 500 test
images gives the top-1 the trainer recorded (within TOLERANCE points).
Needs python3-onnx and python3-numpy only (no torch in CI).
Prints PASS/FAIL lines and "N passed, N failed".
"""
import glob
import gzip
import json
import os
import sys

import numpy as np
import onnx
from onnx import numpy_helper

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
DATASET = os.environ.get("HTA_FMNIST_DIR", "/usr/share/datasets/fashion-mnist")
OPS = {"Conv", "Clip", "Constant", "GlobalAveragePool", "Flatten", "Gemm"}
N_IMAGES = 500
# The first 500 images against the full 10k: a sampling error of ~1.3 points
# (one sigma at 90%); 4 points is three sigma. A wrong layout gives ~10%.
TOLERANCE = 4.0

passed = failed = 0


def check(name, ok, detail=""):
    global passed, failed
    if ok:
        passed += 1
        print(f"PASS {name}", flush=True)
    else:
        failed += 1
        print(f"FAIL {name}: {detail}", flush=True)


def idx(path):
    raw = gzip.open(path, "rb").read()
    ndim = raw[3]
    dims = np.frombuffer(raw[4:4 + 4 * ndim], dtype=">u4")
    return np.frombuffer(raw, np.uint8, offset=4 + 4 * ndim).reshape(dims)


def const_value(graph, name, inits):
    if name in inits:
        return inits[name]
    for n in graph.node:
        if n.op_type == "Constant" and n.output[0] == name:
            return numpy_helper.to_array(n.attribute[0].t)
    raise KeyError(name)


def conv(x, w, b, stride, pads, group):
    """NCHW conv as a sum over the kernel taps (each tap one matmul, or one
    broadcast product for depthwise): cheap enough for CI without torch."""
    n, c, h, wd = x.shape
    o, ci, kh, kw = w.shape
    x = np.pad(x, ((0, 0), (0, 0), (pads[0], pads[2]), (pads[1], pads[3])))
    oh = (x.shape[2] - kh) // stride + 1
    ow = (x.shape[3] - kw) // stride + 1
    y = np.zeros((n, o, oh, ow), dtype=x.dtype)
    for ky in range(kh):
        for kx in range(kw):
            tap = x[:, :, ky:ky + stride * oh:stride, kx:kx + stride * ow:stride]
            if group == 1:
                y += np.einsum("nchw,oc->nohw", tap, w[:, :, ky, kx], optimize=True)
            else:
                y += tap * w[:, 0, ky, kx].reshape(1, -1, 1, 1)
    return y + b.reshape(1, -1, 1, 1)


def run(graph, inits, x):
    vals = {graph.input[0].name: x}
    for n in graph.node:
        a = {at.name: onnx.helper.get_attribute_value(at) for at in n.attribute}
        if n.op_type == "Constant":
            continue
        if n.op_type == "Conv":
            w, b = inits[n.input[1]], inits[n.input[2]]
            y = conv(vals[n.input[0]], w, b, a.get("strides", [1, 1])[0],
                     a.get("pads", [0, 0, 0, 0]), a.get("group", 1))
        elif n.op_type == "Clip":
            lo = const_value(graph, n.input[1], inits)
            hi = const_value(graph, n.input[2], inits)
            y = np.clip(vals[n.input[0]], lo, hi)
        elif n.op_type == "GlobalAveragePool":
            y = vals[n.input[0]].mean(axis=(2, 3), keepdims=True)
        elif n.op_type == "Flatten":
            y = vals[n.input[0]].reshape(len(x), -1)
        elif n.op_type == "Gemm":
            y = vals[n.input[0]] @ inits[n.input[1]].T + inits[n.input[2]]
        vals[n.output[0]] = y
    return vals[graph.output[0].name]


def filter_kind(row):
    """What an importer detects: 'ternary' {-a,0,a}, 'binary' {-a,a}, else 'int8'."""
    mags = np.unique(np.abs(row[row != 0]))
    if len(mags) != 1:
        return "int8"
    return "binary" if np.all(row != 0) else "ternary"


def check_model(path, images, labels):
    base = os.path.basename(path)
    model = onnx.load(path)
    try:
        onnx.checker.check_model(model)
        check(f"{base} onnx checker", True)
    except onnx.checker.ValidationError as e:
        check(f"{base} onnx checker", False, str(e).splitlines()[0])
        return
    g = model.graph
    opsets = [o.version for o in model.opset_import if o.domain in ("", "ai.onnx")]
    check(f"{base} opset 13", opsets == [13], str(opsets))
    shape = [d.dim_value for d in g.input[0].type.tensor_type.shape.dim]
    check(f"{base} input 1x1x28x28", shape == [1, 1, 28, 28], str(shape))
    ops = {n.op_type for n in g.node}
    check(f"{base} ops within the contract", ops <= OPS, str(sorted(ops - OPS)))
    chain = [n for n in g.node if n.op_type != "Constant"]
    linked = all(chain[i].input[0] == chain[i - 1].output[0] for i in range(1, len(chain)))
    check(f"{base} sequential chain", linked and chain[0].input[0] == g.input[0].name)
    inits = {t.name: numpy_helper.to_array(t) for t in g.initializer}
    clips = [(float(const_value(g, n.input[1], inits)), float(const_value(g, n.input[2], inits)))
             for n in chain if n.op_type == "Clip"]
    check(f"{base} every Clip is ReLU6", clips and all(c == (0.0, 6.0) for c in clips),
          str(set(clips)))

    side = os.path.splitext(path)[0] + ".json"
    if not os.path.exists(side):
        check(f"{base} sidecar json", False, f"{side} missing")
        return
    meta = json.load(open(side))
    weights = [n.input[1] for n in chain if n.op_type in ("Conv", "Gemm")]
    check(f"{base} layer count matches sidecar", len(weights) == len(meta["layers"]),
          f"{len(weights)} weight layers, sidecar {len(meta['layers'])}")
    bad = []
    for li, (wname, layer) in enumerate(zip(weights, meta["layers"])):
        rows = inits[wname].reshape(inits[wname].shape[0], -1).astype(np.float32)
        for o, (row, want) in enumerate(zip(rows, layer["kinds"])):
            got = filter_kind(row)
            want = "int8" if want == "float" else want
            # a ternary filter that happens to have no zero is {-a, +a}: the
            # importer may store it as binary, which is exact (README contract)
            if got != want and not (want == "ternary" and got == "binary"):
                bad.append(f"layer {li} filter {o}: {got}, sidecar {want}")
    check(f"{base} filter kinds exact ({sum(len(l['kinds']) for l in meta['layers'])} filters)",
          not bad, "; ".join(bad[:3]))

    logits = run(g, inits, images)
    top1 = 100.0 * np.mean(logits.argmax(1) == labels)
    check(f"{base} numpy top-1 {top1:.1f}% on {N_IMAGES} images vs trainer {meta['top1']}%",
          abs(top1 - meta["top1"]) <= TOLERANCE,
          "the ONNX weights do not compute what was trained")


def main():
    folder = os.environ.get("HTA_MODELS_DIR", os.path.join(ROOT, "models"))
    models = sorted(glob.glob(os.path.join(folder, "fmnist_*.onnx")))
    check("models/fmnist_*.onnx present", len(models) >= 1, "no model committed")
    images = idx(os.path.join(DATASET, "t10k-images-idx3-ubyte.gz"))[:N_IMAGES]
    labels = idx(os.path.join(DATASET, "t10k-labels-idx1-ubyte.gz"))[:N_IMAGES]
    images = images.astype(np.float32)[:, None] / np.float32(255.0)
    for path in models:
        check_model(path, images, labels)
    print(f"{passed} passed, {failed} failed")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
