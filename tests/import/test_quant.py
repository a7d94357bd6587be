#!/usr/bin/python3
"""test_quant.py - the post-training quantizers of tools/import/hta_quant.py against
their definitions (docs/quantization.md), computed here the slow, obvious way on
seeded random filters. Prints PASS/FAIL lines and "N passed, N failed"."""
import math
import os
import sys

import numpy as np

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)),
                                '..', '..', 'tools', 'import'))
import hta_onnx  # noqa: E402
import hta_quant  # noqa: E402

passed = failed = 0


def check(name, ok, detail=''):
    global passed, failed
    if ok:
        passed += 1
        print('PASS ' + name)
    else:
        failed += 1
        print('FAIL %s: %s' % (name, detail))


rng = np.random.default_rng(3)

# TWN: delta = 0.7 mean|w|, alpha = mean of |w| above delta, t = sign where above
ok, detail = True, ''
for trial in range(200):
    w = rng.standard_normal(rng.integers(1, 300)) * rng.random()
    t, a = hta_quant.twn_row(w)
    d = 0.7 * np.mean(np.abs(w))
    want_t = [int(np.sign(v)) if abs(v) > d else 0 for v in w]
    big = [abs(v) for v in w if abs(v) > d]
    want_a = sum(big) / len(big) if big else 0.0
    if list(t) != want_t or abs(a - want_a) > 1e-9 * max(1, want_a):
        ok, detail = False, 'trial %d: alpha %g want %g' % (trial, a, want_a)
        break
check('twn_definition_200_filters', ok, detail)

# FGQ: the threshold maximising (sum over kept |w|)^2 / kept, by trying every count
ok, detail = True, ''
for trial in range(300):
    w = rng.standard_normal(rng.integers(1, 70))
    t, a = hta_quant.fgq_group(w)
    mags = sorted(np.abs(w), reverse=True)
    best_k = max(range(1, len(w) + 1), key=lambda k: (sum(mags[:k]) ** 2 / k, -k))
    kept = np.sort(np.abs(w[t != 0]))[::-1]
    if len(kept) != best_k or abs(a - sum(mags[:best_k]) / best_k) > 1e-9 or \
       np.any(np.sign(w[t != 0]) != t[t != 0]):
        ok, detail = False, 'trial %d: kept %d want %d' % (trial, len(kept), best_k)
        break
check('fgq_definition_300_groups', ok, detail)

# exact ternary detection: per group, and not fooled by two magnitudes
row = np.array([0.5, -0.5, 0, 0.5, 0.2, 0, -0.2, 0.2], np.float32)
check('exact_ternary_groups_of_4', hta_quant.exact_ternary(row, 4) is not None)
check('exact_ternary_not_whole_row', hta_quant.exact_ternary(row, 0) is None)
check('exact_ternary_alphas', np.allclose(hta_quant.exact_ternary(row, 4)[1], [0.5, 0.2])
      if hta_quant.exact_ternary(row, 4) else False)

# act_quant: zero exact, range covered
ok = True
for lo, hi in ((0, 6), (-1, 3), (-0.01, 0.02), (0, 1e-3), (-5, -1), (2, 9)):
    s, z = hta_quant.act_quant(lo, hi)
    lo2, hi2 = min(lo, 0), max(hi, 0)
    if not (-128 <= z <= 127 and s * (-128 - z) <= lo2 + s and s * (127 - z) >= hi2 - s):
        ok = False
check('act_quant_covers_range_zero_exact', ok)

# requant multiplier: mult in [2^30, 2^31), value kept to 2^-30 relative; >= 1 refused
ok = True
for m in rng.random(500) * 0.999 + 1e-6:
    q, s = hta_quant._quant_mult(m, 'x')
    if not (2 ** 30 <= q < 2 ** 31) or abs(q * 2.0 ** (-31 - s) - m) > m * 2 ** -29:
        ok = False
check('quant_mult_q31_500_values', ok)
check('quant_mult_one', hta_quant._quant_mult(1.0, 'x') == (2 ** 31 - 1, 0))
try:
    hta_quant._quant_mult(1.5, 'layer_x')
    check('quant_mult_refuses_ge_1', False, 'no error')
except hta_quant.QuantError as e:
    check('quant_mult_refuses_ge_1', "layer 'layer_x'" in str(e), str(e))

# plans
for p, want in (('int8', ('int8', 0)), ('fgq:16', ('fgq', 16)), ('auto', ('auto', 0)),
                ('hybrid:0.25', ('hybrid', 0.25)), ('hybrid-global:1', ('hybrid-global', 1.0))):
    check('plan_' + p, hta_quant.parse_plan(p) == want)
