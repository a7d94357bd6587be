#!/usr/bin/python3
"""test_torchvision.py - `hta import` of the common torchvision CNNs, as a user
would bring them: built by Debian's python3-torchvision (random weights,
seeded, 10 classes, 64x64 RGB to keep it quick), exported to ONNX opset 13 by
torch.onnx, imported with calibration on 64 random images, and run on the
golden model against an independent numpy evaluation of the ONNX graph
(tools/import/hta_check.py) on 16 other inputs. Also PyTorch's own quantized
export (FX post-training quantization, QDQ), which must match its graph to a
few output steps.

Thresholds (relative RMS error of the logits, int8): what was measured on
2026-12-05 plus a margin (MobileNet-V2 0.10, ResNet-18 0.02, SqueezeNet 0.01,
MobileNet-V3 0.24, ShuffleNet-V2 0.003; per-tensor int8 activations alone, by fake quantization in
numpy, give 0.07 and 0.13 for the MobileNets on such random networks, and the
activation tables and squeeze-excite of V3 add two roundings); a wrong mapping
gives errors near 1.
Run from the repository root after build/hta. Prints PASS/FAIL lines and
"N passed, N failed"."""
import copy
import os
import subprocess
import sys
import tempfile
import warnings

import numpy as np

HTA = os.environ.get('HTA', 'build/hta')
CHECK = 'tools/import/hta_check.py'
passed = failed = 0


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
    np.save(inputs, rng.random((16, 64, 64, 3), np.float32))
    x = torch.rand(1, 3, 64, 64)
    tv = torchvision.models
    # name: (constructor, max relative RMS error of the int8 import)
    nets = {'mobilenet_v2': (tv.mobilenet_v2, 0.12), 'resnet18': (tv.resnet18, 0.04),
            'squeezenet1_1': (tv.squeezenet1_1, 0.03),
            'mobilenet_v3_small': (tv.mobilenet_v3_small, 0.30),
            'shufflenet_v2_x0_5': (tv.shufflenet_v2_x0_5, 0.03)}
    models = {}
    for name, (ctor, max_rel) in nets.items():
        m = ctor(num_classes=10).eval()
        models[name] = m
        onnx_path = os.path.join(d, name + '.onnx')
        torch.onnx.export(m, x, onnx_path, opset_version=13)
        hta = os.path.join(d, name + '.hta')
        r = sh([HTA, 'import', onnx_path, '-o', hta, '--calib', calib])
        check('import_' + name, r.returncode == 0, r.stderr.strip()[-600:])
        if r.returncode:
            continue
        r = sh(['/usr/bin/python3', CHECK, onnx_path, hta, '--hta-bin', HTA, '--inputs',
                inputs, '--n', '16', '--max-rel', str(max_rel), '--min-agree', '0.8',
                '--name', 'reference_' + name])
        print('  ' + r.stdout.strip())
        check('close_to_onnx_' + name, r.returncode == 0, r.stderr.strip()[-400:])

    # PyTorch's own post-training quantization, exported as QDQ
    from torch.ao.quantization import get_default_qconfig_mapping
    from torch.ao.quantization.quantize_fx import convert_fx, prepare_fx
    for name, steps in (('mobilenet_v2', 1), ('resnet18', 12)):
        p = prepare_fx(copy.deepcopy(models[name]), get_default_qconfig_mapping('qnnpack'),
                       (x,))
        cal = torch.from_numpy(np.load(calib)).permute(0, 3, 1, 2)
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
