#!/usr/bin/python3
"""tv_noise.py - how much a torchvision network (as tv_table.py builds it: random
weights seeded, BatchNormalization statistics of the calibration images) amplifies
a perturbation of the size of int8 rounding, in float, without any quantization.

    tools/import/tv_noise.py NETWORK [--size 224] [--noise 0.005] [--n 8]

Adds Gaussian noise of NOISE times each tensor's RMS (seeded) to the output of every
BatchNormalization and Linear module (the tensors the importer quantizes after
folding), runs tv_table.py's first N inputs and prints the relative RMS deviation
of the logits from the clean run. A network that turns 0.5% per layer into several
percent at the logits exceeds issue 13's 2% with any int8 calibration
(docs/accuracy-torchvision.md, ResNet-34).
"""
import argparse
import os
import sys
import warnings

import numpy as np

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import tv_table  # noqa: E402


def main():
    p = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    p.add_argument('network')
    p.add_argument('--size', type=int, default=224)
    p.add_argument('--noise', type=float, default=0.005)
    p.add_argument('--n', type=int, default=8)
    a = p.parse_args()
    import torch
    import torchvision
    warnings.filterwarnings('ignore')
    torch.set_num_threads(1)
    rng = np.random.default_rng(0)  # tv_table.py's calibration images, then its inputs
    cal = rng.random((64, a.size, a.size, 3), np.float32)
    x = rng.random((32, a.size, a.size, 3), np.float32)[:a.n]
    torch.manual_seed(0)
    m = getattr(torchvision.models, a.network)(num_classes=10)
    tv_table.set_bn_stats(m, torch.from_numpy(cal).permute(0, 3, 1, 2))
    xt = torch.from_numpy(x).permute(0, 3, 1, 2).contiguous()
    with torch.no_grad():
        ref = m(xt).double()
    g = torch.Generator().manual_seed(1)

    def hook(mod, inp, out):
        return out + a.noise * out.pow(2).mean().sqrt() * torch.randn(out.shape, generator=g)

    n = len([mm.register_forward_hook(hook) for mm in m.modules()
             if isinstance(mm, (torch.nn.BatchNorm2d, torch.nn.Linear))])
    with torch.no_grad():
        y = m(xt).double()
    rel = ((y - ref).pow(2).mean().sqrt() / ref.pow(2).mean().sqrt()).item()
    print('%s %dx%d: noise %.4f of the RMS at %d BatchNormalization/Linear outputs -> '
          'logits relative RMS deviation %.4f (%d inputs)' % (a.network, a.size, a.size, a.noise,
                                                              n, rel, a.n))
    return 0


if __name__ == '__main__':
    sys.exit(main())
