#!/usr/bin/python3
"""fuzz_import.py - fuzz the ONNX importer's Python side (tools/import/hta_import.py), the
entry `hta import` runs; docs/fuzzing.md. Debian has no atheris: this is our own.

    fuzz_import.py [--seconds S] [--seed N] [--work DIR] [--regress DIR] [--hta build/hta]

Each case is a model from a bounded random graph generator (chains of 1..6 supported nodes
on inputs up to 12x12x8, with residual Add, Concat, pools, Resize, Pad, ...), either valid or
broken on purpose (a wrong weight shape, a missing initializer, NaN/Inf weights, a bad
attribute, a cycle, an unsupported op, a huge shape), or the bytes of a valid one mutated.
It runs through hta_import.main() in this process, with calibration images of the model's
input shape. A case passes when it ends, within CASE_SECONDS, in
  - exit 0 and a complete bundle (bundle.txt from "hta-bundle 1" to "end", bundle.bin), or
  - exit 1 and a message starting "...: error: " (details may follow, e.g. a line per node
    that blocks the import) that is not the catch-all "internal error" (a Python exception
    the importer did not expect), with no file left behind;
never a traceback, a hang or a left file. Every 8th case also runs `hta import` itself
(--hta), which must exit 0 with the model written or 1 with a message and no output.
Failing cases are kept in WORK/findings; reproducers of past findings (REGRESS/*.onnx, each
with its arguments in NAME.args) run first as named checks. Ends with "N passed, N failed".
"""
import argparse
import contextlib
import io
import os
import shutil
import signal
import subprocess
import sys
import time

import numpy as np
from onnx import TensorProto, helper, numpy_helper

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), '..', '..'))
sys.path.insert(0, os.path.join(ROOT, 'tools', 'import'))
import hta_import  # noqa: E402

CASE_SECONDS = 30
PLANS = ('int8', 'twn', 'fgq:4', 'hybrid:0.5', 'auto')
BREAKS = ('wrong_shape', 'missing_init', 'nan', 'inf', 'bad_attr', 'cycle', 'unsupported',
          'huge', 'bad_input')


class Hang(BaseException):
    """Raised by the alarm: a BaseException, so the importer's catch-all cannot eat it."""


