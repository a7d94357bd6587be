#!/usr/bin/python3
"""make_fixtures.py DIR - small ONNX test models for the importer (seeded, built with
onnx.helper). Each supported op appears in at least one good model; each bad model
carries one unsupported construct in a node named bad_<what>.

Good models (input [1, 1, 28, 28], output [1, 10]):
  float_mbnet   Conv 3x3 s2 + BatchNormalization + Relu, depthwise Conv + Clip(0, 6),
                Conv 1x1 + Relu, GlobalAveragePool, Flatten, Gemm
  float_misc    Conv SAME_UPPER s2 (odd padding) + Relu, Conv (pads) + Clip, Reshape,
                MatMul + Add (a dense layer over a 7x7 window), Identity, Dropout
  ternary       float weights already {-a, 0, +a} per filter / per group of 4 / {-a, +a}
  qdq           QuantizeLinear/DequantizeLinear pairs, int8 per-channel weights
  qdq_group     qdq, then a grouped Conv of integer weights and a Concat of three
                quantized tensors (qdq_group_dense: the same as a group-1 Conv)
  qlinear       QLinearConv (incl. depthwise), QLinearMatMul
  integer       ConvInteger and MatMulInteger with Cast, Mul, Add
  graph_resnext grouped convolutions of 4, 8 and 16 channels per group, a residual Add
"""
import os
import sys

import numpy as np
import onnx
from onnx import TensorProto, helper, numpy_helper

rng = np.random.default_rng(7)


class G:
    def __init__(self):
        self.nodes, self.inits, self.k = [], [], 0

    def c(self, arr, dtype=None):
        self.k += 1
        name = 'c%d' % self.k
        a = np.asarray(arr) if dtype is None else np.asarray(arr, dtype)
        self.inits.append(numpy_helper.from_array(a, name))
        return name

    def n(self, op, ins, name=None, **attrs):
        self.k += 1
        out = 't%d' % self.k
        self.nodes.append(helper.make_node(op, ins, [out], name=name or '%s_%d' % (op, self.k),
                                           **attrs))
        return out

    def save(self, path, x, y, opset=13, in_shape=(1, 1, 28, 28), check=True, domains=()):
        graph = helper.make_graph(
            self.nodes, os.path.basename(path),
            [helper.make_tensor_value_info(x, TensorProto.FLOAT, list(in_shape))],
            [helper.make_tensor_value_info(y, TensorProto.FLOAT, [1, 10])], self.inits)
        m = helper.make_model(graph, opset_imports=[helper.make_opsetid('', opset)] +
                              [helper.make_opsetid(d, v) for d, v in domains])
        if check:  # off for the graphs that must be broken in a way the checker sees
            onnx.checker.check_model(m)
        onnx.save(m, path)


def w(*shape, s=0.3):
    return (rng.standard_normal(shape) * s).astype(np.float32)


def bn(g, t, c):
    return g.n('BatchNormalization', [t, g.c(1 + w(c, s=0.1)), g.c(w(c, s=0.1)),
                                      g.c(w(c, s=0.1)), g.c(0.5 + np.abs(w(c)))],
               epsilon=1e-3)


def float_mbnet(path):
    g = G()
    t = g.n('Conv', ['x', g.c(w(8, 1, 3, 3, s=0.6)), g.c(w(8, s=0.1))], strides=[2, 2],
            pads=[1, 1, 1, 1], kernel_shape=[3, 3])
    t = g.n('Relu', [bn(g, t, 8)])
    t = g.n('Conv', [t, g.c(w(8, 1, 3, 3, s=0.5))], group=8, pads=[1, 1, 1, 1])
    t = g.n('Clip', [t, g.c(np.float32(0)), g.c(np.float32(6))])
    t = g.n('Conv', [t, g.c(w(16, 8, 1, 1)), g.c(w(16, s=0.1))])
    t = g.n('Relu', [t])
    t = g.n('GlobalAveragePool', [t])
    t = g.n('Flatten', [t], axis=1)
    t = g.n('Gemm', [t, g.c(w(10, 16)), g.c(w(10, s=0.1))], transB=1, alpha=0.9, beta=1.1)
    g.save(path, 'x', t)


def float_misc(path):
    g = G()
    t = g.n('Conv', ['x', g.c(w(6, 1, 3, 3, s=0.6))], strides=[2, 2], auto_pad='SAME_UPPER')
    t = g.n('Relu', [t])
    t = g.n('Conv', [t, g.c(w(4, 6, 3, 3, s=0.3)), g.c(w(4, s=0.1))], strides=[2, 2],
            pads=[1, 1, 0, 0])
    t = g.n('Clip', [t, g.c(np.float32(-1.0)), g.c(np.float32(3.0))])
    t = g.n('Identity', [t])
    t = g.n('Reshape', [t, g.c(np.array([0, -1], np.int64))])
    t = g.n('Dropout', [t])
    t = g.n('MatMul', [t, g.c(w(4 * 7 * 7, 10, s=0.1))])
    t = g.n('Add', [t, g.c(w(10, s=0.1))])
    g.save(path, 'x', t)


def ternarize(a, group):
    """{-alpha, 0, +alpha} per group of `group` along the flattened filter."""
    o = a.shape[0]
    r = a.reshape(o, -1).copy()
    k = r.shape[1]
    gs = k if group == 0 else group
    for f in range(o):
        for s in range(0, k, gs):
            seg = r[f, s:s + gs]
            t = np.sign(seg) * (np.abs(seg) > 0.5 * np.abs(seg).mean())
            r[f, s:s + gs] = t * np.float32(0.1 + rng.random())
    return r.reshape(a.shape).astype(np.float32)


def ternary(path):
    g = G()
    w1 = w(8, 1, 3, 3, s=0.6)
    w1[:4] = ternarize(w1[:4], 0)  # half ternary, half int8 (a hybrid layer)
    t = g.n('Relu', [g.n('Conv', ['x', g.c(w1), g.c(w(8, s=0.1))], strides=[2, 2],
                         pads=[1, 1, 1, 1])])
    # FGQ groups of 8 consecutive input channels at one tap (HTA's OHWI order)
    w2 = ternarize(w(16, 3, 3, 8, s=0.3), 8).transpose(0, 3, 1, 2).copy()
    t = g.n('Relu', [g.n('Conv', [t, g.c(w2), g.c(w(16, s=0.1))], strides=[2, 2],
                         pads=[1, 1, 1, 1])])
    w3 = w(10, 16)
    w3 = (np.where(w3 >= 0, 1, -1) * 0.25).astype(np.float32)  # binary
    t = g.n('GlobalAveragePool', [t])
    t = g.n('Flatten', [t])
    t = g.n('Gemm', [t, g.c(w3), g.c(w(10, s=0.1))], transB=1)
    g.save(path, 'x', t)


