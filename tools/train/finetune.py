"""Quantization-aware fine-tunes of the float network: TWN, SQ, hybrid filter bank.

All three follow the same two phases, starting from the float state dict with
BatchNorm folded into the convs (so what is ternarized is what is exported):
  1. STE phase: the chosen filters are quantized in the forward pass, the latent
     float weights learn through the straight-through estimator (and, for SQ,
     the per-layer ternary/binary gates learn under the storage regulariser);
  2. frozen phase: SQ gates are hardened, the sign pattern t of every ternary or
     binary filter is fixed, and only its scale alpha, the INT8 filters and all
     biases keep training.
Both phases distil from the float teacher: L = (1-l) CE + l T^2 CE(soft).
The first conv and the FC stay INT8 in every mode (README.md: the contract).
"""
import math

import torch
from torch import nn

import common
import model
import quant


def fisher_sensitivity(net, loader, n_images=2048, batch=32):
    """Per-filter loss impact of ternarizing it, to second order: with the
    empirical Fisher F ~ E[g^2] as the curvature, dL ~ 1/2 sum_k F_k (T(w)_k - w_k)^2.
    Measured on the first n_images training images (a fixed slice: deterministic)."""
    layers = net.layers()
    fisher = [torch.zeros_like(model.weight_of(l)) for l in layers]
    net.eval()
    for i in range(0, n_images, batch):
        x, y = loader.xtr[i:i + batch], loader.ytr[i:i + batch]
        net.zero_grad()
        nn.functional.cross_entropy(net(x), y).backward()
        for f, l in zip(fisher, layers):
            f += model.weight_of(l).grad.detach() ** 2
    out = []
    for f, l in zip(fisher, layers):
        w = model.weight_of(l).detach()
        err = (quant.twn(w)[0] - w) ** 2
        out.append(0.5 * (f * err).reshape(w.shape[0], -1).sum(1))
    net.zero_grad()
    return out


def assign_kinds(net, mode, budget, sens):
    """Kinds of every filter of every layer for the mode."""
    kinds = []
    for i, layer in enumerate(net.layers()):
        n = model.weight_of(layer).shape[0]
        if layer.kind in ("conv", "fc"):
            kinds.append([quant.INT8] * n)
        elif mode == "twn":
            kinds.append([quant.TERNARY] * n)
        elif mode == "sq":
            kinds.append([quant.SQ] * n)
        else:
            keep = int(math.ceil(budget * n - 1e-9))
            order = torch.argsort(sens[i], descending=True)[:keep]
            k = [quant.TERNARY] * n
            for o in order.tolist():
                k[o] = quant.INT8
            kinds.append(k)
    return kinds


def sq_regulariser(net):
    """Storage cost of ternary over binary: sum_l s_l n_l / N (ternary costs one
    more bit per weight); it pulls every gate toward binary, the task loss
    pulls back the layers where ternary matters."""
    total, reg = 0, 0.0
    for layer in net.layers():
        q = layer.quant
        n = model.weight_of(layer).numel()
        if q is not None and q.gate is not None:
            reg = reg + q.sq_share() * n
            total += n
    return reg / max(total, 1)


def train_phase(net, teacher, loader, log, epochs, lr, args, name, sq_lambda=0.0):
    gates = [p for n, p in net.named_parameters() if n.endswith("gate")]
    others = [p for n, p in net.named_parameters() if not n.endswith("gate")]
    groups = [{"params": others, "base": lr}]
    if gates:
        groups.append({"params": gates, "base": lr * 50})
    opt = torch.optim.Adam(groups, lr=lr)
    total = int(epochs * loader.steps_per_epoch())
    step = 0
    while step < total:
        net.train()
        for x, y in loader.epoch():
            if step >= total:
                break
            c = 0.5 * (1 + math.cos(math.pi * step / total))
            for g in opt.param_groups:
                g["lr"] = g["base"] * c
            with torch.no_grad():
                t_logits = teacher(x)
            loss = common.kd_loss(net(x), y, t_logits, args.kd_lambda, args.kd_temp)
            if sq_lambda:
                loss = loss + sq_lambda * sq_regulariser(net)
            opt.zero_grad()
            loss.backward()
            opt.step()
            step += 1
            if step % 200 == 0:
                log(f"{name} step {step}/{total} loss {loss.item():.4f}")
    acc = common.evaluate(net, loader)
    log(f"{name}: test top-1 {acc:.2f}%")
    return acc


