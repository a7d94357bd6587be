#!/usr/bin/python3
"""hta_import.py - ONNX model -> integer layer bundle that `hta import` turns into .hta.

    hta_import.py MODEL.onnx --bundle DIR [--plan int8|twn|fgq:N|hybrid:F|hybrid-global:F|auto]
                  [--calib fashion-mnist|FILE.npy] [--calib-n N]
                  [--calib-method minmax|pct:P] [--keep-int8 first,last,I...]

The .hta file itself is written by ONE implementation, libhta's model writer
(host/src/model/model_io.c): this tool only reads the graph (hta_onnx.py) and
quantizes it (hta_quant.py); `hta import` reads the bundle it leaves in DIR
and builds the model with hta_model_add_layer, which validates every layer.

Bundle (version 1): DIR/bundle.txt, lines of words,
    hta-bundle 1
    name NAME / plan PLAN
    io IN_SCALE IN_ZP OUT_SCALE OUT_ZP
    layer OP IN_H IN_W IN_C OUT_C KH KW STRIDE PT PB PL PR ZP_IN ZP_OUT AMIN AMAX G NAME
    array NAME COUNT        (kind u8, w i8, t i8, alpha u8, bias i32, mult i32, shift u8,
                             lut i8: an activation table of 256)
    end
and DIR/bundle.bin, the arrays' little-endian values in the order listed.
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
        if len(src) > 1 or src[0] != idx:  # a graph input (format version 2)
            s1 = src[1] if len(src) > 1 else 0
            h2, w2, c2 = q.in2_shape or (0, 0, 0)
            lines.append('graph %d %d %d %d %d %d %d %d %d %d %d' % (
                len(src), src[0], s1, h2, w2, c2, q.zp_in2, q.in_mult[0], q.in_shift[0],
                q.in_mult[1], q.in_shift[1]))
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


def main():
    p = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    p.add_argument('model')
    p.add_argument('--bundle', required=True)
    p.add_argument('--plan', default='auto')
    p.add_argument('--calib', default='fashion-mnist')
    p.add_argument('--calib-n', type=int, default=1000)
    p.add_argument('--calib-method', default='minmax')
    p.add_argument('--keep-int8', default='')
    p.add_argument('--name', default=None)
    a = p.parse_args()
    np.seterr(all='ignore')  # NaN/Inf weights are found and named by the checks, not warned of
    try:
        hta_quant.parse_plan(a.plan)
        method = a.calib_method
        if method != 'minmax':
            if not method.startswith('pct:'):
                raise hta_quant.QuantError("--calib-method '%s': minmax or pct:P" % method)
            method = float(method[4:])
            if not 50 < method <= 100:
                raise hta_quant.QuantError('--calib-method pct:P needs 50 < P <= 100')
        if a.calib_n < 1:
            raise hta_quant.QuantError('--calib-n must be positive')
        layers, in_shape, in_q = hta_onnx.load_chain(a.model)
        images, batch = None, 256
        if any(l.out_q is None and l.op not in hta_quant.NO_WEIGHTS for l in layers) or \
           a.plan.startswith('hybrid'):
            # before any image is read: a layer too large to calibrate is refused
            batch = hta_onnx.calib_batch(layers, a.calib_n)
            images = calib_images(a.calib, a.calib_n, in_shape)
        keep = [k for k in a.keep_int8.split(',') if k]
        for k in keep:
            if k not in ('first', 'last', 'dw') and not k.isdigit():
                raise hta_quant.QuantError("--keep-int8 '%s': first, last, dw or a layer "
                                           "index" % k)
        q, iq, oq = hta_quant.quantize(layers, in_shape, in_q, a.plan, images, method, keep,
                                       batch)
        name = a.name or os.path.splitext(os.path.basename(a.model))[0]
        write_bundle(a.bundle, name, a.plan, q, iq, oq)
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