def qw(a, axis_len):
    """Per-channel symmetric int8 of a (axis 0) -> (int8, scales)."""
    s = np.abs(a.reshape(axis_len, -1)).max(axis=1) / 127
    return np.round(a / s.reshape((-1,) + (1,) * (a.ndim - 1))).astype(np.int8), \
        s.astype(np.float32)


def q_dq(g, t, s, z):
    """t through a QuantizeLinear/DequantizeLinear pair of scale s, zero point z."""
    sc, zp = g.c(np.float32(s)), g.c(np.int8(z))
    return g.n('DequantizeLinear', [g.n('QuantizeLinear', [t, sc, zp]), sc, zp])


def wdq(g, a):
    """Float weights a as per-channel int8 through a DequantizeLinear."""
    wi, s = qw(a, a.shape[0])
    return g.n('DequantizeLinear', [g.c(wi), g.c(s), g.c(np.zeros(a.shape[0], np.int8))],
               axis=0)


def qdq_stem(g):
    """The first layers of the QDQ fixtures: a quantized input, a stride-2 3x3
    Conv and a depthwise 3x3 Conv, each followed by a quantized ReLU."""
    t = q_dq(g, 'x', 1 / 255, -128)
    t = g.n('Conv', [t, wdq(g, w(8, 1, 3, 3, s=0.6)), g.c(w(8, s=0.1))], strides=[2, 2],
            pads=[1, 1, 1, 1])
    t = q_dq(g, g.n('Relu', [t]), 0.01, -128)
    t = g.n('Conv', [t, wdq(g, w(8, 1, 3, 3, s=0.5))], group=8, pads=[1, 1, 1, 1])
    return q_dq(g, g.n('Relu', [t]), 0.01, -128)


def qdq_classifier(g, t, c):
    """The last layers of the QDQ fixtures: global average pool of the c
    channels of t, Flatten, a per-channel int8 Gemm to 10 logits, quantized."""
    t = g.n('GlobalAveragePool', [t])
    t = g.n('Flatten', [t])
    wf, sf = qw(w(10, c), 10)
    wd = g.n('DequantizeLinear', [g.c(wf), g.c(sf), g.c(np.zeros(10, np.int8))], axis=0)
    t = g.n('Gemm', [t, wd, g.c(w(10, s=0.1))], transB=1)
    return q_dq(g, t, 0.02, 0)


def qdq(path):
    g = G()
    t = qdq_stem(g)
    g.save(path, 'x', qdq_classifier(g, t, 8))


def qdq_group(path, dense=False):
    """qdq's layers, then a grouped convolution of integer weights (group 2; with
    dense: the same weights as a group-1 Conv, zero outside each group) and a
    Concat of three quantized tensors."""
    global rng
    saved, rng = rng, np.random.default_rng(11)  # the same weights in both variants
    g = G()
    t = qdq_stem(g)
    # a grouped convolution of integer weights and a Concat of three quantized tensors
    wg = w(8, 4, 3, 3, s=0.4)
    if dense:
        wd = np.zeros((8, 8, 3, 3), np.float32)
        wd[:4, :4], wd[4:, 4:] = wg[:4], wg[4:]
        a = g.n('Conv', [t, wdq(g, wd)], pads=[1, 1, 1, 1])
    else:
        a = g.n('Conv', [t, wdq(g, wg)], group=2, pads=[1, 1, 1, 1])
    a = q_dq(g, g.n('Relu', [a]), 0.02, -128)
    b = q_dq(g, g.n('Conv', [t, wdq(g, w(4, 8, 1, 1, s=0.5))]), 0.015, 0)
    t = q_dq(g, g.n('Concat', [t, a, b], axis=1), 0.02, -20)
    t = qdq_classifier(g, t, 20)
    rng = saved
    g.save(path, 'x', t)


def qdq_group_dense(path):
    qdq_group(path, dense=True)


def qdq_pytorch(path):
    """QDQ as PyTorch 1.13's FX quantizer exports it: QuantizeLinear -> Cast to
    uint8 -> DequantizeLinear on activations, int8 weights and int32 biases
    through DequantizeLinear whose zero points are Cast(ConstantOfShape(..)),
    an Identity copy of a shared initializer, ReLU6 between two QDQ pairs, a
    residual Add of two quantized tensors."""
    g = G()

    def q_dq(t, s, z):
        sc, zp = g.c(np.float32(s)), g.c(np.uint8(z))
        q = g.n('QuantizeLinear', [t, sc, zp])
        return g.n('DequantizeLinear', [g.n('Cast', [q], to=TensorProto.UINT8), sc, zp])

    def zeros(n, to):  # a zero point computed by the graph
        return g.n('Cast', [g.n('ConstantOfShape', [g.c(np.array([n], np.int64))],
                                value=numpy_helper.from_array(np.zeros(1, np.float32)))],
                   to=to)

    def conv(t, o, i, k, s_in, **attrs):
        wi, sw = qw(w(o, i, k, k, s=0.4), o)
        wd = g.n('DequantizeLinear', [g.c(wi), g.c(sw), zeros(o, TensorProto.INT8)], axis=0)
        bi = np.round(w(o, s=0.1) / (s_in * sw)).astype(np.int32)
        bd = g.n('DequantizeLinear', [g.c(bi), g.c((s_in * sw).astype(np.float32)),
                                      zeros(o, TensorProto.INT32)], axis=0)
        return g.n('Conv', [t, wd, bd], **attrs)
    sx = g.c(np.float32(1 / 255))
    t = g.n('Identity', [sx])  # the exporter's copy of a shared initializer
    xq = g.n('QuantizeLinear', ['x', t, g.c(np.uint8(0))])
    x = g.n('DequantizeLinear', [g.n('Cast', [xq], to=TensorProto.UINT8), sx, g.c(np.uint8(0))])
    a = q_dq(conv(x, 8, 1, 3, 1 / 255, strides=[2, 2], pads=[1, 1, 1, 1]), 0.02, 128)
    a = q_dq(g.n('Clip', [a, g.c(np.float32(0)), g.c(np.float32(6))]), 0.015, 0)
    b = q_dq(conv(a, 8, 8, 3, 0.015, pads=[1, 1, 1, 1]), 0.03, 120)
    t = q_dq(g.n('Relu', [g.n('Add', [a, b])]), 0.025, 0)
    t = q_dq(g.n('GlobalAveragePool', [t]), 0.025, 0)
    t = g.n('Flatten', [t])
    wf, sf = qw(w(10, 8), 10)
    wd = g.n('DequantizeLinear', [g.c(wf), g.c(sf), zeros(10, TensorProto.INT8)], axis=0)
    t = q_dq(g.n('Gemm', [t, wd, g.c(w(10, s=0.1))], transB=1), 0.05, 128)
    g.save(path, 'x', t)


