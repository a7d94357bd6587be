"""Determinism, batching, evaluation and ONNX export shared by every mode."""
import os
import time

import numpy as np
import torch

import data
import quant  # noqa: F401  (puts python/ on the path for hta.torch)
from hta.torch import kd_loss  # noqa: E402,F401  (the distillation loss, shared)


def setup(seed):
    """One thread (the machine is shared), seeded, deterministic kernels."""
    torch.set_num_threads(1)
    torch.manual_seed(seed)
    np.random.seed(seed)
    torch.use_deterministic_algorithms(True)


class Loader:
    """Fashion-MNIST in memory; shuffled batches from a seeded generator."""

    def __init__(self, seed, batch=128):
        xtr, ytr = data.load("train")
        xte, yte = data.load("test")
        self.xtr, self.ytr = torch.from_numpy(xtr), torch.from_numpy(ytr)
        self.xte, self.yte = torch.from_numpy(xte), torch.from_numpy(yte)
        self.batch = batch
        self.gen = torch.Generator().manual_seed(seed)

    def epoch(self, flip=True):
        """Yield (x, y) batches of one shuffled epoch; random horizontal flips
        (garments are left-right symmetric enough for this to help)."""
        perm = torch.randperm(len(self.ytr), generator=self.gen)
        for i in range(0, len(perm) - self.batch + 1, self.batch):
            idx = perm[i:i + self.batch]
            x = self.xtr[idx]
            if flip:
                m = torch.rand(len(idx), generator=self.gen) < 0.5
                x = torch.where(m.view(-1, 1, 1, 1), x.flip(3), x)
            yield x, self.ytr[idx]

    def steps_per_epoch(self):
        return len(self.ytr) // self.batch


@torch.no_grad()
def evaluate(net, loader, limit=None):
    """Top-1 (%) on the 10k test images (or the first `limit`)."""
    net.eval()
    n = len(loader.yte) if limit is None else limit
    correct = 0
    for i in range(0, n, 500):
        x = loader.xte[i:min(n, i + 500)]
        correct += (net(x).argmax(1) == loader.yte[i:min(n, i + 500)]).sum().item()
    return 100.0 * correct / n


def export_onnx(net, path):
    """Opset-13 float32 ONNX with a fixed batch of 1 (input 'input' 1x1x28x28)."""
    net.eval()
    os.makedirs(os.path.dirname(path) or ".", exist_ok=True)
    torch.onnx.export(net, torch.zeros(1, 1, 28, 28), path, opset_version=13,
                      input_names=["input"], output_names=["logits"],
                      do_constant_folding=True)


class Log:
    """Progress lines with elapsed time, flushed (training runs for minutes)."""

    def __init__(self):
        self.t0 = time.time()

    def __call__(self, msg):
        print(f"[{time.time() - self.t0:7.1f}s] {msg}", flush=True)

    def elapsed(self):
        return time.time() - self.t0
