#!/usr/bin/python3
"""hta_import.py - ONNX model -> integer layer bundle that `hta import` turns into .hta.

    hta_import.py MODEL.onnx --bundle DIR [--plan int8|twn|fgq:N|hybrid:F|hybrid-global:F|auto]
                  [--calib fashion-mnist|FILE.npy] [--calib-n N]
                  [--calib-method auto|minmax|mixed|mse|ev|pct:P] [--keep-int8 first,last,I...]
                  [--report-n N]
    hta_import.py MODEL.onnx --report-from DIR [--report-format text|json]

The .hta file itself is written by ONE implementation, libhta's model writer
(host/src/model/model_io.c): this tool only reads the graph (hta_onnx.py) and
quantizes it (hta_quant.py); `hta import` reads the bundle it leaves in DIR
and builds the model with hta_model_add_layer, which validates every layer.

Bundle (version 1): DIR/bundle.txt, lines of words,
    hta-bundle 1
    name NAME / plan PLAN
    io IN_SCALE IN_ZP OUT_SCALE OUT_ZP
    layer OP IN_H IN_W IN_C OUT_C KH KW STRIDE PT PB PL PR ZP_IN ZP_OUT AMIN AMAX G NAME
    [graph N_SRC SRC0 SRC1 IN2_H IN2_W IN2_C ZP_IN2 MULT0 SHIFT0 MULT1 SHIFT1]
    [cgroups CG]            (a grouped convolution: arrays of its native rows)
    array NAME COUNT        (kind u8, w i8, t i8, alpha u8, bias i32, mult i32, shift u8,
                             lut i8: an activation table of 256)
    end
and DIR/bundle.bin, the arrays' little-endian values in the order listed.
With --report-n N, DIR also gets what `hta import --report` needs: report_x.npy
(the first N calibration images, float NHWC), report_xq.bin (them as the model's
int8 input) and report_q.txt (per layer: its output's scale and zero point).
hta import runs the model on the cpu device (the golden model) on report_xq.bin,
writes every layer's int8 output to DIR/report_layers.bin (layer by layer, each
[N, H, W, C]) and calls --report-from DIR: per layer, the relative RMS error of
the dequantized output against the float graph's tensor (the importer's float
layers, which are the ONNX graph's tensors with BatchNormalization, bias and
clamps folded in), and of quantizing the float tensor alone (how much of the
error is this layer's own rounding), printed as a table or JSON lines.
Exit status: 0, 1 with "error: ..." on stderr (the message names node and op),
128 + N when ended by signal N (SIGINT, SIGTERM: one line, no traceback, and
no partial bundle left: files it wrote or a DIR it made are removed).
"""
import signal
import sys


def _interrupted(signum, frame):
    """SIGINT/SIGTERM: unwind (finally blocks remove partial files), one line."""
    raise SystemExit(128 + signum)


# first, so that a signal during the slow imports below ends quietly as well
signal.signal(signal.SIGINT, _interrupted)
signal.signal(signal.SIGTERM, _interrupted)

import argparse  # noqa: E402
import gzip  # noqa: E402
import os  # noqa: E402

try:
    import numpy as np
    import onnx  # noqa: F401 (hta_onnx needs it: say so here, clearly)
except ImportError as e:
    print('error: %s: install the Debian packages python3-numpy and python3-onnx' % e,
          file=sys.stderr)
    sys.exit(3)

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import hta_onnx  # noqa: E402
import hta_quant  # noqa: E402

DATASET = '/usr/share/datasets/fashion-mnist'
TYPES = {'kind': '<u1', 'w': '<i1', 't': '<i1', 'alpha': '<u1', 'bias': '<i4', 'mult': '<i4',
         'shift': '<u1', 'lut': '<i1'}


def idx_images(path, n):
    """The first n images of an idx3 .gz file as uint8 [n, rows, cols]."""
    with gzip.open(path, 'rb') as f:
        head = np.frombuffer(f.read(16), '>u4')
        if head[0] != 0x803:
            raise ValueError("'%s' is not an idx3 image file" % path)
        count, rows, cols = int(head[1]), int(head[2]), int(head[3])
        n = min(n, count)
        data = np.frombuffer(f.read(n * rows * cols), np.uint8)
    return data.reshape(n, rows, cols)


