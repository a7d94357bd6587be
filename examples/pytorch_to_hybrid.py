#!/usr/bin/python3
"""pytorch_to_hybrid.py - from a PyTorch model to the measured top-1, size,
energy and cycles of its hybrid version on the simulated RTL.

    make                                  # build/hta, build/libhta.so, the simulator
    PYTHONPATH=python /usr/bin/python3 examples/pytorch_to_hybrid.py [--steps N]

Steps, each printed as it happens:
  1. a small MobileNet-like CNN, trained on Fashion-MNIST (Debian's
     dataset-fashion-mnist) for --steps batches;
  2. hta.torch: BatchNorm folded, every filter ranked by its sensitivity to
     ternarization, 25% of each middle layer kept INT8, the rest ternary,
     fine-tuned with distillation, exported to ONNX;
  3. `hta import` (plan auto keeps the exported values) and `hta stats` (size,
     multiplications, energy against the all-INT8 import);
  4. the test set written as an image folder, evaluated with `hta eval` on the
     golden model; the hybrid model run on the simulated RTL through the
     Python API (cycles, bit-exact with the golden model).
Its output is recorded in docs/python.md. Needs python3-torch, python3-pil.
"""
import argparse
import json
import os
import subprocess
import sys
import tempfile

import numpy as np

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, os.path.join(ROOT, 'python'))
sys.path.insert(0, os.path.join(ROOT, 'tools', 'train'))
HTA = os.path.join(ROOT, 'build', 'hta')


def sh(*args):
    r = subprocess.run(args, capture_output=True, text=True)
    if r.returncode:
        sys.exit('%s failed: %s' % (' '.join(args[:2]), r.stderr.strip()))
    return r.stdout


def main():
    p = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    p.add_argument('--steps', type=int, default=600, help='training batches (default 600)')
    p.add_argument('--int8', type=float, default=0.25, help='INT8 fraction (default 0.25)')
    p.add_argument('--test', type=int, default=2000, help='test images (default 2000)')
    a = p.parse_args()
    import torch
    from torch import nn
    from PIL import Image
    import data  # tools/train: Fashion-MNIST from Debian's package
    import hta
    import hta.torch as ht

    torch.manual_seed(1)
    torch.set_num_threads(1)
    xtr, ytr = (torch.from_numpy(v) for v in data.load('train'))
    xte, yte = data.load('test')
    g = torch.Generator().manual_seed(0)

    def batches(n, bs=64):
        perm = torch.randperm(len(ytr), generator=g)
        return [(xtr[perm[i:i + bs]], ytr[perm[i:i + bs]]) for i in range(0, n * bs, bs)]

    def block(ci, co, s):
        return [nn.Conv2d(ci, ci, 3, s, 1, groups=ci), nn.BatchNorm2d(ci), nn.ReLU6(),
                nn.Conv2d(ci, co, 1), nn.BatchNorm2d(co), nn.ReLU6()]
    net = nn.Sequential(nn.Conv2d(1, 16, 3, 2, 1), nn.BatchNorm2d(16), nn.ReLU6(),
                        *block(16, 32, 1), *block(32, 64, 2), *block(64, 128, 1),
                        nn.AdaptiveAvgPool2d(1), nn.Flatten(), nn.Linear(128, 10))
    opt = torch.optim.Adam(net.parameters(), lr=2e-3)
    net.train()
    for x, y in batches(a.steps):
        loss = nn.functional.cross_entropy(net(x), y)
        opt.zero_grad()
        loss.backward()
        opt.step()
    net.eval()

    def top1(m):
        with torch.no_grad():
            return 100.0 * float((m(torch.from_numpy(xte[:a.test])).argmax(1).numpy() ==
                                  yte[:a.test]).mean())
    print('1. float CNN trained %d steps: top-1 %.2f%% (torch, %d test images)'
          % (a.steps, top1(net), a.test))

    teacher, hyb = ht.fold_bn(net), ht.fold_bn(net)
    plan = ht.hybridize(hyb, batches(16), int8_fraction=a.int8)
    n_int8 = sum(k.count('int8') for k in plan.values())
    n_all = sum(len(k) for k in plan.values())
    ptq = top1(hyb)
    ht.finetune(hyb, batches(a.steps // 2), teacher=teacher, steps=a.steps // 2)
    print('2. hybrid (%d of %d filters INT8): %.2f%% before fine-tuning, %.2f%% after (torch)'
          % (n_int8, n_all, ptq, top1(hyb)))
    d = tempfile.mkdtemp(prefix='hta-example-')
    ht.export(teacher, os.path.join(d, 'float.onnx'), (1, 1, 28, 28))
    ht.export(hyb, os.path.join(d, 'hybrid.onnx'), (1, 1, 28, 28))

    for name, plan_ in (('int8', 'int8'), ('hybrid', 'auto')):
        src = os.path.join(d, 'float.onnx' if name == 'int8' else 'hybrid.onnx')
        sh(HTA, 'import', src, '-o', os.path.join(d, name + '.hta'), '--plan', plan_,
           '--calib-n', '500')
    st = json.loads(sh(HTA, 'stats', '--model', os.path.join(d, 'hybrid.hta'), '--baseline',
                       os.path.join(d, 'int8.hta'), '--json'))
    print('3. hta stats, hybrid / all-INT8 import: model size %.3f (%.1f KiB), multiplications '
          '%.3f, energy %.3f (arithmetic), %.3f (with memory traffic)'
          % (st['model_size_norm'], st['model_kib'], st['mults_norm'], st['energy_norm'],
             st['energy_mem_norm']))

    folder = os.path.join(d, 'test_images')
    for i in range(a.test):
        cls = os.path.join(folder, '%d' % yte[i])
        os.makedirs(cls, exist_ok=True)
        Image.fromarray((xte[i, 0] * 255).round().astype(np.uint8)).save(
            os.path.join(cls, '%05d.png' % i))
    ev = json.loads(sh(HTA, 'eval', '--device', 'cpu', '--model', os.path.join(d, 'hybrid.hta'),
                       '--dataset', folder, '--json'))
    print('4. hta eval on the test set as an image folder (%d PNGs, golden model): top-1 '
          '%.2f%%, top-5 %.2f%%' % (ev['n'], 100 * ev['top1'], 100 * ev['top5']))
    with hta.open('cpu') as cpu, hta.open('sim') as sim:
        nc, ns = cpu.load(os.path.join(d, 'hybrid.hta')), sim.load(os.path.join(d, 'hybrid.hta'))
        x = nc.quantize(xte[:4].transpose(0, 2, 3, 1))
        same = np.array_equal(nc.run_raw(x), ns.run_raw(x))
        s = sim.stats()
        print('   simulated RTL (Python API, 4 images): %d cycles per inference, bit-exact with '
              'the golden model: %s; %.0f inferences/s at an assumed 300 MHz'
              % (s['total_cycles'] // 4, same, 300e6 * 4 / s['total_cycles']))
    print('files in', d)


if __name__ == '__main__':
    main()
