"""hta_quant.py - float layers (hta_onnx.Layer) to HTA's integer layers.

Implements the post-training quantizers of docs/quantization.md:
  int8    per-channel symmetric int8 weights (scale = max|w| / 127);
  twn     per filter: delta = 0.7 mean|w|, alpha = mean |w| over |w| > delta;
  fgq:N   per group of N consecutive weights of a filter (channel-fastest
          order): threshold and alpha maximising (sum_{|w|>d} |w|)^2 / count;
  auto    weights the graph fixed as integers are kept; float filters whose
          values are {-a, 0, +a} (per group) become ternary, the rest int8;
  hybrid:F        post-training hybrid filter bank: in every layer with weights,
          the fraction F of its filters whose TWN ternarization disturbs the
          layer's output most on the calibration images stays int8, the rest
          TWN (ranking: sensitivities() below);
  hybrid-global:F the same with one budget for the network: the most sensitive
          filters per MAC stay int8 until they hold the fraction F of its MACs.
In every plan a filter (or group set) that is already exactly ternary or
binary is stored as such. Activations: the graph's QuantizeLinear parameters
where it has them, else calibrated on sample images (min/max, least square
error, min/max widened to the extremes expected of more images, a percentile,
or by default whichever of the first three per-tensor rules and their mix
gives the network output closest to the float one: quantize()),
asymmetric int8 with 0 exactly representable.
The arithmetic the integers obey is docs/numerics.md.
"""
import contextlib
import copy
import io
import sys

import numpy as np


class QuantError(Exception):
    """A layer the quantizer cannot express; the message names the layer."""


OPS = {'conv': 0, 'dw': 1, 'pw': 2, 'fc': 3, 'gap': 4, 'add': 5, 'concat': 6, 'mul': 7,
       'maxpool': 8, 'avgpool': 9, 'gmp': 10, 'resize': 11, 'pad': 12, 'layernorm': 13}
TWO_INPUTS = ('add', 'concat', 'mul')
# Layers without weights: their output keeps the input's quantization.
NO_WEIGHTS = ('gap', 'maxpool', 'avgpool', 'gmp', 'resize', 'pad')
INT8, TERNARY, BINARY = 0, 1, 2
GROUPS = (0, 64, 32, 16, 8, 4)  # group sizes auto-detection tries (0: one per filter)


def parse_plan(plan):
    """'int8', 'twn', 'fgq:N', 'auto' -> (name, N); 'hybrid:F', 'hybrid-global:F'
    -> (name, F)."""
    if plan in ('int8', 'twn', 'auto'):
        return plan, 0
    for name in ('hybrid', 'hybrid-global'):
        if plan.startswith(name + ':'):
            try:
                f = float(plan[len(name) + 1:])
            except ValueError:
                f = -1.0
            if not 0.0 <= f <= 1.0:
                raise QuantError("plan '%s': F (the fraction kept int8) must be a number in "
                                 "0..1" % plan)
            return name, f
    if plan.startswith('fgq:'):
        try:
            n = int(plan[4:])
        except ValueError:
            n = 0
        if n < 4 or n > 2048:
            raise QuantError("plan '%s': N must be an integer in 4..2048" % plan)
        return 'fgq', n
    raise QuantError("unknown plan '%s' (int8, twn, fgq:N, hybrid:F, hybrid-global:F, auto)"
                     % plan)


# ---- activation calibration ----

def act_quant(lo, hi):
    """Real range [lo, hi] -> (scale, zp): asymmetric int8 with 0 exact."""
    lo, hi = min(float(lo), 0.0), max(float(hi), 0.0)
    if not hi - lo >= 1e-30:  # a tensor that is 0 everywhere: any step will do
        hi = lo + 1.0
    s = (hi - lo) / 255.0
    zp = int(np.clip(np.round(-128 - lo / s), -128, 127))
    return s, zp


def fake_quant(v, q):
    """Float values v rounded to the int8 grid q = (scale, zp), clamped, as reals."""
    s, z = q
    return ((np.clip(np.round(v / s) + z, -128, 127) - z) * s).astype(np.float32)


def srcs(l, i):
    """Tensor ids layer i reads (0: the model input, j + 1: layer j's output)."""
    return l.src if l.src else [i]


def walk(layers, x):
    """The float graph on a batch x [N, H, W, C]: yields (i, layer, inputs,
    value before the activation table, output) in layer order, keeping each
    tensor only until its last reader."""
    last = {}
    for i, l in enumerate(layers):
        for t in srcs(l, i):
            last[t] = i
    vals = {0: x}
    for i, l in enumerate(layers):
        ins = [vals[t] for t in srcs(l, i)]
        y = l.forward_pre(*ins)
        yo = y if l.fn is None else l.fn[1](y).astype(np.float32)
        yield i, l, ins, y, yo
        vals[i + 1] = yo
        for t in set(srcs(l, i)):
            if last[t] == i:
                del vals[t]


