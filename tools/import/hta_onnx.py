"""hta_onnx.py - an ONNX graph as a chain of float layers HTA can run.

The graph must be a chain: one input [N, C, H, W], one output, every node
reading the previous node's output plus constants. Each supported node folds
into the chain (docs/quantization.md lists them):
  Conv (group 1, depthwise, or grouped: block-diagonal weights), Gemm, MatMul
  (+ Add of a constant bias) -> a linear layer; BatchNormalization, Mul/Add by a
  constant -> folded into it; Relu, Clip -> its output clamp; GlobalAveragePool
  -> GAP; Concat of N tensors -> N - 1 chained CONCATs; MaxPool, AveragePool,
  GlobalMaxPool, Pad (constant 0), Resize/Upsample (nearest x2)
  -> MAXPOOL, AVGPOOL, GMP, PAD, RESIZE; HardSwish, HardSigmoid,
  Sigmoid, Tanh, LeakyRelu, GELU (the Div, Erf, Add, Mul, Mul PyTorch exports)
  -> the layer's activation table (format version 2;
  the v1 engine runs them on its graph-op unit); LayerNorm over channels (the
  ReduceMean, Sub, Pow, ReduceMean, Add, Sqrt, Div, Mul, Add PyTorch exports)
  -> LAYERNORM; Transpose to channels-last and back -> nothing (a MatMul in
  between is a 1x1 convolution); a k x k stride-k Conv (k > 2 even) -> a
  space-to-depth layer and a k/2 x k/2 stride-k/2 one; Flatten, Reshape,
  Identity, Dropout, Cast to float -> nothing (checked).
Quantized graphs become the same float chain plus what they fix exactly:
  QuantizeLinear/DequantizeLinear on activations -> that tensor's (scale, zp);
  QLinearAdd (com.microsoft) -> an ADD with fixed input and output quantization;
  DequantizeLinear of a constant, QLinearConv, QLinearMatMul, ConvInteger,
  MatMulInteger -> integer weights with a per-channel scale.
Anything else - another op, an attribute we do not honour, a branch - raises
ImportError_ naming the node and its op: never a silently wrong model.
"""
import os
import sys
import warnings

import numpy as np
import onnx
from onnx import numpy_helper


class ImportError_(Exception):
    """A model HTA cannot represent; the message names the node and op."""


# The .hta format's limits (host/src/model/model_internal.h, hta_model_layer_limits),
# checked while the graph is walked, before any array of the layer's size is
# made: a few-KB graph must not make the importer allocate GBs first.
MAX_DIM = 65535         # H, W, channels
MAX_KERNEL = 255        # kernel, stride, each padding
MAX_K = 1 << 24         # reduction length of one filter
MAX_TENSOR = 2**31 - 1  # bytes of one int8 activation tensor
# Calibration runs the float chain on a batch of images; one image through
# one layer may use at most this much float memory (the batch shrinks to fit).
CALIB_BYTES = 1 << 30


class Layer:
    """One layer of the chain, in float, NHWC/OHWI like hta_layer.h.

    op: 'conv', 'dw', 'fc', 'gap', a graph op ('add', 'concat', 'mul', the
    pools, 'resize', 'pad') or 'layernorm' (gamma, beta [C], eps: LayerNorm over
    each pixel's channels). w: conv/fc [O, kh, kw, I], dw [C, kh, kw, 1].
    b: [O]. act: (lo, hi) clamp of the real output (None: none).
    wint, wscale: when the graph fixes the weights as integers, w = wint * wscale[o].
    out_q: (scale, zp int8) when the graph fixes the output's quantization.
    src: the tensors it reads (0: the model input, j + 1: layer j's output);
    in2_shape: the second input's (h, w, c) for 'add', 'concat', 'mul'.
    """

    def __init__(self, op, name, in_shape):
        self.op, self.name, self.in_shape = op, name, in_shape  # in_shape (h, w, c)
        self.where = "layer '%s'" % name  # "node 'X' (Op)" once walked
        self.w = self.b = None
        self.kh = self.kw = self.stride = 1
        self.pads = (0, 0, 0, 0)  # top, bottom, left, right
        self.act = None
        self.fn = None  # (ONNX op, float function) applied after act: an activation table
        self.wint = self.wscale = None
        self.out_q = None
        self.src = None
        self.in2_shape = None
        self.keep_q = False  # a channel selection: the output keeps the input's quantization
        self.identity = False  # a DEPTHWISE 1x1 of weight 1 and bias 0 (_identity)

    def out_shape(self):
        h, w, c = self.in_shape
        if self.op == 'concat':
            return (h, w, c + self.in2_shape[2])
        if self.op in ('add', 'mul', 'layernorm'):
            return (h, w, c)
        if self.op in ('gap', 'gmp'):
            return (1, 1, c)
        t, b, l, r = self.pads
        if self.op == 'resize':
            return (2 * h, 2 * w, c)
        if self.op == 'pad':
            return (h + t + b, w + l + r, c)
        oh = (h + t + b - self.kh) // self.stride + 1
        ow = (w + l + r - self.kw) // self.stride + 1
        return (oh, ow, c if self.w is None else self.w.shape[0])

    def calib_bytes(self):
        """Float memory of one image through forward_pre (its largest arrays:
        the padded input, im2col columns or the pool accumulator, output)."""
        h, w, c = self.in_shape
        t, b, l, r = self.pads
        oh, ow, oc = self.out_shape()
        n = (h + t + b) * (w + l + r) * c + oh * ow * oc
        if self.op in ('conv', 'dw', 'fc'):
            n += oh * ow * self.kh * self.kw * c + oh * ow * oc
        elif self.op in ('maxpool', 'avgpool'):
            n += 2 * oh * ow * c
        return 4 * n

    def forward(self, x, x2=None):
        """Float forward of a batch x [N, H, W, C] (and the second input x2)."""
        y = self.forward_pre(x, x2)
        return y if self.fn is None else self.fn[1](y).astype(np.float32)

    def forward_pre(self, x, x2=None):
        """The output before the activation table (the clamp applied)."""
        if self.op == 'add':
            y = x + x2
        elif self.op == 'concat':
            y = np.concatenate([x, x2], axis=3)
        elif self.op == 'mul':
            y = x * x2
        elif self.op == 'gap':
            y = x.mean(axis=(1, 2), keepdims=True)
        elif self.op == 'layernorm':  # over the channels of each pixel
            xd = x.astype(np.float64)
            d = xd - xd.mean(axis=3, keepdims=True)
            y = d / np.sqrt((d * d).mean(axis=3, keepdims=True) + self.eps) * self.gamma + \
                self.beta
        elif self.op == 'gmp':
            y = x.max(axis=(1, 2), keepdims=True)
        elif self.op == 'resize':
            y = x.repeat(2, axis=1).repeat(2, axis=2)
        elif self.op == 'pad':
            t, b, l, r = self.pads
            y = np.pad(x, ((0, 0), (t, b), (l, r), (0, 0)))
        elif self.op in ('maxpool', 'avgpool'):
            y = pool_nhwc(x, self.kh, self.kw, self.stride, self.pads, self.op == 'maxpool')
        else:
            y = conv_nhwc(x, self.w, self.stride, self.pads, self.op == 'dw') + self.b
        if self.act is not None:
            y = np.clip(y, self.act[0], self.act[1])
        return y.astype(np.float32)


def _hardswish(x):
    return x * np.clip(x / 6.0 + 0.5, 0.0, 1.0)


def check_limits(l):
    """The .hta limits of layer l, from its shapes and attributes alone (no
    array of its size is made): an ImportError_ naming its node otherwise."""
    h, w, c = l.in_shape
    why = []
    for name, v, lo, hi in (('kernel height', l.kh, 1, MAX_KERNEL),
                            ('kernel width', l.kw, 1, MAX_KERNEL),
                            ('stride', l.stride, 1, MAX_KERNEL)):
        if not lo <= v <= hi:
            why.append('%s %d is outside %d..%d' % (name, v, lo, hi))
    if any(not 0 <= p <= MAX_KERNEL for p in l.pads):
        why.append('pads %s (top, bottom, left, right): each must be in 0..%d'
                   % (list(l.pads), MAX_KERNEL))
    if why:  # the shapes below would divide by them or be meaningless
        raise ImportError_('%s: %s' % (l.where, '; '.join(why)))
    oh, ow, oc = l.out_shape()
    if oh <= 0 or ow <= 0:
        raise ImportError_('%s: output would be %dx%d' % (l.where, oh, ow))
    for what, (th, tw, tc) in (('input', (h, w, c)), ('output', (oh, ow, oc))):
        if max(th, tw, tc) > MAX_DIM:
            why.append('%s %dx%dx%d: each dimension must be at most %d'
                       % (what, th, tw, tc, MAX_DIM))
        elif th * tw * tc > MAX_TENSOR:
            why.append('%s %dx%dx%d is larger than 2^31-1 bytes' % (what, th, tw, tc))
    if l.op in ('conv', 'fc') and l.kh * l.kw * c > MAX_K:
        why.append('a filter of %dx%dx%d (%d weights) is longer than %d'
                   % (l.kh, l.kw, c, l.kh * l.kw * c, MAX_K))
    if why:
        raise ImportError_('%s: %s' % (l.where, '; '.join(why)))