def cost(net):
    """Multiplications and weight bytes of the quantized net vs all-INT8 (the
    accounting of docs/training.md: an INT8 filter = K mults per output pixel,
    a ternary/binary filter = 1 scale mult per output pixel; INT8 weight 1 byte,
    ternary 2 bits + 1 byte alpha, binary 1 bit + 1 byte alpha)."""
    macs = model.macs_per_layer(net)
    m_int8 = m_q = 0
    b_int8 = b_q = 0.0
    for layer, mac in zip(net.layers(), macs):
        w = model.weight_of(layer)
        n, k = w.shape[0], w[0].numel()
        pix = mac // (n * k)
        m_int8 += mac
        b_int8 += n * k
        kinds = layer.quant.kinds.tolist() if layer.quant is not None else [0] * n
        for kd in kinds:
            if kd == quant.INT8:
                m_q += pix * k
                b_q += k
            else:
                m_q += pix
                b_q += k * (2 if kd == quant.TERNARY else 1) / 8 + 1
    return dict(mults_int8=m_int8, mults=m_q, mults_saved_pct=round(100 * (1 - m_q / m_int8), 1),
                weight_bytes_int8=int(b_int8), weight_bytes=int(math.ceil(b_q)),
                weight_bytes_saved_pct=round(100 * (1 - b_q / b_int8), 1))


def run(args, loader, log):
    teacher = model.Net()
    teacher.load_state_dict(torch.load(args.teacher))
    teacher.eval()
    net = model.Net()
    net.load_state_dict(teacher.state_dict())
    net.fold_bn()
    res = {}
    sens = fisher_sensitivity(net, loader) if args.mode == "hybrid" else None
    for layer, k in zip(net.layers(), assign_kinds(net, args.mode, args.budget, sens)):
        layer.quant = quant.LayerQuant(k)
    res["ptq_top1"] = round(common.evaluate(net, loader), 2)
    log(f"quantized before fine-tuning {res['ptq_top1']}%")
    e1 = args.epochs or 1
    lr = args.lr or 5e-4
    res["ste_top1"] = round(train_phase(net, teacher, loader, log, e1, lr, args, "ste",
                                        args.sq_lambda if args.mode == "sq" else 0), 2)
    for i, layer in enumerate(net.layers()):
        share = layer.quant.sq_share().item() if layer.quant.gate is not None else None
        choice = layer.quant.harden_sq()
        if choice is not None:
            log(f"sq: layer {i} ({layer.kind}) s = {share:.3f} -> {quant.KIND_NAMES[choice]}")
        layer.quant.freeze(model.weight_of(layer))
    res["frozen_top1"] = round(common.evaluate(net, loader), 2)
    res["tuned_top1"] = round(train_phase(net, teacher, loader, log, args.epochs2, lr / 2, args,
                                          "frozen"), 2)
    if args.mode == "hybrid":
        res["budget"] = args.budget
        res["sensitivity"] = "fisher"
    res.update(cost(net))
    res["layers"] = [dict(op=l.kind, kinds=l.quant.summary()) for l in net.layers()]
    return net, res


@torch.no_grad()
def materialize(net):
    """Write every quantizer's final values into the plain weights, drop the quantizers."""
    for layer in net.layers():
        if layer.quant is not None:
            w = model.weight_of(layer)
            w.copy_(layer.quant.final(w))
            layer.quant = None
    return net