# ---- the generator ----
class Graph:
    def __init__(self, rng, c, h, w):
        self.rng, self.nodes, self.inits, self.k = rng, [], [], 0
        self.shape = (c, h, w)  # of the current tensor (NCHW without N)
        self.cur, self.tensors = 'x', [('x', (c, h, w))]

    def const(self, a):
        self.k += 1
        name = 'c%d' % self.k
        self.inits.append(numpy_helper.from_array(np.asarray(a), name))
        return name

    def node(self, op, ins, shape, **attrs):
        self.k += 1
        out = 't%d' % self.k
        self.nodes.append(helper.make_node(op, ins, [out], name='%s_%d' % (op, self.k),
                                           **attrs))
        self.cur, self.shape = out, shape
        self.tensors.append((out, shape))
        return out

    def weights(self, *shape):
        return (self.rng.standard_normal(shape) * 0.3).astype(np.float32)

    def conv(self):
        c, h, w = self.shape
        r = self.rng
        k = int(r.integers(1, 4))
        s, p = int(r.integers(1, 3)), int(r.integers(0, k))
        dw = r.random() < 0.3
        oc = c if dw else int(r.integers(1, 9))
        oh, ow = (h + 2 * p - k) // s + 1, (w + 2 * p - k) // s + 1
        if oh < 1 or ow < 1:
            return self.relu()
        ins = [self.cur, self.const(self.weights(oc, 1 if dw else c, k, k))]
        if r.random() < 0.7:
            ins.append(self.const(self.weights(oc)))
        return self.node('Conv', ins, (oc, oh, ow), kernel_shape=[k, k], strides=[s, s],
                         pads=[p, p, p, p], group=c if dw else 1)

    def relu(self):
        return self.node('Relu', [self.cur], self.shape)

    def clip(self):
        return self.node('Clip', [self.cur, self.const(np.float32(0)),
                                  self.const(np.float32(6))], self.shape)

    def bn(self):
        c = self.shape[0]
        return self.node('BatchNormalization', [self.cur] + [
            self.const(v) for v in (1 + self.weights(c), self.weights(c), self.weights(c),
                                    1 + np.abs(self.weights(c)))], self.shape)

    def pool(self):
        c, h, w = self.shape
        if h < 2 or w < 2:
            return self.relu()
        op = 'MaxPool' if self.rng.random() < 0.5 else 'AveragePool'
        return self.node(op, [self.cur], (c, (h - 2) // 2 + 1, (w - 2) // 2 + 1),
                         kernel_shape=[2, 2], strides=[2, 2])

    def add(self):  # residual: an earlier tensor of this shape
        same = [t for t, s in self.tensors if s == self.shape and t != self.cur]
        if not same:
            return self.relu()
        return self.node('Add', [self.cur, same[int(self.rng.integers(len(same)))]], self.shape)

    def concat(self):  # with an earlier tensor of this height and width
        same = [t for t, s in self.tensors if s[1:] == self.shape[1:] and t != self.cur]
        if not same:
            return self.relu()
        t = same[int(self.rng.integers(len(same)))]
        c2 = dict(self.tensors)[t][0]
        return self.node('Concat', [self.cur, t], (self.shape[0] + c2,) + self.shape[1:], axis=1)

    def resize(self):
        c, h, w = self.shape
        return self.node('Resize', [self.cur, '', self.const(np.array([1, 1, 2, 2], np.float32))],
                         (c, 2 * h, 2 * w), mode='nearest')

    def pad(self):
        c, h, w = self.shape
        return self.node('Pad', [self.cur, self.const(np.array([0, 0, 1, 1, 0, 0, 1, 1]))],
                         (c, h + 2, w + 2))

    def act(self):
        op = ['Sigmoid', 'LeakyRelu', 'HardSigmoid'][int(self.rng.integers(3))]
        return self.node(op, [self.cur], self.shape)

    def head(self):
        c, h, w = self.shape
        if self.rng.random() < 0.5:
            self.node('GlobalAveragePool', [self.cur], (c, 1, 1))
            c, h, w = self.shape
        self.node('Flatten', [self.cur], (c * h * w,))
        return self.node('Gemm', [self.cur, self.const(self.weights(10, c * h * w)),
                                  self.const(self.weights(10))], (10,), transB=1)


def gen_model(rng):
    """A random chain, maybe broken on purpose: (ModelProto, NHWC input shape, what)."""
    c, h, w = int(rng.integers(1, 9)), int(rng.integers(1, 13)), int(rng.integers(1, 13))
    g = Graph(rng, c, h, w)
    steps = [g.conv, g.conv, g.relu, g.clip, g.bn, g.pool, g.add, g.concat, g.resize, g.pad,
             g.act]
    for _ in range(int(rng.integers(1, 7))):
        if max(g.shape) > 64:
            break
        steps[int(rng.integers(len(steps)))]()
    if rng.random() < 0.7:
        g.head()
    what = 'valid'
    if rng.random() < 0.5:
        what = BREAKS[int(rng.integers(len(BREAKS)))]
        brk(g, rng, what)
    out_shape = [1] + list(g.shape)
    graph = helper.make_graph(
        g.nodes, 'fuzz', [helper.make_tensor_value_info('x', TensorProto.FLOAT, [1, c, h, w])],
        [helper.make_tensor_value_info(g.cur, TensorProto.FLOAT, out_shape)], g.inits)
    if what == 'bad_input':
        graph.input[0].type.tensor_type.shape.dim[int(rng.integers(4))].dim_param = 'N'
    m = helper.make_model(graph, opset_imports=[helper.make_opsetid('', 13)])
    return m, (h, w, c), what


def brk(g, rng, what):
    """Break graph g in the way named."""
    i = int(rng.integers(len(g.nodes))) if g.nodes else 0
    if not g.nodes:
        return
    n = g.nodes[i]
    if what == 'wrong_shape' and g.inits:
        t = g.inits[int(rng.integers(len(g.inits)))]
        a = numpy_helper.to_array(t)
        g.inits[g.inits.index(t)] = numpy_helper.from_array(
            np.resize(a, tuple(d + 1 for d in a.shape) or (2,)).astype(a.dtype), t.name)
    elif what == 'missing_init' and g.inits:
        del g.inits[int(rng.integers(len(g.inits)))]
    elif what in ('nan', 'inf'):
        fl = [t for t in g.inits if t.data_type == TensorProto.FLOAT]
        if fl:
            t = fl[int(rng.integers(len(fl)))]
            a = numpy_helper.to_array(t).copy()
            a.reshape(-1)[int(rng.integers(max(1, a.size)))] = np.nan if what == 'nan' else -np.inf
            g.inits[g.inits.index(t)] = numpy_helper.from_array(a, t.name)
    elif what == 'bad_attr':
        name, val = [('strides', [0, 0]), ('pads', [-1, 0, 0, 0]), ('kernel_shape', [9, 1]),
                     ('group', 3), ('dilations', [2, 2]), ('auto_pad', 'SAME_WHATEVER'),
                     ('axis', 7), ('mode', 'cubic'), ('pads', [300, 300, 300, 300]),
                     ('strides', [70000, 1]), ('transB', 5), ('alpha', float('nan'))][
                         int(rng.integers(12))]
        for a in list(n.attribute):
            if a.name == name:
                n.attribute.remove(a)
        n.attribute.append(helper.make_attribute(name, val))
    elif what == 'cycle' and len(g.nodes) > 1:
        j = int(rng.integers(i, len(g.nodes)))
        n.input[0] = g.nodes[j].output[0]
    elif what == 'unsupported':
        op = ['LSTM', 'Einsum', 'NonMaxSuppression', 'Loop', 'Softmax', 'Tanh', 'Gelu'][
            int(rng.integers(7))]
        g.nodes.insert(i, helper.make_node(op, [n.input[0]], ['u_out'], name='bad_' + op))
        n.input[0] = 'u_out'
    elif what == 'huge':
        g.nodes.insert(i, helper.make_node(
            'Resize', [n.input[0], '', g.const(np.array([1, 1, 4099, 4099], np.float32))],
            ['huge_out'], name='huge_resize', mode='nearest'))
        n.input[0] = 'huge_out'


def mutate(data, rng):
    """A few byte flips, insertions, deletions or a truncation of a serialized model."""
    b = bytearray(data)
    for _ in range(int(rng.integers(1, 5))):
        if not b:
            break
        pos, kind = int(rng.integers(len(b))), int(rng.integers(4))
        if kind == 0:
            b[pos] ^= 1 << int(rng.integers(8))
        elif kind == 1:
            b[pos] = int(rng.integers(256))
        elif kind == 2:
            b[pos:pos] = bytes(rng.integers(0, 256, int(rng.integers(1, 9)), dtype=np.uint8))
        else:
            end = pos + int(rng.integers(1, 9)) if rng.random() < 0.8 else len(b)
            del b[pos:end]
    return bytes(b)


# ---- one case ----
def run_case(d, onnx_bytes, in_shape, plan, rng, hta):
    """Run the importer on one model in folder d; '' if it passed, else what went wrong."""
    model, calib, bundle = (os.path.join(d, n) for n in ('m.onnx', 'calib.npy', 'bundle'))
    with open(model, 'wb') as f:
        f.write(onnx_bytes)
    np.save(calib, rng.random((2,) + tuple(in_shape)).astype(np.float32))
    argv = ['hta_import.py', model, '--bundle', bundle, '--plan', plan, '--calib', calib,
            '--calib-n', '2']
    err = io.StringIO()
    old = sys.argv
    signal.setitimer(signal.ITIMER_REAL, CASE_SECONDS)
    try:
        sys.argv = argv
        with contextlib.redirect_stderr(err):
            rc = hta_import.main()
    except Hang:
        return 'hang: more than %d s' % CASE_SECONDS
    except SystemExit as e:  # argparse
        rc = e.code
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        sys.argv = old
    msg = err.getvalue()
    left = sorted(set(os.listdir(d)) - {'m.onnx', 'calib.npy', 'bundle', 'tmp'})
    if 'Traceback' in msg:
        return 'traceback: ' + msg
    if rc == 0:
        txt = open(os.path.join(bundle, 'bundle.txt')).read().split('\n') \
            if os.path.isfile(os.path.join(bundle, 'bundle.txt')) else []
        if len(txt) < 2 or txt[0] != 'hta-bundle 1' or txt[-2] != 'end' or \
           not os.path.isfile(os.path.join(bundle, 'bundle.bin')):
            return 'exit 0 without a complete bundle'
        if sorted(os.listdir(bundle)) != ['bundle.bin', 'bundle.txt']:
            return 'exit 0 left other files: %s' % os.listdir(bundle)
    elif rc == 1:
        if ': error: ' not in msg:  # after any "note:" lines; names may hold newlines
            return 'exit 1 without an error line: %r' % msg
        if 'internal error of the importer' in msg:
            return 'unexpected exception: ' + msg.strip()
        if os.path.exists(bundle):
            return 'exit 1 left %s' % bundle
    else:
        return 'exit %r: %r' % (rc, msg)
    if left or os.listdir(os.path.join(d, 'tmp')):
        return 'left files: %s' % (left + os.listdir(os.path.join(d, 'tmp')))
    if hta:
        return run_cli(d, hta, model, calib, plan, rc)
    return ''


def run_cli(d, hta, model, calib, plan, want):
    """`hta import` itself: the same outcome, its output only on success, no temp left."""
    out = os.path.join(d, 'out.hta')
    env = dict(os.environ, TMPDIR=os.path.join(d, 'tmp'))
    try:
        p = subprocess.run([hta, 'import', model, '-o', out, '--plan', plan, '--calib', calib,
                            '--calib-n', '2'], env=env, capture_output=True, text=True,
                           timeout=CASE_SECONDS * 2)
    except subprocess.TimeoutExpired:
        return 'hta import: hang'
    if 'Traceback' in p.stderr or p.returncode not in (0, 1):
        return 'hta import: exit %d: %s' % (p.returncode, p.stderr)
    if p.returncode == 1 and (': error: ' not in p.stderr or os.path.exists(out)):
        return 'hta import: exit 1 without a message, or with output: %r' % p.stderr
    if p.returncode == 0 and want == 0 and not os.path.isfile(out):
        return 'hta import: exit 0 without %s' % out
    if os.listdir(os.path.join(d, 'tmp')):
        return 'hta import: left %s' % os.listdir(os.path.join(d, 'tmp'))
    return ''


def fresh(d):
    shutil.rmtree(d, ignore_errors=True)
    os.makedirs(os.path.join(d, 'tmp'))
    return d


def main():
    p = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    p.add_argument('--seconds', type=float, default=20)
    p.add_argument('--seed', type=int, default=None)
    p.add_argument('--work', default='build/fuzz/import')
    p.add_argument('--regress', default=os.path.join(ROOT, 'tests', 'fuzz', 'regress', 'import'))
    p.add_argument('--hta', default=os.path.join(ROOT, 'build', 'hta'))
    a = p.parse_args()
    seed = a.seed if a.seed is not None else int(time.time())
    hta = a.hta if os.access(a.hta, os.X_OK) else None
    d = os.path.abspath(os.path.join(a.work, 'case'))
    os.environ['TMPDIR'] = os.path.join(d, 'tmp')

    def alarm(signum, frame):
        raise Hang()
    signal.signal(signal.SIGALRM, alarm)
    passed = failed = 0
    for r in sorted(f for f in os.listdir(a.regress) if f.endswith('.onnx')) \
            if os.path.isdir(a.regress) else []:
        args = open(os.path.join(a.regress, r[:-5] + '.args')).read().split()
        why = run_case(fresh(d), open(os.path.join(a.regress, r), 'rb').read(),
                       tuple(int(v) for v in args[1:4]), args[0], np.random.default_rng(0), hta)
        print('%s regress/import/%s%s' % ('FAIL' if why else 'PASS', r, ': ' + why if why else ''))
        passed, failed = passed + (not why), failed + bool(why)

    rng = np.random.default_rng(seed)
    counts, found, n, imported, t0 = {}, [], 0, 0, time.time()
    while time.time() - t0 < a.seconds:
        m, in_shape, what = gen_model(rng)
        data = m.SerializeToString()
        if rng.random() < 0.3:
            data, what = mutate(data, rng), 'bytes'
        plan = PLANS[int(rng.integers(len(PLANS)))]
        why = run_case(fresh(d), data, in_shape, plan, rng, hta if n % 8 == 7 else None)
        counts[what] = counts.get(what, 0) + 1
        imported += os.path.isdir(os.path.join(d, 'bundle'))
        n += 1
        if why:
            keep = os.path.join(a.work, 'findings', 'case%d' % n)
            os.makedirs(keep, exist_ok=True)
            with open(os.path.join(keep, 'm.onnx'), 'wb') as f:
                f.write(data)
            with open(os.path.join(keep, 'm.args'), 'w') as f:
                f.write('%s %d %d %d\n%s\n' % ((plan,) + tuple(in_shape) + (why,)))
            found.append('%s (%s, plan %s): %s' % (keep, what, plan, why.strip()[:300]))
    shutil.rmtree(d, ignore_errors=True)
    kinds = ', '.join('%s %d' % kv for kv in sorted(counts.items()))
    for f in found:
        print('  finding: ' + f)
    ok = not found
    print('%s fuzz_import: %d cases in %.0f s, %d imported, seed %d (%s)%s'
          % ('PASS' if ok else 'FAIL', n, time.time() - t0, imported, seed, kinds,
             '' if hta else '; hta import itself not run: no build/hta'))
    passed, failed = passed + ok, failed + (not ok)
    print('%d passed, %d failed' % (passed, failed))
    return 1 if failed else 0


if __name__ == '__main__':
    sys.exit(main())