def mean_window(x, l):
    """The mean over a batch x [N, H, W, C] (layer l's input) and over l's
    output positions of the window each output reads, padding included as 0:
    [kh * kw * C] in the order of l.w's rows (dw: [kh * kw, C])."""
    t, b, lp, r = l.pads
    xp = np.pad(x, ((0, 0), (t, b), (lp, r), (0, 0)))
    _, h, wd, c = xp.shape
    oh, ow = (h - l.kh) // l.stride + 1, (wd - l.kw) // l.stride + 1
    m = np.empty((l.kh, l.kw, c))
    for ky in range(l.kh):
        for kx in range(l.kw):
            m[ky, kx] = xp[:, ky:ky + l.stride * (oh - 1) + 1:l.stride,
                           kx:kx + l.stride * (ow - 1) + 1:l.stride].mean(axis=(0, 1, 2))
    return m.reshape(l.kh * l.kw, c) if l.op == 'dw' else m.reshape(-1)


MSE_SAMPLES = 1 << 18  # values per tensor kept for the 'mse' range search
MSE_STEPS = np.linspace(0.2, 1.0, 81)  # the fractions of the min/max range it tries


def mse_range(lo, hi, v):
    """The range [a lo, a hi] (a in MSE_STEPS) whose int8 quantization (act_quant)
    of the values v has the least mean square error, clipping included."""
    v = v.astype(np.float64)
    best, best_a = None, 1.0
    for a in MSE_STEPS:
        s, z = act_quant(a * lo, a * hi)
        e = np.mean(((np.clip(np.round(v / s) + z, -128, 127) - z) * s - v) ** 2)
        if best is None or e < best:
            best, best_a = e, a
    return [best_a * lo, best_a * hi]


EV_IMAGES = 4  # 'ev': the extremes expected of this many times the calibration images


def ev_range(lo, hi, e):
    """[lo, hi] (the min/max range) widened to the extremes a set of EV_IMAGES
    times as many images would reach, e [N, 2] being each calibration image's
    (min, max): each side's per-image extremes are fitted by a Gumbel
    distribution (moments: scale b = std sqrt(6) / pi, location u = mean -
    0.5772 b), whose largest of n draws is about u + b ln n. A side that is 0
    (a ReLU's minimum) stays 0."""
    def side(m, cur):
        b = float(m.std()) * np.sqrt(6.0) / np.pi
        return max(cur, float(m.mean()) - 0.5772 * b + b * np.log(EV_IMAGES * len(m)))
    return [-side(-e[:, 0], -lo) if lo < 0 else lo, side(e[:, 1], hi) if hi > 0 else hi]


RANGE_METHODS = ('minmax', 'mixed', 'mse', 'ev')  # the candidates of 'auto', in this order
AUTO_TRIAL = 16  # calibration images of 'auto's trial quantizations


def calibrate(layers, images, method, pre=None, batch=256):
    """Per layer (lo, hi) of its float output over images [N, H, W, C]; into
    pre (a list, if given) the same of the value before an activation table.
    method: 'minmax', 'mse' (the min/max range shrunk to the least square
    error of its values' int8 rounding, on up to MSE_SAMPLES values of each
    tensor drawn evenly from every batch), 'mixed' ('mse' for the outputs of
    layers without a clamp or an activation table, 'minmax' for the others
    and for the values before a table), 'ev' (the min/max range widened to
    the extremes expected of EV_IMAGES times as many images: ev_range) or a
    percentile P. ('auto' is one of the first four, chosen by quantize():
    calibrate_candidates.)"""
    if method in RANGE_METHODS:
        ranges, pres = calibrate_candidates(layers, images, batch, (method,))[method]
        if pre is not None:
            pre[:] = pres
        return ranges
    ranges = [None] * len(layers)
    pres = [None] * len(layers)
    n_batches = (len(images) + batch - 1) // batch

    def update(r, i, x):
        lo, hi = float(np.percentile(x, 100 - method)), float(np.percentile(x, method))
        r[i] = [lo, hi] if r[i] is None else [r[i][0] + lo, r[i][1] + hi]
    for i0 in range(0, len(images), batch):
        for i, l, ins, y, yo in walk(layers, images[i0:i0 + batch]):
            update(ranges, i, yo)
            if l.fn is not None:
                update(pres, i, y)
    # percentiles of batches: averaged (documented)
    ranges = [[r[0] / n_batches, r[1] / n_batches] for r in ranges]
    pres = [None if r is None else [r[0] / n_batches, r[1] / n_batches] for r in pres]
    if pre is not None:
        pre[:] = pres
    return ranges