def calib_images(src, n, in_shape):
    """Calibration inputs in the model's float domain, [N, H, W, C]."""
    if src == 'fashion-mnist' and tuple(in_shape) != (28, 28, 1):
        x = np.zeros((1, 28, 28, 1), np.float32)  # only its shape: the message below
    elif src == 'fashion-mnist':
        path = os.path.join(DATASET, 'train-images-idx3-ubyte.gz')
        if not os.path.exists(path):
            raise hta_quant.QuantError("%s not found: install the Debian package "
                                       "dataset-fashion-mnist" % path)
        x = idx_images(path, n)[..., None].astype(np.float32) / 255.0
    else:
        a = np.load(src)
        if a.dtype == np.uint8:  # pixels: the convention real = pixel / 255
            a = a.astype(np.float32) / 255.0
        if a.ndim == 3:
            a = a[..., None]
        x = a[:n].astype(np.float32)
    if tuple(x.shape[1:]) != tuple(in_shape):
        how = ('give inputs of its shape with --calib FILE.npy: an array [N, %d, %d, %d] '
               '(NHWC) of float32 in the model\'s input units, or of uint8 pixels (read as '
               'pixel / 255); --calib-n N uses the first N' % tuple(in_shape))
        if src == 'fashion-mnist':
            raise hta_quant.QuantError('the model takes %dx%dx%d inputs and needs calibration '
                                       'data; the default set, Fashion-MNIST, is 28x28x1: %s'
                                       % (tuple(in_shape) + (how,)))
        raise hta_quant.QuantError('calibration images are %s, the model takes %s (H, W, C): '
                                   '%s' % (list(x.shape[1:]), list(in_shape), how))
    return x


def write_bundle(d, name, plan, qlayers, in_q, out_q):
    """Both files written under temporary names and renamed when complete;
    on any failure or signal nothing of them stays, nor DIR if made here."""
    made = not os.path.isdir(d)
    os.makedirs(d, exist_ok=True)
    tmps = [os.path.join(d, n + '.tmp') for n in ('bundle.bin', 'bundle.txt')]
    done = False
    try:
        _write_bundle(d, tmps, name, plan, qlayers, in_q, out_q)
        done = True
    finally:
        if not done:
            for t in tmps + [os.path.join(d, 'bundle.bin'), os.path.join(d, 'bundle.txt')]:
                try:
                    os.unlink(t)
                except OSError:
                    pass
            if made:
                try:
                    os.rmdir(d)
                except OSError:
                    pass


def _write_bundle(d, tmps, name, plan, qlayers, in_q, out_q):
    lines = ['hta-bundle 1', 'name ' + name, 'plan ' + plan,
             'io %r %d %r %d' % (float(in_q[0]), in_q[1], float(out_q[0]), out_q[1])]
    blobs = []
    for idx, q in enumerate(qlayers):
        pt, pb, pl, pr = q.pads
        lines.append('layer %d %d %d %d %d %d %d %d %d %d %d %d %d %d %d %d %d %s' % (
            hta_quant.OPS[q.op], q.in_h, q.in_w, q.in_c, q.out_c, q.kh, q.kw, q.stride,
            pt, pb, pl, pr, q.zp_in, q.zp_out, q.act_min, q.act_max, q.group,
            ''.join(ch if ch.isalnum() or ch in '._-/:' else '_' for ch in q.name) or '-'))
        src = getattr(q, 'src', None) or [idx]
        if len(src) > 1 or src[0] != idx or q.op == 'layernorm':  # format version 2
            s1 = src[1] if len(src) > 1 else 0
            h2, w2, c2 = q.in2_shape or (0, 0, 0)
            lines.append('graph %d %d %d %d %d %d %d %d %d %d %d' % (
                len(src), src[0], s1, h2, w2, c2, q.zp_in2, q.in_mult[0], q.in_shift[0],
                q.in_mult[1], q.in_shift[1]))
        if getattr(q, 'cgroups', 0) > 1:  # format version 3: a grouped convolution
            lines.append('cgroups %d' % q.cgroups)
        for a in ('kind', 'w', 't', 'alpha', 'bias', 'mult', 'shift', 'lut'):
            v = getattr(q, a)
            if v is None:
                continue
            v = np.ascontiguousarray(v, TYPES[a]).reshape(-1)
            lines.append('array %s %d' % (a, v.size))
            blobs.append(v.tobytes())
    lines.append('end')
    with open(tmps[0], 'wb') as f:
        for b in blobs:
            f.write(b)
    with open(tmps[1], 'w') as f:
        f.write('\n'.join(lines) + '\n')
    os.replace(tmps[0], os.path.join(d, 'bundle.bin'))
    os.replace(tmps[1], os.path.join(d, 'bundle.txt'))


