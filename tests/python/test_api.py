#!/usr/bin/python3
"""test_api.py - the `hta` Python package's device API (python/hta, over
build/libhta.so) against the CLI: outputs equal to `hta run` on cpu, the sim
device bit-exact with cpu on every layer, cycles and counters equal to
`hta bench`, float in/out through the model's own quantization, errors as
hta.Error with the library's code, closed devices refusing use, and the
cffi declarations not stale against the C headers.

Run from the repository root after make (build/hta, build/libhta.so, the
small configuration's simulator). Seeded. Prints PASS/FAIL lines and
"N passed, N failed"."""
import json
import os
import subprocess
import sys
import tempfile

import numpy as np

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
sys.path.insert(0, os.path.join(ROOT, 'python'))
HTA = os.path.join(ROOT, 'build', 'hta')
passed = failed = 0


def check(name, ok, detail=''):
    global passed, failed
    if ok:
        passed += 1
        print('PASS ' + name)
    else:
        failed += 1
        print('FAIL %s: %s' % (name, detail))


def raises(name, exc, fn, want=''):
    try:
        fn()
        check(name, False, 'no exception')
    except exc as e:
        check(name, want in str(e) or want == getattr(e, 'name', None), str(e))


# Net.submit() runs on the device's worker thread while the device is opened
# and closed on the caller's (and, second half, opened on a thread that has
# ended): a sim device must work from any thread and close promptly. In a
# child process with a bound, so a hang fails the check instead of the test.
SUBMIT_CLOSE = '''
import sys, threading
import numpy as np
sys.path.insert(0, sys.argv[1])
import hta
fm = sys.argv[2]
x = np.random.default_rng(3).standard_normal((3, 28, 28, 1)).astype(np.float32)
with hta.open('cpu') as cpu:
    want = cpu.load(fm).run(x)
for r in range(3):
    dev = hta.open('sim')
    got = dev.load(fm).submit(x).result(timeout=120)
    dev.close()
    assert np.array_equal(got, want), 'round %d: sim differs from cpu' % r
opened = []
t = threading.Thread(target=lambda: opened.append(hta.open('sim')))
t.start()
t.join()
got = opened[0].load(fm).submit(x).result(timeout=120)
opened[0].close()
assert np.array_equal(got, want), 'opened on a thread: sim differs from cpu'
print('closed')
'''


def check_submit_then_close(fm):
    try:
        p = subprocess.run(['/usr/bin/python3', '-c', SUBMIT_CLOSE, os.path.join(ROOT, 'python'),
                            fm], capture_output=True, text=True, timeout=180)
        ok, detail = p.returncode == 0 and p.stdout.strip() == 'closed', p.stderr[-600:]
    except subprocess.TimeoutExpired:
        ok, detail = False, 'no return within 180 s (hung in close?)'
    check('submit_then_close_sim_from_any_thread', ok, detail)


