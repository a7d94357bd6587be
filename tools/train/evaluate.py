#!/usr/bin/python3
"""PyTorch-side top-1 of committed ONNX models, float and with INT8 fake quantization.

  evaluate.py models/fmnist_*.onnx

For each model: the weights are read back from the ONNX file into the (BN-folded)
network, then the 10k test images are classified
  - 'onnx'     with the file's weights as they are, float activations;
  - 'int8sim'  as the accelerator would roughly run it: filters that are not
               exactly ternary/binary quantized per output channel to int8
               (scale max|w|/127), and every activation after a ReLU6 quantized
               per tensor to 256 levels over [0, max] calibrated on 2048 training
               images (the input is exact: pixel/255).
The accelerator's own numbers come from `hta eval` (the importer calibrates its
own way); this is a training-side estimate, not the truth.
"""
import os
import sys

import onnx
import torch
from onnx import numpy_helper
from torch import nn

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import common  # noqa: E402
import model  # noqa: E402
import quant  # noqa: E402


def load_onnx(path):
    net = model.Net().fold_bn()
    state = {t.name: torch.from_numpy(numpy_helper.to_array(t).copy())
             for t in onnx.load(path).graph.initializer}
    own = net.state_dict()
    missing = [k for k in own if k not in state]
    if missing:
        raise SystemExit(f"{path}: weights {missing[:3]} not in the file (not a train.py model?)")
    net.load_state_dict({k: state[k] for k in own})
    return net


def is_two_or_three_valued(row):
    mags = torch.unique(row[row != 0].abs())
    return len(mags) == 1


class ActQuant(nn.Module):
    def __init__(self):
        super().__init__()
        self.max = None

    def forward(self, x):
        if self.max is None:
            return x
        s = self.max / 255.0
        return torch.round(x.clamp(0, self.max) / s) * s


@torch.no_grad()
def int8sim(net, loader):
    for layer in net.layers():
        w = model.weight_of(layer)
        for o in range(w.shape[0]):
            if not is_two_or_three_valued(w[o]):
                w[o] = quant.int8_fake(w[o:o + 1])[0]
    acts = []
    for u in net.units:
        aq = ActQuant()
        u.act = nn.Sequential(u.act, aq)
        acts.append(aq)
    x = net.units[0](loader.xtr[:2048])
    for u, aq in zip(net.units, acts):
        if u is not net.units[0]:
            x = u(x)
        aq.max = x.max().item()
        x = aq(x)
    return net


def main():
    common.setup(7)
    loader = common.Loader(7)
    for path in sys.argv[1:]:
        net = load_onnx(path)
        a = common.evaluate(net, loader)
        b = common.evaluate(int8sim(net, loader), loader)
        print(f"{os.path.basename(path)}: onnx {a:.2f}%  int8sim {b:.2f}%", flush=True)


if __name__ == "__main__":
    main()
