"""Per-filter weight quantizers used while fine-tuning (docs/training.md).

A LayerQuant sits on one weight layer and gives each output filter a kind:
  INT8     per-output-channel symmetric fake quantization (scale max|w|/127),
  TERNARY  TWN: delta = 0.7 mean|w|, alpha = mean of |w| over |w| > delta,
  BINARY   alpha = mean|w|, w -> alpha sign(w),
  SQ       (whole layer) a learned mix s T(w) + (1 - s) B(w), s = sigmoid(gate),
           hardened to TERNARY or BINARY when the search ends.
Quantized values pass gradients straight through to the latent float weights
(STE: q = w + (Q(w) - w).detach()). freeze() then fixes the sign pattern t of
every ternary/binary filter; only its scale alpha (one per filter) keeps
training, so the filter stays exactly {-a, 0, +a} / {-a, +a}.
"""
import os
import sys

import torch
from torch import nn

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), '..', '..',
                                'python'))
# The per-filter quantizers are hta.torch's (one definition for this training
# and for users' own models); SQ, the learned ternary/binary mix, is ours.
from hta.torch import BINARY, INT8, TERNARY, binary, int8_fake, twn  # noqa: E402

SQ = 3
KIND_NAMES = {INT8: "int8", TERNARY: "ternary", BINARY: "binary", SQ: "sq"}


def _rows(w):
    return w.reshape(w.shape[0], -1)


def ste(w, q):
    return w + (q - w).detach()


class LayerQuant(nn.Module):
    def __init__(self, kinds):
        super().__init__()
        self.register_buffer("kinds", torch.as_tensor(kinds, dtype=torch.uint8))
        self.gate = nn.Parameter(torch.zeros(())) if (self.kinds == SQ).any() else None
        self.frozen = False

    def sq_share(self):
        """Weight of the ternary branch of an SQ layer (1 = ternary)."""
        return torch.sigmoid(self.gate)

    def _quantized(self, w):
        shape = (-1,) + (1,) * (w.dim() - 1)
        k = self.kinds.view(shape)
        q = int8_fake(w)
        if (self.kinds == TERNARY).any() or (self.kinds == SQ).any():
            qt = twn(w)[0]
            q = torch.where(k == TERNARY, qt, q)
        if (self.kinds == BINARY).any() or (self.kinds == SQ).any():
            qb = binary(w)[0]
            q = torch.where(k == BINARY, qb, q)
        if self.gate is not None:
            s = self.sq_share()
            q = torch.where(k == SQ, s * qt.detach() + (1 - s) * qb.detach(), q)
        return q

    def weight(self, w):
        if not self.frozen:
            q = self._quantized(w)
            if self.gate is not None:
                # the gate learns from the mix itself; the latent weights by STE
                return ste(w, q.detach()) + (q - q.detach())
            return ste(w, q)
        shape = (-1,) + (1,) * (w.dim() - 1)
        k = self.kinds.view(shape)
        fixed = self.alpha.abs().view(shape) * self.t
        return torch.where(k == INT8, ste(w, int8_fake(w)), fixed)

    def harden_sq(self):
        """End of the SQ search: the layer becomes wholly ternary or binary."""
        if self.gate is None:
            return None
        choice = TERNARY if self.sq_share().item() > 0.5 else BINARY
        self.kinds[self.kinds == SQ] = choice
        self.gate = None
        return choice

    @torch.no_grad()
    def freeze(self, w):
        """Fix t of the ternary/binary filters; their alpha stays trainable."""
        self.harden_sq()
        shape = (-1,) + (1,) * (w.dim() - 1)
        k = self.kinds.view(shape)
        qt, tt = twn(w)
        qb, tb = binary(w)
        t = torch.where(k == BINARY, tb, tt)
        q = torch.where(k == BINARY, qb, qt)
        alpha = _rows(q).abs().amax(1)
        self.register_buffer("t", t.clone())
        self.alpha = nn.Parameter(alpha.clone())
        self.frozen = True

    @torch.no_grad()
    def final(self, w):
        """The exported weight: INT8 filters on their int8 grid (float), ternary and
        binary filters exactly {-a, 0, +a} / {-a, +a} with one float a per filter."""
        if not self.frozen:
            self.freeze(w)
        shape = (-1,) + (1,) * (w.dim() - 1)
        k = self.kinds.view(shape)
        a = self.alpha.abs().clamp_min(1e-8).view(shape).expand_as(w)
        fixed = torch.where(self.t > 0, a, torch.where(self.t < 0, -a, torch.zeros_like(w)))
        return torch.where(k == INT8, int8_fake(w), fixed)

    def summary(self):
        return [KIND_NAMES[int(k)] for k in self.kinds]