def main():
    import hta
    d = tempfile.mkdtemp(prefix='hta-py-')
    gen = subprocess.run(['/usr/bin/python3', 'python/gen_cdef.py', 'host/include/hta.h',
                          'host/include/hta_model.h', 'host/include/hta_prog.h'],
                         capture_output=True, text=True, cwd=ROOT)
    with open(os.path.join(ROOT, 'python', 'hta', '_cdef.py')) as f:
        check('cdef_matches_headers', gen.stdout == f.read(),
              'python/hta/_cdef.py is stale: make python/hta/_cdef.py')
    check('version', hta.version() == hta.__version__, hta.version())
    check('schemes', hta.schemes()[:2] == ['cpu', 'sim'], str(hta.schemes()))

    model = os.path.join(d, 'm.hta')
    subprocess.run([HTA, 'zoo', 'mobilenet-v1', '--width', '0.25', '--resolution', '128',
                    '--plan', 'hybrid:0.5', '--seed', '4', '-o', model], check=True,
                   capture_output=True)
    rng = np.random.default_rng(5)
    x = rng.integers(-128, 128, (2, 128, 128, 3)).astype(np.int8)
    np.save(os.path.join(d, 'x.npy'), x)
    subprocess.run([HTA, 'run', '--device', 'cpu', '--model', model, '--input',
                    os.path.join(d, 'x.npy'), '--output', os.path.join(d, 'y.npy')], check=True,
                   capture_output=True)
    y_cli = np.load(os.path.join(d, 'y.npy'))

    with hta.open('cpu') as cpu, hta.open('sim') as sim:
        nc, ns = cpu.load(model), sim.load(model)
        check('net_shapes', nc.in_shape == (128, 128, 3) and nc.out_shape == (1, 1, 1000) and
              nc.plan == 'hybrid:0.5', '%s %s %s' % (nc.in_shape, nc.out_shape, nc.plan))
        y = nc.run_raw(x)
        check('cpu_equals_hta_run', y.shape == y_cli.shape and np.array_equal(y, y_cli),
              '%s vs %s' % (y.shape, y_cli.shape))
        check('single_input_shape', nc.run_raw(x[0]).shape == (1, 1, 1000))
        check('cpu_stats_no_cycles', cpu.stats()['has_cycles'] is False and
              cpu.stats()['batch'] == 1)
        ys = ns.run_raw(x)
        check('sim_bit_exact_with_cpu', np.array_equal(ys, y))
        nc.run_raw(x)  # layer outputs are the last run's: batch 2 on both
        ok = all(np.array_equal(ns.layer_output(i, 1), nc.layer_output(i, 1))
                 for i in range(nc.n_layers))
        check('every_layer_equal_sim_cpu', ok)
        check('layer_output_shape', nc.layer_output(0).shape == (64, 64, 8),
              str(nc.layer_output(0).shape))
        st = sim.stats()
        check('sim_stats', st['has_cycles'] and st['batch'] == 2 and st['cycles'] > 0 and
              len(st['layer_cycles']) == nc.n_layers and
              abs(sum(st['layer_cycles']) - st['total_cycles']) < 0.01 * st['total_cycles'], str({k: st[k] for k in
                                                                  ('batch', 'cycles')}))
        ns.run_raw(x[:1])
        b = subprocess.run([HTA, 'bench', '--model', model, '--json'], capture_output=True,
                           text=True)
        bj = json.loads(b.stdout) if b.returncode == 0 else {}
        st = sim.stats()
        check('cycles_equal_hta_bench', bj.get('total_cycles') == st['total_cycles'] and
              bj.get('mac_ops') == st['mac_ops'] and bj.get('bytes_rd') == st['bytes_rd'],
              'bench %s, python %s' % (bj.get('total_cycles'), st['total_cycles']))
        # submit: the caller gets a Future at once; results in order, equal to run_raw
        futs = [ns.submit(x[i:i + 1], raw=True) for i in range(2)]
        pending = not futs[-1].done()
        got = [f.result(timeout=600) for f in futs]
        check('submit_async_in_order', pending and all(
            np.array_equal(g, y[i:i + 1]) for i, g in enumerate(got)),
            'pending at submit: %s' % pending)
        xf = rng.random((128, 128, 3))
        f = nc.run(xf)
        check('float_run_through_quantization', np.array_equal(
            f, nc.dequantize(nc.run_raw(nc.quantize(xf)))) and f.dtype == np.float64)
        raises('shape_error', ValueError, lambda: nc.run_raw(np.zeros((3, 3, 3), np.int8)),
               'the model takes (128, 128, 3)')
        raises('timeout_is_hta_error', hta.Error, lambda: ns.run_raw(x[0], timeout_ms=1),
               'HTA_ERROR_TIMEOUT')
        check('usable_after_timeout', np.array_equal(ns.run_raw(x[:1]), y[:1]))
        raises('no_such_layer', hta.Error, lambda: nc.layer_output(999), 'HTA_ERROR_NOT_FOUND')
        raises('missing_model_file', FileNotFoundError, lambda: cpu.load(d + '/nope.hta'))
        bad = os.path.join(d, 'bad.hta')
        with open(bad, 'wb') as fh:
            fh.write(b'HTAM' + bytes(60))
        raises('corrupt_model', hta.Error, lambda: cpu.load(bad), 'HTA_ERROR_FORMAT')
    raises('closed_device', ValueError, lambda: cpu.kind, 'closed')

    # datasets: an image folder and an .npz read as hta eval reads them, same top-1/top-5
    from PIL import Image
    sys.path.insert(0, os.path.join(ROOT, 'tools', 'train'))
    import data
    xt, yt = data.load('test')
    u8 = (xt[:300, 0] * 255).round().astype(np.uint8)
    folder = os.path.join(d, 'images')
    for i in range(300):
        os.makedirs(os.path.join(folder, 'c%d' % yt[i]), exist_ok=True)
        Image.fromarray(u8[i]).save(os.path.join(folder, 'c%d' % yt[i], '%03d.png' % i))
    np.savez(os.path.join(d, 'd.npz'), x=u8[..., None], y=yt[:300])
    fm = os.path.join(ROOT, 'models', 'fmnist_float_int8.hta')
    with hta.open('cpu') as dev:
        net = dev.load(fm)
        for name, src in (('folder', folder), ('npz', os.path.join(d, 'd.npz'))):
            x, y, classes = hta.dataset(src, net.in_shape)
            r = hta.evaluate(net, x, y)
            e = subprocess.run([HTA, 'eval', '--device', 'cpu', '--model', fm, '--dataset', src,
                                '--json'], capture_output=True, text=True)
            j = json.loads(e.stdout) if e.returncode == 0 else {}
            check('dataset_%s_evaluate_equals_hta_eval' % name, r['n'] == j.get('n') == 300 and
                  abs(r['top1'] - j.get('top1', -1)) < 1e-6 and
                  abs(r['top5'] - j.get('top5', -1)) < 1e-6 and len(classes) == 10,
                  'python %s, hta eval %s' % (r, {k: j.get(k) for k in ('n', 'top1', 'top5')}))
        # jobs=2: a second device from the same URI, each with half the items
        x, y, _ = hta.dataset(os.path.join(d, 'd.npz'), net.in_shape)
        r1, r2 = hta.evaluate(net, x, y), hta.evaluate(net, x, y, batch=64, jobs=2)
        check('evaluate_jobs2_equals_jobs1_cpu', r1 == r2 and r1['n'] == 300,
              'jobs=1 %s, jobs=2 %s' % (r1, r2))
        # a shifted label list must change the result: the check above can fail
        r3 = hta.evaluate(net, x, np.roll(y, 1), jobs=2)
        check('evaluate_jobs2_sees_item_order', r3['top1'] < r1['top1'] - 0.2, str(r3))
        raises('evaluate_jobs0_refused', ValueError, lambda: hta.evaluate(net, x, y, jobs=0),
               'positive')
    with hta.open('sim') as dev:
        net = dev.load(fm)
        x, y, _ = hta.dataset(os.path.join(d, 'd.npz'), net.in_shape, limit=10)
        r2 = hta.evaluate(net, x, y, batch=3, jobs=2)
        e = subprocess.run([HTA, 'eval', '--device', 'cpu', '--model', fm, '--dataset',
                            os.path.join(d, 'd.npz'), '--limit', '10', '--json'],
                           capture_output=True, text=True)
        j = json.loads(e.stdout) if e.returncode == 0 else {}
        check('evaluate_jobs2_sim_equals_hta_eval_cpu', r2['n'] == j.get('n') == 10 and
              abs(r2['top1'] - j.get('top1', -1)) < 1e-6 and
              abs(r2['top5'] - j.get('top5', -1)) < 1e-6, 'python %s, hta eval %s' % (r2, j))
    check_submit_then_close(fm)
    with hta.open('sim:fault=rd') as dev:
        net = dev.load(fm)
        raises('evaluate_jobs2_device_error_raised', hta.Error,
               lambda: hta.evaluate(net, x, y, jobs=2), 'HTA_ERROR_DEVICE')
    with hta.open('sim:trace=' + os.path.join(d, 't.fst')) as dev:
        net = dev.load(fm)
        raises('evaluate_jobs2_shared_trace_refused', ValueError,
               lambda: hta.evaluate(net, x, y, jobs=2), 'trace=')
    raises('unknown_device', hta.Error, lambda: hta.open('nope'), 'HTA_ERROR_NO_DEVICE')
    e = None
    try:
        hta.open('sim:cfg=nosuch')
    except hta.Error as err:
        e = err
    check('error_carries_code_and_message', e is not None and e.code < 0 and
          'nosuch' in e.message, str(e))
    print('%d passed, %d failed' % (passed, failed))
    return 1 if failed else 0


if __name__ == '__main__':
    os.chdir(ROOT)
    try:
        sys.exit(main())
    except Exception as e:  # an unexpected exception is a failure with its reason
        import traceback
        traceback.print_exc()
        print('FAIL unexpected_exception: %s: %s' % (type(e).__name__, e))
        print('%d passed, %d failed' % (passed, failed + 1))
        sys.exit(1)
