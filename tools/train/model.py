"""The MobileNet-V1-style network for 28x28 grayscale, in the shape HTA runs.

A sequential chain only (the accelerator has no residuals):
  conv 3x3 s2 (1 -> 32), ReLU6                               28x28 -> 14x14
  5 depthwise-separable blocks (dw 3x3 + BN + ReLU6, pw 1x1 + BN + ReLU6):
      pw 64 (dw s1), 128 (dw s2), 128 (s1), 256 (s2), 256 (s1)  -> 4x4
  global average pool, fully connected 256 -> 10 (logits, no activation).
Pointwise layers hold ~80% of the multiply-accumulates, as in MobileNet-V1.
Padding is symmetric 1 for every 3x3 layer; 7x7 -> 4x4 with stride 2 pads
(1, 1) too, so the importer sees explicit pads and nothing implicit.

Each conv unit keeps its BatchNorm while training in float; the quantized
fine-tunes fold BN into the conv first (fold_bn), so the weights they
ternarize are the weights the ONNX file and the accelerator hold.
"""
import torch
from torch import nn

# (kind, c_out, stride) after the first conv; kind "dw" keeps c_in channels.
BLOCKS = [(64, 1), (128, 2), (128, 1), (256, 2), (256, 1)]
FIRST_C = 32
CLASSES = 10


class ConvUnit(nn.Module):
    """conv (+ BN while float) + ReLU6, with an optional per-filter weight quantizer.

    `quant` is None (float) or an object with .weight(w) -> w used in forward
    (see quant.py); it is what makes a unit INT8, ternary, binary or hybrid.
    """

    def __init__(self, c_in, c_out, k, stride, groups, act=True):
        super().__init__()
        self.conv = nn.Conv2d(c_in, c_out, k, stride, k // 2, groups=groups, bias=True)
        self.bn = nn.BatchNorm2d(c_out)
        self.act = nn.ReLU6() if act else nn.Identity()
        self.quant = None

    @property
    def kind(self):
        if self.conv.kernel_size == (1, 1):
            return "pw"
        return "dw" if self.conv.groups > 1 else "conv"

    def forward(self, x):
        w = self.conv.weight if self.quant is None else self.quant.weight(self.conv.weight)
        x = nn.functional.conv2d(x, w, self.conv.bias, self.conv.stride,
                                 self.conv.padding, 1, self.conv.groups)
        return self.act(self.bn(x))

    @torch.no_grad()
    def fold_bn(self):
        """Fold BatchNorm (eval statistics) into the conv's weight and bias."""
        if isinstance(self.bn, nn.Identity):
            return
        bn = self.bn
        g = bn.weight / torch.sqrt(bn.running_var + bn.eps)
        self.conv.weight.mul_(g.view(-1, 1, 1, 1))
        self.conv.bias.copy_((self.conv.bias - bn.running_mean) * g + bn.bias)
        self.bn = nn.Identity()


class FC(nn.Module):
    """Fully connected layer with the same optional quantizer as ConvUnit."""

    def __init__(self, c_in, c_out):
        super().__init__()
        self.fc = nn.Linear(c_in, c_out)
        self.quant = None
        self.kind = "fc"

    def forward(self, x):
        w = self.fc.weight if self.quant is None else self.quant.weight(self.fc.weight)
        return nn.functional.linear(x, w, self.fc.bias)


class Net(nn.Module):
    def __init__(self):
        super().__init__()
        units = [ConvUnit(1, FIRST_C, 3, 2, 1)]
        c = FIRST_C
        for c_out, stride in BLOCKS:
            units.append(ConvUnit(c, c, 3, stride, c))      # depthwise
            units.append(ConvUnit(c, c_out, 1, 1, 1))       # pointwise
            c = c_out
        self.units = nn.ModuleList(units)
        self.pool = nn.AdaptiveAvgPool2d(1)
        self.flatten = nn.Flatten()
        self.fc = FC(c, CLASSES)

    def forward(self, x):
        for u in self.units:
            x = u(x)
        return self.fc(self.flatten(self.pool(x)))

    def layers(self):
        """Every weight layer in order: the conv units, then the FC."""
        return list(self.units) + [self.fc]

    def fold_bn(self):
        for u in self.units:
            u.fold_bn()
        return self


def weight_of(layer):
    return layer.conv.weight if isinstance(layer, ConvUnit) else layer.fc.weight


def macs_per_layer(net, hw=28):
    """Multiply-accumulates per inference of every weight layer (dense count)."""
    out = []
    x = torch.zeros(1, 1, hw, hw)
    with torch.no_grad():
        for u in net.units:
            x = u(x)
            w = u.conv.weight
            out.append(x.shape[2] * x.shape[3] * w.shape[0] * w[0].numel())
    out.append(net.fc.fc.weight.numel())
    return out