def calibrate_candidates(layers, images, batch=256, methods=RANGE_METHODS):
    """One pass of the float graph over images: {method: (ranges, pres)} for
    each of methods (RANGE_METHODS; see calibrate), per layer its output's
    (lo, hi) and that of the value before its activation table (or None)."""
    mm = [None] * len(layers)
    mmpre = [None] * len(layers)
    ext = {}  # (pre?, layer) -> list of [N, 2] per-image (min, max) (the 'ev' ranges)
    samples = {}  # (pre?, layer) -> list of value samples (the MSE ranges)
    rngs = {}  # one seeded generator per tensor: its samples do not depend on methods
    n_batches = (len(images) + batch - 1) // batch

    def mixed_mse(i, is_pre):  # the tensors 'mixed' gives MSE ranges
        return not is_pre and layers[i].act is None and layers[i].fn is None

    def update(r, i, x, is_pre):
        lo, hi = float(x.min()), float(x.max())
        if 'mse' in methods or ('mixed' in methods and mixed_mse(i, is_pre)):
            flat = x.reshape(-1)
            k = min(flat.size, MSE_SAMPLES // n_batches)
            rng = rngs.setdefault((is_pre, i), np.random.default_rng([int(is_pre), i]))
            samples.setdefault((is_pre, i), []).append(
                flat[rng.integers(0, flat.size, k)] if k < flat.size else flat)
        r[i] = [lo, hi] if r[i] is None else [min(r[i][0], lo), max(r[i][1], hi)]
        if 'ev' in methods:
            flat = x.reshape(len(x), -1)
            ext.setdefault((is_pre, i), []).append(np.stack([flat.min(1), flat.max(1)], 1))
    for i0 in range(0, len(images), batch):
        for i, l, ins, y, yo in walk(layers, images[i0:i0 + batch]):
            update(mm, i, yo, False)
            if l.fn is not None:
                update(mmpre, i, y, True)
    mse = {k: mse_range((mmpre if k[0] else mm)[k[1]][0], (mmpre if k[0] else mm)[k[1]][1],
                        np.concatenate(v)) for k, v in samples.items()}
    ev = {k: ev_range(*(mmpre if k[0] else mm)[k[1]], np.concatenate(v))
          for k, v in ext.items()}
    out = {}
    for m in methods:
        if m == 'minmax':
            out[m] = (mm, mmpre)
        elif m == 'ev':
            out[m] = ([ev[(False, i)] for i in range(len(mm))],
                      [None if r is None else ev[(True, i)] for i, r in enumerate(mmpre)])
        else:
            pick = (lambda i, is_pre: True) if m == 'mse' else mixed_mse
            out[m] = ([mse[(False, i)] if pick(i, False) else r for i, r in enumerate(mm)],
                      [mse[(True, i)] if r is not None and pick(i, True) else r
                       for i, r in enumerate(mmpre)])
    return out


def add_table(q, l, pre_q, post_q):
    """Layer q was quantized with its output at pre_q = (s1, z1), the value
    before l's activation function f. Make its tensor (s2, zp2) = post_q: the
    output stage's zero point becomes zp2 with z1 - zp2 folded into the bias
    (docs/numerics.md, activation table), and
    lut[v + 128] = clamp(zp2 + round(f(s1 (v - z1)) / s2))."""
    (s1, z1), (s2, zp2) = pre_q, post_q
    if q.bias is None:
        raise QuantError("layer '%s': an activation table needs an output stage" % l.name)
    m = q.mult.astype(np.float64) * 2.0 ** -31 * 2.0 ** -q.shift.astype(np.float64)
    m = np.where(m > 0, m, 1.0)
    q.bias = np.array([_clamp32(int(b) + (z1 - zp2) / mm) for b, mm in zip(q.bias, m)],
                      np.int32)
    # the stage's values v = zp2 + (acc + bias') M = z1 + (acc + bias) M are those
    # of the pre-table quantization: the clamps stay as they are
    q.zp_out = zp2
    v = np.arange(-128, 128, dtype=np.float64)
    real = l.fn[1](s1 * (v - z1))
    q.lut = np.clip(zp2 + np.round(real / s2), -128, 127).astype(np.int8)
    q.out_q = post_q


# ---- weight quantizers (rows: [O, K] float) ----

def twn_row(w):
    """TWN of one filter: (t, alpha)."""
    a = np.abs(w)
    delta = 0.7 * a.mean()
    big = a > delta
    if not big.any():
        return np.zeros(w.shape, np.int8), 0.0
    return (np.sign(w) * big).astype(np.int8), float(a[big].mean())


def fgq_group(w):
    """Fine-grained ternary of one group: the delta maximising (sum |w|)^2 / count."""
    a = np.abs(w)
    order = np.argsort(-a, kind='stable')
    s = np.cumsum(a[order])
    k = np.arange(1, len(a) + 1)
    best = int(np.argmax(s * s / k))
    t = np.zeros(w.shape, np.int8)
    if s[best] <= 0:
        return t, 0.0
    keep = order[:best + 1]
    t[keep] = np.sign(w[keep]).astype(np.int8)
    return t, float(s[best] / (best + 1))


def exact_ternary(row, g, tol=1e-4):
    """(t, alphas) if each group of g (0: whole row) is {-a, 0, +a}, else None."""
    n = len(row)
    gs = n if g == 0 else g
    t = np.sign(row).astype(np.int8)
    alphas = []
    for s in range(0, n, gs):
        a = np.abs(row[s:s + gs])
        nz = a[a > 0]
        if nz.size == 0:
            alphas.append(0.0)
            continue
        if nz.max() - nz.min() > tol * nz.max():
            return None
        alphas.append(float(nz.mean()))
    return t, alphas


def int_ternary(row):
    """For integer weights: (t, a) if the row is {-a, 0, +a}, else None."""
    nz = np.abs(row[row != 0])
    if nz.size and nz.min() != nz.max():
        return None
    return np.sign(row).astype(np.int8), float(nz.max()) if nz.size else 0.0


# ---- post-training hybrid: which filters stay int8 ----

def _patches(x, l, rng, n_pos):
    """n_pos random windows of layer l's input batch x [N, H, W, C] ->
    [n_pos, kh * kw * C] in the reduction order of docs/numerics.md."""
    t, b, lp, r = l.pads
    xp = np.pad(x, ((0, 0), (t, b), (lp, r), (0, 0)))
    n, h, wd, c = xp.shape
    oh, ow = (h - l.kh) // l.stride + 1, (wd - l.kw) // l.stride + 1
    i = rng.integers(0, n * oh * ow, n_pos)
    bn, oy, ox = i // (oh * ow), (i // ow) % oh, i % ow
    ys = oy[:, None] * l.stride + np.arange(l.kh)[None, :]
    xs = ox[:, None] * l.stride + np.arange(l.kw)[None, :]
    return xp[bn[:, None, None], ys[:, :, None], xs[:, None, :], :].reshape(n_pos, -1)


def sensitivities(layers, images, idx, n_images=64, n_pos=2048, seed=1):
    """For each layer index in idx: per filter, the mean square change of its
    output when the filter is ternarized by TWN, over n_pos random windows of
    each batch of the first n_images calibration images, divided by the
    layer's mean square output (so that layers compare). The ranking of the
    hybrid plans (docs/quantization.md). Returns {index: float array [O]}."""
    rng = np.random.default_rng(seed)
    err = {i: 0.0 for i in idx}
    pwr = {i: 0.0 for i in idx}
    d, wr = {}, {}
    for i in idx:
        l = layers[i]
        o = l.w.shape[0]
        wr[i] = l.w.reshape(o, -1).astype(np.float64)
        d[i] = wr[i] - np.array([a * t for t, a in (twn_row(row) for row in wr[i])])
    imgs = images[:n_images]
    for i0 in range(0, len(imgs), 16):
        for i, l, ins, _, _ in walk(layers, imgs[i0:i0 + 16]):
            if i in err:
                p = _patches(ins[0], l, rng, n_pos).astype(np.float64)
                if l.op == 'dw':  # channel c's window is the c-th of every position
                    c = l.w.shape[0]
                    p = p.reshape(n_pos, -1, c)
                    y_e = np.einsum('pkc,ck->pc', p, d[i])
                    y_w = np.einsum('pkc,ck->pc', p, wr[i])
                else:
                    y_e, y_w = p.dot(d[i].T), p.dot(wr[i].T)
                err[i] = err[i] + (y_e ** 2).mean(axis=0)
                pwr[i] = pwr[i] + (y_w ** 2).mean()
    return {i: err[i] / max(pwr[i], 1e-30) for i in idx}


def choose_int8(layers, images, idx, plan, f):
    """The filters the hybrid plan keeps int8: {layer index: bool array [O]}.
    hybrid: round(F O) filters of each layer, the most sensitive; hybrid-global:
    filters in order of sensitivity per MAC until the kept ones hold F of the
    MACs of the layers in idx."""
    sens = sensitivities(layers, images, idx)
    keep = {i: np.zeros(len(sens[i]), bool) for i in idx}
    if plan == 'hybrid':
        for i in idx:
            n = int(np.floor(f * len(sens[i]) + 0.5))
            keep[i][np.argsort(-sens[i], kind='stable')[:n]] = True
        return keep
    macs, cand = 0, []
    for i in idx:
        l = layers[i]
        oh, ow, _ = l.out_shape()
        m = oh * ow * (l.kh * l.kw if l.op == 'dw' else l.w[0].size)
        macs += m * len(sens[i])
        cand += [(-s / m, i, j, m) for j, s in enumerate(sens[i])]
    budget, used = f * macs, 0
    for _, i, j, m in sorted(cand):
        if used + m > budget + 1e-9 * macs:
            continue
        keep[i][j] = True
        used += m
    return keep


class QLayer:
    """One integer layer as hta_layer.h holds it (arrays filled by quantize_layer)."""


def _quant_mult(m, name):
    """Real multiplier m -> (mult, shift): m = mult * 2^-31 * 2^-shift, mult in [2^30, 2^31)."""
    if not m > 0:
        return 0, 0
    if m > 1.0 + 1e-9:  # exactly 1 (a GAP over 1x1) is 2^31 - 1, exact below 2^30
        raise QuantError("layer '%s': requantization multiplier %.4g > 1 (the output scale "
                         "is finer than the accumulator's); not representable" % (name, m))
    s = 0
    while m < 0.5 and s < 31:
        m *= 2
        s += 1
    q = int(np.round(m * 2147483648.0))
    return min(q, 2147483647), s


def _clamp32(v):
    return int(np.clip(np.round(v), -2147483648, 2147483647))


def quantize_layer(l, in_q, out_q, plan, n_group, force_int8, out_fixed=False, keep=None,
                   in2_q=None, mean_in=None):
    """Layer l with input (scale, zp) in_q (and in2_q, its second input's) and
    output out_q -> QLayer. keep: for the hybrid plans, a bool per filter: True
    stays int8, False becomes TWN. mean_in: the mean input window on the
    calibration images (mean_window): the bias then absorbs the mean output
    shift the weights' rounding causes; or a pair (that of the float network,
    that of the quantized network on the same images): the bias then absorbs
    the whole mean shift of the accumulator, the rounding of the weights and
    that of every tensor before it (bias correction, docs/quantization.md)."""
    q = QLayer()
    h, w, c = l.in_shape
    q.op = l.op
    q.src, q.in2_shape, q.zp_in2 = l.src, l.in2_shape, 0
    q.in_mult, q.in_shift = (0, 0), (0, 0)
    if l.op == 'conv' and l.kh == l.kw == l.stride == 1 and l.pads == (0, 0, 0, 0):
        q.op = 'pw'
    q.name, q.in_h, q.in_w, q.in_c = l.name, h, w, c
    q.kh, q.kw, q.stride, q.pads = l.kh, l.kw, l.stride, l.pads
    q.zp_in, q.zp_out = in_q[1], out_q[1]
    s_in, s_out = in_q[0], out_q[0]
    q.out_q = out_q

    def clamps(s_out):
        lo, hi = l.act if l.act is not None else (-np.inf, np.inf)
        q.act_min = -128 if not np.isfinite(lo) else int(np.clip(q.zp_out + np.round(lo / s_out),
                                                                 -128, 127))
        q.act_max = 127 if not np.isfinite(hi) else int(np.clip(q.zp_out + np.round(hi / s_out),
                                                                -128, 127))
        if q.act_min > q.act_max:
            raise QuantError("layer '%s': clamp [%g, %g] is empty at the output scale"
                             % (l.name, lo, hi))
    clamps(s_out)
    if l.op in TWO_INPUTS:  # docs/numerics.md "Graphs and graph ops"
        s2, q.zp_in2 = in2_q
        q.out_c, q.group = l.out_shape()[2], 0
        q.kind = q.w = q.t = q.alpha = None
        if l.op == 'mul':  # acc = xc * yc in units of s_in s2
            m, sh = _quant_mult(s_in * s2 / s_out, l.name)
        else:  # each input rescaled to 2^20 / (2 max(s_0, s_1)) units
            big = 2.0 * max(s_in, s2)
            m0, sh0 = _quant_mult(s_in / big, l.name)
            m1, sh1 = _quant_mult(s2 / big, l.name)
            q.in_mult, q.in_shift = (m0, m1), (sh0, sh1)
            m, sh = _quant_mult(big / (2.0 ** 20 * s_out), l.name)
        q.bias = np.zeros(q.out_c, np.int32)
        q.mult = np.full(q.out_c, m, np.int32)
        q.shift = np.full(q.out_c, sh, np.uint8)
        return q
    if l.op == 'layernorm':  # docs/numerics.md "LAYERNORM"
        q.out_c, q.group = c, 0
        q.kind = q.w = q.t = q.alpha = None
        # epsilon in integer units: V = C^2 (var + eps) with var in units of s_in^2
        q.in_mult = (int(min(np.round(c * c * l.eps / (s_in * s_in)), 2147483647)), 0)
        g = l.gamma.astype(np.float64)
        # acc is the normalized value in units of 2^-16; the stage multiplies by
        # gamma / (2^16 s_out) after adding beta / gamma (a gamma of 0 is taken
        # as a tiny one, so that beta still comes through)
        tiny = max(1e-6 * float(np.abs(g).max()), 1e-30)
        g = np.where(np.abs(g) < tiny, np.where(g < 0, -tiny, tiny), g)
        ms = [_quant_mult(abs(gc) / (65536.0 * s_out), l.name) for gc in g]
        q.mult = np.array([m if gc > 0 else -m for (m, _), gc in zip(ms, g)], np.int32)
        q.shift = np.array([sh for _, sh in ms], np.uint8)
        q.bias = np.array([_clamp32(65536.0 * bc / gc) for bc, gc in zip(l.beta, g)], np.int32)
        return q
    if l.op == 'gap':
        q.out_c, q.group = c, 0
        m, sh = _quant_mult(s_in / (h * w * s_out), l.name)
        q.bias = np.zeros(c, np.int32)
        q.mult = np.full(c, m, np.int32)
        q.shift = np.full(c, sh, np.uint8)
        q.kind = q.w = q.t = q.alpha = None
        return q
    if l.op in ('maxpool', 'avgpool', 'gmp', 'resize', 'pad'):
        # the input's quantization carried through: MAXPOOL, GMP move values;
        # AVGPOOL's output stage is the exact identity (2^31 - 1, shift 0)
        if (s_in, q.zp_in) != (s_out, q.zp_out):
            raise QuantError("layer '%s': a %s must keep its input's quantization (scale %g, "
                             "zero point %d), not %g, %d" % (l.name, l.op, s_in, q.zp_in,
                                                             s_out, q.zp_out))
        q.out_c, q.group = c, 0
        q.kind = q.w = q.t = q.alpha = None
        q.bias = q.mult = q.shift = None
        if l.op == 'avgpool':
            q.bias = np.zeros(c, np.int32)
            q.mult = np.full(c, 2147483647, np.int32)
            q.shift = np.zeros(c, np.uint8)
        return q
    o = l.w.shape[0]
    k = int(np.prod(l.w.shape[1:]))
    q.out_c = o
    rows = l.w.reshape(o, k).astype(np.float64)
    wq = np.zeros((o, k), np.int8)
    tq = np.zeros((o, k), np.int8)
    kind = np.zeros(o, np.uint8)
    s_acc = np.zeros(o)
    alphas = [None] * o  # per filter: real group scales
    group = 0
    if l.wint is not None:  # integers fixed by the graph: kept exactly
        wi = l.wint.reshape(o, k)
        for f in range(o):
            tern = int_ternary(wi[f])
            if tern is not None and not force_int8:
                tq[f], a = tern
                alphas[f] = [a * float(l.wscale[f])]
            else:
                if wi[f].min() < -128 or wi[f].max() > 127:
                    raise QuantError("layer '%s': filter %d has integer weights outside int8"
                                     % (l.name, f))
                wq[f] = wi[f]
                s_acc[f] = s_in * float(l.wscale[f])
    else:
        # the filters' integers do not depend on the activations' scales: computed once
        # per layer ('auto' calibration quantizes the network several times)
        key = (plan, n_group, bool(force_int8), None if keep is None else
               np.asarray(keep).tobytes())
        cached = getattr(l, 'wq_cache', None)
        if cached is None or cached[0] != key:
            sws = np.zeros(o)  # per int8 filter: its weight scale
            # exact ternary filters first (per group size), the plan for the rest
            if plan in ('int8', 'auto') and not force_int8:
                best, group = -1, 0
                for g in GROUPS:
                    cnt = sum(exact_ternary(rows[f], g) is not None for f in range(o))
                    if cnt > best:
                        best, group = cnt, g
                if best == 0:
                    group = 0
            elif plan == 'fgq' and not force_int8:
                group = n_group
            for f in range(o):
                if force_int8:
                    tern = None
                elif plan in ('int8', 'auto'):
                    tern = exact_ternary(rows[f], group)
                elif plan == 'twn':
                    t, a = twn_row(rows[f])
                    tern = (t, [a])
                elif plan in ('hybrid', 'hybrid-global'):
                    tern = None
                    if not keep[f]:
                        t, a = twn_row(rows[f])
                        tern = exact_ternary(rows[f], 0) or (t, [a])
                else:
                    t = np.zeros(k, np.int8)
                    al = []
                    for s in range(0, k, group):
                        t[s:s + group], a = fgq_group(rows[f, s:s + group])
                        al.append(a)
                    tern = (t, al)
                if tern is not None:
                    tq[f], alphas[f] = tern[0], tern[1]
                else:
                    m = np.abs(rows[f]).max()
                    sw = m / 127.0 if m > 0 else 1.0
                    wq[f] = np.clip(np.round(rows[f] / sw), -127, 127)
                    sws[f] = sw
            l.wq_cache = (key, group, wq, tq, alphas, sws)
        _, group, wq, tq, alphas, sws = l.wq_cache
        wq, tq, alphas = wq.copy(), tq.copy(), list(alphas)
        s_acc = s_in * sws  # 0 for the ternary filters: their unit follows
    ng = 1 if group == 0 else -(-k // group)
    alpha8 = np.zeros((o, ng), np.uint8)
    for f in range(o):
        if alphas[f] is None:
            continue
        al = np.asarray(alphas[f], np.float64)
        amax = al.max()
        kind[f] = BINARY if np.all(tq[f] != 0) else TERNARY
        if amax <= 0:
            s_acc[f] = 0.0
            continue
        alpha8[f] = np.clip(np.round(al / amax * 255), 0, 255)
        s_acc[f] = s_in * amax / 255.0
    q.group = group
    q.kind, q.w, q.t, q.alpha = kind, wq, tq, alpha8
    # an all-zero filter outputs its bias alone: any accumulator scale does, take s_out / 2
    s_acc = np.where(s_acc > 0, s_acc, s_out / 2)
    if s_acc.max() > s_out and not out_fixed:
        # an accumulator step coarser than the calibrated output step (large int8 weights
        # into a narrow output): no multiplier > 1 exists, and finer output steps would
        # carry nothing, so the output scale widens to the coarsest step (zero point kept)
        f = int(np.argmax(s_acc))
        print("note: layer '%s': output scale %.4g widened to %.4g (filter %d's accumulator "
              "step)" % (l.name, s_out, s_acc[f], f), file=sys.stderr)
        s_out = float(s_acc[f])
        q.out_q = (s_out, q.zp_out)
        clamps(s_out)
    b = l.b.astype(np.float64)
    if mean_in is not None and l.wint is None:
        # the stored filters as reals on the quantized network's mean window, minus the
        # float filters on the float network's
        wr = wq.astype(np.float64) * (s_acc / s_in)[:, None]
        gs = k if group == 0 else group
        for f in range(o):
            if alphas[f] is not None and s_acc[f] > 0:
                al = np.repeat(alpha8[f].astype(np.float64), gs)[:k] * (s_acc[f] / s_in)
                wr[f] = tq[f] * al
        mf, mq = mean_in if isinstance(mean_in, tuple) else (mean_in, mean_in)
        if l.op == 'dw':
            b = b - (np.einsum('ck,kc->c', wr, mq) - np.einsum('ck,kc->c', rows, mf))
        else:
            b = b - (wr.dot(mq) - rows.dot(mf))
        q.w_real, q.b_real = wr, b  # for the quantized walk of quantize()
    q.bias = np.array([_clamp32(b[f] / s_acc[f]) for f in range(o)], np.int32)
    ms = [_quant_mult(s_acc[f] / s_out, l.name) for f in range(o)]
    q.mult = np.array([m for m, _ in ms], np.int32)
    q.shift = np.array([s for _, s in ms], np.uint8)
    return q


def quantize(layers, in_shape, in_q, plan, images, method, keep_int8, calib_batch=256,
             chosen=None):
    """Float chain -> (QLayers, (in_scale, in_zp), (out_scale, out_zp)).
    method 'auto': each of RANGE_METHODS' ranges, calibrated on every image
    but the held-out ones below, quantizes the network with bias correction on
    the first k = min(AUTO_TRIAL, n / 2) calibration images and is judged on
    the next AUTO_TRIAL (held out: on its own images the correction flatters
    it, and ranges clip the images they have not seen) by the relative RMS
    error of its output against the float network's; the best method's ranges
    on all the images quantize it on all of them. chosen (a
    dict, if given) gets {'method', 'errors': {method: error}, 'n_fit',
    'n_held'}."""
    name, n_group = parse_plan(plan)
    if in_q is None:
        in_q = (1.0 / 255.0, -128)  # convention: the float input is pixel / 255
    cands = {None: (None, None)}
    if any(l.out_q is None and l.op not in NO_WEIGHTS for l in layers):
        if images is None:
            raise QuantError('the graph leaves activations unquantized: calibration images '
                             'are needed (--calib)')
        if method == 'auto':
            # the trials' ranges leave out the images that judge them: an image the ranges
            # have not seen may exceed them, as the network's inputs will
            n = min(len(images), calib_batch)
            k = min(AUTO_TRIAL, max(n // 2, 1))
            fit, held = images[:k], images[k:k + AUTO_TRIAL]
            seen = np.concatenate([fit, images[k + len(held):]]) if len(held) else images
            if len(held) == 0:
                held = fit
            cands = calibrate_candidates(layers, seen, calib_batch)
        else:
            pre = []
            cands = {method: (calibrate(layers, images, method, pre, calib_batch), pre)}
    # the layers with filters (ADD, CONCAT and MUL have an output stage but no weights:
    # --keep-int8 first/last and the hybrid plans' ranking concern filters only)
    wl = [i for i, l in enumerate(layers) if l.op not in NO_WEIGHTS and l.w is not None]
    force = set()
    for k in keep_int8:
        if k == 'first':
            force.add(wl[0])
        elif k == 'last':
            force.add(wl[-1])
        elif k == 'dw':
            force.update(i for i, l in enumerate(layers) if l.op == 'dw')
        else:
            force.add(int(k))
    keep = {}
    if name in ('hybrid', 'hybrid-global'):
        if images is None:
            raise QuantError("plan '%s' ranks filters on calibration images: none were given "
                             "(--calib)" % plan)
        idx = [i for i in wl if i not in force and layers[i].wint is None]
        keep = choose_int8(layers, images, idx, name, n_group)
    best = next(iter(cands))
    if len(cands) > 1:
        # the network's own output decides: rounding noise (what MSE ranges reduce) and
        # clipped tails (what min/max ranges avoid) cost differently in each network. Each
        # candidate quantizes the network with bias correction on some calibration images
        # and is judged on others: on its own images the correction flatters it
        errs = {}
        for m, (ranges, pre) in cands.items():
            with contextlib.redirect_stderr(io.StringIO()):  # its notes: once, below
                ql = _quantize_chain(layers, in_q, name, n_group, ranges, pre, force, keep,
                                     fit)[0]
            errs[m] = quantized_error(layers, ql, in_q, held)
        best = min(cands, key=lambda m: errs[m])  # a tie: the first of RANGE_METHODS
        if chosen is not None:
            chosen.update(method=best, errors=errs, n_fit=len(fit), n_held=len(held))
        cands = calibrate_candidates(layers, images, calib_batch, (best,))
    ranges, pre = cands[best]
    out, out_q = _quantize_chain(layers, in_q, name, n_group, ranges, pre, force, keep,
                                    None if ranges is None else images[:calib_batch])
    return out, in_q, out_q


def _quantize_chain(layers, in_q, name, n_group, ranges, pre, force, keep, images):
    """quantize()'s layers with the calibrated ranges (and pre, the values
    before tables'; both None for a graph that quantizes itself), the quantized
    walk on images (None: no walk, no bias correction) -> (QLayers,
    (out_scale, out_zp))."""
    out, means = [], {}
    qs = {0: in_q}  # tensor id -> (scale, zp)
    walk_q = images is not None  # the quantized walk: bias correction on the network itself
    if walk_q:
        fv, qv, last_read = quantized_walk_start(layers, images, in_q)
    for i, l in enumerate(layers):
        src = srcs(l, i)
        if walk_q and l.w is not None and l.wint is None:
            means[i] = (mean_window(fv[src[0]], l), mean_window(qv[src[0]], l))
        q_prev = qs[src[0]]
        q2 = qs[src[1]] if len(src) > 1 else None
        last = getattr(l, 'q_of', None)  # a link of an N-input Concat: the last link's
        if last is not None:  # quantization (before its table, if one follows the Concat)
            j = layers.index(last)
            if last.fn is not None and ranges is not None and pre[j] is not None:
                oq = act_quant(*pre[j])
            else:
                oq = last.out_q if last.out_q is not None else act_quant(*ranges[j])
        elif l.out_q is not None:
            oq = l.out_q
        elif l.op == 'gap' and ranges is not None:
            oq = act_quant(*ranges[i])
            h, w, _ = l.in_shape
            if oq[0] < q_prev[0] / (h * w):
                oq = (q_prev[0] / (h * w), oq[1])
        elif l.op in NO_WEIGHTS or getattr(l, 'keep_q', False):
            oq = q_prev
        else:
            oq = act_quant(*ranges[i])
        if l.fn is not None:  # quantize to the pre-table value, then add the table
            if ranges is not None and pre[i] is not None:
                pq = act_quant(*pre[i])
            elif l.identity and l.act is None:
                # uncalibrated (a QDQ graph's DequantizeLinear, HardSwish, QuantizeLinear):
                # the value before the table is the input itself, exactly on its grid
                pq = q_prev
            else:
                raise QuantError("layer '%s': the activation %s needs calibration data"
                                 % (l.name, l.fn[0]))
            ql = quantize_layer(l, q_prev, pq, name, n_group, i in force, keep=keep.get(i),
                                in2_q=q2, mean_in=means.get(i))
            ql.pre_q = pq
            add_table(ql, l, pq, oq)
        else:
            ql = quantize_layer(l, q_prev, oq, name, n_group, i in force, l.out_q is not None,
                                keep.get(i), q2, means.get(i))
            ql.lut = None
        out.append(ql)
        qs[i + 1] = ql.out_q
        if walk_q:
            quantized_walk_step(layers, i, ql, fv, qv, last_read)
    return out, qs[len(layers)]


def quantized_error(layers, qlayers, in_q, x):
    """Relative RMS error of the quantized network's output (fake quantization,
    as quantized_walk_step) against the float network's on the inputs x."""
    fv, qv, last_read = quantized_walk_start(layers, x, in_q)
    for i, ql in enumerate(qlayers):
        quantized_walk_step(layers, i, ql, fv, qv, last_read)
    f, q = fv[len(layers)].astype(np.float64), qv[len(layers)].astype(np.float64)
    return float(np.sqrt(np.mean((q - f) ** 2)) / max(np.sqrt(np.mean(f ** 2)), 1e-30))


def quantized_walk_start(layers, x, in_q):
    """The float and the quantized network on the calibration batch x, layer by
    layer as quantize() fixes them: ({tensor id: float value}, {tensor id: its
    quantized network's value, dequantized}, {tensor id: its last reader})."""
    last_read = {}
    for i, l in enumerate(layers):
        for t in srcs(l, i):
            last_read[t] = i
    x = x.astype(np.float32)
    return {0: x}, {0: fake_quant(x, in_q)}, last_read


def quantized_walk_step(layers, i, ql, fv, qv, last_read):
    """Layer i (quantized as ql) on both walks: the float layer on the float
    tensors; on the quantized ones, its stored weights as reals and corrected
    bias (w_real, b_real), the value before a table rounded to its grid, the
    output to its own (fake quantization: the golden model's integers up to
    the requantization's rounding, docs/numerics.md)."""
    l = layers[i]
    src = srcs(l, i)
    lq = l
    if getattr(ql, 'w_real', None) is not None:
        lq = copy.copy(l)
        lq.w = ql.w_real.reshape(l.w.shape).astype(np.float32)
        lq.b = ql.b_real.astype(np.float32)
    yf = l.forward_pre(*[fv[t] for t in src])
    yq = lq.forward_pre(*[qv[t] for t in src])
    if l.fn is not None:
        yf = l.fn[1](yf).astype(np.float32)
        if getattr(ql, 'pre_q', None) is not None:
            yq = fake_quant(yq, ql.pre_q)
        yq = l.fn[1](yq).astype(np.float32)
    fv[i + 1], qv[i + 1] = yf, fake_quant(yq, ql.out_q)
    for t in set(src):
        if last_read[t] == i:
            del fv[t], qv[t]