def qlinear(path):
    g = G()
    xs, xz = g.c(np.float32(1 / 255)), g.c(np.uint8(0))
    t = g.n('QuantizeLinear', ['x', xs, xz])
    w1, s1 = qw(w(8, 1, 3, 3, s=0.6), 8)
    ys, yz = g.c(np.float32(0.01)), g.c(np.uint8(0))
    t = g.n('QLinearConv', [t, xs, xz, g.c(w1), g.c(s1), g.c(np.zeros(8, np.int8)), ys, yz,
                            g.c(np.round(w(8, s=0.1) / (s1 / 255)).astype(np.int32))],
            strides=[2, 2], pads=[1, 1, 1, 1])
    w2, s2 = qw(w(8, 1, 3, 3, s=0.5), 8)
    y2s, y2z = g.c(np.float32(0.02)), g.c(np.uint8(128))
    t = g.n('QLinearConv', [t, ys, yz, g.c(w2), g.c(s2), g.c(np.zeros(8, np.int8)), y2s, y2z],
            group=8, pads=[1, 1, 1, 1])
    t = g.n('DequantizeLinear', [t, y2s, y2z])
    t = g.n('GlobalAveragePool', [t])
    t = g.n('Flatten', [t])
    gs, gz = g.c(np.float32(0.02)), g.c(np.uint8(128))
    t = g.n('QuantizeLinear', [t, gs, gz])
    w3, s3 = qw(w(10, 8), 10)  # QLinearMatMul's B is [K, N], scales per column
    os_, oz = g.c(np.float32(0.05)), g.c(np.uint8(128))
    t = g.n('QLinearMatMul', [t, gs, gz, g.c(w3.T.copy()), g.c(s3), g.c(np.zeros(10, np.int8)),
                              os_, oz])
    t = g.n('DequantizeLinear', [t, os_, oz])
    g.save(path, 'x', t)


def integer(path):
    g = G()
    xs, xz = g.c(np.float32(1 / 255)), g.c(np.int8(-128))
    t = g.n('QuantizeLinear', ['x', xs, xz])
    w1, s1 = qw(w(8, 1, 3, 3, s=0.6), 8)
    t = g.n('ConvInteger', [t, g.c(w1), xz], strides=[2, 2], pads=[1, 1, 1, 1])
    t = g.n('Cast', [t], to=TensorProto.FLOAT)
    t = g.n('Mul', [t, g.c((s1 / 255).reshape(1, 8, 1, 1))])
    t = g.n('Add', [t, g.c(w(1, 8, 1, 1, s=0.1))])
    t = g.n('Relu', [t])
    t = g.n('GlobalAveragePool', [t])
    t = g.n('Flatten', [t])
    as_, az = g.c(np.float32(0.01)), g.c(np.int8(-128))
    t = g.n('QuantizeLinear', [t, as_, az])
    w2, s2 = qw(w(10, 8), 10)
    t = g.n('MatMulInteger', [t, g.c(w2.T.copy()), az])
    t = g.n('Cast', [t], to=TensorProto.FLOAT)
    t = g.n('Mul', [t, g.c(s2 * 0.01)])
    t = g.n('Add', [t, g.c(w(10, s=0.1))])
    g.save(path, 'x', t)


def qlinear_zp(path):
    """QLinearConv and QLinearMatMul as the ONNX spec defines them, with int8
    activations whose zero points are of either sign, a uint8 one off 0 and 128, and
    nonzero (per-channel) int8 weight zero points: every tensor's quantization fixed."""
    g = G()
    xs, xz = g.c(np.float32(1 / 250)), g.c(np.int8(-125))
    t = g.n('QuantizeLinear', ['x', xs, xz])
    w1, s1 = qw(w(8, 1, 3, 3, s=0.6), 8)
    wz1 = rng.integers(-3, 4, 8).astype(np.int8)  # w1 - wz1 stays inside int8
    w1 = np.clip(w1.astype(np.int32) + wz1.reshape(8, 1, 1, 1), -128, 127).astype(np.int8)
    ys, yz = g.c(np.float32(0.01)), g.c(np.int8(-20))
    t = g.n('QLinearConv', [t, xs, xz, g.c(w1), g.c(s1), g.c(wz1), ys, yz,
                            g.c(np.round(w(8, s=0.1) / (s1 / 250)).astype(np.int32))],
            strides=[2, 2], pads=[1, 1, 1, 1])
    w2, s2 = qw(w(8, 1, 3, 3, s=0.5), 8)
    w2 = (w2.astype(np.int32) - 1).astype(np.int8)  # stored with zero point -1
    y2s, y2z = g.c(np.float32(0.02)), g.c(np.int8(9))
    t = g.n('QLinearConv', [t, ys, yz, g.c(w2), g.c(s2), g.c(np.int8(-1) * np.ones(8, np.int8)),
                            y2s, y2z], group=8, pads=[1, 1, 1, 1])
    t = g.n('DequantizeLinear', [t, y2s, y2z])
    t = g.n('GlobalAveragePool', [t])
    t = g.n('Flatten', [t])
    gs, gz = g.c(np.float32(0.003)), g.c(np.uint8(37))
    t = g.n('QuantizeLinear', [t, gs, gz])
    w3, s3 = qw(w(10, 8), 10)
    w3 = np.clip(w3.astype(np.int32) + 2, -128, 127).astype(np.int8)  # zero point 2
    os_, oz = g.c(np.float32(0.05)), g.c(np.uint8(200))
    t = g.n('QLinearMatMul', [t, gs, gz, g.c(w3.T.copy()), g.c(s3), g.c(np.int8(2)), os_, oz])
    t = g.n('DequantizeLinear', [t, os_, oz])
    g.save(path, 'x', t)