def write_report_inputs(d, images, in_q, qlayers, n):
    """The --report-n files of DIR (see the module's docstring)."""
    x = images[:n].astype(np.float32)
    np.save(os.path.join(d, 'report_x.npy'), x)
    xq = np.clip(np.round(x / in_q[0]) + in_q[1], -128, 127).astype(np.int8)
    with open(os.path.join(d, 'report_xq.bin'), 'wb') as f:
        f.write(xq.tobytes())
    with open(os.path.join(d, 'report_q.txt'), 'w') as f:
        f.write('%d\n' % len(x))
        for q in qlayers:
            f.write('%r %d\n' % (float(q.out_q[0]), int(q.out_q[1])))


def report(model, d, fmt):
    """Per-layer error of the golden model's outputs (report_layers.bin)
    against the float layers, on the images of report_x.npy."""
    import json
    layers, _, _ = hta_onnx.load_chain(model)
    x = np.load(os.path.join(d, 'report_x.npy'))
    with open(os.path.join(d, 'report_q.txt')) as f:
        n = int(f.readline())
        qs = [(float(a), int(b)) for a, b in (line.split() for line in f)]
    if len(qs) != len(layers):
        raise ValueError('report: %d layers quantized, %d in the graph' % (len(qs), len(layers)))
    raw = np.fromfile(os.path.join(d, 'report_layers.bin'), np.int8)
    at, rows = 0, []
    for i, l, _, _, yo in hta_quant.walk(layers, x[:n]):
        size = n * int(np.prod(l.out_shape()))
        got = raw[at:at + size].reshape(yo.shape).astype(np.float64)
        at += size
        s, z = qs[i]
        ref = yo.astype(np.float64)
        rms = max(np.sqrt(np.mean(ref ** 2)), 1e-30)
        own = (np.clip(np.round(ref / s) + z, -128, 127) - z) * s
        rows.append({'layer': i, 'name': l.name, 'op': l.op if l.fn is None else
                     '%s+%s' % (l.op, l.fn[0]), 'shape': list(l.out_shape()),
                     'rel_rms': float(np.sqrt(np.mean(((got - z) * s - ref) ** 2)) / rms),
                     'own_rel_rms': float(np.sqrt(np.mean((own - ref) ** 2)) / rms),
                     'scale': s, 'zero_point': z})
    if fmt == 'json':
        for r in rows:
            print(json.dumps(r))
        return
    print('per-layer error on %d calibration images (relative RMS against the float graph; '
          '"own": of rounding the float tensor alone at the layer\'s output scale)' % n)
    print('%5s  %-14s %-16s %9s %9s  %s' % ('layer', 'op', 'output (HWC)', 'rel RMS', 'own',
                                           'name'))
    for r in rows:
        print('%5d  %-14s %-16s %9.4f %9.4f  %s' % (r['layer'], r['op'], 'x'.join(
            str(v) for v in r['shape']), r['rel_rms'], r['own_rel_rms'], r['name']))


