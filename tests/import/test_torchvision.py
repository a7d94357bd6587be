#!/usr/bin/python3
"""test_torchvision.py - `hta import` of the common torchvision CNNs, as a user
would bring them: built by Debian's python3-torchvision (random weights,
seeded, 10 classes, 64x64 RGB to keep it quick), exported to ONNX opset 13 by
torch.onnx (three of them also at opsets 11 and 17: the same integers), imported with calibration on 64 random images, and run on the
golden model against an independent numpy evaluation of the ONNX graph
(tools/import/hta_check.py) on 32 other inputs. Also PyTorch's own quantized
export (FX post-training quantization, QDQ), which must match its graph to a
few output steps.

Weight state: random weights with torchvision's default BatchNormalization
(mean 0, variance 1) make degenerate networks (MobileNet-V2's activations
shrink to 1e-9 by its last layers, a few values per tensor carry the range).
So the BatchNormalization statistics are first set as training sets them:
the network runs in train mode on the calibration images, then exports in
eval mode; every layer's output then has unit-order scale, as in a trained
network.

Thresholds (relative RMS error of the logits, int8, 32 inputs): measured on
2026-12-06 (GAP with its own output scale) plus a margin: MobileNet-V2
0.0069, ResNet-18 0.0446, SqueezeNet 0.0059, MobileNet-V3 small 0.0157,
ShuffleNet-V2 0.0070; GoogLeNet 0.0093 and RegNet-Y 400MF 0.0076 (2026-12-07:
a Concat of four tensors, grouped convolutions); all but ResNet-18 are held
to 1% or the 2% of issue 13. ResNet-18 stays above 2% at this size: its last feature map is 2x2, so
the global average pool averages only 4 positions of a tensor that carries
every layer's int8 rounding noise (each layer's own share is 0.3-1%,
`hta import --report`); at its own 224x224 it is 1.5%
(docs/accuracy-torchvision.md, too slow for this test). ConvNeXt-tiny
imports (2026-12-07: LAYERNORM, GELU's table) but is not held here: its
logits are 3.0% from the float graph at 64x64, and its import takes about
5 minutes (docs/accuracy-torchvision.md). A wrong mapping gives errors near 1.
Run from the repository root after build/hta. Prints PASS/FAIL lines and
"N passed, N failed"."""
import copy
import json
import os
import subprocess
import sys
import tempfile
import warnings

import numpy as np

HTA = os.environ.get('HTA', 'build/hta')
CHECK = 'tools/import/hta_check.py'
passed = failed = 0
# networks also exported at opsets 11 and 17 (the ops that changed between opsets)
OPSET_NETS = ('mobilenet_v2', 'mobilenet_v3_small', 'shufflenet_v2_x0_5')


def check(name, ok, detail=''):
    global passed, failed
    if ok:
        passed += 1
        print('PASS ' + name)
    else:
        failed += 1
        print('FAIL %s: %s' % (name, detail))


def sh(args):
    return subprocess.run(args, capture_output=True, text=True)


def run_int8(hta, inputs, d):
    """The model's int8 outputs on the float inputs (.npy), by `hta run` on cpu."""
    sys.path.insert(0, 'tools/import')
    import hta_check
    in_s, in_zp, _, _ = hta_check.hta_io_quant(hta)
    xq = np.clip(np.round(np.load(inputs) / in_s) + in_zp, -128, 127)
    hta_check.npy_write_i8(os.path.join(d, 'xq.npy'), xq)
    r = sh([HTA, 'run', '--device', 'cpu', '--model', hta, '--input', os.path.join(d, 'xq.npy'),
            '--output', os.path.join(d, 'yq.npy')])
    if r.returncode:
        return r.stderr.strip()
    with open(os.path.join(d, 'yq.npy'), 'rb') as f:
        return f.read()


