"""hta_ref.py - an independent numpy evaluator of ONNX graphs (NCHW, per the ONNX spec).

Debian's python3-onnx 1.12 has no onnx.reference, so this is the reference
the importer is checked against: it evaluates the nodes as written - no
folding, no chain assumption, no layout change - including the quantized
ops (QuantizeLinear rounds half to even and saturates, as ONNX specifies).
It shares no code with hta_onnx.py / hta_quant.py.

    run(model, x) -> output of the graph for input x [N, C, H, W] float32
"""
import math

import numpy as np
import onnx
from onnx import numpy_helper


def _conv(x, w, b, a):
    n, c, h, wd = x.shape
    o, ipg, kh, kw = w.shape
    g = a.get('group', 1)
    if any(d != 1 for d in a.get('dilations', [1, 1])):
        raise NotImplementedError('dilations')
    sh, sw = a.get('strides', [1, 1])
    auto = a.get('auto_pad', b'NOTSET')
    auto = auto.decode() if isinstance(auto, bytes) else auto
    if auto in ('SAME_UPPER', 'SAME_LOWER'):
        pads = []
        for size, k, s in ((h, kh, sh), (wd, kw, sw)):
            tot = max((-(-size // s) - 1) * s + k - size, 0)
            lo = tot // 2 if auto == 'SAME_UPPER' else tot - tot // 2
            pads.append((lo, tot - lo))
        (pt, pb), (pl, pr) = pads
    elif auto == 'VALID':
        pt = pb = pl = pr = 0
    else:
        pt, pl, pb, pr = a.get('pads', [0, 0, 0, 0])
    x = np.pad(x, ((0, 0), (0, 0), (pt, pb), (pl, pr)))
    oh = (h + pt + pb - kh) // sh + 1
    ow = (wd + pl + pr - kw) // sw + 1
    y = np.zeros((n, o, oh, ow), np.float64)
    opg = o // g
    if g == c and ipg == 1 and o == c:  # depthwise: one multiply per tap, all channels
        for ky in range(kh):
            for kx in range(kw):
                patch = x[:, :, ky:ky + sh * (oh - 1) + 1:sh, kx:kx + sw * (ow - 1) + 1:sw]
                y += patch * w[:, 0, ky, kx].reshape(1, -1, 1, 1)
        g = 0  # done
    for gi in range(g):
        xs = x[:, gi * ipg:(gi + 1) * ipg]
        ws = w[gi * opg:(gi + 1) * opg]
        for ky in range(kh):
            for kx in range(kw):
                patch = xs[:, :, ky:ky + sh * (oh - 1) + 1:sh, kx:kx + sw * (ow - 1) + 1:sw]
                y[:, gi * opg:(gi + 1) * opg] += np.tensordot(
                    patch, ws[:, :, ky, kx], axes=([1], [1])).transpose(0, 3, 1, 2)
    if b is not None:
        y += b.reshape(1, -1, 1, 1)
    return y


def _qparams(s, z, like_axis, ndim, axis):
    s = np.asarray(s, np.float64)
    z = np.zeros(1, np.int64) if z is None else np.asarray(z).astype(np.int64)
    if s.size > 1:
        shape = [1] * ndim
        shape[axis] = s.size
        s = s.reshape(shape)
        z = z.reshape(shape) if z.size > 1 else z.reshape(-1)[0]
    else:
        s, z = s.reshape(-1)[0], z.reshape(-1)[0]
    return s, z


def _quantize(x, s, z, dtype):
    lo, hi = (0, 255) if dtype == np.uint8 else (-128, 127)
    return np.clip(np.round(x / s) + z, lo, hi).astype(dtype)  # np.round: half to even


def _pool(x, a, is_max):
    """MaxPool / AveragePool (count_include_pad 0, explicit pads) of NCHW x,
    one output position at a time over the in-image part of its window."""
    kh, kw = a['kernel_shape']
    sh, sw = a.get('strides', [1, 1])
    pt, pl, pb, pr = a.get('pads', [0, 0, 0, 0])
    n, c, h, w = x.shape
    if a.get('ceil_mode', 0):  # ONNX: ceil, and no window may start in the end padding
        oh, ow = -(-(h + pt + pb - kh) // sh) + 1, -(-(w + pl + pr - kw) // sw) + 1
        oh -= (oh - 1) * sh >= h + pt
        ow -= (ow - 1) * sw >= w + pl
    else:
        oh, ow = (h + pt + pb - kh) // sh + 1, (w + pl + pr - kw) // sw + 1
    y = np.empty((n, c, oh, ow))
    for i in range(oh):
        for j in range(ow):
            y0, x0 = i * sh - pt, j * sw - pl
            win = x[:, :, max(y0, 0):min(y0 + kh, h), max(x0, 0):min(x0 + kw, w)]
            y[:, :, i, j] = win.max(axis=(2, 3)) if is_max else win.mean(axis=(2, 3))
    return y


def _resize_nearest(ins, a, op):
    """Nearest Resize/Upsample per the ONNX definition: each output index is
    mapped to an input coordinate (coordinate_transformation_mode), then
    rounded (nearest_mode)."""
    x = ins[0]
    if op == 'Upsample':
        sc = ins[1].reshape(-1) if len(ins) > 1 else np.asarray(a['scales'])
        ctm, nm = 'asymmetric', 'floor'
    else:
        sc = ins[2].reshape(-1) if len(ins) > 2 and ins[2] is not None and ins[2].size else \
            np.asarray(ins[3], np.float64).reshape(-1) / np.asarray(x.shape)
        dec = lambda v: v.decode() if isinstance(v, bytes) else v
        ctm = dec(a.get('coordinate_transformation_mode', 'half_pixel'))
        nm = dec(a.get('nearest_mode', 'round_prefer_floor'))
    y = x
    for ax in range(x.ndim):
        n_in, s = x.shape[ax], float(sc[ax])
        n_out = int(np.floor(n_in * s))
        o = np.arange(n_out, dtype=np.float64)
        if ctm == 'asymmetric':
            c = o / s
        elif ctm == 'pytorch_half_pixel':
            c = (o + 0.5) / s - 0.5 if n_out > 1 else np.zeros(n_out)
        else:  # half_pixel
            c = (o + 0.5) / s - 0.5
        if nm == 'floor':
            idx = np.floor(c)
        elif nm == 'ceil':
            idx = np.ceil(c)
        elif nm == 'round_prefer_ceil':
            idx = np.floor(c + 0.5)
        else:  # round_prefer_floor
            idx = np.ceil(c - 0.5)
        idx = np.clip(idx, 0, n_in - 1).astype(np.int64)
        y = np.take(y, idx, axis=ax)
    return y


def run(model, x):
    g = model.graph
    env = {i.name: numpy_helper.to_array(i) for i in g.initializer}
    inputs = [i for i in g.input if i.name not in env]
    env[inputs[0].name] = np.asarray(x, np.float32)
    for n in g.node:
        a = {t.name: onnx.helper.get_attribute_value(t) for t in n.attribute}
        ins = [env[i] if i else None for i in n.input]
        op = n.op_type
        if op == 'Constant':
            y = numpy_helper.to_array(a['value'])
        elif op == 'Conv':
            y = _conv(ins[0].astype(np.float64), ins[1].astype(np.float64),
                      ins[2] if len(ins) > 2 else None, a)
        elif op == 'Gemm':
            A, B = ins[0], ins[1]
            A = A.T if a.get('transA', 0) else A
            B = B.T if a.get('transB', 0) else B
            y = a.get('alpha', 1.0) * (A.astype(np.float64) @ B)
            if len(ins) > 2 and ins[2] is not None:
                y = y + a.get('beta', 1.0) * ins[2]
        elif op == 'MatMul':
            y = ins[0].astype(np.float64) @ ins[1]
        elif op == 'Add':
            y = ins[0] + ins[1]
        elif op == 'ConstantOfShape':
            v = numpy_helper.to_array(a['value']) if 'value' in a else np.zeros(1, np.float32)
            y = np.full(tuple(int(d) for d in ins[0]), v.reshape(-1)[0], v.dtype)
        elif op == 'Concat':
            y = np.concatenate(ins, axis=a['axis'])
        elif op == 'Sum':
            y = sum(ins[1:], ins[0])
        elif op == 'Mul':
            y = ins[0] * ins[1]
        elif op == 'Relu':
            y = np.maximum(ins[0], 0)
        elif op == 'HardSwish':  # x * max(0, min(1, x/6 + 1/2)), the ONNX definition
            y = ins[0] * np.maximum(0, np.minimum(1, ins[0] / 6.0 + 0.5))
        elif op == 'HardSigmoid':
            y = np.maximum(0, np.minimum(1, a.get('alpha', 0.2) * ins[0] + a.get('beta', 0.5)))
        elif op == 'Sigmoid':
            y = 1.0 / (1.0 + np.exp(-ins[0].astype(np.float64)))
        elif op == 'Erf':  # math.erf element by element: independent of the importer's
            y = np.frompyfunc(math.erf, 1, 1)(ins[0].astype(np.float64)).astype(np.float64)
        elif op == 'Sqrt':
            y = np.sqrt(ins[0])
        elif op == 'Pow':
            y = np.power(ins[0], ins[1])
        elif op == 'Tanh':
            y = np.tanh(ins[0])
        elif op == 'LeakyRelu':
            y = np.where(ins[0] < 0, a.get('alpha', 0.01) * ins[0], ins[0])
        elif op == 'Clip':
            lo = ins[1] if len(ins) > 1 and ins[1] is not None else a.get('min', -np.inf)
            hi = ins[2] if len(ins) > 2 and ins[2] is not None else a.get('max', np.inf)
            y = np.clip(ins[0], lo, hi)
        elif op == 'BatchNormalization':
            s, b, m, v = (t.reshape(1, -1, 1, 1) for t in ins[1:5])
            y = (ins[0] - m) / np.sqrt(v + a.get('epsilon', 1e-5)) * s + b
        elif op == 'GlobalAveragePool':
            y = ins[0].mean(axis=(2, 3), keepdims=True)
        elif op == 'Pad':  # constant mode, pads [x1_begin, ..., x1_end, ...]
            p = ins[1].reshape(-1)
            r = len(p) // 2
            v = float(ins[2].reshape(-1)[0]) if len(ins) > 2 and ins[2] is not None else 0.0
            y = np.pad(ins[0], [(int(p[i]), int(p[i + r])) for i in range(r)],
                       constant_values=v)
        elif op in ('Resize', 'Upsample'):
            y = _resize_nearest(ins, a, op)
        elif op == 'GlobalMaxPool':
            y = ins[0].max(axis=(2, 3), keepdims=True)
        elif op in ('MaxPool', 'AveragePool'):
            y = _pool(ins[0].astype(np.float64), a, op == 'MaxPool')
        elif op == 'Flatten':
            y = ins[0].reshape(ins[0].shape[0], -1)
        elif op == 'Reshape':
            shape = [ins[0].shape[i] if s == 0 else s for i, s in enumerate(ins[1])]
            y = ins[0].reshape(shape)
        elif op in ('Identity', 'Dropout'):
            y = ins[0]
        elif op == 'Cast':
            y = ins[0].astype(onnx.mapping.TENSOR_TYPE_TO_NP_TYPE[a['to']])
        elif op == 'QuantizeLinear':
            z = ins[2] if len(ins) > 2 else None
            dt = z.dtype if z is not None else np.uint8
            s, zz = _qparams(ins[1], z, 0, ins[0].ndim, a.get('axis', 1))
            y = _quantize(ins[0], s, zz, dt)
        elif op == 'DequantizeLinear':
            z = ins[2] if len(ins) > 2 else None
            s, zz = _qparams(ins[1], z, 0, ins[0].ndim, a.get('axis', 1))
            y = ((ins[0].astype(np.int64) - zz) * s).astype(np.float32)
        elif op in ('QLinearConv', 'QLinearMatMul'):
            xq, xs, xz, wq, ws, wz, ys, yz = ins[:8]
            xi = xq.astype(np.int64) - xz.astype(np.int64)
            ax = 0 if op == 'QLinearConv' else 1
            ws_, wz_ = _qparams(ws, wz, 0, wq.ndim, ax)
            wi = wq.astype(np.int64) - wz_
            if op == 'QLinearConv':
                acc = _conv(xi.astype(np.float64), wi.astype(np.float64), None, a)
                if len(ins) > 8 and ins[8] is not None:
                    acc += ins[8].reshape(1, -1, 1, 1)
                real = acc * float(xs) * np.asarray(ws, np.float64).reshape(1, -1, 1, 1)
            else:
                acc = xi.astype(np.float64) @ wi
                real = acc * float(xs) * np.asarray(ws, np.float64).reshape(1, -1)
            y = _quantize(real, float(ys), int(yz), yz.dtype)
        elif op == 'QLinearAdd':  # com.microsoft (ONNX Runtime): C = q(dq(A) + dq(B))
            a_, as_, az, b_, bs, bz, cs = ins[:7]
            cz = ins[7] if len(ins) > 7 and ins[7] is not None else np.zeros((), a_.dtype)
            real = (a_.astype(np.int64) - az.astype(np.int64)) * np.float64(as_) + \
                (b_.astype(np.int64) - bz.astype(np.int64)) * np.float64(bs)
            y = _quantize(real, float(cs), int(cz), cz.dtype)
        elif op == 'ConvInteger':
            xi = ins[0].astype(np.int64) - (ins[2].astype(np.int64) if len(ins) > 2 else 0)
            wz = ins[3].astype(np.int64) if len(ins) > 3 else np.zeros(1, np.int64)
            wi = ins[1].astype(np.int64) - (wz.reshape(-1, 1, 1, 1) if wz.size > 1
                                             else wz.reshape(-1)[0])
            y = np.round(_conv(xi.astype(np.float64), wi.astype(np.float64), None,
                               a)).astype(np.int32)
        elif op == 'MatMulInteger':
            xi = ins[0].astype(np.int64) - (ins[2].astype(np.int64) if len(ins) > 2 else 0)
            wz = ins[3].astype(np.int64) if len(ins) > 3 else np.zeros(1, np.int64)
            wi = ins[1].astype(np.int64) - wz.reshape(1, -1)
            y = (xi @ wi).astype(np.int32)
        elif op == 'Shape':
            y = np.array(ins[0].shape, np.int64)
        elif op == 'Gather':
            y = np.take(ins[0], ins[1], axis=a.get('axis', 0))
        elif op in ('Div', 'Sub'):
            if op == 'Sub':
                y = ins[0] - ins[1]
            elif np.issubdtype(ins[0].dtype, np.integer):
                y = ins[0] // ins[1]
            else:
                y = ins[0] / ins[1]
        elif op == 'Unsqueeze':
            y = ins[0]
            axes = a['axes'] if 'axes' in a else list(ins[1])
            for ax in sorted(int(v) % (y.ndim + len(axes)) for v in axes):
                y = np.expand_dims(y, ax)
        elif op == 'Transpose':
            y = ins[0].transpose(a['perm'])
        elif op == 'ReduceMean':
            axes = tuple(int(v) for v in (a['axes'] if 'axes' in a else ins[1]))
            y = ins[0].mean(axis=axes, keepdims=bool(a.get('keepdims', 1)))
        elif op == 'Slice':
            axes = list(ins[3]) if len(ins) > 3 and ins[3] is not None else \
                list(range(len(ins[1])))
            steps = list(ins[4]) if len(ins) > 4 and ins[4] is not None else [1] * len(axes)
            sl = [slice(None)] * ins[0].ndim
            for st, en, ax, sp in zip(ins[1], ins[2], axes, steps):
                sl[int(ax)] = slice(int(st), int(min(en, 1 << 62)), int(sp))
            y = ins[0][tuple(sl)]
        elif op == 'Split':
            ax = a.get('axis', 0)
            sizes = list(ins[1]) if len(ins) > 1 and ins[1] is not None else \
                a.get('split', [ins[0].shape[ax] // len(n.output)] * len(n.output))
            parts = np.split(ins[0], np.cumsum(sizes)[:-1], axis=ax)
            for o, part in zip(n.output[1:], parts[1:]):
                env[o] = part
            y = parts[0]
        else:
            raise NotImplementedError('reference: op %s' % op)
        env[n.output[0]] = y
    return np.asarray(env[g.output[0].name], np.float32)


def load(path):
    return onnx.load(path)