def qlinear_add(path):
    """ONNX Runtime's QLinearAdd (com.microsoft) of two QLinearConv branches, int8 and
    uint8 tensors with zero points of either sign; every tensor's quantization fixed."""
    g = G()
    xs, xz = g.c(np.float32(1 / 255)), g.c(np.uint8(0))
    x = g.n('QuantizeLinear', ['x', xs, xz])
    branches = []
    for k, (ys, yz) in enumerate(((0.01, np.uint8(100)), (0.015, np.uint8(140)))):
        wq, sq = qw(w(8, 1, 3, 3, s=0.6), 8)
        ys, yz = g.c(np.float32(ys)), g.c(yz)
        branches.append((g.n('QLinearConv', [x, xs, xz, g.c(wq), g.c(sq),
                                            g.c(np.zeros(8, np.int8)), ys, yz],
                             pads=[1, 1, 1, 1]), ys, yz))
    (a, as_, az), (b, bs, bz) = branches
    cs, cz = g.c(np.float32(0.02)), g.c(np.uint8(90))
    t = g.n('QLinearAdd', [a, as_, az, b, bs, bz, cs, cz], domain='com.microsoft')
    t = g.n('DequantizeLinear', [t, cs, cz])
    t = g.n('GlobalAveragePool', [t])
    t = g.n('Flatten', [t])
    gs, gz = g.c(np.float32(0.02)), g.c(np.uint8(90))
    t = g.n('QuantizeLinear', [t, gs, gz])
    w3, s3 = qw(w(10, 8), 10)
    os_, oz = g.c(np.float32(0.02)), g.c(np.uint8(128))
    t = g.n('QLinearMatMul', [t, gs, gz, g.c(w3.T.copy()), g.c(s3), g.c(np.zeros(10, np.int8)),
                              os_, oz])
    t = g.n('DequantizeLinear', [t, os_, oz])
    g.save(path, 'x', t, check=False, domains=[('com.microsoft', 1)])


def integer_zp(path):
    """ConvInteger and MatMulInteger with activation zero points of either sign."""
    g = G()
    xs, xz = g.c(np.float32(1 / 250)), g.c(np.int8(-125))
    t = g.n('QuantizeLinear', ['x', xs, xz])
    w1, s1 = qw(w(8, 1, 3, 3, s=0.6), 8)
    t = g.n('ConvInteger', [t, g.c(w1), xz], strides=[2, 2], pads=[1, 1, 1, 1])
    t = g.n('Cast', [t], to=TensorProto.FLOAT)
    t = g.n('Mul', [t, g.c((s1 / 250).reshape(1, 8, 1, 1))])
    t = g.n('Relu', [t])
    t = g.n('GlobalAveragePool', [t])
    t = g.n('Flatten', [t])
    as_, az = g.c(np.float32(0.004)), g.c(np.int8(17))
    t = g.n('QuantizeLinear', [t, as_, az])
    w2, s2 = qw(w(10, 8), 10)
    t = g.n('MatMulInteger', [t, g.c(w2.T.copy()), az])
    t = g.n('Cast', [t], to=TensorProto.FLOAT)
    t = g.n('Mul', [t, g.c(s2 * 0.004)])
    g.save(path, 'x', t)


# ---- bad models: (file, expected fragment of the error) ----

def bad_dilation(path):
    g = G()
    t = g.n('Conv', ['x', g.c(w(4, 1, 3, 3))], name='bad_dilation', dilations=[2, 2])
    g.save(path, 'x', t)


def bad_op(path):
    g = G()
    t = g.n('Conv', ['x', g.c(w(4, 1, 3, 3))])
    t = g.n('LpPool', [t], name='bad_pool', kernel_shape=[2, 2])
    g.save(path, 'x', t)


def bad_pool(path):
    g = G()
    t = g.n('Conv', ['x', g.c(w(4, 1, 3, 3))])
    t = g.n('AveragePool', [t], name='bad_avg', kernel_shape=[2, 2], count_include_pad=1,
            ceil_mode=1)
    g.save(path, 'x', t)


def bad_resize_pad(path):
    g = G()
    t = g.n('Conv', ['x', g.c(w(4, 1, 3, 3))])
    t = g.n('Pad', [t, g.c(np.array([0, 0, 1, 1, 0, 0, 1, 1], np.int64)),
                    g.c(np.array(0.5, np.float32))], name='bad_pad', mode='reflect')
    t = g.n('Resize', [t, '', g.c(np.array([1, 1, 3, 3], np.float32))], name='bad_resize',
            mode='linear')
    g.save(path, 'x', t)


def graph_residual(path):
    """A residual network: a MaxPool (ceil_mode) read by three nodes, residual Adds (one
    after a BatchNormalization + ReLU on a shared tensor, which needs an
    identity layer), a Concat of two branches, ReLU after the Add."""
    g = G()
    a = g.n('Conv', ['x', g.c(w(8, 1, 3, 3, s=0.6)), g.c(w(8, s=0.1))], strides=[2, 2],
            pads=[1, 1, 1, 1])
    a = g.n('Relu', [a])
    # 14x14 -> 7x7 by ceil_mode (6x6 without): the last window is partial
    p = g.n('MaxPool', [a], kernel_shape=[3, 3], strides=[2, 2], ceil_mode=1)
    b = g.n('Conv', [p, g.c(w(8, 8, 3, 3, s=0.2)), g.c(w(8, s=0.1))], pads=[1, 1, 1, 1])
    b = g.n('Relu', [bn(g, b, 8)])
    b = g.n('Conv', [b, g.c(w(8, 8, 1, 1, s=0.3))])
    r = g.n('Add', [p, b], name='residual')
    r = g.n('Relu', [r])
    s = g.n('Relu', [bn(g, p, 8)])  # BN + ReLU of a tensor others read too
    c = g.n('Concat', [r, s], name='cat', axis=1)
    d = g.n('Conv', [c, g.c(w(8, 16, 1, 1, s=0.3)), g.c(w(8, s=0.1))])
    e = g.n('Add', [d, p])
    t = g.n('GlobalAveragePool', [e])
    t = g.n('Flatten', [t])
    t = g.n('Gemm', [t, g.c(w(10, 8)), g.c(w(10, s=0.1))], transB=1)
    g.save(path, 'x', t)