def main():
    try:
        import torch
        import torchvision
    except ImportError:
        print('FAIL torchvision_available: python3-torch and python3-torchvision are needed '
              '(make deps installs them)')
        return 1
    warnings.filterwarnings('ignore')
    torch.manual_seed(0)
    rng = np.random.default_rng(0)
    d = tempfile.mkdtemp(prefix='hta-tv-')
    calib = os.path.join(d, 'calib.npy')
    inputs = os.path.join(d, 'x.npy')
    np.save(calib, rng.random((64, 64, 64, 3), np.float32))
    np.save(inputs, rng.random((32, 64, 64, 3), np.float32))
    x = torch.rand(1, 3, 64, 64)
    tv = torchvision.models
    # name: (constructor, max relative RMS error of the int8 import)
    nets = {'mobilenet_v2': (tv.mobilenet_v2, 0.01), 'resnet18': (tv.resnet18, 0.05),
            'squeezenet1_1': (tv.squeezenet1_1, 0.01),
            'mobilenet_v3_small': (tv.mobilenet_v3_small, 0.02),
            'shufflenet_v2_x0_5': (tv.shufflenet_v2_x0_5, 0.01),
            # a Concat of four tensors (its inception blocks); grouped convolutions
            # and squeeze-excite
            'googlenet': (tv.googlenet, 0.02), 'regnet_y_400mf': (tv.regnet_y_400mf, 0.02)}
    cal = torch.from_numpy(np.load(calib)).permute(0, 3, 1, 2)
    models = {}
    for name, (ctor, max_rel) in nets.items():
        m = ctor(num_classes=10)
        models[name] = copy.deepcopy(m).eval()  # default statistics: for the QDQ export
        m.train()
        with torch.no_grad():  # BatchNormalization statistics of the calibration images
            for _ in range(3):
                for i in range(0, 64, 16):
                    m(cal[i:i + 16])
        m.eval()
        onnx_path = os.path.join(d, name + '.onnx')
        torch.onnx.export(m, x, onnx_path, opset_version=13)
        hta = os.path.join(d, name + '.hta')
        report = ['--report', 'json'] if name == 'mobilenet_v2' else []
        r = sh([HTA, 'import', onnx_path, '-o', hta, '--calib', calib] + report)
        check('import_' + name, r.returncode == 0, r.stderr.strip()[-600:])
        if r.returncode:
            continue
        if report:  # one row per layer, the golden model's error against the float graph
            n_layers = int(r.stdout.split(' layers,')[0].split()[-1])
            rows = [json.loads(line) for line in r.stdout.splitlines() if line.startswith('{')]
            errs = [row['rel_rms'] for row in rows]
            check('report_' + name, len(rows) == n_layers and
                  [row['layer'] for row in rows] == list(range(n_layers)) and
                  0 < max(errs) < 0.1 and all(0 <= row['own_rel_rms'] <= row['rel_rms'] * 2
                                              for row in rows),
                  '%d rows for %d layers, errors %s' % (len(rows), n_layers, errs[:8]))
        r = sh(['/usr/bin/python3', CHECK, onnx_path, hta, '--hta-bin', HTA, '--inputs',
                inputs, '--n', '32', '--max-rel', str(max_rel), '--min-agree', '0.8',
                '--name', 'reference_' + name])
        print('  ' + r.stdout.strip())
        check('close_to_onnx_' + name, r.returncode == 0, r.stderr.strip()[-400:])
        if name not in OPSET_NETS:
            continue
        # opsets 11 and 17 (HardSwish is an op from 14 on, x * HardSigmoid before; Split's
        # sizes and Squeeze's axes became inputs in 13): the same integers as opset 13
        want = run_int8(hta, inputs, d)
        for opset in (11, 17):
            p = os.path.join(d, '%s_%d.onnx' % (name, opset))
            torch.onnx.export(m, x, p, opset_version=opset)
            r = sh([HTA, 'import', p, '-o', p[:-5] + '.hta', '--calib', calib])
            got = run_int8(p[:-5] + '.hta', inputs, d) if r.returncode == 0 else r.stderr
            check('opset%d_%s' % (opset, name), isinstance(want, bytes) and got == want,
                  'import or outputs differ from opset 13: %s' % str(got)[-400:])

    # PyTorch's own post-training quantization, exported as QDQ, of the networks with
    # default BatchNormalization statistics. (With the statistics of the calibration
    # images, MobileNet-V2's logits differ from its QDQ graph, evaluated in float by
    # hta_ref.py, by up to 5 output steps instead of 1: compared tensor by tensor, each
    # layer's output differs by one step on 0.04-10% of its values, near rounding ties
    # and from the differences of its input, growing with depth, which that state of
    # the network amplifies: no layer maps wrongly.)
    from torch.ao.quantization import get_default_qconfig_mapping
    from torch.ao.quantization.quantize_fx import convert_fx, prepare_fx
    # (MobileNet-V3's HardSwish between a DequantizeLinear and a QuantizeLinear: a table
    # on an identity layer, whose value before the table is its input's, uncalibrated)
    for name, steps in (('mobilenet_v2', 1), ('resnet18', 12), ('mobilenet_v3_small', 1)):
        p = prepare_fx(copy.deepcopy(models[name]), get_default_qconfig_mapping('qnnpack'),
                       (x,))
        with torch.no_grad():
            for i in range(0, 64, 16):
                p(cal[i:i + 16])
        onnx_path = os.path.join(d, name + '_qdq.onnx')
        torch.onnx.export(convert_fx(p), x, onnx_path, opset_version=13)
        hta = os.path.join(d, name + '_qdq.hta')
        r = sh([HTA, 'import', onnx_path, '-o', hta])
        check('import_qdq_' + name, r.returncode == 0, r.stderr.strip()[-600:])
        if r.returncode:
            continue
        r = sh(['/usr/bin/python3', CHECK, onnx_path, hta, '--hta-bin', HTA, '--inputs',
                inputs, '--n', '16', '--max-rel', '0.05', '--min-agree', '0.8',
                '--max-lsb', str(steps), '--name', 'reference_qdq_' + name])
        print('  ' + r.stdout.strip())
        check('matches_qdq_graph_' + name, r.returncode == 0, r.stderr.strip()[-400:])

    print('%d passed, %d failed' % (passed, failed))
    return 1 if failed else 0


if __name__ == '__main__':
    sys.exit(main())
