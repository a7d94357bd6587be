"""hta.torch - a PyTorch model to a hybrid filter bank network HTA runs.

The method (docs/training.md): in every convolution and fully connected layer
keep the filters most sensitive to ternarization at INT8 and make the rest
ternary (TWN: {-a, 0, +a} per filter), then fine-tune with the straight-
through estimator and distillation from the float model. The result is
exported to ONNX with every filter's values exactly as HTA stores them (INT8
filters on their per-channel int8 grid, ternary filters exactly three-valued),
which `hta import --plan auto` reads without quantizing them again.

    import hta.torch as ht
    net = ht.fold_bn(my_model)                       # BatchNorm into the convs
    plan = ht.hybridize(net, train_loader, int8_fraction=0.25)
    ht.finetune(net, train_loader, teacher=my_model, steps=2000)
    ht.export(net, "model.onnx", input_shape=(1, 3, 32, 32))
    # then: hta import model.onnx -o model.hta

Needs python3-torch (Debian) only when imported. Works on any module whose
weight layers are nn.Conv2d (groups 1 or depthwise) and nn.Linear; other
modules (pools, activations, residual adds) are left as they are.
"""
import math

import torch
import torch.fx.experimental.optimization as _fx_opt
from torch import nn
from torch.nn.utils import parametrize

INT8, TERNARY, BINARY = 0, 1, 2
KIND_NAMES = {INT8: 'int8', TERNARY: 'ternary', BINARY: 'binary'}

__all__ = ['INT8', 'TERNARY', 'BINARY', 'fold_bn', 'weight_layers', 'int8_fake', 'twn',
           'binary', 'sensitivity', 'choose_int8', 'hybridize', 'finetune', 'export',
           'kd_loss', 'HybridWeight']


# ---- the per-filter quantizers (rows: one output filter each) ----

def _rows(w):
    return w.reshape(w.shape[0], -1)


def int8_fake(w):
    """Per-output-channel symmetric int8 values (scale max|w| / 127), as floats."""
    r = _rows(w)
    s = r.abs().amax(1, keepdim=True).clamp_min(1e-12) / 127.0
    return (torch.round(r / s).clamp(-127, 127) * s).view_as(w)


def twn(w):
    """TWN of every filter: (alpha * t, t) with delta = 0.7 mean|w| and alpha
    the mean |w| over |w| > delta."""
    r = _rows(w)
    a = r.abs()
    delta = 0.7 * a.mean(1, keepdim=True)
    t = torch.where(r > delta, 1.0, torch.where(r < -delta, -1.0, 0.0))
    nz = (t != 0).float()
    alpha = (a * nz).sum(1, keepdim=True) / nz.sum(1, keepdim=True).clamp_min(1)
    return (alpha * t).view_as(w), t.view_as(w)


def binary(w):
    """Binary of every filter: (alpha * sign, sign) with alpha = mean|w|."""
    r = _rows(w)
    t = torch.where(r >= 0, 1.0, -1.0)
    alpha = r.abs().mean(1, keepdim=True)
    return (alpha * t).view_as(w), t.view_as(w)


def quantized(w, kinds):
    """The values of w with each filter quantized to its kind (a tensor [O])."""
    shape = (-1,) + (1,) * (w.dim() - 1)
    k = kinds.view(shape)
    q = int8_fake(w)
    if (kinds == TERNARY).any():
        q = torch.where(k == TERNARY, twn(w)[0], q)
    if (kinds == BINARY).any():
        q = torch.where(k == BINARY, binary(w)[0], q)
    return q


class HybridWeight(nn.Module):
    """A parametrization of a layer's weight: quantized per filter in the
    forward pass, the latent float weight learning through the straight-
    through estimator (q = w + (Q(w) - w).detach())."""

    def __init__(self, kinds):
        super().__init__()
        self.register_buffer('kinds', torch.as_tensor(kinds, dtype=torch.uint8))

    def forward(self, w):
        return w + (quantized(w, self.kinds) - w).detach()


# ---- model surgery ----

def fold_bn(model):
    """A copy of model (eval mode) with every BatchNorm that follows a conv
    folded into it (torch.fx), so the weights that are quantized are the ones
    exported. The model must be traceable by torch.fx."""
    return _fx_opt.fuse(model.eval())


def weight_layers(model):
    """[(name, module)] of the layers hybridize works on: nn.Conv2d with
    groups 1 or depthwise (groups = channels), and nn.Linear, in order."""
    out = []
    for name, m in model.named_modules():
        if isinstance(m, nn.Linear) or (isinstance(m, nn.Conv2d) and
                                        m.groups in (1, m.in_channels)):
            out.append((name, m))
    return out