def graph_se_silu(path):
    """SiLU (x * Sigmoid(x)), squeeze-excite (GAP, 1x1 convs, Sigmoid, Mul of
    [N,C,H,W] by [N,C,1,1]) and HardSwish, as MobileNet-V3 and EfficientNet
    have them."""
    g = G()
    t = g.n('Conv', ['x', g.c(w(8, 1, 3, 3, s=0.6)), g.c(w(8, s=0.1))], strides=[2, 2],
            pads=[1, 1, 1, 1])
    sg = g.n('Sigmoid', [t])
    t = g.n('Mul', [t, sg], name='silu')
    s = g.n('GlobalAveragePool', [t])
    s = g.n('Conv', [s, g.c(w(4, 8, 1, 1, s=0.5)), g.c(w(4, s=0.1))])
    s = g.n('Relu', [s])
    s = g.n('Conv', [s, g.c(w(8, 4, 1, 1, s=0.5)), g.c(w(8, s=0.1))])
    s = g.n('Sigmoid', [s])
    t = g.n('Mul', [t, s], name='excite')
    t = g.n('Conv', [t, g.c(w(12, 8, 1, 1, s=0.4)), g.c(w(12, s=0.1))])
    t = g.n('HardSwish', [t])
    t = g.n('GlobalAveragePool', [t])
    t = g.n('Flatten', [t])
    t = g.n('Gemm', [t, g.c(w(10, 12)), g.c(w(10, s=0.1))], transB=1)
    g.save(path, 'x', t, opset=14)


def graph_shuffle(path):
    """ShuffleNet-V2's unit: a channel Split, a branch on one half, Concat, a
    channel shuffle (Reshape to [N, 2, C/2, H, W], Transpose, Reshape back),
    then a Slice of a channel range."""
    g = G()
    t = g.n('Conv', ['x', g.c(w(8, 1, 3, 3, s=0.6)), g.c(w(8, s=0.1))], strides=[2, 2],
            pads=[1, 1, 1, 1])
    t = g.n('Relu', [t])
    g.k += 1
    a, b = 's%da' % g.k, 's%db' % g.k
    g.nodes.append(helper.make_node('Split', [t, g.c(np.array([4, 4], np.int64))], [a, b],
                                    name='split', axis=1))
    b = g.n('Relu', [g.n('Conv', [b, g.c(w(4, 4, 1, 1, s=0.5)), g.c(w(4, s=0.1))])])
    t = g.n('Concat', [a, b], axis=1)
    t = g.n('Reshape', [t, g.c(np.array([1, 2, 4, 14, 14], np.int64))])
    t = g.n('Transpose', [t], perm=[0, 2, 1, 3, 4])
    t = g.n('Reshape', [t, g.c(np.array([1, -1, 14, 14], np.int64))])
    t = g.n('Slice', [t, g.c(np.array([2], np.int64)), g.c(np.array([7], np.int64)),
                      g.c(np.array([1], np.int64))])
    t = g.n('GlobalAveragePool', [t])
    t = g.n('Flatten', [t])
    t = g.n('Gemm', [t, g.c(w(10, 5)), g.c(w(10, s=0.1))], transB=1)
    g.save(path, 'x', t)


def graph_concat_group(path):
    """GoogLeNet's inception (a Concat of four branches, one through a MaxPool),
    DenseNet's Concat of one tensor and of three, grouped convolutions as ResNeXt
    and RegNet have them (group 4 of 16 channels, 2 filters per group; group 2
    with stride 2 and 12 -> 8 channels)."""
    g = G()
    t = g.n('Relu', [g.n('Conv', ['x', g.c(w(8, 1, 3, 3, s=0.6)), g.c(w(8, s=0.1))],
                         strides=[2, 2], pads=[1, 1, 1, 1])])
    b1 = g.n('Relu', [g.n('Conv', [t, g.c(w(4, 8, 1, 1, s=0.4)), g.c(w(4, s=0.1))])])
    b2 = g.n('Relu', [g.n('Conv', [t, g.c(w(6, 8, 3, 3, s=0.2)), g.c(w(6, s=0.1))],
                          pads=[1, 1, 1, 1])])
    b3 = g.n('MaxPool', [t], kernel_shape=[3, 3], strides=[1, 1], pads=[1, 1, 1, 1])
    b3 = g.n('Relu', [g.n('Conv', [b3, g.c(w(2, 8, 1, 1, s=0.4)), g.c(w(2, s=0.1))])])
    t = g.n('Concat', [b1, b2, t, b3], name='inception', axis=1)  # 20 channels
    t = g.n('Concat', [t], name='cat_one', axis=1)
    t = g.n('Relu', [g.n('Conv', [t, g.c(w(16, 5, 3, 3, s=0.3)), g.c(w(16, s=0.1))],
                         name='grouped4', group=4, pads=[1, 1, 1, 1])])
    d = g.n('Relu', [g.n('Conv', [t, g.c(w(4, 16, 1, 1, s=0.3)), g.c(w(4, s=0.1))])])
    t = g.n('Concat', [t, b1, d], name='dense', axis=1)  # 24 channels
    t = g.n('Relu', [g.n('Conv', [t, g.c(w(8, 12, 3, 3, s=0.2)), g.c(w(8, s=0.1))],
                         name='grouped2', group=2, strides=[2, 2], pads=[1, 1, 1, 1])])
    t = g.n('GlobalAveragePool', [t])
    t = g.n('Flatten', [t])
    t = g.n('Gemm', [t, g.c(w(10, 8)), g.c(w(10, s=0.1))], transB=1)
    g.save(path, 'x', t)


def graph_resnext(path):
    """ResNeXt's and RegNet's grouped convolutions, which hta import writes as native
    grouped layers (format version 3): 32 channels in 8 groups of 4 (a group narrower
    than the v2 cores' Ci 8: the compiler runs pairs of groups), a residual add, then
    32 -> 48 in 4 groups of 8 with stride 2, and 48 -> 48 in 3 groups of 16 (1x1).
    Its own generator, so the other fixtures keep their bytes."""
    r = np.random.default_rng(13)

    def wl(*shape, s=0.3):
        return (r.standard_normal(shape) * s).astype(np.float32)
    g = G()
    t = g.n('Relu', [g.n('Conv', ['x', g.c(wl(32, 1, 3, 3, s=0.6)), g.c(wl(32, s=0.1))],
                         strides=[2, 2], pads=[1, 1, 1, 1])])
    a = g.n('Relu', [g.n('Conv', [t, g.c(wl(32, 4, 3, 3, s=0.4)), g.c(wl(32, s=0.1))],
                         name='grouped8', group=8, pads=[1, 1, 1, 1])])
    a = g.n('Conv', [a, g.c(wl(32, 32, 1, 1, s=0.2)), g.c(wl(32, s=0.1))])
    t = g.n('Relu', [g.n('Add', [t, a])])
    t = g.n('Relu', [g.n('Conv', [t, g.c(wl(48, 8, 3, 3, s=0.3)), g.c(wl(48, s=0.1))],
                         name='grouped4', group=4, strides=[2, 2], pads=[1, 1, 1, 1])])
    t = g.n('Relu', [g.n('Conv', [t, g.c(wl(48, 16, 1, 1, s=0.3)), g.c(wl(48, s=0.1))],
                         name='grouped3', group=3)])
    t = g.n('GlobalAveragePool', [t])
    t = g.n('Flatten', [t])
    t = g.n('Gemm', [t, g.c(wl(10, 48)), g.c(wl(10, s=0.1))], transB=1)
    g.save(path, 'x', t)


