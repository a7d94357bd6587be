#!/usr/bin/python3
"""hta_check.py MODEL.onnx MODEL.hta [--n N] [--hta build/hta] [--device cpu]
                [--max-rel R] [--min-agree A] [--name NAME] [--inputs X.npy]

Checks an imported model against the ONNX graph it came from, on the first N
Fashion-MNIST test images: the graph is evaluated in float by hta_ref.py (an
independent numpy evaluator), the .hta model on a device by `hta run`, its
int8 output dequantized with the model's output scale and zero point (or on
the first N float inputs of --inputs, [N, H, W, C]). Passes
when the RMS error relative to the reference's RMS is at most R and the top-1
classes agree on at least a fraction A of the images. Prints
"PASS|FAIL NAME: ..." and exits 0/1.
"""
import argparse
import os
import struct
import subprocess
import sys
import tempfile

import numpy as np

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import hta_import  # noqa: E402
import hta_ref  # noqa: E402


def hta_io_quant(path):
    """(in_scale, in_zp, out_scale, out_zp) from the INFO section of a .hta file."""
    with open(path, 'rb') as f:
        b = f.read(128 + 48)
    if b[:4] != b'HTAM':
        raise ValueError('%s is not a .hta file' % path)
    in_zp, in_scale = struct.unpack_from('<if', b, 128 + 16)
    out_zp, out_scale = struct.unpack_from('<if', b, 128 + 36)
    return in_scale, in_zp, out_scale, out_zp


def npy_write_i8(path, a):
    d = "{'descr': '|i1', 'fortran_order': False, 'shape': %r, }" % (tuple(a.shape),)
    pad = (64 - (10 + len(d) + 1) % 64) % 64
    h = (d + ' ' * pad + '\n').encode()
    with open(path, 'wb') as f:
        f.write(b'\x93NUMPY\x01\x00' + struct.pack('<H', len(h)) + h)
        f.write(np.ascontiguousarray(a, np.int8).tobytes())


def main():
    p = argparse.ArgumentParser()
    p.add_argument('onnx')
    p.add_argument('hta')
    p.add_argument('--n', type=int, default=50)
    p.add_argument('--hta-bin', default='build/hta')
    p.add_argument('--device', default='cpu')
    p.add_argument('--max-rel', type=float, default=0.1)
    p.add_argument('--min-agree', type=float, default=0.9)
    p.add_argument('--name', default=None)
    p.add_argument('--inputs', default=None,
                   help='float inputs [N, H, W, C] (.npy) instead of Fashion-MNIST images')
    p.add_argument('--max-lsb', type=int, default=None,
                   help='also: at most this many output steps from the reference (for '
                        'graphs whose output is quantized: their int8 must match)')
    a = p.parse_args()
    name = a.name or os.path.basename(a.hta)
    if a.inputs:
        x = np.load(a.inputs).astype(np.float32)[:a.n]  # NHWC, the model's real inputs
        a.n = len(x)
    else:
        pix = hta_import.idx_images(os.path.join(hta_import.DATASET,
                                                 't10k-images-idx3-ubyte.gz'), a.n)
        x = pix[..., None].astype(np.float32) / 255.0
    model = hta_ref.load(a.onnx)  # one input at a time: exporters fix the batch in shapes
    ref = np.concatenate([hta_ref.run(model, x[i:i + 1].transpose(0, 3, 1, 2))
                          for i in range(a.n)])
    if ref.ndim == 4:  # NCHW -> the device's NHWC
        ref = ref.transpose(0, 2, 3, 1)
    ref = ref.reshape(a.n, -1)
    in_s, in_zp, out_s, out_zp = hta_io_quant(a.hta)
    xq = np.clip(np.round(x / in_s) + in_zp, -128, 127).astype(np.int8)
    with tempfile.TemporaryDirectory() as d:
        npy_write_i8(os.path.join(d, 'x.npy'), xq)
        r = subprocess.run([a.hta_bin, 'run', '--device', a.device, '--model', a.hta,
                            '--input', os.path.join(d, 'x.npy'), '--output',
                            os.path.join(d, 'y.npy')], capture_output=True, text=True)
        if r.returncode != 0:
            print('FAIL %s: hta run: %s' % (name, r.stderr.strip()))
            return 1
        with open(os.path.join(d, 'y.npy'), 'rb') as f:
            b = f.read()
        hl = struct.unpack('<H', b[8:10])[0]
        y = np.frombuffer(b[10 + hl:], np.int8).reshape(a.n, -1)
    got = (y.astype(np.float64) - out_zp) * out_s
    rel = np.sqrt(np.mean((got - ref) ** 2)) / max(np.sqrt(np.mean(ref ** 2)), 1e-12)
    agree = np.mean(got.argmax(1) == ref.argmax(1))
    ok = rel <= a.max_rel and agree >= a.min_agree
    lsb = ''
    if a.max_lsb is not None:
        steps = np.abs(y.astype(np.float64) - (np.round(ref / out_s) + out_zp)).max()
        ok = ok and steps <= a.max_lsb
        lsb = ', %d output steps off at most (max %d)' % (steps, a.max_lsb)
    print('%s %s: relative RMS error %.4f (max %.3f), top-1 agreement %.3f (min %.2f)%s on %d '
          'images' % ('PASS' if ok else 'FAIL', name, rel, a.max_rel, agree, a.min_agree, lsb,
                      a.n))
    return 0 if ok else 1


if __name__ == '__main__':
    sys.exit(main())