for p in ('fgq:2', 'fgq:x', 'int4', '', 'hybrid:1.5', 'hybrid:-0.1', 'hybrid:x',
          'hybrid-global:'):
    try:
        hta_quant.parse_plan(p)
        check('plan_bad_%s' % (p or 'empty'), False, 'accepted')
    except hta_quant.QuantError:
        check('plan_bad_%s' % (p or 'empty'), True)


# ---- hybrid plans: which filters stay int8 ----
# Layer 0: a 3x3 conv 4 -> 12 whose filter f is a ternary pattern plus noise of
# relative size 4^(f % 6 - 6) * (1 + f // 6 * 0.01): the TWN error grows with the noise, so the
# filters that must stay int8 are known without computing the measure. Layer 1: a
# depthwise 3x3 on 12 channels, the same construction; layer 2: fc 12 -> 5.


def noisy_filters(o, shape):
    rows = []
    for f in range(o):
        t = rng.choice([-1.0, 0.0, 1.0], size=int(np.prod(shape)))
        t[0] = 1.0
        noise = 4.0 ** (f % 6 - 6) * (1 + f // 6 * 0.01)
        rows.append(t + noise * rng.standard_normal(t.size))
    perm = rng.permutation(o)  # the order of sensitivity is not the filter order
    return np.array(rows)[perm].reshape((o,) + shape).astype(np.float32), perm


def make_chain():
    l0 = hta_onnx.Layer('conv', 'c0', (10, 10, 4))
    l0.w, p0 = noisy_filters(12, (3, 3, 4))
    l0.b, l0.kh, l0.kw, l0.pads = np.zeros(12, np.float32), 3, 3, (1, 1, 1, 1)
    l1 = hta_onnx.Layer('dw', 'd1', (10, 10, 12))
    l1.w, p1 = noisy_filters(12, (3, 3, 1))
    l1.b, l1.kh, l1.kw, l1.pads = np.zeros(12, np.float32), 3, 3, (1, 1, 1, 1)
    l2 = hta_onnx.Layer('gap', 'g2', (10, 10, 12))
    l3 = hta_onnx.Layer('fc', 'f3', (1, 1, 12))
    l3.w, p3 = noisy_filters(5, (1, 1, 12))
    l3.b = np.zeros(5, np.float32)
    return [l0, l1, l2, l3], (p0, p1, None, p3)


chain, perms = make_chain()
imgs = rng.standard_normal((32, 10, 10, 4)).astype(np.float32)
# the noise level of stored filter j is that of filter perms[j] before permuting
level = {i: np.array([4.0 ** (f % 6 - 6) * (1 + f // 6 * 0.01) for f in perms[i]])
         for i in (0, 1, 3)}
keep = hta_quant.choose_int8(chain, imgs, [0, 1, 3], 'hybrid', 0.5)
ok, detail = True, ''
for i in (0, 1, 3):
    n = int(np.floor(0.5 * len(level[i]) + 0.5))
    want = set(np.argsort(-level[i], kind='stable')[:n])
    if set(np.flatnonzero(keep[i])) != want:
        ok, detail = False, 'layer %d kept %s, want %s' % (i, sorted(np.flatnonzero(keep[i])),
                                                        sorted(want))
check('hybrid_keeps_the_most_sensitive_half', ok, detail)
again = hta_quant.choose_int8(chain, imgs, [0, 1, 3], 'hybrid', 0.5)
check('hybrid_choice_reproducible', all(np.array_equal(keep[i], again[i]) for i in keep))
for f, name in ((0.0, 'none'), (1.0, 'all')):
    k = hta_quant.choose_int8(chain, imgs, [0, 1, 3], 'hybrid', f)
    check('hybrid_%s_int8' % name, all(k[i].all() == (f == 1.0) and k[i].any() == (f == 1.0)
                                       for i in k))
# an exactly ternary filter has sensitivity 0
ch2, _ = make_chain()
ch2[0].w[3] = np.sign(ch2[0].w[3]) * 0.5
sens = hta_quant.sensitivities(ch2, imgs, [0])
check('sensitivity_zero_for_ternary_filter', sens[0][3] < 1e-20 and sens[0].min() == sens[0][3],
      str(sens[0]))

# global budget: int8 MACs <= F of all, and no skipped filter would still fit
macs = {0: 10 * 10 * 36, 1: 10 * 10 * 9, 3: 12}
total = sum(macs[i] * len(level[i]) for i in macs)
for f in (0.1, 0.3, 0.6):
    k = hta_quant.choose_int8(chain, imgs, [0, 1, 3], 'hybrid-global', f)
    used = sum(macs[i] * int(k[i].sum()) for i in k)
    free = min([macs[i] for i in k if not k[i].all()] or [total])
    check('hybrid_global_budget_%g' % f, used <= f * total and used + free > f * total,
          'used %d of %d, smallest free %d' % (used, total, free))

# end to end: the kinds quantize() gives follow the choice; hybrid:0 is TWN
q, _, _ = hta_quant.quantize(chain, (10, 10, 4), None, 'hybrid:0.5', imgs, 'minmax', [])
check('hybrid_quantize_kinds', all(int((q[i].kind == hta_quant.INT8).sum()) ==
                                   int(keep[i].sum()) for i in (0, 1, 3)),
      str([q[i].kind for i in (0, 1, 3)]))
q0, _, _ = hta_quant.quantize(chain, (10, 10, 4), None, 'hybrid:0', imgs, 'minmax', [])
qt, _, _ = hta_quant.quantize(chain, (10, 10, 4), None, 'twn', imgs, 'minmax', [])
check('hybrid_0_is_twn', all(np.array_equal(q0[i].t, qt[i].t) and np.array_equal(q0[i].kind,
                                                                               qt[i].kind)
                             for i in (0, 1, 3)))
try:
    hta_quant.quantize(chain, (10, 10, 4), None, 'hybrid:0.5', None, 'minmax', [])
    check('hybrid_needs_calibration', False, 'accepted')
except hta_quant.QuantError as e:
    check('hybrid_needs_calibration', '--calib' in str(e), str(e))

# 'mse' calibration: the fraction of the min/max range with the least rounding error,
# searched the obvious way over 0.01 steps
def rounding_mse(v, lo, hi):
    s, z = hta_quant.act_quant(lo, hi)
    return np.mean(((np.clip(np.round(v / s) + z, -128, 127) - z) * s - v) ** 2)


for name, v in (('gauss_outlier', np.append(rng.standard_normal(20000), 40.0)),
                ('relu_gauss', np.maximum(rng.standard_normal(20000), 0)),
                ('uniform', rng.random(20000))):
    lo, hi = min(v.min(), 0.0), v.max()
    got = hta_quant.mse_range(lo, hi, v)
    best = min(rounding_mse(v, a * lo, a * hi) for a in np.arange(0.2, 1.0001, 0.01))
    e = rounding_mse(v, *got)
    check('mse_range_' + name, e <= best * (1 + 1e-9) and lo <= got[0] <= 0 <= got[1] <= hi,
          'range %s error %g, best %g' % (got, e, best))
# the rare values of a Gaussian's tails are clipped (at 8 bits the best range is about
# +-4 sigma, its extremes here are near 4.5); values filling their range keep it
v = rng.standard_normal(200000)
check('mse_range_clips_gauss_tails', hta_quant.mse_range(v.min(), v.max(), v)[1] < 0.95 * v.max())
check('mse_range_keeps_uniform', hta_quant.mse_range(0.0, 1.0, rng.random(20000))[1] > 0.95)
r_mm = hta_quant.calibrate(chain, imgs, 'minmax')
r_mse = hta_quant.calibrate(chain, imgs, 'mse')
check('calibrate_mse_within_minmax', all(m[0] <= e[0] <= 0 <= e[1] <= m[1] for m, e in
                                         zip(r_mm, r_mse)), '%s vs %s' % (r_mse, r_mm))
check('calibrate_mse_reproducible', r_mse == hta_quant.calibrate(chain, imgs, 'mse'))
# 'mixed': 'mse' for the outputs without a clamp or a table, min/max for those with one;
# a ReLU layer (d1 clamped below here) keeps its min/max range exactly
chain[1].act = (0.0, np.inf)
r_mm = hta_quant.calibrate(chain, imgs, 'minmax')
r_mixed = hta_quant.calibrate(chain, imgs, 'mixed')
check('calibrate_mixed_minmax_where_clamped', r_mixed[1] == r_mm[1], '%s vs %s' % (r_mixed, r_mm))
check('calibrate_mixed_within_minmax', all(abs(e[0]) <= abs(m[0]) and abs(e[1]) <= abs(m[1])
                                           for m, e in zip(r_mm, r_mixed)),
      '%s vs %s' % (r_mixed, r_mm))
check('calibrate_mixed_clips_unclamped',
      r_mixed[0][1] < r_mm[0][1] or r_mixed[0][0] > r_mm[0][0], '%s vs %s' % (r_mixed[0], r_mm[0]))
chain[1].act = None

# 'ev': each side of the min/max range widened to the largest value a Gumbel fit of the
# per-image extremes expects of EV_IMAGES times as many images. Per-image maxima drawn
# from a Gumbel distribution: an unseen image exceeds min/max's range about once in N + 1
# images, ev's about once in EV_IMAGES N; a side at 0 stays there.
e = np.stack([-rng.gumbel(2.0, 0.5, 64), rng.gumbel(5.0, 1.0, 64)], 1)
got = hta_quant.ev_range(e[:, 0].min(), e[:, 1].max(), e)
m = e[:, 1]
b = m.std() * math.sqrt(6) / math.pi
want = m.mean() - 0.5772 * b + b * math.log(hta_quant.EV_IMAGES * 64)
check('ev_range_definition', abs(got[1] - max(want, m.max())) < 1e-9 and got[0] < e[:, 0].min(),
      '%s, want hi %g' % (got, want))
new_max = rng.gumbel(5.0, 1.0, 200000)
over_ev, over_mm = np.mean(new_max > got[1]), np.mean(new_max > m.max())
check('ev_range_covers_unseen_images', over_ev < 2.0 / (hta_quant.EV_IMAGES * 64) and
      over_ev < over_mm, 'exceeded by %.4f of new images (min/max: %.4f)' % (over_ev, over_mm))
check('ev_range_keeps_relu_zero', hta_quant.ev_range(0.0, 3.0, np.abs(e))[0] == 0.0)
r_mm = hta_quant.calibrate(chain, imgs, 'minmax')
r_ev = hta_quant.calibrate(chain, imgs, 'ev')
check('calibrate_ev_contains_minmax', all(e[0] <= m[0] <= m[1] <= e[1] for m, e in
                                          zip(r_mm, r_ev)), '%s vs %s' % (r_ev, r_mm))

# 'auto': the trial quantizations' ranges leave out the held-out images that judge them
# (calibration on the rest), the chosen method's final ranges use every image
seen_n = []
calibrate_candidates = hta_quant.calibrate_candidates
hta_quant.calibrate_candidates = lambda l, im, *a: seen_n.append(len(im)) or \
    calibrate_candidates(l, im, *a)
chosen = {}
hta_quant.quantize(chain, (10, 10, 4), None, 'int8', imgs, 'auto', [], chosen=chosen)
hta_quant.calibrate_candidates = calibrate_candidates
check('auto_trials_leave_out_held_images',
      seen_n == [len(imgs) - chosen['n_held'], len(imgs)] and
      sorted(chosen['errors']) == sorted(hta_quant.RANGE_METHODS), '%s %s' % (seen_n, chosen))


# Bias correction on the quantized network (docs/quantization.md): a ReLU layer whose
# outputs barely vary (a large bias, small weights) rounds every value of a channel the
# same way, a mean shift that the next layer's filters carry to its output. Computed
# here from the integers alone (weights, biases and multipliers of the QLayers, fake
# quantization as docs/numerics.md's stages up to their rounding), the next layer's
# mean output on the calibration images must match the float network's to a small
# fraction of that shift.
def bc_chain():
    la = hta_onnx.Layer('conv', 'a', (6, 6, 3))
    la.w = (1e-4 * rng.standard_normal((16, 3, 3, 3))).astype(np.float32)
    la.b = (1.0 + rng.random(16)).astype(np.float32)
    la.kh, la.kw, la.pads, la.act = 3, 3, (1, 1, 1, 1), (0.0, np.inf)
    lb = hta_onnx.Layer('conv', 'b', (6, 6, 16))
    lb.w = rng.standard_normal((8, 1, 1, 16)).astype(np.float32)
    lb.b = np.zeros(8, np.float32)
    return [la, lb]


def fq(v, q):
    return (np.clip(np.round(v / q[0]) + q[1], -128, 127) - q[1]) * q[0]


bl = bc_chain()
bimgs = rng.random((64, 6, 6, 3)).astype(np.float32)
bq, b_in, _ = hta_quant.quantize(bl, (6, 6, 3), None, 'int8', bimgs, 'minmax', [])
ya = bl[0].forward_pre(bimgs)
yb = bl[1].forward_pre(ya)
xq = fq(bimgs, b_in)
for l, q in zip(bl, bq):  # the stored integers as reals: the accumulator's unit s_acc
    s_acc = q.mult * 2.0 ** -31 * 2.0 ** -q.shift.astype(np.float64) * q.out_q[0]
    lr = hta_onnx.Layer(l.op, l.name, l.in_shape)
    lr.kh, lr.kw, lr.pads, lr.act = l.kh, l.kw, l.pads, l.act
    in_s = b_in[0] if l is bl[0] else bq[0].out_q[0]
    lr.w = (q.w.astype(np.float64) * (s_acc / in_s)[:, None]).reshape(l.w.shape)
    lr.b = q.bias * s_acc
    xq = fq(lr.forward_pre(xq), q.out_q) if l is bl[0] else lr.forward_pre(xq)
shift = (bl[1].w.reshape(8, 16) @ (fq(ya, bq[0].out_q) - ya).mean(axis=(0, 1, 2)))
err = (xq - yb).mean(axis=(0, 1, 2))
check('bias_correction_on_the_quantized_network',
      np.abs(shift).max() > 0.1 * bq[0].out_q[0] and np.abs(err).max() < 0.02 * np.abs(shift).max(),
      'shift %s, mean error %s, output step %g' % (shift, err, bq[1].out_q[0]))

# A Concat of N tensors becomes N - 1 chained CONCATs that all carry the last one's
# quantization, so a value joining the chain is rescaled once and passes every later
# link exactly (docs/numerics.md: SRDHM, RDBPOT, the output stage), as one N-input
# CONCAT would give it.
def srdhm(a, b):
    ab = int(a) * int(b)
    nudge = (1 << 30) if ab >= 0 else 1 - (1 << 30)
    v = ab + nudge
    return int(v / (1 << 31)) if v >= 0 else -int(-v // (1 << 31))  # C division


def rdbpot(x, e):
    mask = (1 << e) - 1
    return (x >> e) + ((x & mask) > (mask >> 1) + (x < 0))


def concat_chain():
    import onnx
    from onnx import TensorProto, helper, numpy_helper
    inits, nodes, outs = [], [], []
    for k, (c, s) in enumerate(((3, 0.2), (5, 0.05), (2, 0.7), (4, 2.0))):  # widest last
        inits.append(numpy_helper.from_array((rng.standard_normal((c, 1, 1, 1)) * s)
                                             .astype(np.float32), 'w%d' % k))
        nodes.append(helper.make_node('Conv', ['x', 'w%d' % k], ['b%d' % k]))
        outs.append('b%d' % k)
    nodes.append(helper.make_node('Concat', outs, ['y'], name='cat4', axis=1))
    g = helper.make_graph(nodes, 'cat', [helper.make_tensor_value_info(
        'x', TensorProto.FLOAT, [1, 1, 6, 6])], [helper.make_tensor_value_info(
            'y', TensorProto.FLOAT, [1, 14, 6, 6])], inits)
    import tempfile
    with tempfile.TemporaryDirectory() as d:
        path = os.path.join(d, 'cat.onnx')
        onnx.save(helper.make_model(g, opset_imports=[helper.make_opsetid('', 13)]), path)
        return hta_onnx.load_chain(path)


layers, in_shape, in_q = concat_chain()
links = [i for i, l in enumerate(layers) if l.op == 'concat']
q, _, _ = hta_quant.quantize(layers, in_shape, in_q, 'int8',
                             rng.random((64, 6, 6, 1)).astype(np.float32), 'minmax', [])
check('concat4_is_3_links', len(links) == 3 and q[links[-1]].out_c == 14,
      'links %s' % links)
check('concat4_links_share_the_last_quantization',
      all(q[i].out_q == q[links[-1]].out_q for i in links), [q[i].out_q for i in links])
ok, detail = True, ''
for i in links[1:]:  # input 0 is the previous link: every int8 value comes through
    for x in range(-128, 128):
        l = q[i]
        r = rdbpot(srdhm((x - l.zp_in) * (1 << 20), l.in_mult[0]), l.in_shift[0])
        y = l.zp_out + rdbpot(srdhm(r + int(l.bias[0]), int(l.mult[0])), int(l.shift[0]))
        if y != x:
            ok, detail = False, 'link %d: %d comes out as %d' % (i, x, y)
            break
check('concat4_later_links_pass_values_exactly', ok, detail)


# GELU's table is computed with the importer's vectorized erf: within 2e-7 of
# math.erf over the range an int8 input scale reaches
xs = np.linspace(-12.0, 12.0, 200001)
err = np.abs(hta_onnx.erf(xs) - np.array([math.erf(v) for v in xs])).max()
check('erf_within_2e-7_of_math_erf', err <= 2e-7, 'max error %g' % err)
g = hta_onnx.gelu(xs)
ref = 0.5 * xs * (1.0 + np.array([math.erf(v / math.sqrt(2.0)) for v in xs]))
check('gelu_matches_definition', np.abs(g - ref).max() <= 3e-6, np.abs(g - ref).max())


print('%d passed, %d failed' % (passed, failed))
sys.exit(1 if failed else 0)