def bad_concat_axis(path):
    g = G()
    a = g.n('Conv', ['x', g.c(w(4, 1, 3, 3))], pads=[1, 1, 1, 1])
    b = g.n('Conv', [a, g.c(w(4, 4, 1, 1))])
    t = g.n('Concat', [a, b], name='bad_cat', axis=2)
    g.save(path, 'x', t)


def bad_group(path):
    """group 3 does not divide the 4 channels"""
    g = G()
    t = g.n('Conv', ['x', g.c(w(4, 1, 3, 3))])
    t = g.n('Conv', [t, g.c(w(6, 1, 3, 3))], name='bad_group', group=3)
    g.save(path, 'x', t)


def bad_layernorm(path):
    """A LayerNorm cut short (no Pow, no second ReduceMean): every node the
    pattern would have taken is named at once."""
    g = G()
    t = g.n('Conv', ['x', g.c(w(4, 1, 3, 3))], pads=[1, 1, 1, 1])
    t = g.n('Transpose', [t], name='bad_permute', perm=[0, 2, 3, 1])
    m = g.n('ReduceMean', [t], name='bad_mean', axes=[-1])
    t = g.n('Sub', [t, m], name='bad_sub')
    t = g.n('Sqrt', [t], name='bad_sqrt')
    g.save(path, 'x', t, check=False)


def bad_strides(path):
    g = G()
    t = g.n('Conv', ['x', g.c(w(4, 1, 3, 3))], name='bad_strides', strides=[1, 2])
    g.save(path, 'x', t)


def bad_many(path):
    """A small residual network with every kind of blocker at once: the import
    must name them all in one message."""
    g = G()
    a = g.n('Conv', ['x', g.c(w(8, 1, 3, 3))], name='stem', pads=[1, 1, 1, 1])
    p = g.n('MaxPool', [a], name='pool', kernel_shape=[3, 3], strides=[2, 2],
            pads=[1, 1, 1, 1])
    b = g.n('Conv', [p, g.c(w(8, 8, 3, 3))], name='dilated', pads=[2, 2, 2, 2],
            dilations=[2, 2])
    b = g.n('Elu', [b], name='elu')
    r = g.n('Add', [p, b], name='residual')
    c = g.n('Concat', [r, p], name='cat', axis=1)
    t = g.n('GlobalAveragePool', [c])
    t = g.n('Flatten', [t])
    t = g.n('Gemm', [t, g.c(w(10, 16))], transB=1)
    g.save(path, 'x', t, opset=14)


# Graphs of a few KB whose attributes are out of range: each must be refused
# naming its node while the graph is walked - never a ZeroDivisionError, a
# numpy message with no node, or GBs allocated before a limit is checked.
def bad_stride0(path):
    g = G()
    t = g.n('Conv', ['x', g.c(w(4, 1, 3, 3))], name='bad_stride0', strides=[0, 0])
    g.save(path, 'x', t)


def bad_negpad(path):
    g = G()
    t = g.n('Conv', ['x', g.c(w(4, 1, 3, 3))], name='bad_negpad', pads=[-1, -1, -1, -1])
    g.save(path, 'x', t)


def bad_hugepad(path):
    g = G()
    t = g.n('Pad', ['x', g.c(np.array([0, 0, 30000, 30000, 0, 0, 30000, 30000], np.int64))],
            name='bad_hugepad', mode='constant')
    t = g.n('Conv', [t, g.c(w(4, 1, 3, 3))])
    g.save(path, 'x', t)


def bad_huge_input(path):
    g = G()
    t = g.n('GlobalAveragePool', ['x'], name='gap')
    t = g.n('Flatten', [t])
    t = g.n('Gemm', [t, g.c(w(10, 1))], transB=1)
    g.save(path, 'x', t, in_shape=(1, 1, 100000, 100000))


def bad_calib_memory(path):
    """Within the .hta limits (10228 x 10228 pixels) but 10 GiB of float
    calibration memory for one image through the Conv: refused before any
    image is read."""
    g = G()
    t = 'x'
    for i in range(20):
        t = g.n('Pad', [t, g.c(np.array([0, 0, 255, 255, 0, 0, 255, 255], np.int64))],
                mode='constant')
    t = g.n('Conv', [t, g.c(w(8, 1, 3, 3))], name='bad_big_conv')
    g.save(path, 'x', t)


def bad_nan(path):
    g = G()
    ww = w(4, 1, 3, 3)
    ww[1, 0, 2, 2] = np.nan
    t = g.n('Conv', ['x', g.c(ww)], name='bad_nan')
    g.save(path, 'x', t)


def bad_inf_bn(path):
    """Finite weights, an Inf scale in the BatchNormalization folded into them."""
    g = G()
    t = g.n('Conv', ['x', g.c(w(4, 1, 3, 3))], name='bad_conv_bn')
    t = g.n('BatchNormalization', [t, g.c(np.array([1, np.inf, 1, 1], np.float32)),
                                   g.c(w(4)), g.c(w(4)), g.c(np.ones(4, np.float32))])
    g.save(path, 'x', t)


def bad_missing_init(path):
    g = G()
    t = g.n('Conv', ['x', 'W_not_there'], name='bad_missing')
    g.save(path, 'x', t, check=False)


