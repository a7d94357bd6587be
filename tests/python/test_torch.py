#!/usr/bin/python3
"""test_torch.py - hta.torch end to end, as a user with their own network:
a small CNN (a residual-free MobileNet-like chain, built here) trained for a
few hundred steps on Fashion-MNIST, then hybridized by hta.torch (Fisher
ranking on the training data, 50% of each middle layer INT8), fine-tuned with
distillation, exported to ONNX, imported by `hta import` (plan auto: the
values are already exactly INT8 grid / ternary), evaluated on the 10,000
test images laid out as an image folder (PNG) on the golden model, and run on the simulated RTL bit-exact with it
(`hta verify`). Also the pieces against their definitions: BatchNorm folding,
the chosen filters, exact export values, the global budget.

Run from the repository root after build/hta. Seeded; one thread. Prints
PASS/FAIL lines and "N passed, N failed"."""
import os
import re
import subprocess
import sys
import tempfile

import numpy as np

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
sys.path.insert(0, os.path.join(ROOT, 'python'))
sys.path.insert(0, os.path.join(ROOT, 'tools', 'train'))
HTA = os.environ.get('HTA', os.path.join(ROOT, 'build', 'hta'))
passed = failed = 0


def check(name, ok, detail=''):
    global passed, failed
    if ok:
        passed += 1
        print('PASS ' + name)
    else:
        failed += 1
        print('FAIL %s: %s' % (name, detail))