def _latent(m):
    return m.parametrizations.weight.original if parametrize.is_parametrized(m, 'weight') \
        else m.weight


def _batches(loader, n):
    for i, b in enumerate(loader):
        if i >= n:
            return
        yield b[0], (b[1] if len(b) > 1 else None)


# ---- which filters stay INT8 ----

def sensitivity(model, loader, batches=16, method='fisher'):
    """Per filter of every weight layer, the loss (or output) change when it
    is ternarized, on the user's data: {layer name: tensor [O]}.

    fisher: 1/2 sum_k F_k (TWN(w)_k - w_k)^2 with the empirical Fisher
        F = E[g^2] of the cross-entropy (needs labels: loader yields (x, y));
    output: mean squared change of the filter's output, relative to the
        layer's mean squared output (no labels; hta import --plan hybrid:F
        uses the same measure)."""
    layers = weight_layers(model)
    model.eval()
    if method == 'fisher':
        fisher = {n: torch.zeros_like(_latent(m)) for n, m in layers}
        for x, y in _batches(loader, batches):
            if y is None:
                raise ValueError("sensitivity(method='fisher') needs labels: the loader "
                                 "must yield (inputs, labels); or use method='output'")
            model.zero_grad()
            nn.functional.cross_entropy(model(x), y).backward()
            for n, m in layers:
                fisher[n] += _latent(m).grad.detach() ** 2
        model.zero_grad()
        out = {}
        for n, m in layers:
            w = _latent(m).detach()
            out[n] = 0.5 * (fisher[n] * (twn(w)[0] - w) ** 2).reshape(w.shape[0], -1).sum(1)
        return out
    if method != 'output':
        raise ValueError("method must be 'fisher' or 'output', not %r" % (method,))
    err = {n: 0.0 for n, _ in layers}
    pwr = {n: 0.0 for n, _ in layers}

    def hook(name, m):
        def f(mod, inp, outp):
            w = _latent(m).detach()
            d = w - twn(w)[0]
            x = inp[0].detach()
            if isinstance(m, nn.Linear):
                e = nn.functional.linear(x, d)
            else:
                e = nn.functional.conv2d(x, d, None, m.stride, m.padding, m.dilation, m.groups)
            dims = [i for i in range(e.dim()) if i != 1]
            err[name] = err[name] + (e ** 2).mean(dims)
            y = outp.detach() - (m.bias.detach().view(1, -1, *([1] * (outp.dim() - 2)))
                                 if m.bias is not None else 0)
            pwr[name] = pwr[name] + (y ** 2).mean()
        return f
    hooks = [m.register_forward_hook(hook(n, m)) for n, m in layers]
    try:
        with torch.no_grad():
            for x, _ in _batches(loader, batches):
                model(x)
    finally:
        for h in hooks:
            h.remove()
    return {n: err[n] / max(float(pwr[n]), 1e-30) for n, _ in layers}


def _macs(model, example):
    """Multiply-accumulates per inference of every weight layer (dense)."""
    macs = {}
    layers = dict(weight_layers(model))

    def hook(name, m):
        def f(mod, inp, outp):
            w = _latent(m)
            pix = outp[0, 0].numel() if outp.dim() > 2 else 1
            macs[name] = pix * w[0].numel()  # per filter
        return f
    hooks = [m.register_forward_hook(hook(n, m)) for n, m in layers.items()]
    try:
        with torch.no_grad():
            model.eval()(example)
    finally:
        for h in hooks:
            h.remove()
    return macs


def choose_int8(sens, int8_fraction, budget='layer', macs=None, keep=()):
    """Kinds per layer from sensitivities: {name: tensor [O] of INT8/TERNARY}.
    budget 'layer': ceil(F O) filters of each layer stay INT8, the most
    sensitive; 'global': filters by sensitivity per MAC until the INT8 ones
    hold the fraction F of all MACs (macs: per-filter MACs of each layer).
    Layers named in keep stay wholly INT8."""
    kinds = {n: torch.full((len(s),), TERNARY, dtype=torch.uint8) for n, s in sens.items()}
    for n in keep:
        kinds[n][:] = INT8
    free = [n for n in sens if n not in keep]
    if budget == 'layer':
        for n in free:
            k = int(math.ceil(int8_fraction * len(sens[n]) - 1e-9))
            kinds[n][torch.argsort(sens[n], descending=True)[:k]] = INT8
        return kinds
    if budget != 'global' or macs is None:
        raise ValueError("budget is 'layer' or 'global' (with macs)")
    total = sum(macs[n] * len(sens[n]) for n in free)
    cand = sorted(((-float(s) / macs[n], n, j) for n in free for j, s in enumerate(sens[n])))
    used = 0
    for _, n, j in cand:
        if used + macs[n] <= int8_fraction * total + 1e-9:
            kinds[n][j] = INT8
            used += macs[n]
    return kinds