def big_tensors(path):
    """A valid graph of a few hundred bytes whose tensors need GBs: eight
    nearest x2 Resizes take 28x28 to 7168x7168, two Pads copy that (the
    data window lays a 1-channel pixel out in 16 bytes). No weights: it
    imports without calibration; the cpu device must refuse it by its memory
    limit, naming the largest layer, before allocating anything."""
    g = G()
    t = 'x'
    for i in range(8):
        t = g.n('Resize', [t, '', g.c(np.array([1, 1, 2, 2], np.float32))], mode='nearest')
    for i in range(2):
        t = g.n('Pad', [t, g.c(np.array([0, 0, 1, 1, 0, 0, 1, 1], np.int64))], mode='constant')
    graph = helper.make_graph(
        g.nodes, os.path.basename(path),
        [helper.make_tensor_value_info('x', TensorProto.FLOAT, [1, 1, 28, 28])],
        [helper.make_tensor_value_info(t, TensorProto.FLOAT, [1, 1, 7172, 7172])], g.inits)
    m = helper.make_model(graph, opset_imports=[helper.make_opsetid('', 13)])
    onnx.checker.check_model(m)
    onnx.save(m, path)


def float_pools(path):
    """MaxPool (3x3/2, pads 1), AveragePool (2x2/2 with a padded edge: counts
    only in-image values), GlobalMaxPool, a ReLU after a pool: a chain in the
    .hta format version 2 (cpu device)."""
    g = G()
    t = g.n('Conv', ['x', g.c(w(8, 1, 3, 3)), g.c(w(8))], pads=[1, 1, 1, 1])
    t = g.n('Relu', [t])
    t = g.n('MaxPool', [t], kernel_shape=[3, 3], strides=[2, 2], pads=[1, 1, 1, 1])
    t = g.n('Conv', [t, g.c(w(12, 8, 3, 3, s=0.2)), g.c(w(12))], pads=[1, 1, 1, 1])
    t = g.n('AveragePool', [t], kernel_shape=[2, 2], strides=[2, 2], pads=[0, 0, 1, 1])
    t = g.n('Relu', [t])
    t = g.n('Conv', [t, g.c(w(16, 12, 1, 1, s=0.3))])
    t = g.n('GlobalMaxPool', [t])
    t = g.n('Flatten', [t])
    t = g.n('Gemm', [t, g.c(w(10, 16)), g.c(w(10))], transB=1)
    g.save(path, 'x', t)


def float_acts(path):
    """Every activation that becomes a table: HardSwish, HardSigmoid (alpha,
    beta), Sigmoid, Tanh, LeakyRelu, after convolutions and a GAP."""
    g = G()
    t = g.n('Conv', ['x', g.c(w(8, 1, 3, 3)), g.c(w(8))], pads=[1, 1, 1, 1], strides=[2, 2])
    t = g.n('HardSwish', [t])
    t = g.n('Conv', [t, g.c(w(8, 1, 3, 3)), g.c(w(8))], pads=[1, 1, 1, 1], group=8)
    t = g.n('HardSigmoid', [t], alpha=0.25, beta=0.4)
    t = g.n('Conv', [t, g.c(w(12, 8, 1, 1)), g.c(w(12))])
    t = bn(g, t, 12)
    t = g.n('LeakyRelu', [t], alpha=0.1)
    t = g.n('Conv', [t, g.c(w(12, 12, 3, 3, s=0.2)), g.c(w(12))], pads=[1, 1, 1, 1],
            strides=[2, 2])
    t = g.n('Tanh', [t])
    t = g.n('GlobalAveragePool', [t])
    t = g.n('Sigmoid', [t])
    t = g.n('Flatten', [t])
    t = g.n('Gemm', [t, g.c(w(10, 12, s=1.0)), g.c(w(10))], transB=1)
    g.save(path, 'x', t, opset=14)


def gelu(g, t):
    """GELU as torch.onnx exports nn.GELU(): x * (1 + erf(x / sqrt(2))) * 0.5."""
    d = g.n('Div', [t, g.c(np.float32(np.sqrt(2.0)))])
    e = g.n('Erf', [d])
    a = g.n('Add', [e, g.c(np.float32(1.0))])
    m = g.n('Mul', [t, a])
    return g.n('Mul', [m, g.c(np.float32(0.5))])


def graph_gelu(path):
    """GELU as PyTorch exports nn.GELU() (Div by sqrt(2), Erf, Add 1, Mul by x,
    Mul by 0.5) after a convolution and after a dense layer, and the same
    pattern on a tensor others read too (its table on an identity layer)."""
    g = G()
    t = g.n('Conv', ['x', g.c(w(8, 1, 3, 3, s=0.8)), g.c(w(8, s=0.3))], pads=[1, 1, 1, 1],
            strides=[2, 2])
    t = gelu(g, t)
    t = g.n('Conv', [t, g.c(w(8, 8, 3, 3, s=0.4)), g.c(w(8, s=0.3))], pads=[1, 1, 1, 1])
    r = gelu(g, t)
    t = g.n('Add', [r, t], name='residual')
    t = g.n('GlobalAveragePool', [t])
    t = g.n('Flatten', [t])
    t = g.n('Gemm', [t, g.c(w(16, 8, s=0.8)), g.c(w(16, s=0.3))], transB=1)
    t = gelu(g, t)
    t = g.n('Gemm', [t, g.c(w(10, 16)), g.c(w(10, s=0.1))], transB=1)
    g.save(path, 'x', t)


def layernorm(g, t, c, eps=1e-6, axis=-1):
    """LayerNorm over axis as torch.onnx writes it at opset 13."""
    m = g.n('ReduceMean', [t], axes=[axis])
    s = g.n('Sub', [t, m])
    p = g.n('Pow', [s, g.c(np.float32(2.0))])
    v = g.n('ReduceMean', [p], axes=[axis])
    a = g.n('Add', [v, g.c(np.float32(eps))])
    q = g.n('Sqrt', [a])
    d = g.n('Div', [s, q])
    shape = (c,) if axis == -1 else (c, 1, 1)
    d = g.n('Mul', [d, g.c((1 + w(c, s=0.3)).reshape(shape))])
    return g.n('Add', [d, g.c(w(c, s=0.3).reshape(shape))])