def main():
    p = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    p.add_argument('model')
    p.add_argument('--bundle')
    p.add_argument('--report-n', type=int, default=0)
    p.add_argument('--report-from')
    p.add_argument('--report-format', default='text', choices=('text', 'json'))
    p.add_argument('--plan', default='auto')
    p.add_argument('--calib', default='fashion-mnist')
    p.add_argument('--calib-n', type=int, default=1000)
    p.add_argument('--calib-method', default='auto')
    p.add_argument('--keep-int8', default='')
    p.add_argument('--name', default=None)
    a = p.parse_args()
    np.seterr(all='ignore')  # NaN/Inf weights are found and named by the checks, not warned of
    try:
        if a.report_from:
            report(a.model, a.report_from, a.report_format)
            return 0
        if not a.bundle:
            raise ValueError('--bundle DIR is required')
        hta_quant.parse_plan(a.plan)
        method = a.calib_method
        if method not in ('auto',) + hta_quant.RANGE_METHODS:
            if not method.startswith('pct:'):
                raise hta_quant.QuantError("--calib-method '%s': auto, minmax, mixed, mse, ev or "
                                           "pct:P" % method)
            method = float(method[4:])
            if not 50 < method <= 100:
                raise hta_quant.QuantError('--calib-method pct:P needs 50 < P <= 100')
        if a.calib_n < 1:
            raise hta_quant.QuantError('--calib-n must be positive')
        layers, in_shape, in_q = hta_onnx.load_chain(a.model)
        images, batch = None, 256
        if any(l.out_q is None and l.op not in hta_quant.NO_WEIGHTS for l in layers) or \
           a.plan.startswith('hybrid') or a.report_n > 0:
            # before any image is read: a layer too large to calibrate is refused
            batch = hta_onnx.calib_batch(layers, a.calib_n)
            images = calib_images(a.calib, a.calib_n, in_shape)
        keep = [k for k in a.keep_int8.split(',') if k]
        for k in keep:
            if k not in ('first', 'last', 'dw') and not k.isdigit():
                raise hta_quant.QuantError("--keep-int8 '%s': first, last, dw or a layer "
                                           "index" % k)
        chosen = {}
        q, iq, oq = hta_quant.quantize(layers, in_shape, in_q, a.plan, images, method, keep,
                                       batch, chosen)
        if chosen:
            print('note: --calib-method auto: %s ranges (relative RMS error of the output on '
                  '%d calibration images, bias-corrected on %d others: %s)' % (
                      chosen['method'], chosen['n_held'], chosen['n_fit'],
                      ', '.join('%s %.4f' % kv for kv in chosen['errors'].items())),
                  file=sys.stderr)
        hta_onnx.native_groups(layers, q)
        name = a.name or os.path.splitext(os.path.basename(a.model))[0]
        write_bundle(a.bundle, name, a.plan, q, iq, oq)
        if a.report_n > 0:
            write_report_inputs(a.bundle, images, iq, q, a.report_n)
    except (hta_onnx.ImportError_, hta_quant.QuantError, OSError, ValueError) as e:
        prog = os.environ.get('HTA_IMPORT_PROG', os.path.basename(sys.argv[0]))
        print('%s: error: %s' % (prog, e), file=sys.stderr)
        return 1
    except Exception as e:  # never a traceback: a bug here still gets one clear line
        prog = os.environ.get('HTA_IMPORT_PROG', os.path.basename(sys.argv[0]))
        print('%s: error: internal error of the importer (%s: %s); please report it with '
              'the model' % (prog, type(e).__name__, e), file=sys.stderr)
        return 1
    return 0


def run():
    """main, and one line when a signal ended it (exit status 128 + N)."""
    try:
        sys.exit(main())
    except SystemExit as e:
        if isinstance(e.code, int) and e.code > 128:
            prog = os.environ.get('HTA_IMPORT_PROG', os.path.basename(sys.argv[0]))
            print('%s: interrupted (%s)' % (prog, signal.Signals(e.code - 128).name),
                  file=sys.stderr)
        raise


if __name__ == '__main__':
    run()