def hybridize(model, loader, int8_fraction=0.25, budget='layer', method='fisher', batches=16,
              keep_first_last=True):
    """Rank every filter on loader's data, keep the fraction int8_fraction INT8
    (per layer, or of all MACs with budget='global'), make the rest ternary,
    and attach the quantizers to model's weights (in place). The first and
    last weight layers stay INT8 when keep_first_last (the TWN paper's
    practice, and tools/train's). Returns {layer name: [kind names]}."""
    layers = weight_layers(model)
    if not layers:
        raise ValueError('the model has no nn.Conv2d or nn.Linear layer')
    sens = sensitivity(model, loader, batches, method)
    keep = (layers[0][0], layers[-1][0]) if keep_first_last else ()
    macs = None
    if budget == 'global':
        x, _ = next(iter(_batches(loader, 1)))
        macs = _macs(model, x[:1])
    kinds = choose_int8(sens, int8_fraction, budget, macs, keep)
    for n, m in layers:
        if parametrize.is_parametrized(m, 'weight'):
            parametrize.remove_parametrizations(m, 'weight', leave_parametrized=False)
        parametrize.register_parametrization(m, 'weight', HybridWeight(kinds[n]))
    return {n: [KIND_NAMES[int(k)] for k in kinds[n]] for n, _ in layers}


# ---- fine-tuning ----

def kd_loss(logits, target, teacher_logits, lam=0.5, temp=4.0):
    """L = (1 - l) CE(y, t) + l T^2 CE(softmax(y/T), softmax(teacher/T))."""
    ce = nn.functional.cross_entropy(logits, target)
    if teacher_logits is None or lam == 0:
        return ce
    soft_t = nn.functional.softmax(teacher_logits / temp, dim=1)
    soft = -(soft_t * nn.functional.log_softmax(logits / temp, dim=1)).sum(1).mean()
    return (1 - lam) * ce + lam * temp * temp * soft


def finetune(model, loader, teacher=None, steps=1000, lr=5e-4, kd_lambda=0.5, kd_temp=4.0,
             log=None):
    """Train the hybridized model for `steps` batches of loader (x, y) with
    Adam and a cosine learning rate, distilling from teacher when given.
    Returns the last loss."""
    opt = torch.optim.Adam(model.parameters(), lr=lr)
    step, loss = 0, None
    if teacher is not None:
        teacher.eval()
    while step < steps:
        model.train()
        n_before = step
        for x, y in loader:
            if step >= steps:
                break
            for g in opt.param_groups:
                g['lr'] = lr * 0.5 * (1 + math.cos(math.pi * step / steps))
            with torch.no_grad():
                t = teacher(x) if teacher is not None else None
            loss = kd_loss(model(x), y, t, kd_lambda, kd_temp)
            opt.zero_grad()
            loss.backward()
            opt.step()
            step += 1
            if log is not None and step % 100 == 0:
                log('step %d/%d loss %.4f' % (step, steps, loss.item()))
        if step == n_before:
            raise ValueError('the loader yielded no batch')
    model.eval()
    return None if loss is None else loss.item()


# ---- export ----

@torch.no_grad()
def materialize(model):
    """Replace every quantized weight by its final values (INT8 filters on
    their int8 grid, ternary filters exactly {-a, 0, +a}) and remove the
    quantizers: the model is plain again and computes what HTA will."""
    for _, m in weight_layers(model):
        if parametrize.is_parametrized(m, 'weight'):
            kinds = m.parametrizations.weight[0].kinds
            q = quantized(m.parametrizations.weight.original, kinds)
            parametrize.remove_parametrizations(m, 'weight', leave_parametrized=False)
            m.weight.copy_(q)  # Q(w) itself, not w + (Q(w) - w): exact values
    return model


def export(model, path, input_shape, opset=13):
    """Materialize the quantizers and write an ONNX file (float32, fixed batch
    of input_shape[0]) for `hta import --plan auto`."""
    materialize(model.eval())
    torch.onnx.export(model, torch.zeros(*input_shape), path, opset_version=opset,
                      input_names=['input'], output_names=['logits'], do_constant_folding=True)
    return path