def graph_convnext(path):
    """ConvNeXt's pieces as torchvision 0.14 exports them: the 4x4 stride-4 stem,
    LayerNorm2d (Transpose to channels-last, LayerNorm, Transpose back), a CNBlock
    (depthwise 7x7, channels-last LayerNorm, Linear, GELU, Linear, layer_scale,
    residual Add) and the head (GAP, LayerNorm2d, Flatten, Gemm); and a LayerNorm
    over axis 1 of an NCHW tensor."""
    g = G()

    def ln2d(t, c):
        t = g.n('Transpose', [t], perm=[0, 2, 3, 1])
        return g.n('Transpose', [layernorm(g, t, c)], perm=[0, 3, 1, 2])
    t = g.n('Conv', ['x', g.c(w(8, 1, 4, 4, s=0.5)), g.c(w(8, s=0.2))], strides=[4, 4],
            kernel_shape=[4, 4])
    t = ln2d(t, 8)
    d = g.n('Conv', [t, g.c(w(8, 1, 7, 7, s=0.2)), g.c(w(8, s=0.2))], group=8,
            pads=[3, 3, 3, 3])
    p = g.n('Transpose', [d], perm=[0, 2, 3, 1])
    p = layernorm(g, p, 8)
    p = g.n('Add', [g.c(w(32, s=0.2)), g.n('MatMul', [p, g.c(w(8, 32, s=0.4))])])
    p = gelu(g, p)
    p = g.n('Add', [g.c(w(8, s=0.2)), g.n('MatMul', [p, g.c(w(32, 8, s=0.3))])])
    p = g.n('Transpose', [p], perm=[0, 3, 1, 2])
    p = g.n('Mul', [g.c(np.full((8, 1, 1), 0.5, np.float32)), p], name='layer_scale')
    t = g.n('Add', [p, t], name='residual')
    t = layernorm(g, t, 8, eps=1e-5, axis=1)
    t = g.n('GlobalAveragePool', [t])
    t = ln2d(t, 8)
    t = g.n('Flatten', [t])
    t = g.n('Gemm', [t, g.c(w(10, 8, s=0.8)), g.c(w(10, s=0.1))], transB=1)
    g.save(path, 'x', t)


def float_resize_pad(path):
    """Pad (constant 0, asymmetric) before a valid convolution, nearest x2
    Resize (half_pixel) and Upsample-free opset 13 graph."""
    g = G()
    t = g.n('Conv', ['x', g.c(w(6, 1, 3, 3)), g.c(w(6))], strides=[2, 2], pads=[1, 1, 1, 1])
    t = g.n('Relu', [t])
    t = g.n('Pad', [t, g.c(np.array([0, 0, 1, 0, 0, 0, 2, 1], np.int64))], mode='constant')
    t = g.n('Conv', [t, g.c(w(8, 6, 3, 3, s=0.2)), g.c(w(8))], strides=[2, 2])
    t = g.n('Resize', [t, '', g.c(np.array([1, 1, 2, 2], np.float32))], mode='nearest')
    t = g.n('Conv', [t, g.c(w(8, 8, 3, 3, s=0.2)), g.c(w(8))], pads=[1, 1, 1, 1])
    t = g.n('GlobalAveragePool', [t])
    t = g.n('Flatten', [t])
    t = g.n('Gemm', [t, g.c(w(10, 8)), g.c(w(10))], transB=1)
    g.save(path, 'x', t)


def float_rgb32(path):
    """A 32x32 RGB float chain: needs calibration data of its own shape."""
    g = G()
    t = g.n('Conv', ['x', g.c(w(8, 3, 3, 3)), g.c(w(8))], pads=[1, 1, 1, 1], strides=[2, 2])
    t = g.n('Relu', [t])
    t = g.n('GlobalAveragePool', [t])
    t = g.n('Flatten', [t])
    t = g.n('Gemm', [t, g.c(w(10, 8)), g.c(w(10))], transB=1)
    g.save(path, 'x', t, in_shape=(1, 3, 32, 32))


GOOD = [float_mbnet, float_misc, ternary, qdq, qlinear, integer, float_rgb32, float_pools,
        float_acts, float_resize_pad, graph_residual, graph_se_silu, qdq_pytorch,
        graph_shuffle, qlinear_zp, integer_zp, qlinear_add, graph_concat_group,
        qdq_group, qdq_group_dense, graph_gelu, graph_convnext, graph_resnext]
BAD = {bad_dilation: "node 'bad_dilation' (Conv): dilations",
       bad_op: "node 'bad_pool' (LpPool): unsupported op LpPool",
       bad_pool: "node 'bad_avg' (AveragePool): count_include_pad=1 is not supported",
       bad_concat_axis: "node 'bad_cat' (Concat): Concat along axis 2 (only channels, axis 1)",
       bad_group: "node 'bad_group' (Conv): group=3 with 4 input and 6 output channels "
                  "(weights for 1 per group): the groups must divide both channel counts",
       bad_strides: "node 'bad_strides' (Conv): strides",
       bad_layernorm: "3 nodes block the import:",
       bad_many: "2 nodes block the import:",
       bad_stride0: "node 'bad_stride0' (Conv): stride 0 is outside 1..255",
       bad_negpad: "node 'bad_negpad' (Conv): pads [-1, -1, -1, -1] (top, bottom, left, "
                   "right): each must be in 0..255",
       bad_hugepad: "node 'bad_hugepad' (Pad): pads [30000, 30000, 30000, 30000]",
       bad_huge_input: "input 'x' of [1, 1, 100000, 100000]: each of C, H, W must be at "
                       "most 65535",
       bad_calib_memory: "node 'bad_big_conv' (Conv): calibrating it needs 10.1 GiB of float "
                         "memory for one image",
       bad_nan: "node 'bad_nan' (Conv): its weights (with what was folded into them) hold 1 "
                "NaN or Inf values",
       bad_inf_bn: "node 'bad_conv_bn' (Conv): its weights (with what was folded into them) "
                   "hold 9 NaN or Inf values",
       bad_missing_init: "node 'bad_missing' (Conv): its input 'W_not_there' is no graph "
                         "input, initializer or node output (a missing initializer)",
       bad_resize_pad: "node 'bad_resize' (Resize): mode 'linear' (only nearest); scales "
                       "[1.0, 1.0, 3.0, 3.0]: only nearest x2 in H and W"}


def main():
    d = sys.argv[1]
    os.makedirs(d, exist_ok=True)
    for f in GOOD + [big_tensors]:
        f(os.path.join(d, f.__name__ + '.onnx'))
    with open(os.path.join(d, 'bad.txt'), 'w') as out:
        for f, msg in BAD.items():
            f(os.path.join(d, f.__name__ + '.onnx'))
            out.write('%s\t%s\n' % (f.__name__, msg))


if __name__ == '__main__':
    main()