def main():
    try:
        import torch
        from torch import nn
    except ImportError:
        print('FAIL torch_available: python3-torch is needed (make deps installs it)')
        return 1
    import data  # tools/train: Debian's dataset-fashion-mnist
    import hta.torch as ht

    torch.set_num_threads(1)
    torch.manual_seed(3)
    xtr, ytr = (torch.from_numpy(a) for a in data.load('train'))
    xte, yte = (torch.from_numpy(a) for a in data.load('test'))

    def loader(n, batch=64, seed=0):
        g = torch.Generator().manual_seed(seed)
        perm = torch.randperm(len(ytr), generator=g)[:n]
        return [(xtr[perm[i:i + batch]], ytr[perm[i:i + batch]]) for i in range(0, n, batch)]

    def block(ci, co, s):
        return [nn.Conv2d(ci, ci, 3, s, 1, groups=ci), nn.BatchNorm2d(ci), nn.ReLU6(),
                nn.Conv2d(ci, co, 1), nn.BatchNorm2d(co), nn.ReLU6()]
    net = nn.Sequential(nn.Conv2d(1, 16, 3, 2, 1), nn.BatchNorm2d(16), nn.ReLU6(),
                        *block(16, 32, 1), *block(32, 64, 2), *block(64, 64, 1),
                        nn.AdaptiveAvgPool2d(1), nn.Flatten(), nn.Linear(64, 10))
    opt = torch.optim.Adam(net.parameters(), lr=2e-3)
    net.train()
    for x, y in loader(25600):
        loss = nn.functional.cross_entropy(net(x), y)
        opt.zero_grad()
        loss.backward()
        opt.step()
    net.eval()

    def top1(m, n=10000):
        with torch.no_grad():
            return 100.0 * (m(xte[:n]).argmax(1) == yte[:n]).float().mean().item()
    float_top1 = top1(net)
    check('float_trains', float_top1 > 70, '%.2f%%' % float_top1)

    # BatchNorm folding keeps the function
    folded = ht.fold_bn(net)
    with torch.no_grad():
        d = (folded(xte[:64]) - net(xte[:64])).abs().max().item()
    check('fold_bn_same_function', d < 1e-4 and
          not any(isinstance(m, nn.BatchNorm2d) for m in folded.modules()), 'max diff %g' % d)
    teacher = ht.fold_bn(net)

    # ranking: the chosen filters are the most sensitive ones, per layer
    sens = ht.sensitivity(folded, loader(1024), batches=16)
    names = [n for n, _ in ht.weight_layers(folded)]
    check('weight_layers_found', len(names) == 8 and list(sens) == names, str(names))
    kinds = ht.choose_int8(sens, 0.5, keep=(names[0], names[-1]))
    ok = True
    for n in names[1:-1]:
        k = int((kinds[n] == ht.INT8).sum())
        top = set(torch.argsort(sens[n], descending=True)[:k].tolist())
        ok &= k == len(sens[n]) // 2 and top == set(torch.nonzero(kinds[n] == ht.INT8)
                                                    .flatten().tolist())
    check('choose_int8_most_sensitive_half', ok and bool((kinds[names[0]] == ht.INT8).all()))
    macs = ht._macs(folded, xte[:1])
    g = ht.choose_int8(sens, 0.3, 'global', macs)
    total = sum(macs[n] * len(sens[n]) for n in names)
    used = sum(macs[n] * int((g[n] == ht.INT8).sum()) for n in names)
    check('global_budget_respected', 0.2 * total < used <= 0.3 * total,
          '%d of %d MACs' % (used, total))
    try:
        ht.sensitivity(folded, [(xte[:8],)], method='fisher')
        check('fisher_needs_labels', False, 'no error')
    except ValueError as e:
        check('fisher_needs_labels', 'labels' in str(e), str(e))

    plan = ht.hybridize(folded, loader(1024), int8_fraction=0.5)
    n_int8 = sum(k.count('int8') for k in plan.values())
    n_all = sum(len(k) for k in plan.values())
    ptq = top1(folded)
    ht.finetune(folded, loader(12800, seed=1), teacher=teacher, steps=200, lr=5e-4)
    tuned = top1(folded)
    check('finetune_recovers', tuned >= ptq - 0.5 and tuned > float_top1 - 10,
          'post-training %.2f%%, fine-tuned %.2f%%, float %.2f%%' % (ptq, tuned, float_top1))

    d = tempfile.mkdtemp(prefix='hta-torch-')
    onnx_path = ht.export(folded, os.path.join(d, 'hybrid.onnx'), (1, 1, 28, 28))
    ok = True
    for n, m in ht.weight_layers(folded):
        w = m.weight.detach().reshape(m.weight.shape[0], -1)
        for o, kind in enumerate(plan[n]):
            v = np.unique(np.abs(w[o].numpy()))
            if kind == 'ternary':
                ok &= len(v[v > 0]) == 1
            else:
                s = np.abs(w[o].numpy()).max() / 127
                ok &= np.allclose(w[o].numpy() / s, np.round(w[o].numpy() / s), atol=1e-3)
    check('export_values_exact', ok)

    hta_path = os.path.join(d, 'hybrid.hta')
    r = subprocess.run([HTA, 'import', onnx_path, '-o', hta_path], capture_output=True,
                       text=True)
    check('hta_import', r.returncode == 0, r.stderr[-400:])
    if r.returncode:
        print('%d passed, %d failed' % (passed, failed))
        return 1
    m = re.search(r'filters int8 (\d+) ternary (\d+) binary (\d+)', r.stdout)
    got = (int(m.group(1)), int(m.group(2)) + int(m.group(3))) if m else None
    check('import_keeps_the_kinds', got == (n_int8, n_all - n_int8),
          'hta import: %s, hta.torch: %d int8 of %d' % (got, n_int8, n_all))
    # the test set as a user has it: an image folder, one subfolder per class
    from PIL import Image
    folder = os.path.join(d, 'test_images')
    for i in range(len(yte)):
        cls = os.path.join(folder, '%d' % int(yte[i]))
        os.makedirs(cls, exist_ok=True)
        Image.fromarray((xte[i, 0].numpy() * 255).round().astype(np.uint8)).save(
            os.path.join(cls, '%05d.png' % i))
    r = subprocess.run([HTA, 'eval', '--device', 'cpu', '--model', hta_path, '--dataset',
                        folder], capture_output=True, text=True)
    m = re.search(r'top-1 \d+ / \d+ = ([0-9.]+)%', r.stdout)
    dev_top1 = float(m.group(1)) if m else -1
    check('device_top1_close_to_torch', abs(dev_top1 - tuned) < 3,
          'hta eval %.2f%%, torch %.2f%%' % (dev_top1, tuned))
    print('  float %.2f%%, post-training hybrid %.2f%%, fine-tuned %.2f%% (torch), %.2f%% '
          '(hta eval of the image folder, cpu), %d of %d filters INT8' % (float_top1, ptq, tuned, dev_top1,
                                                      n_int8, n_all))
    r = subprocess.run([HTA, 'verify', '--model', hta_path, '--device', 'sim', '--inputs', '1'],
                       capture_output=True, text=True)
    check('sim_bit_exact_with_cpu', r.returncode == 0, (r.stdout + r.stderr)[-400:])
    print('%d passed, %d failed' % (passed, failed))
    return 1 if failed else 0


if __name__ == '__main__':
    sys.exit(main())
