#!/usr/bin/python3
"""test_quant.py - the post-training quantizers of tools/import/hta_quant.py against
their definitions (docs/quantization.md), computed here the slow, obvious way on
seeded random filters. Prints PASS/FAIL lines and "N passed, N failed"."""
import os
import sys

import numpy as np

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)),
                                '..', '..', 'tools', 'import'))
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
for p, want in (('int8', ('int8', 0)), ('fgq:16', ('fgq', 16)), ('auto', ('auto', 0))):
    check('plan_' + p, hta_quant.parse_plan(p) == want)
for p in ('fgq:2', 'fgq:x', 'int4', ''):
    try:
        hta_quant.parse_plan(p)
        check('plan_bad_%s' % (p or 'empty'), False, 'accepted')
    except hta_quant.QuantError:
        check('plan_bad_%s' % (p or 'empty'), True)

print('%d passed, %d failed' % (passed, failed))
sys.exit(1 if failed else 0)