def calib_batch(layers, n):
    """Images per calibration batch (at most n, at most 256) such that one
    batch through any layer fits CALIB_BYTES; ImportError_ naming the layer
    when even one image does not."""
    worst = max(layers, key=lambda l: l.calib_bytes())
    per = worst.calib_bytes()
    if per > CALIB_BYTES:
        raise ImportError_('%s: calibrating it needs %.1f GiB of float memory for one image, '
                           'more than the importer\'s calibration budget of %.0f GiB (a graph '
                           'with fixed quantization, QuantizeLinear on every activation, '
                           'needs no calibration)' % (worst.where, per / 2**30,
                                                      CALIB_BYTES / 2**30))
    return max(1, min(256, n, CALIB_BYTES // per))


def conv_nhwc(x, w, stride, pads, depthwise):
    """x [N,H,W,C], w [O,kh,kw,I] (dw: [C,kh,kw,1]) -> [N,OH,OW,O] by im2col."""
    t, b, l, r = pads
    x = np.pad(x, ((0, 0), (t, b), (l, r), (0, 0)))
    n, h, wd, c = x.shape
    o, kh, kw, _ = w.shape
    oh, ow = (h - kh) // stride + 1, (wd - kw) // stride + 1
    cols = np.empty((n, oh, ow, kh, kw, c), dtype=np.float32)
    for ky in range(kh):
        for kx in range(kw):
            cols[:, :, :, ky, kx, :] = x[:, ky:ky + stride * (oh - 1) + 1:stride,
                                         kx:kx + stride * (ow - 1) + 1:stride, :]
    if depthwise:
        return np.einsum('nyxabc,cab->nyxc', cols, w[..., 0], optimize=True)
    return cols.reshape(n * oh * ow, kh * kw * c).dot(
        w.reshape(o, kh * kw * c).T).reshape(n, oh, ow, o)


def pool_nhwc(x, kh, kw, stride, pads, is_max):
    """Max or average pool of [N,H,W,C]; padding takes no part (the average
    counts in-image positions only: ONNX count_include_pad = 0)."""
    t, b, l, r = pads
    n, h, wd, c = x.shape
    oh, ow = (h + t + b - kh) // stride + 1, (wd + l + r - kw) // stride + 1
    xp = np.pad(x, ((0, 0), (t, b), (l, r), (0, 0)), constant_values=-np.inf if is_max else 0)
    inside = np.pad(np.ones((h, wd), np.float32), ((t, b), (l, r)))
    acc = np.full((n, oh, ow, c), -np.inf if is_max else 0, np.float32)
    cnt = np.zeros((oh, ow), np.float32)
    for ky in range(kh):
        for kx in range(kw):
            win = xp[:, ky:ky + stride * (oh - 1) + 1:stride, kx:kx + stride * (ow - 1) + 1:stride]
            acc = np.maximum(acc, win) if is_max else acc + win
            cnt += inside[ky:ky + stride * (oh - 1) + 1:stride, kx:kx + stride * (ow - 1) + 1:stride]
    return acc if is_max else acc / cnt[None, :, :, None]


def _block_diag(w, g):
    """Grouped weights [O, C/g, kh, kw] -> [O, C, kh, kw], zero outside each
    filter's group (output o reads input channels of group o // (O/g))."""
    o, ipg = w.shape[:2]
    opg = o // g
    d = np.zeros((o, ipg * g) + w.shape[2:], w.dtype)
    for f in range(o):
        k = f // opg
        d[f, k * ipg:(k + 1) * ipg] = w[f]
    return d


def native_groups(layers, qlayers):
    """Quantized grouped convolutions -> native ones (hta_layer.h cgroups).

    A grouped Conv is calibrated and quantized as its block-diagonal layer
    (Layer.groups set), so every plan sees the same rows as before; here each
    quantized filter keeps only its group's C/g input channels (the others
    must be 0), and fine ternary groups of G weights their group's scales (G
    must divide C/g, so that an expanded group is G channels of one tap of
    one group). The integers and so the golden model's outputs are exactly
    the block-diagonal layer's (hta_layer_block_diag gives it back). A layer
    whose rows are not of that form keeps the block-diagonal CONV2D, with a
    note. Sets q.cgroups (0: not grouped) on every layer. With the environment
    variable HTA_IMPORT_GROUPED=block-diag every grouped convolution stays
    block-diagonal, as importers before format version 3 wrote it (a file
    older readers load; tests compare the two)."""
    block_diag = os.environ.get('HTA_IMPORT_GROUPED', 'native')
    if block_diag not in ('native', 'block-diag'):
        raise ImportError_("HTA_IMPORT_GROUPED='%s': native or block-diag" % block_diag)
    for l, q in zip(layers, qlayers):
        q.cgroups = 0
        g = getattr(l, 'groups', 0)
        if g < 2 or block_diag == 'block-diag':
            continue
        o, c, taps = q.out_c, q.in_c, q.kh * q.kw
        cpg, opg, k = c // g, o // g, q.kh * q.kw * c
        kd = np.asarray(q.kind)
        big = np.where(kd[:, None] == 0, np.asarray(q.w).reshape(o, k),
                       np.asarray(q.t).reshape(o, k)).reshape(o, taps, c)
        own = np.zeros((o, taps, c), bool)
        for f in range(o):
            own[f, :, (f // opg) * cpg:(f // opg + 1) * cpg] = True
        G = q.group if 0 < q.group < k and np.any(kd != 0) else 0
        why = None
        if np.any(big[~own] != 0):
            why = 'weights outside their group are not 0'
        elif G and cpg % G != 0:
            why = 'ternary groups of G = %d do not divide its %d channels per group' % (G, cpg)
        if why is not None:
            print("note: layer '%s': grouped convolution (%d groups) kept as a block-diagonal "
                  "CONV2D: %s" % (q.name, g, why), file=sys.stderr)
            continue
        sel = np.stack([big[f][:, (f // opg) * cpg:(f // opg + 1) * cpg] for f in range(o)])
        sel = sel.reshape(o, taps * cpg).astype(np.int8)
        q.w = np.where(kd[:, None] == 0, sel, 0).astype(np.int8)
        q.t = np.where(kd[:, None] != 0, sel, 0).astype(np.int8)
        if G:
            a = np.asarray(q.alpha)
            idx = [[(tp * c + (f // opg) * cpg) // G + i for tp in range(taps)
                    for i in range(cpg // G)] for f in range(o)]
            q.alpha = np.stack([a[f, idx[f]] for f in range(o)]).astype(np.uint8)
        else:
            q.group = 0
        q.cgroups = g


def _attrs(node):
    try:
        return {a.name: onnx.helper.get_attribute_value(a) for a in node.attribute}
    except ValueError:  # onnx's message dumps the whole attribute
        bad = [a.name for a in node.attribute if a.type == onnx.AttributeProto.UNDEFINED]
        raise ImportError_('%s: attribute %s has no valid type' % (_where(node), bad))


def _to_array(t, what):
    """numpy_helper.to_array, or an ImportError_ naming the tensor (an unknown data
    type, data that does not match the dims)."""
    try:
        return numpy_helper.to_array(t)
    except Exception as e:
        raise ImportError_("%s '%s' (data type %d, dims %s): cannot read its values (%s: %s)"
                           % (what, t.name, t.data_type, list(t.dims), type(e).__name__, e))


def _where(node):
    return "node '%s' (%s)" % (node.name or (node.output[0] if node.output else '?'),
                               node.op_type)


class _Chain:
    """Walks the graph node by node, building the layer list."""

    def __init__(self, model):
        g = model.graph
        self.g = g
        self.consts = {i.name: _to_array(i, 'initializer') for i in g.initializer}
        self.int_consts = {}  # name -> (int array, scale, axis) of DequantizeLinear'd constants
        self.layers = []
        self.in_q = None       # (scale, zp) fixed for the network input
        self.pending_q = None  # (scale, zp) of the current tensor, from QuantizeLinear
        self.view = None  # channel shuffle in progress: ('grouped' | 'swapped', groups)
        self.cur, self.cur_idx = None, -1  # current tensor and its layer (-1: graph input)
        self.shared, self.readers = [], {}  # see run()
        self.flat = None       # (h, w, c) when a flatten of h x w x c > 1 pixel happened
        inputs = [i for i in g.input if i.name not in self.consts]
        if len(inputs) != 1 or len(g.output) != 1:
            raise ImportError_('the graph must have one input and one output (has %d and %d)'
                               % (len(inputs), len(g.output)))
        self.input = inputs[0]
        dims = [d.dim_value if d.HasField('dim_value') else -1
                for d in self.input.type.tensor_type.shape.dim]
        if len(dims) != 4 or min(dims[1:]) <= 0:
            raise ImportError_("input '%s' must be [N, C, H, W] with fixed C, H, W (is %s)"
                               % (self.input.name, dims))
        self.shape = (dims[2], dims[3], dims[1])  # h, w, c
        self.in_shape = self.shape
        if max(dims[1:]) > MAX_DIM or dims[1] * dims[2] * dims[3] > MAX_TENSOR:
            raise ImportError_("input '%s' of %s: each of C, H, W must be at most %d and "
                               "C x H x W at most 2^31-1" % (self.input.name, dims, MAX_DIM))

    # ---- helpers ----
    def const(self, node, name, what):
        if name not in self.consts:
            raise ImportError_("%s: input %s '%s' must be a constant (only chains of layers "
                               "are supported)" % (_where(node), what, name))
        return self.consts[name]

    def scalar(self, node, name, what):
        """A constant input that must hold one value, as a float."""
        v = np.asarray(self.const(node, name, what))
        if v.size != 1:
            raise ImportError_("%s: input %s '%s' must be one value, not an array of shape %s"
                               % (_where(node), what, name, list(v.shape)))
        return float(v.reshape(-1)[0])

    def _cur(self):
        """The layer whose output the current tensor is (None: the graph input)."""
        return self.layers[self.cur_idx] if self.cur_idx >= 0 else None

    def _foldable(self):
        """May the current node change the current tensor's layer? Only if no
        other node reads that layer's output (else it would see the change)."""
        return self.cur_idx >= 0 and not self.shared[self.cur_idx] and \
            len(self.readers.get(self.cur, ())) <= 1

    def _identity(self, node):
        """A depthwise 1x1 layer of weight 1 on the current tensor, for an op
        that would fold into a layer whose output other nodes read too (or
        into the graph input): the op folds into it instead."""
        if self.flat is not None:
            raise ImportError_('%s: after Flatten of a %dx%dx%d tensor (needs a Gemm/MatMul '
                               'first)' % ((_where(node),) + self.flat))
        c = self.shape[2]
        l = Layer('dw', '%s/identity' % (node.name or node.output[0]), self.shape)
        l.w = np.ones((c, 1, 1, 1), np.float32)
        l.b = np.zeros(c, np.float32)
        l.identity = True
        self._push(l)
        return l

    def last(self, node, why):
        return self._cur() if self._foldable() else self._identity(node)

    def last_linear(self, node, why):
        l = self.last(node, why)
        if l.w is None or l.act is not None or l.out_q is not None or l.fn is not None:
            l = self._identity(node)
        return l

    def take_q(self, node, layer_or_none):
        """Attach a QuantizeLinear seen on the current tensor."""
        if self.pending_q is None:
            return
        if layer_or_none is None:
            self.in_q = self.pending_q
        else:
            layer_or_none.out_q = self.pending_q
        self.pending_q = None

    # ---- walking ----
    def run(self):
        """Visit the nodes in topological order. The walker's state (current
        tensor, its layer, shape, flattening, pending quantization) is loaded
        from the node's data input and stored for its output, so single-input
        handlers read as for a chain; two-input nodes become graph layers."""
        g = self.g
        self.readers = {}
        for n in g.node:
            if n.op_type != 'Constant':
                for i in set(x for x in n.input if x and x not in self.consts):
                    self.readers.setdefault(i, []).append(n)
        self.shared = []  # per layer: a tensor that is its output has several readers
        # tensor -> (layer index (-1: graph input), shape, flat, pending quantization)
        state = {self.input.name: (-1, self.shape, None, None, None)}
        skip = set()
        out = self.g.output[0].name
        for n in g.node:
            if n.op_type == 'Constant' or id(n) in skip:
                continue
            data_in = [i for i in n.input if i and i not in self.consts]
            for i in data_in:
                if i not in state:
                    raise ImportError_("%s: reads '%s', which no earlier node computes (the "
                                       "nodes must be in topological order)" % (_where(n), i))
            if not data_in:
                raise ImportError_('%s: reads no tensor' % _where(n))
            self.node = n  # what _push names
            if n.op_type == 'Split' and len(data_in) == 1:
                self.cur = data_in[0]
                self.cur_idx, self.shape, self.flat, self.pending_q, self.view = state[self.cur]
                for o, st in zip(n.output, self._split(n, _attrs(n))):
                    state[o] = st
                continue
            used = [o for o in n.output[1:] if o and (o in self.readers or o == out)]
            if used:
                raise ImportError_('%s: only its first output may be used (%s is read)'
                                   % (_where(n), ', '.join(used)))
            n_layers = len(self.layers)
            self.cur = data_in[0]
            self.cur_idx, self.shape, self.flat, self.pending_q, self.view = state[self.cur]
            if len(set(data_in)) > 1:
                for i in data_in:  # each input's own QuantizeLinear fixes it
                    self.cur_idx, self.shape, self.flat, self.pending_q, self.view = state[i]
                    if self.view is not None:
                        raise ImportError_('%s: reads a %s view of a tensor' % (
                            _where(n), 'channels-last' if self.view[0] == 'nhwc' else '5-D'))
                    self.take_q(n, self._cur())
                handler = getattr(self, 'graph_' + n.op_type, None)
                if handler is None:
                    raise ImportError_('%s: %s of %d tensors is not supported'
                                       % (_where(n), n.op_type, len(data_in)))
                handler(n, _attrs(n), [state[i] for i in data_in], data_in)
            elif n.op_type in ('Sigmoid', 'HardSigmoid') and self._silu(n):
                m = self._silu(n)
                skip.add(id(m))
                if n.op_type == 'Sigmoid':
                    self._fn(n, lambda x: x / (1.0 + np.exp(-x)), 'SiLU', silu=True)
                else:  # x * HardSigmoid(x): hardswish when alpha = 1/6, beta = 1/2
                    a = _attrs(n)
                    al, be = a.get('alpha', 0.2), a.get('beta', 0.5)
                    # HardSwish's own function then (alpha is 1/6 as a float32), so that
                    # opsets before 14 calibrate to the same ranges and integers
                    f = _hardswish if (np.float32(al), be) == (np.float32(1 / 6), 0.5) else \
                        (lambda x: x * np.clip(al * x + be, 0.0, 1.0))
                    self._fn(n, f, 'HardSwish', silu=True)
                n = m
            elif self.view is not None and self.view[0] == 'nhwc' and \
                    n.op_type not in CHANNELS_LAST_OPS:
                raise ImportError_('%s: %s of a channels-last view (after Transpose perm '
                                   '[0, 2, 3, 1]): only %s until the Transpose back'
                                   % (_where(n), n.op_type, ', '.join(CHANNELS_LAST_OPS)))
            elif n.op_type == 'ReduceMean' and self._layernorm(n):
                nodes, eps, gamma, beta = self._layernorm(n)
                skip.update(id(m) for m in nodes)
                self._push_layernorm(n, eps, gamma, beta)
                n = nodes[-1]
            elif n.op_type == 'Div' and self._gelu(n):
                chain = self._gelu(n)
                skip.update(id(m) for m in chain)
                # x read by the pattern only: its table folds into x's layer
                self._fn(n, gelu, 'GELU', silu=len(self.readers.get(n.input[0], [])) == 2)
                n = chain[-1]
            elif len(data_in) == 2:  # x * x, x + x: the same tensor twice
                raise ImportError_('%s: %s of a tensor with itself is not supported'
                                   % (_where(n), n.op_type))
            else:
                handler = getattr(self, 'op_' + n.op_type, None)
                if handler is None:
                    raise ImportError_('%s: unsupported op %s' % (_where(n), n.op_type))
                handler(n, _attrs(n))
            if len(self.layers) == n_layers and len(self.readers.get(self.cur, ())) > 1 and \
               self.cur_idx >= 0:
                self.shared[self.cur_idx] = True  # the output aliases a shared tensor
            state[n.output[0]] = (self.cur_idx, self.shape, self.flat, self.pending_q, self.view)
        if out not in state:
            raise ImportError_("the graph output '%s' is computed by no node" % out)
        self.cur_idx, self.shape, self.flat, self.pending_q, self.view = state[out]
        if self.view is not None:
            raise ImportError_('the graph ends in a %s view of a tensor' % (
                'channels-last' if self.view[0] == 'nhwc' else '5-D'))
        if self.cur_idx != len(self.layers) - 1:
            # the model output is the last layer's: end on a copy of the output tensor
            self.cur = out
            self._identity(self.g.node[-1])
        if self.pending_q is not None:
            self.take_q(None, self._cur())
        if not self.layers:
            raise ImportError_('the graph has no layer HTA can run')
        if self.flat is not None:
            raise ImportError_('the graph ends flattened without a Gemm/MatMul')
        for l in self.layers:  # after every fold (BatchNormalization, Mul, Add)
            for what, v in (('weights', l.w), ('bias', l.b)):
                if v is not None and not np.isfinite(v).all():
                    raise ImportError_('%s: its %s (with what was folded into them) hold %d '
                                       'NaN or Inf values' % (l.where, what,
                                                              int((~np.isfinite(v)).sum())))
        # a used Dequantize'd weight keeps its integers: attach them
        return self.layers

    def _silu(self, n):
        """The Mul of x * f(x) when n is that f (Sigmoid: SiLU; HardSigmoid:
        hardswish), else None."""
        x = n.input[0]
        rd = self.readers.get(x, [])
        muls = [m for m in rd if m.op_type == 'Mul' and sorted(m.input) ==
                sorted([x, n.output[0]])]
        if len(rd) == 2 and len(muls) == 1 and self.readers.get(n.output[0]) == muls:
            return muls[0]
        return None

    def _only_reader(self, t, op):
        """The one node reading tensor t if it is an op, else None."""
        rd = self.readers.get(t, [])
        return rd[0] if len(rd) == 1 and rd[0].op_type == op else None

    def _const_is(self, n, value):
        """Is n's one constant input the scalar value (to float32 precision)?"""
        cs = [i for i in n.input if i in self.consts]
        if len(cs) != 1 or np.asarray(self.consts[cs[0]]).size != 1:
            return False
        return abs(float(np.asarray(self.consts[cs[0]]).reshape(-1)[0]) - value) <= \
            1e-6 * abs(value)

    def _gelu(self, n):
        """The nodes [Erf, Add, Mul, Mul] when n is the Div that starts the exact
        GELU as PyTorch exports it, 0.5 * (x * (1 + Erf(x / sqrt(2)))), else None."""
        x = n.input[0]
        if not self._const_is(n, np.sqrt(2.0)) or n.input[1] not in self.consts:
            return None
        erf = self._only_reader(n.output[0], 'Erf')
        add = erf and self._only_reader(erf.output[0], 'Add')
        if not add or not self._const_is(add, 1.0):
            return None
        mul = self._only_reader(add.output[0], 'Mul')
        if not mul or sorted(mul.input) != sorted([x, add.output[0]]):
            return None
        half = self._only_reader(mul.output[0], 'Mul')
        if not half or not self._const_is(half, 0.5):
            return None
        return [erf, add, mul, half]

    def _layernorm(self, n):
        """When n is the first ReduceMean of LayerNorm over channels as PyTorch
        exports it - m = ReduceMean(x), d = Sub(x, m), ReduceMean(Pow(d, 2)),
        Add eps, Sqrt, Div(d, .), then optionally Mul by gamma and Add beta -
        over the last axis of a channels-last view (ConvNeXt's LayerNorm and
        LayerNorm2d) or over axis 1: (nodes after n, eps, gamma, beta), else None."""
        c = self.shape[2]
        nhwc = self.view is not None and self.view[0] == 'nhwc'
        want = (-1, 3) if nhwc else (1, -3)
        if self.view is not None and not nhwc or self.flat is not None:
            return None

        def axes_ok(m):
            a = _attrs(m)
            ax = list(a.get('axes', []))
            if len(m.input) > 1 and m.input[1]:
                if m.input[1] not in self.consts:
                    return False
                ax = [int(v) for v in self.consts[m.input[1]].reshape(-1)]
            return len(ax) == 1 and int(ax[0]) in want and a.get('keepdims', 1) == 1
        x = n.input[0]
        if not axes_ok(n):
            return None
        subs = [m for m in self.readers.get(n.output[0], []) if m.op_type == 'Sub' and
                list(m.input) == [x, n.output[0]]]
        if len(subs) != 1 or len(self.readers.get(n.output[0], [])) != 1:
            return None
        sub = subs[0]
        rd = self.readers.get(sub.output[0], [])
        pw = [m for m in rd if m.op_type == 'Pow' and m.input[0] == sub.output[0]]
        dv = [m for m in rd if m.op_type == 'Div' and m.input[0] == sub.output[0]]
        if len(rd) != 2 or len(pw) != 1 or len(dv) != 1 or not self._const_is(pw[0], 2.0):
            return None
        var = self._only_reader(pw[0].output[0], 'ReduceMean')
        if not var or not axes_ok(var):
            return None
        add = self._only_reader(var.output[0], 'Add')
        cs = [i for i in add.input if i in self.consts] if add else []
        if not add or len(cs) != 1 or np.asarray(self.consts[cs[0]]).size != 1:
            return None
        eps = float(np.asarray(self.consts[cs[0]]).reshape(-1)[0])
        sq = self._only_reader(add.output[0], 'Sqrt')
        if not sq or self._only_reader(sq.output[0], 'Div') is not dv[0] or \
           list(dv[0].input) != [sub.output[0], sq.output[0]] or not eps >= 0:
            return None
        nodes = [sub, pw[0], var, add, sq, dv[0]]
        gamma, beta = np.ones(c), np.zeros(c)
        for op, what in (('Mul', 'gamma'), ('Add', 'beta')):
            m = self._only_reader(nodes[-1].output[0], op)
            cs = [i for i in m.input if i in self.consts] if m else []
            if not m or len(cs) != 1 or len(m.input) != 2:
                break
            v = np.asarray(self.consts[cs[0]], np.float64)
            if v.size not in (1, c) or (v.size == c and v.shape[-1] != c and nhwc) or \
               (v.size == c and not nhwc and v.ndim >= 2 and v.shape[-1] != 1):
                break
            if what == 'gamma':
                gamma = gamma * v.reshape(-1)
            else:
                beta = beta + v.reshape(-1)
            nodes.append(m)
        return nodes, eps, gamma, beta

    def _push_layernorm(self, n, eps, gamma, beta):
        l = Layer('layernorm', n.name or n.output[0], self.shape)
        l.gamma = np.broadcast_to(gamma, (self.shape[2],)).astype(np.float64)
        l.beta = np.broadcast_to(beta, (self.shape[2],)).astype(np.float64)
        l.eps = eps
        self._push(l)

    # ---- graph ops: two tensors ----
    def _two(self, n, st, names, op, shape2_ok):
        (i0, s0, f0, _, v0), (i1, s1, f1, _, v1) = st
        if f0 is not None or f1 is not None:
            raise ImportError_('%s: on a flattened tensor' % _where(n))
        if not shape2_ok(s0, s1):
            raise ImportError_('%s: input shapes %s and %s (HWC) do not fit a %s'
                               % (_where(n), list(s0), list(s1), op.upper()))
        l = Layer(op, n.name or n.output[0], s0)
        l.in2_shape = s1
        l.src = [i0 + 1, i1 + 1]
        self.shape, self.flat, self.pending_q = s0, None, None
        self._push(l)

    def graph_Add(self, n, a, st, names):
        if len(names) != 2:
            raise ImportError_('%s: Add of %d tensors (2 are supported)' % (_where(n),
                                                                             len(names)))
        self._two(n, st, names, 'add', lambda x, y: x == y)

    def graph_QLinearAdd(self, n, a, st, names):
        """ONNX Runtime's QLinearAdd (com.microsoft): C = quantize(dequantize(A) +
        dequantize(B)), each with its own scale and zero point: an ADD whose inputs
        must carry exactly those quantizations and whose output keeps C's."""
        for k, (si, zi) in enumerate(((1, 2), (4, 5))):
            want = self._act_q(n, si, zi)
            i = st[k][0]
            have = self.layers[i].out_q if i >= 0 else self.in_q
            if have is None or not np.isclose(have[0], want[0]) or have[1] != want[1]:
                raise ImportError_('%s: input %s scale/zero point %s differ from the '
                                   'tensor\'s %s' % (_where(n), 'AB'[k], want, have))
        if len(names) != 2 or [i for i in n.input if i and i not in self.consts] != \
           [n.input[0], n.input[3]]:
            raise ImportError_('%s: QLinearAdd of anything but two tensors A and B'
                               % _where(n))
        self._two(n, st, names, 'add', lambda x, y: x == y)
        q = self._act_q(n, 6, 7)
        if len(n.input) < 8 or not n.input[7]:  # C's zero point absent: 0 of A's type
            za = self.consts.get(n.input[2]) if len(n.input) > 2 and n.input[2] else None
            q = (q[0], -128 if za is not None and za.dtype == np.uint8 else 0)
        self._cur().out_q = q

    def op_QLinearAdd(self, n, a):
        raise ImportError_('%s: QLinearAdd of a tensor with itself (or of a constant) is not '
                           'supported' % _where(n))

    def graph_Sum(self, n, a, st, names):
        self.graph_Add(n, a, st, names)

    def graph_Concat(self, n, a, st, names):
        """Concat of N >= 2 tensors along channels: a chain of N - 1 two-input
        CONCATs, ((x0 | x1) | x2) | ... Every link's output has the quantization
        of the last one (q_of), so each input is rescaled once, where it joins,
        and passes the later links exactly (the identity rescale, docs/numerics.md):
        the integers a native N-input CONCAT would give."""
        if a.get('axis') not in (1, -3):
            raise ImportError_('%s: Concat along axis %s (only channels, axis 1)'
                               % (_where(n), a.get('axis')))
        (i0, s0, f0, _, _) = st[0]
        links = []
        for k in range(1, len(st)):
            self._two(n, [(i0, s0, f0, None, None), st[k]], names[:1] + names[k:k + 1],
                      'concat', lambda x, y: x[:2] == y[:2])
            i0, s0, f0 = self.cur_idx, self.shape, None
            links.append(self._cur())
        for l in links[:-1]:
            l.q_of = links[-1]

    def op_Concat(self, n, a):
        """Concat of one tensor (DenseNet's first layer of a block): nothing."""
        if a.get('axis') not in (1, -3):
            raise ImportError_('%s: Concat along axis %s (only channels, axis 1)'
                               % (_where(n), a.get('axis')))

    def graph_Mul(self, n, a, st, names):
        if st[0][1][:2] == (1, 1) and st[1][1][:2] != (1, 1):
            st, names = st[::-1], names[::-1]  # the 1x1 scale second
        self._two(n, st, names, 'mul', lambda x, y: y == (1, 1, x[2]))

    # ---- float ops ----
    def _conv(self, n, a, w, b, wint=None, wscale=None):
        if self.flat is not None:
            raise ImportError_('%s: Conv after Flatten' % _where(n))
        if any(d != 1 for d in a.get('dilations', [1, 1])):
            raise ImportError_('%s: dilations %s are not supported (only 1)'
                               % (_where(n), list(a['dilations'])))
        if w.ndim != 4:
            raise ImportError_('%s: only 2-D convolutions are supported (weight rank %d)'
                               % (_where(n), w.ndim))
        st = list(a.get('strides', [1, 1]))
        if len(st) != 2:
            raise ImportError_('%s: strides %s: 2 values expected (H, W)' % (_where(n), st))
        if st[0] != st[1]:
            raise ImportError_('%s: strides %s differ by axis (HTA has one stride)'
                               % (_where(n), st))
        if not 1 <= st[0] <= MAX_KERNEL:
            raise ImportError_('%s: stride %d is outside 1..%d' % (_where(n), st[0], MAX_KERNEL))
        h, wd, c = self.shape
        o, ipg, kh, kw = w.shape
        if list(a.get('kernel_shape', [kh, kw])) != [kh, kw]:
            raise ImportError_('%s: kernel_shape %s does not match the weights %s'
                               % (_where(n), list(a['kernel_shape']), [kh, kw]))
        group = a.get('group', 1)
        auto = a.get('auto_pad', b'NOTSET')
        auto = auto.decode() if isinstance(auto, bytes) else auto
        if auto == 'NOTSET':
            p = list(a.get('pads', [0, 0, 0, 0]))
            if len(p) != 4:
                raise ImportError_('%s: pads %s: 4 values expected (H begin, W begin, H end, '
                                   'W end)' % (_where(n), p))
            pads = (p[0], p[2], p[1], p[3])
        elif auto == 'VALID':
            pads = (0, 0, 0, 0)
        elif auto in ('SAME_UPPER', 'SAME_LOWER'):
            def split(size, k):
                out = -(-size // st[0])
                tot = max((out - 1) * st[0] + k - size, 0)
                lo = tot // 2 if auto == 'SAME_UPPER' else tot - tot // 2
                return lo, tot - lo
            pt, pb = split(h, kh)
            pl, pr = split(wd, kw)
            pads = (pt, pb, pl, pr)
        else:
            raise ImportError_('%s: auto_pad %s is not supported' % (_where(n), auto))
        if group == 1:
            if ipg != c:
                raise ImportError_('%s: weights expect %d input channels, the tensor has %d'
                                   % (_where(n), ipg, c))
            l = Layer('conv', n.name or n.output[0], self.shape)
            l.w = np.ascontiguousarray(w.transpose(0, 2, 3, 1)).astype(np.float32)
        elif group == c and o == c and ipg == 1:
            l = Layer('dw', n.name or n.output[0], self.shape)
            l.w = np.ascontiguousarray(w.transpose(0, 2, 3, 1)).astype(np.float32)
        elif group > 1 and c % group == 0 and o % group == 0 and ipg == c // group:
            # a grouped convolution (ResNeXt, RegNet) as a CONV2D whose filters are
            # zero outside their group's input channels (block diagonal): exact in
            # every plan (0 is a weight of every kind), g times the MACs and weights
            l = Layer('conv', n.name or n.output[0], self.shape)
            l.w = np.ascontiguousarray(_block_diag(w, group).transpose(0, 2, 3, 1)).astype(
                np.float32)
            l.groups = group
            if wint is not None:
                wint = _block_diag(wint, group)
        else:
            raise ImportError_('%s: group=%d with %d input and %d output channels (weights '
                               'for %d per group): the groups must divide both channel '
                               'counts' % (_where(n), group, c, o, ipg))
        l.kh, l.kw, l.stride, l.pads = kh, kw, st[0], pads
        l.b = np.zeros(o, np.float32) if b is None else b.astype(np.float32).reshape(o)
        if wint is not None:
            l.wint = np.ascontiguousarray(wint.transpose(0, 2, 3, 1))
            l.wscale = wscale
        while l.op == 'conv' and l.stride > 2 and l.stride % 2 == 0 and \
                l.kh == l.kw == l.stride and l.pads == (0, 0, 0, 0):
            self._space_to_depth(n, l)
        self._push(l)

    def _space_to_depth(self, n, l):
        """A k x k stride-k convolution (k even; ConvNeXt's 4x4 stride-4 stem) as
        the engines run it (stride <= 2): a 2x2 stride-2 layer of one-hot weights
        moving each 2x2 block of pixels into channels ((dy * 2 + dx) * C + c,
        exact, keeping the input's quantization), then l as a k/2 x k/2
        stride-k/2 convolution of that: the same sums, in another order."""
        h, w, c = self.shape
        s = Layer('conv', '%s/space_to_depth' % (n.name or n.output[0]), self.shape)
        s.w = np.zeros((4 * c, 2, 2, c), np.float32)
        for dy in range(2):
            for dx in range(2):
                for ci in range(c):
                    s.w[(dy * 2 + dx) * c + ci, dy, dx, ci] = 1.0
        s.b = np.zeros(4 * c, np.float32)
        s.kh = s.kw = s.stride = 2
        s.keep_q = True
        self._push(s)
        k2, o = l.kh // 2, l.w.shape[0]

        def fold(x):  # [O, k, k, C] -> [O, k/2, k/2, 4C], channel (dy * 2 + dx) * C + c
            return np.ascontiguousarray(x.reshape(o, k2, 2, k2, 2, c).transpose(
                0, 1, 3, 2, 4, 5).reshape(o, k2, k2, 4 * c))
        l.w = fold(l.w)
        if l.wint is not None:
            l.wint = fold(l.wint)
        l.in_shape = self.shape
        l.kh = l.kw = l.stride = k2

    def _push(self, l):
        if getattr(self, 'node', None) is not None:
            l.where = _where(self.node)
        check_limits(l)
        if l.src is None:
            l.src = [self.cur_idx + 1]
        self.layers.append(l)
        self.shared.append(False)
        self.cur_idx = len(self.layers) - 1
        self.shape = l.out_shape()

    def _weights(self, n, name):
        """A weight input: float constant, or a DequantizeLinear'd integer constant."""
        w = self.const(n, name, 'weight')
        return w, self.int_consts.get(name)

    def op_Conv(self, n, a):
        w, iw = self._weights(n, n.input[1])
        b = self.const(n, n.input[2], 'bias') if len(n.input) > 2 and n.input[2] else None
        if iw is not None:
            wi, sc, _ = iw
            self._conv(n, a, w, b, wi, np.broadcast_to(sc, (w.shape[0],)).astype(np.float64))
        else:
            self._conv(n, a, w, b)

    def _fc(self, n, w_oi, b, wint=None, wscale=None):
        """A dense layer, w_oi [O, I] on the flattened tensor (ONNX order c, y, x)."""
        if self.flat is not None:
            h, wd, c = self.flat
        else:
            h, wd, c = self.shape
            if h * wd != 1:
                raise ImportError_('%s: Gemm/MatMul on a %dx%dx%d tensor needs a Flatten '
                                   'first' % (_where(n), h, wd, c))
        o = w_oi.shape[0]
        if w_oi.shape[1] != h * wd * c:
            raise ImportError_('%s: weights take %d inputs, the tensor has %d'
                               % (_where(n), w_oi.shape[1], h * wd * c))

        def ohwi(x):  # ONNX flattens NCHW: index c*h*w + y*w + x
            return np.ascontiguousarray(x.reshape(o, c, h, wd).transpose(0, 2, 3, 1))
        op = 'fc' if h * wd == 1 else 'conv'  # a dense layer over a window = conv kh x kw
        l = Layer(op, n.name or n.output[0], (h, wd, c))
        l.w = ohwi(w_oi).astype(np.float32)
        l.kh, l.kw = h, wd
        l.b = np.zeros(o, np.float32) if b is None else np.broadcast_to(b, (o,)).astype(
            np.float32)
        if wint is not None:
            l.wint, l.wscale = ohwi(wint), wscale
        self.flat = None
        self._push(l)

    def op_Gemm(self, n, a):
        if a.get('transA', 0):
            raise ImportError_('%s: transA=1 is not supported' % _where(n))
        w, iw = self._weights(n, n.input[1])
        if w.ndim != 2:
            raise ImportError_('%s: B must be 2-D' % _where(n))
        alpha, beta = a.get('alpha', 1.0), a.get('beta', 1.0)
        trans = a.get('transB', 0)
        w_oi = (w if trans else w.T) * alpha
        b = None
        if len(n.input) > 2 and n.input[2]:
            b = self.const(n, n.input[2], 'C').astype(np.float64) * beta
            if b.size not in (1, w_oi.shape[0]):
                raise ImportError_('%s: C of shape %s is not per output' % (_where(n),
                                                                            list(b.shape)))
            b = b.reshape(-1)
        if iw is not None:
            wi = iw[0] if trans else iw[0].T
            sc = np.broadcast_to(np.asarray(iw[1], np.float64).reshape(-1), (w_oi.shape[0],))
            self._fc(n, w_oi, b, wi, sc * alpha)
        else:
            self._fc(n, w_oi, b)

    def op_MatMul(self, n, a):
        if n.input[0] in self.consts:
            raise ImportError_('%s: the constant must be the second operand' % _where(n))
        w, iw = self._weights(n, n.input[1])
        if w.ndim != 2:
            raise ImportError_('%s: B must be 2-D' % _where(n))
        if self.view is not None and self.view[0] == 'nhwc':
            # a Linear on the channels of a channels-last tensor: a 1x1 convolution
            c, o = self.shape[2], w.shape[1]
            if w.shape[0] != c:
                raise ImportError_('%s: weights take %d inputs, the pixels have %d channels'
                                   % (_where(n), w.shape[0], c))
            l = Layer('conv', n.name or n.output[0], self.shape)
            l.w = np.ascontiguousarray(w.T.reshape(o, 1, 1, c)).astype(np.float32)
            l.b = np.zeros(o, np.float32)
            if iw is not None:
                l.wint = np.ascontiguousarray(iw[0].T.reshape(o, 1, 1, c))
                l.wscale = np.broadcast_to(np.asarray(iw[1], np.float64).reshape(-1), (o,))
            self._push(l)
            return
        if iw is not None:
            sc = np.broadcast_to(np.asarray(iw[1], np.float64).reshape(-1), (w.shape[1],))
            self._fc(n, w.T, None, iw[0].T, sc)
        else:
            self._fc(n, w.T, None)

    def op_Add(self, n, a):
        c = self.const(n, [i for i in n.input if i in self.consts][0], 'addend')
        l = self.last_linear(n, 'Add of a constant (a bias)')
        o = l.w.shape[0]
        if c.size not in (1, o) or (c.ndim >= 3 and c.shape[-1] != 1 and c.size != 1):
            raise ImportError_('%s: addend of shape %s is not one value per channel'
                               % (_where(n), list(c.shape)))
        l.b = (l.b + c.reshape(-1)).astype(np.float32)

    def op_Mul(self, n, a):
        c = self.const(n, [i for i in n.input if i in self.consts][0], 'factor')
        l = self.last_linear(n, 'Mul by a constant')
        o = l.w.shape[0]
        if c.size not in (1, o) or (c.ndim >= 3 and c.shape[-1] != 1 and c.size != 1):
            raise ImportError_('%s: factor of shape %s is not one value per channel'
                               % (_where(n), list(c.shape)))
        f = np.broadcast_to(c.reshape(-1), (o,)).astype(np.float64)
        l.w = (l.w * f.reshape(o, 1, 1, 1)).astype(np.float32)
        l.b = (l.b * f).astype(np.float32)
        if l.wscale is not None:
            l.wscale = l.wscale * f

    def op_BatchNormalization(self, n, a):
        if len([o for o in n.output if o]) > 1:
            raise ImportError_('%s: training-mode outputs are not supported' % _where(n))
        l = self.last_linear(n, 'BatchNormalization (folded into the layer)')
        sc, bb, mean, var = (self.const(n, n.input[i], 'BN parameter').astype(np.float64)
                             for i in range(1, 5))
        f = sc / np.sqrt(var + a.get('epsilon', 1e-5))
        l.w = (l.w * f.reshape(-1, 1, 1, 1)).astype(np.float32)
        l.b = ((l.b - mean) * f + bb).astype(np.float32)
        if l.wscale is not None:
            l.wscale = l.wscale * f

    def _act(self, n, lo, hi):
        """A clamp of the real value: folded into the layer's output clamp (a
        layer whose output is quantized by the graph, or ends in a table, gets
        an identity layer after it for the clamp)."""
        l = self.last(n, n.op_type)
        if l.fn is not None:
            l = self._identity(n)
        elif l.out_q is not None:
            # Q -> DQ -> clamp (-> Q), as QDQ exporters write ReLU6: the layer requantizes
            # once, to the quantization after the clamp (its QuantizeLinear attaches it; the
            # intermediate rounding step is dropped, at most one output step apart)
            l.out_q = None
        if l.act is None:
            l.act = (lo, hi)
        else:
            l.act = (max(l.act[0], lo), min(l.act[1], hi))

    def _fn(self, n, f, name=None, silu=False):
        """An activation function: the layer's table (docs/numerics.md). One
        per layer, after its stage: otherwise on an identity layer."""
        if silu and self.cur_idx >= 0 and not self.shared[self.cur_idx]:
            l = self._cur()  # x's readers are this Sigmoid and its Mul only
        else:
            l = self.last(n, n.op_type)
        if l.out_q is not None or l.fn is not None or \
           l.op in ('maxpool', 'avgpool', 'gmp', 'pad', 'resize'):
            l = self._identity(n)
        l.fn = (name or n.op_type, f)

    def op_HardSwish(self, n, a):
        self._fn(n, _hardswish)

    def op_HardSigmoid(self, n, a):
        al, be = a.get('alpha', 0.2), a.get('beta', 0.5)
        self._fn(n, lambda x: np.clip(al * x + be, 0.0, 1.0))

    def op_Sigmoid(self, n, a):
        self._fn(n, lambda x: 1.0 / (1.0 + np.exp(-x)))

    def op_Tanh(self, n, a):
        self._fn(n, np.tanh)

    def op_LeakyRelu(self, n, a):
        al = a.get('alpha', 0.01)
        self._fn(n, lambda x: np.where(x >= 0, x, al * x))

    def op_Relu(self, n, a):
        self._act(n, 0.0, np.inf)

    def op_Clip(self, n, a):
        lo, hi = a.get('min', -np.inf), a.get('max', np.inf)
        if len(n.input) > 1 and n.input[1]:
            lo = self.scalar(n, n.input[1], 'min')
        if len(n.input) > 2 and n.input[2]:
            hi = self.scalar(n, n.input[2], 'max')
        self._act(n, float(lo), float(hi))

    def op_ReduceMean(self, n, a):
        axes = list(a.get('axes', []))
        if len(n.input) > 1 and n.input[1]:
            axes = list(self.const(n, n.input[1], 'axes').reshape(-1))
        if sorted(int(x) % 4 for x in axes) != [2, 3]:
            raise ImportError_('%s: ReduceMean over axes %s (only H and W: 2, 3, as a global '
                               'average pool; or over channels as the first node of a '
                               'LayerNorm: ReduceMean, Sub, Pow 2, ReduceMean, Add eps, Sqrt, '
                               'Div)' % (_where(n), axes))
        self.op_GlobalAveragePool(n, a)  # keepdims 0 gives [N, C]: the same bytes

    def op_GlobalAveragePool(self, n, a):
        if self.flat is not None:
            raise ImportError_('%s: after Flatten' % _where(n))
        self._push(Layer('gap', n.name or n.output[0], self.shape))

    def _pool(self, n, a, op):
        if self.flat is not None:
            raise ImportError_('%s: after Flatten' % _where(n))
        k = list(a.get('kernel_shape', []))
        st = list(a.get('strides', [1, 1]))
        why = []
        if len(k) != 2:
            why.append('kernel_shape %s is not 2-D' % k)
        if len(st) != 2 or st[0] != st[1]:
            why.append('strides %s differ by axis (HTA has one stride)' % st)
        if any(d != 1 for d in a.get('dilations', [1, 1])):
            why.append('dilations %s are not supported (only 1)' % list(a['dilations']))
        if a.get('storage_order', 0):
            why.append('storage_order=1 is not supported')
        if op == 'avgpool' and a.get('count_include_pad', 0):
            why.append('count_include_pad=1 is not supported (HTA averages the in-image '
                       'values only)')
        auto = a.get('auto_pad', b'NOTSET')
        auto = auto.decode() if isinstance(auto, bytes) else auto
        if auto not in ('NOTSET', 'VALID'):
            why.append('auto_pad %s is not supported (explicit pads or VALID)' % auto)
        p = list(a.get('pads', [0, 0, 0, 0])) if auto == 'NOTSET' else [0, 0, 0, 0]
        if len(p) != 4:
            why.append('pads %s: 4 values expected (H begin, W begin, H end, W end)' % p)
        if why:
            raise ImportError_('%s: %s' % (_where(n), '; '.join(why)))
        l = Layer(op, n.name or n.output[0], self.shape)
        l.kh, l.kw, l.stride, l.pads = k[0], k[1], st[0], (p[0], p[2], p[1], p[3])
        if a.get('ceil_mode', 0):  # the last partial window: padding at the end
            def extra(size, lo, hi, kk):
                span = size + lo + hi - kk
                out = -(-span // st[0]) + 1
                if (out - 1) * st[0] >= size + lo:  # a window starting in the end padding
                    out -= 1  # is dropped (ONNX, PyTorch)
                return max((out - 1) * st[0] + kk - (size + lo + hi), 0)
            h, w = self.shape[:2]
            pt, pb, pl, pr = l.pads
            l.pads = (pt, pb + extra(h, pt, pb, k[0]), pl, pr + extra(w, pl, pr, k[1]))
        if max(l.pads[0], l.pads[1]) >= l.kh or max(l.pads[2], l.pads[3]) >= l.kw:
            raise ImportError_('%s: pads %s must be smaller than the kernel %s' % (
                _where(n), p, k))
        self._push(l)

    def op_MaxPool(self, n, a):
        self._pool(n, a, 'maxpool')

    def op_AveragePool(self, n, a):
        self._pool(n, a, 'avgpool')

    def op_Pad(self, n, a):
        mode = a.get('mode', b'constant')
        mode = mode.decode() if isinstance(mode, bytes) else mode
        p = (list(self.const(n, n.input[1], 'pads').reshape(-1)) if len(n.input) > 1 and
             n.input[1] else list(a.get('pads', [])))
        v = (float(np.asarray(self.const(n, n.input[2], 'constant_value')).reshape(-1)[0])
             if len(n.input) > 2 and n.input[2] else float(a.get('value', 0.0)))
        why = []
        if mode != 'constant':
            why.append("mode '%s' is not supported (only constant)" % mode)
        if v != 0.0:
            why.append('constant value %g is not supported (only 0)' % v)
        if len(p) != 8 or p[0] or p[1] or p[4] or p[5] or min(p) < 0:
            why.append('pads %s: only non-negative padding of H and W' % [int(x) for x in p])
        if self.flat is not None:
            why.append('after Flatten')
        if why:
            raise ImportError_('%s: %s' % (_where(n), '; '.join(why)))
        l = Layer('pad', n.name or n.output[0], self.shape)
        l.pads = (int(p[2]), int(p[6]), int(p[3]), int(p[7]))
        self._push(l)

    def _resize_x2(self, n, scales, why):
        if scales is None or [float(x) for x in scales] != [1.0, 1.0, 2.0, 2.0]:
            why.append('scales %s: only nearest x2 in H and W' % (
                None if scales is None else [float(x) for x in scales]))
        if self.flat is not None:
            why.append('after Flatten')
        if why:
            raise ImportError_('%s: %s' % (_where(n), '; '.join(why)))
        self._push(Layer('resize', n.name or n.output[0], self.shape))

    def op_Resize(self, n, a):
        s = lambda k, d: (a.get(k, d).decode() if isinstance(a.get(k, d), bytes) else a.get(k, d))
        why = []
        if s('mode', 'nearest') != 'nearest':
            why.append("mode '%s' (only nearest)" % s('mode', 'nearest'))
        ctm = s('coordinate_transformation_mode', 'half_pixel')
        if ctm not in ('half_pixel', 'asymmetric', 'pytorch_half_pixel'):
            why.append("coordinate_transformation_mode '%s' (half_pixel, pytorch_half_pixel "
                       "or asymmetric)" % ctm)
        if s('nearest_mode', 'round_prefer_floor') not in ('round_prefer_floor', 'floor'):
            why.append("nearest_mode '%s' (round_prefer_floor or floor)" % s('nearest_mode', ''))
        scales = None
        if len(n.input) > 2 and n.input[2] and self.const(n, n.input[2], 'scales').size:
            scales = self.const(n, n.input[2], 'scales').reshape(-1)
        elif len(n.input) > 3 and n.input[3]:
            sz = self.const(n, n.input[3], 'sizes').reshape(-1)
            h, w, c = self.shape
            scales = [sz[0], sz[1] / c, sz[2] / h, sz[3] / w] if len(sz) == 4 else list(sz)
        self._resize_x2(n, scales, why)

    def op_Upsample(self, n, a):
        mode = a.get('mode', b'nearest')
        mode = mode.decode() if isinstance(mode, bytes) else mode
        why = [] if mode == 'nearest' else ["mode '%s' (only nearest)" % mode]
        sc = (self.const(n, n.input[1], 'scales').reshape(-1) if len(n.input) > 1 and n.input[1]
              else a.get('scales'))
        self._resize_x2(n, sc, why)

    def op_GlobalMaxPool(self, n, a):
        if self.flat is not None:
            raise ImportError_('%s: after Flatten' % _where(n))
        self._push(Layer('gmp', n.name or n.output[0], self.shape))

    def _flatten(self, n):
        if self.flat is None and self.shape[0] * self.shape[1] > 1:
            self.flat = self.shape

    def op_Flatten(self, n, a):
        if a.get('axis', 1) != 1:
            raise ImportError_('%s: axis=%d (only 1)' % (_where(n), a['axis']))
        self._flatten(n)

    def op_Reshape(self, n, a):
        s = [int(x) for x in self.const(n, n.input[1], 'shape').reshape(-1)]
        h, w, c = self.flat or self.shape
        if self.flat is None and len(s) == 5 and s[0] in (0, 1) and s[3:] == [h, w] and \
           s[1] > 0 and s[1] * s[2] == c and self.view is None:
            self.view = ('grouped', s[1])  # channel shuffle, step 1: [N, g, C/g, H, W]
            return
        if self.view is not None:
            if self.view[0] == 'swapped' and len(s) == 4 and s[0] in (0, 1) and \
               s[1] in (-1, c) and s[2:] == [h, w]:
                g, self.view = self.view[1], None  # step 3: back to [N, C, H, W]
                self._channels(n, [(j % g) * (c // g) + j // g for j in range(c)], 'shuffle')
                return
            raise ImportError_('%s: reshape to %s of a grouped channel view (only the '
                               'channel shuffle [N, g, C/g, H, W] -> transpose -> [N, C, H, W] '
                               'is supported)' % (_where(n), s))
        if len(s) != 2 or s[1] not in (-1, h * w * c) or s[0] not in (-1, 0, 1):
            raise ImportError_('%s: reshape to %s: only [N, -1] flattening and channel '
                               'shuffles are supported' % (_where(n), s))
        self._flatten(n)

    def op_Transpose(self, n, a):
        perm = [int(v) for v in a.get('perm', [])]
        if perm == [0, 2, 3, 1] and self.view is None and self.flat is None:
            self.view = ('nhwc', 0)  # NHWC already: a view, no data moves
            return
        if perm == [0, 3, 1, 2] and self.view is not None and self.view[0] == 'nhwc':
            self.view = None
            return
        if self.view is None or self.view[0] != 'grouped' or \
           list(a.get('perm', [])) != [0, 2, 1, 3, 4]:
            raise ImportError_('%s: Transpose with perm %s: only the channel shuffle (a '
                               'Reshape to [N, g, C/g, H, W], perm [0, 2, 1, 3, 4], a Reshape '
                               'back) and channels-last views ([0, 2, 3, 1], then [0, 3, 1, '
                               '2] back) are supported' % (_where(n), list(a.get('perm', []))))
        self.view = ('swapped', self.view[1])  # step 2

    def _channels(self, n, sel, what):
        """A pointwise layer whose output channel j is input channel sel[j]
        (weights one-hot: exact in every plan, TERNARY in auto), keeping the
        input's quantization: channel split and shuffle."""
        h, w, c = self.shape
        if self.flat is not None:
            raise ImportError_('%s: on a flattened tensor' % _where(n))
        l = Layer('conv', '%s/%s' % (n.name or n.output[0], what), self.shape)
        l.w = np.zeros((len(sel), 1, 1, c), np.float32)
        l.w[np.arange(len(sel)), 0, 0, sel] = 1.0
        l.b = np.zeros(len(sel), np.float32)
        l.keep_q = True
        self._push(l)

    def _chan_range(self, n, start, end):
        c = self.shape[2]
        start, end = max(0, min(c, start + c if start < 0 else start)), \
            max(0, min(c, end + c if end < 0 else end))
        if end <= start:
            raise ImportError_('%s: an empty channel range [%d, %d)' % (_where(n), start, end))
        return start, end

    def op_Slice(self, n, a):
        starts, ends = (self.const(n, n.input[i], x).reshape(-1) for i, x in
                        ((1, 'starts'), (2, 'ends')))
        axes = (self.const(n, n.input[3], 'axes').reshape(-1) if len(n.input) > 3 and
                n.input[3] else np.arange(len(starts)))
        steps = (self.const(n, n.input[4], 'steps').reshape(-1) if len(n.input) > 4 and
                 n.input[4] else np.ones(len(starts), np.int64))
        if [int(x) % 4 for x in axes] != [1] or int(steps[0]) != 1 or self.view is not None:
            raise ImportError_('%s: Slice of axes %s, steps %s: only a channel range (axis 1, '
                               'step 1)' % (_where(n), list(axes), list(steps)))
        s0, e0 = self._chan_range(n, int(starts[0]), int(min(ends[0], 1 << 30)))
        self._channels(n, list(range(s0, e0)), 'slice')

    def _split(self, n, a):
        """Split along channels: one channel-range layer per output; their states."""
        if a.get('axis', 0) % 4 != 1 or self.view is not None or self.flat is not None:
            raise ImportError_('%s: Split along axis %s (only channels, axis 1)'
                               % (_where(n), a.get('axis', 0)))
        c = self.shape[2]
        k = len(n.output)
        sizes = (list(self.const(n, n.input[1], 'split').reshape(-1)) if len(n.input) > 1 and
                 n.input[1] else list(a.get('split', [c // k] * k)))
        if sum(sizes) != c or len(sizes) != k:
            raise ImportError_('%s: split sizes %s of %d channels' % (_where(n), sizes, c))
        base, shape, src = self.cur_idx, self.shape, self.cur
        states, at = [], 0
        for size in sizes:
            self.cur_idx, self.shape, self.cur = base, shape, src
            self._channels(n, list(range(at, at + int(size))), 'split%d' % len(states))
            states.append((self.cur_idx, self.shape, None, None, None))
            at += int(size)
        return states

    def op_Identity(self, n, a):
        pass

    def op_Dropout(self, n, a):
        pass

    def op_Cast(self, n, a):
        ints = (onnx.TensorProto.UINT8, onnx.TensorProto.INT8)
        if a.get('to') in ints and self.pending_q is not None:
            return  # PyTorch: QuantizeLinear -> Cast to its own type -> DequantizeLinear
        if a.get('to') != onnx.TensorProto.FLOAT:
            raise ImportError_('%s: only Cast to float (or of a quantized tensor to uint8/int8) '
                               'is supported' % _where(n))

    # ---- quantized ops ----
    def _scale_zp(self, n, si, zi):
        s = self.const(n, n.input[si], 'scale').astype(np.float64)
        z = (self.const(n, n.input[zi], 'zero point') if len(n.input) > zi and n.input[zi]
             else np.zeros((), np.uint8))
        return s, z

    @staticmethod
    def _to_i8(z):
        """An activation zero point as int8: uint8 data is int8 data + 128."""
        z = int(np.asarray(z).reshape(-1)[0])
        return z - 128 if z > 127 else z, z > 127

    def _act_q(self, n, si, zi):
        s, z = self._scale_zp(n, si, zi)
        if s.size != 1:
            raise ImportError_('%s: per-axis activation quantization is not supported'
                               % _where(n))
        zd = self.consts.get(n.input[zi]) if len(n.input) > zi and n.input[zi] else None
        zp = int(np.asarray(zd).reshape(-1)[0]) if zd is not None else 0
        if zd is not None and zd.dtype == np.uint8:
            zp -= 128
        return float(s.reshape(-1)[0]), zp

    def op_QuantizeLinear(self, n, a):
        q = self._act_q(n, 1, 2)
        if self.pending_q is not None and self.pending_q != q:
            raise ImportError_('%s: quantized twice with different parameters' % _where(n))
        self.pending_q = q

    def op_DequantizeLinear(self, n, a):
        q = self._act_q(n, 1, 2)
        if self.pending_q is None:
            # the tensor came quantized from a QLinear op: its layer holds out_q
            l = self._cur()
            have = l.out_q if l is not None else self.in_q
            if have is None or not np.isclose(have[0], q[0]) or have[1] != q[1]:
                raise ImportError_('%s: dequantizes a tensor that was not quantized with '
                                   'the same parameters' % _where(n))
            return
        if not np.isclose(self.pending_q[0], q[0]) or self.pending_q[1] != q[1]:
            raise ImportError_('%s: parameters differ from the QuantizeLinear before it'
                               % _where(n))
        self.take_q(n, self._cur())

    def _cur_q(self, n):
        """The (scale, zp) the current tensor was quantized with."""
        if self.pending_q is not None:
            self.take_q(n, self._cur())
        q = self._cur().out_q if self._cur() is not None else self.in_q
        if q is None:
            raise ImportError_('%s: its input is not quantized (no QuantizeLinear before it)'
                               % _where(n))
        return q

    def _check_in_q(self, n, si, zi):
        have = self._cur_q(n)
        want = self._act_q(n, si, zi)
        if not np.isclose(have[0], want[0]) or have[1] != want[1]:
            raise ImportError_('%s: input scale/zero point %s differ from the tensor\'s %s'
                               % (_where(n), want, have))
        return have

    def _int_w(self, n, wi, si, zi, axis_len):
        w = self.const(n, n.input[wi], 'weight').astype(np.int64)
        s = (self.const(n, n.input[si], 'weight scale').astype(np.float64) if si is not None
             else np.ones(1))
        z = (self.const(n, n.input[zi], 'weight zero point').astype(np.int64)
             if zi is not None and len(n.input) > zi and n.input[zi] else np.zeros(1, np.int64))
        return w, np.broadcast_to(s.reshape(-1), (axis_len,)), z.reshape(-1)

    def op_QLinearConv(self, n, a):
        xs, _ = self._check_in_q(n, 1, 2)
        w = self.const(n, n.input[3], 'weight').astype(np.int64)
        _, ws, wz = self._int_w(n, 3, 4, 5, w.shape[0])
        wi = w - wz.reshape(-1, 1, 1, 1) if wz.size > 1 else w - wz[0]
        b = (self.const(n, n.input[8], 'bias').astype(np.float64) * xs * ws
             if len(n.input) > 8 and n.input[8] else None)
        wf = wi * ws.reshape(-1, 1, 1, 1)
        self._conv(n, a, wf, b, wi, ws.astype(np.float64))
        self._cur().out_q = self._act_q(n, 6, 7)

    def op_QLinearMatMul(self, n, a):
        xs, _ = self._check_in_q(n, 1, 2)
        w = self.const(n, n.input[3], 'weight').astype(np.int64)
        if w.ndim != 2:
            raise ImportError_('%s: B must be 2-D' % _where(n))
        _, ws, wz = self._int_w(n, 3, 4, 5, w.shape[1])
        wi = (w - wz.reshape(1, -1)).T
        self._fc(n, wi * ws.reshape(-1, 1), None, wi, ws.astype(np.float64))
        self._cur().out_q = self._act_q(n, 6, 7)

    def op_ConvInteger(self, n, a):
        # int32 output = sum (x_q - x_zp)(w_q - w_zp) = Conv(x_real, (w_q - w_zp) / x_scale)
        xs, xz = self._cur_q(n)
        if len(n.input) > 2 and n.input[2]:
            if self._to_i8(self.const(n, n.input[2], 'x zero point'))[0] != xz:
                raise ImportError_('%s: x_zero_point differs from the QuantizeLinear before '
                                   'it' % _where(n))
        w = self.const(n, n.input[1], 'weight').astype(np.int64)
        _, _, wz = self._int_w(n, 1, None, 3, w.shape[0])
        wi = w - (wz.reshape(-1, 1, 1, 1) if wz.size > 1 else wz[0])
        self._conv(n, a, wi / xs, None, wi, np.full(w.shape[0], 1.0 / xs))

    def op_MatMulInteger(self, n, a):
        xs, xz = self._cur_q(n)
        if len(n.input) > 2 and n.input[2]:
            if self._to_i8(self.const(n, n.input[2], 'a zero point'))[0] != xz:
                raise ImportError_('%s: a_zero_point differs from the QuantizeLinear before '
                                   'it' % _where(n))
        w = self.const(n, n.input[1], 'weight').astype(np.int64)
        _, _, wz = self._int_w(n, 1, None, 3, w.shape[1])
        wi = (w - wz.reshape(1, -1)).T
        self._fc(n, wi / xs, None, wi, np.full(w.shape[1], 1.0 / xs))


def erf(x):
    """The error function, vectorized: Abramowitz and Stegun 7.1.26 (absolute
    error below 1.5e-7, under float32's resolution of the table's inputs)."""
    x = np.asarray(x, np.float64)
    t = 1.0 / (1.0 + 0.3275911 * np.abs(x))
    p = t * (0.254829592 + t * (-0.284496736 + t * (1.421413741 + t * (-1.453152027 +
                                                                       t * 1.061405429))))
    return np.sign(x) * (1.0 - p * np.exp(-x * x))


def gelu(x):
    """GELU, the exact (erf) form of PyTorch's nn.GELU()."""
    x = np.asarray(x, np.float64)
    return 0.5 * x * (1.0 + erf(x / np.sqrt(2.0)))


def _np_type(to):
    return onnx.helper.tensor_dtype_to_np_dtype(to) if hasattr(onnx.helper,
                                                             'tensor_dtype_to_np_dtype') \
        else onnx.mapping.TENSOR_TYPE_TO_NP_TYPE[to]


def _const_value(n, a, ins, shapes):
    """Node n's output when its inputs ins are all constant (or, for Shape,
    its input's shape is static), by numpy; None if n is not such a node.
    Shape arithmetic as exporters write it (PyTorch's reshapes, slices and
    quantized biases) becomes constant this way."""
    op = n.op_type
    if op == 'Constant':
        return numpy_helper.to_array(a['value'])
    if op == 'Shape':
        sh = shapes.get(n.input[0])
        return None if sh is None or min(sh) <= 0 else np.array(sh, np.int64)
    if any(x is None for x in ins) or not ins:
        return None
    if op == 'Identity':
        return ins[0]
    if op == 'Cast':
        return ins[0].astype(_np_type(a['to']))
    if op == 'ConstantOfShape':
        v = numpy_helper.to_array(a['value']) if 'value' in a else np.zeros(1, np.float32)
        return np.full(tuple(int(d) for d in ins[0]), v.reshape(-1)[0], v.dtype)
    if op == 'Unsqueeze':
        axes = a.get('axes', list(ins[1]) if len(ins) > 1 else [])
        y = ins[0]
        for ax in sorted(int(x) % (y.ndim + len(axes)) for x in axes):
            y = np.expand_dims(y, ax)
        return y
    if op == 'Squeeze':
        axes = a.get('axes', list(ins[1]) if len(ins) > 1 else None)
        return np.squeeze(ins[0], axis=None if axes is None else tuple(int(x) for x in axes))
    if op == 'Gather':
        return np.take(ins[0], ins[1], axis=a.get('axis', 0))
    if op == 'Concat':
        return np.concatenate([np.atleast_1d(x) for x in ins], axis=a['axis'])
    if op in ('Add', 'Sub', 'Mul', 'Div'):
        f = {'Add': np.add, 'Sub': np.subtract, 'Mul': np.multiply}.get(op)
        if op == 'Div':
            return (ins[0] // ins[1] if np.issubdtype(ins[0].dtype, np.integer)
                    else ins[0] / ins[1]).astype(ins[0].dtype)
        return f(ins[0], ins[1]).astype(ins[0].dtype)
    if op == 'Reshape':
        shape = [int(d) for d in ins[1]]
        shape = [ins[0].shape[i] if d == 0 else d for i, d in enumerate(shape)]
        return ins[0].reshape(shape)
    return None


def _static_shapes(model):
    """{tensor: [dims]} from ONNX's shape inference, for Shape nodes. It runs
    in a forked child: ONNX's C++ inference dies on some invalid graphs (a
    zero stride raises SIGFPE), which must be the walk's clear error, not a
    crash of the importer. {} when it fails."""
    import json
    r, w = os.pipe()
    pid = os.fork()
    if pid == 0:  # the child: infer, write the shapes, exit without cleanup
        try:
            inferred = onnx.shape_inference.infer_shapes(model)
            out = {v.name: [d.dim_value if d.HasField('dim_value') else -1
                            for d in v.type.tensor_type.shape.dim]
                   for v in list(inferred.graph.value_info) + list(inferred.graph.input)}
            data = json.dumps(out).encode()
            while data:
                data = data[os.write(w, data):]
        finally:
            os._exit(0)
    os.close(w)
    chunks = []
    while True:
        b = os.read(r, 1 << 16)
        if not b:
            break
        chunks.append(b)
    os.close(r)
    _, status = os.waitpid(pid, 0)
    try:
        return json.loads(b''.join(chunks)) if os.WIFEXITED(status) else {}
    except ValueError:
        return {}


def _fold_constants(model, chain):
    """Nodes whose inputs are constant compute constants (_const_value):
    evaluated and removed from the graph. Among them Identity copies of an
    initializer (PyTorch writes one initializer for equal weights) and the
    Cast/ConstantOfShape zero points of PyTorch's quantized biases."""
    shapes = _static_shapes(model) if any(n.op_type == 'Shape' for n in model.graph.node) \
        else {}
    keep = []
    for n in model.graph.node:
        ins = [chain.consts.get(i) if i else None for i in n.input]
        y = None
        if len(n.output) == 1:
            try:
                y = _const_value(n, _attrs(n), [x for x in ins], shapes)
            except Exception:  # not foldable here: the walk says why if it matters
                y = None
        if y is None:
            keep.append(n)
            continue
        chain.consts[n.output[0]] = np.asarray(y)
        if n.op_type == 'Identity' and n.input[0] in chain.int_consts:
            chain.int_consts[n.output[0]] = chain.int_consts[n.input[0]]
    del model.graph.node[:]
    model.graph.node.extend(keep)


def _fold_weight_dequant(model, chain):
    """DequantizeLinear of a constant -> a float constant that remembers its integers."""
    keep = []
    for n in model.graph.node:
        if n.op_type == 'DequantizeLinear' and n.input[0] in chain.consts and \
           n.input[1] in chain.consts and (len(n.input) < 3 or not n.input[2] or
                                           n.input[2] in chain.consts):
            a = _attrs(n)
            q = chain.consts[n.input[0]].astype(np.int64)
            s = chain.consts[n.input[1]].astype(np.float64)
            z = (chain.consts[n.input[2]].astype(np.int64)
                 if len(n.input) > 2 and n.input[2] else np.zeros(1, np.int64))
            axis = a.get('axis', 1)
            shape = [1] * q.ndim
            if s.size > 1:
                shape[axis] = s.size
            wi = q - z.reshape(shape) if z.size > 1 else q - z.reshape(-1)[0]
            chain.consts[n.output[0]] = (wi * s.reshape(shape)).astype(np.float32)
            if s.size > 1 and axis != 0 and q.ndim == 4:
                raise ImportError_("%s: per-axis weight scales on axis %d (only 0 for Conv)"
                                   % (_where(n), axis))
            chain.int_consts[n.output[0]] = (wi, s.reshape(-1), axis)
        else:
            keep.append(n)
    del model.graph.node[:]
    model.graph.node.extend(keep)


# Ops the .hta format version 2, the golden model and the cpu device have
# (docs/numerics.md "Graphs and graph ops"), and activations that become a
# table there, but that this importer does not map yet: named as such.
GRAPH_OPS = {'Softplus', 'Elu'}
# Ops a channels-last view (Transpose perm [0, 2, 3, 1]) may meet before the
# Transpose back: per-channel and element-wise ones (the patterns start with
# ReduceMean, LayerNorm, and Div, GELU).
CHANNELS_LAST_OPS = ('Transpose', 'MatMul', 'Add', 'Mul', 'ReduceMean', 'Div', 'Relu', 'Clip',
                     'Sigmoid', 'HardSigmoid', 'HardSwish', 'Tanh', 'LeakyRelu', 'Identity',
                     'Dropout')
# Ops of two tensors the walker maps to graph layers (graph_<op>).
TWO_INPUT = ('Add', 'Sum', 'Concat', 'Mul', 'QLinearAdd')


# Ops whose attribute checks do not depend on the tensor's shape: the survey
# runs their handler on a probe to report their attribute problems too.
PROBED = ('MaxPool', 'AveragePool', 'Pad', 'Upsample', 'Resize', 'Cast', 'Flatten',
          'ReduceMean')


def _probe(chain, n, a):
    """The reasons the handler of node n refuses it, independent of shapes
    (the handler runs on a throwaway walker with a large dummy tensor)."""
    if n.op_type == 'Resize' and not (len(n.input) > 2 and n.input[2] and
                                      n.input[2] in chain.consts and
                                      chain.consts[n.input[2]].size):
        return []  # scales from sizes depend on the shape: the walk checks them
    p = _Chain.__new__(_Chain)
    p.consts, p.flat, p.shape, p.layers = chain.consts, None, (64, 64, 64), []
    p.cur_idx, p.shared, p.readers, p.cur = -1, [], {}, None
    p._push = lambda l: None
    try:
        getattr(p, 'op_' + n.op_type)(n, a)
    except ImportError_ as e:
        msg, head = str(e), _where(n) + ': '
        return [msg[len(head):] if msg.startswith(head) else msg]
    except Exception:  # the walk will say it properly
        return []
    return []


def _patterns(chain):
    """ids of the nodes that the walk maps as a whole pattern (GELU's Div, Erf,
    Add, Mul, Mul; LayerNorm's ReduceMean ... Div, Mul, Add): the survey does not
    judge them one by one."""
    chain.readers = {}
    for n in chain.g.node:
        if n.op_type != 'Constant':
            for i in set(x for x in n.input if x and x not in chain.consts):
                chain.readers.setdefault(i, []).append(n)
    covered = set()
    for n in chain.g.node:
        if n.op_type == 'Div' and chain._gelu(n):
            covered.update(id(m) for m in [n] + chain._gelu(n))
        if n.op_type == 'ReduceMean':
            for nhwc in (True, False):  # the walk knows which: either form here
                chain.view, chain.flat = (('nhwc', 0) if nhwc else None), None
                chain.shape = (1, 1, 1 << 16)  # any channel count
                ln = chain._layernorm(n)
                if ln:
                    covered.update(id(m) for m in [n] + ln[0])
        chain.view = None
    chain.shape = chain.in_shape
    return covered


def survey(model, chain):
    """Every node that blocks the import, as 'node (op): why' lines, checked
    before the walk so that one message names them all: unsupported ops,
    attributes no layer honours, and nodes of several tensors other than the
    graph ops."""
    g = model.graph
    consts = chain.consts
    problems = []
    known = set(consts) | {i.name for i in g.input}
    for n in g.node:
        known.update(o for o in n.output if o)
    covered = _patterns(chain)
    for n in g.node:
        if n.op_type == 'Constant' or id(n) in covered:
            continue
        if not n.output or not n.output[0]:
            problems.append('%s: has no output' % _where(n))
            continue
        why = []
        a = _attrs(n)
        missing = [i for i in n.input if i and i not in known]
        if missing:
            why.append('its input%s %s %s no graph input, initializer or node output (a '
                       'missing initializer)' % ('s' if len(missing) > 1 else '',
                                                  ', '.join("'%s'" % i for i in missing),
                                                  'are' if len(missing) > 1 else 'is'))
            problems.append('%s: %s' % (_where(n), '; '.join(why)))
            continue
        data_in = [i for i in n.input if i and i not in consts]
        if len(set(data_in)) > 1:
            if n.op_type not in TWO_INPUT:
                why.append('reads %d tensors (%s): only %s take two' % (
                    len(data_in), ', '.join(data_in), ', '.join(TWO_INPUT)))
            elif len(data_in) > 2 and n.op_type != 'Concat':
                why.append('reads %d tensors: at most 2 (chain them)' % len(data_in))
            if n.op_type == 'Concat' and a.get('axis') not in (1, -3):
                why.append('Concat along axis %s (only channels, axis 1)' % a.get('axis'))
        elif not hasattr(chain, 'op_' + n.op_type) and n.op_type != 'Split':
            if n.op_type in GRAPH_OPS:
                why.append('%s runs in the .hta format version 2 (golden model, cpu device) '
                           'but this importer does not map it yet' % n.op_type)
            else:
                why.append('unsupported op %s' % n.op_type)
        if n.op_type in PROBED and not why:
            why.extend(_probe(chain, n, a))
        if n.op_type == 'Transpose' and list(a.get('perm', [])) not in (
                [0, 2, 1, 3, 4], [0, 2, 3, 1], [0, 3, 1, 2]):
            why.append('Transpose with perm %s: only the channel shuffle\'s [0, 2, 1, 3, 4] and '
                       'the channels-last views [0, 2, 3, 1], [0, 3, 1, 2]'
                       % list(a.get('perm', [])))
        if n.op_type in ('Conv', 'QLinearConv', 'ConvInteger'):
            if any(d != 1 for d in a.get('dilations', [1, 1])):
                why.append('dilations %s are not supported (only 1)' % list(a['dilations']))
            st = list(a.get('strides', [1, 1]))
            if len(st) == 2 and st[0] != st[1]:
                why.append('strides %s differ by axis (HTA has one stride)' % st)
        if why:
            problems.append('%s: %s' % (_where(n), '; '.join(why)))
    if len(problems) == 1:
        raise ImportError_(problems[0])
    if problems:
        raise ImportError_('%d nodes block the import:\n  %s' % (len(problems),
                                                                  '\n  '.join(problems)))


def _non_text(msg, where=''):
    """The path of the first string field of msg (recursively) that is not text, or None."""
    for fd, v in msg.ListFields():
        vals = v if fd.label == fd.LABEL_REPEATED else [v]
        if fd.type == fd.TYPE_STRING and any(not isinstance(x, str) for x in vals):
            return where + fd.name
        if fd.type == fd.TYPE_MESSAGE:
            for i, x in enumerate(vals):
                at = '[%d]' % i if fd.label == fd.LABEL_REPEATED else ''
                bad = _non_text(x, '%s%s%s.' % (where, fd.name, at))
                if bad:
                    return bad
    return None


def load_chain(path):
    """ONNX file -> (layers, input (h, w, c), fixed input quantization or None)."""
    try:
        with warnings.catch_warnings(record=True) as warned:
            warnings.simplefilter('always')
            model = onnx.load(path)
    except Exception as e:  # onnx raises DecodeError and others
        raise ImportError_("cannot read '%s' as ONNX: %s" % (path, e))
    if warned:  # protobuf warns of a file it parsed only in part: an error here
        raise ImportError_("cannot read '%s' as ONNX: %s" % (path, warned[0].message))
    bad = _non_text(model)
    if bad:  # protobuf hands a string field that is not UTF-8 over as bytes
        raise ImportError_("cannot read '%s' as ONNX: its field %s is not UTF-8 text"
                           % (path, bad))
    chain = _Chain(model)
    _fold_constants(model, chain)
    _fold_weight_dequant(model, chain)
    _fold_constants(model, chain)  # Identity copies of dequantized weights
    survey(model, chain)
    layers = chain.run()
    return layers, chain.in_shape, chain.in_q
