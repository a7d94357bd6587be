#!/usr/bin/python3
"""Train HTA's Fashion-MNIST models (see README.md in this folder).

  train.py --mode float  [--epochs 6]                 -> models/fmnist_float.onnx
  train.py --mode twn    --teacher build/train/float.pt  -> models/fmnist_twn.onnx
  train.py --mode sq     --teacher ...                 -> models/fmnist_sq.onnx
  train.py --mode hybrid --teacher ... --budget 0.25   -> models/fmnist_hybrid25.onnx

Every run is deterministic for a given --seed on one CPU thread.
"""
import argparse
import copy
import json
import math
import os
import sys

import torch
from torch import nn

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import common  # noqa: E402
import model  # noqa: E402


def parse():
    p = argparse.ArgumentParser(description=__doc__,
                                formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--mode", required=True, choices=["float", "twn", "sq", "hybrid"])
    p.add_argument("--seed", type=int, default=7)
    p.add_argument("--epochs", type=float, default=None,
                   help="float: epochs (default 6); fine-tunes: STE phase epochs (default 1)")
    p.add_argument("--epochs2", type=float, default=0.5,
                   help="fine-tunes: frozen phase epochs (default 0.5)")
    p.add_argument("--lr", type=float, default=None)
    p.add_argument("--batch", type=int, default=128)
    p.add_argument("--teacher", help="float state dict (.pt) to start from / distil from")
    p.add_argument("--budget", type=float, default=0.25,
                   help="hybrid: fraction of INT8 filters per quantized layer")
    p.add_argument("--kd-lambda", type=float, default=0.7)
    p.add_argument("--kd-temp", type=float, default=4.0)
    p.add_argument("--sq-lambda", type=float, default=0.5,
                   help="sq: weight of the ternary-cost regulariser")
    p.add_argument("--out", required=True, help="ONNX file to write")
    p.add_argument("--pt", help="also save the state dict here (float mode)")
    p.add_argument("--report", help="append a JSON line of results here")
    return p.parse_args()


def cosine_lr(opt, base, step, total):
    lr = 0.5 * base * (1 + math.cos(math.pi * step / total))
    for g in opt.param_groups:
        g["lr"] = lr


def train_float(args, loader, log):
    net = model.Net()
    epochs = args.epochs or 6
    lr = args.lr or 0.1
    opt = torch.optim.SGD(net.parameters(), lr=lr, momentum=0.9, nesterov=True,
                          weight_decay=4e-5)
    total = int(epochs * loader.steps_per_epoch())
    step = 0
    while step < total:
        net.train()
        for x, y in loader.epoch():
            if step >= total:
                break
            cosine_lr(opt, lr, step, total)
            loss = nn.functional.cross_entropy(net(x), y)
            opt.zero_grad()
            loss.backward()
            opt.step()
            step += 1
            if step % 100 == 0:
                log(f"step {step}/{total} loss {loss.item():.4f}")
        log(f"step {step}: test top-1 {common.evaluate(net, loader):.2f}%")
    if args.pt:
        os.makedirs(os.path.dirname(args.pt) or ".", exist_ok=True)
        torch.save(net.state_dict(), args.pt)
    return net, {}


def main():
    args = parse()
    common.setup(args.seed)
    log = common.Log()
    loader = common.Loader(args.seed, args.batch)
    if args.mode == "float":
        net, extra = train_float(args, loader, log)
    else:
        import finetune
        net, extra = finetune.run(args, loader, log)
    if args.mode == "float":
        extra["layers"] = [dict(op=l.kind, kinds=["float"] * model.weight_of(l).shape[0])
                           for l in net.layers()]
        net = copy.deepcopy(net).fold_bn()
    else:
        import finetune
        net = finetune.materialize(copy.deepcopy(net))
    # measured on exactly the weights that go into the ONNX file
    acc = common.evaluate(net, loader)
    common.export_onnx(net, args.out)
    res = dict(mode=args.mode, seed=args.seed, out=args.out, top1=round(acc, 2),
               seconds=round(log.elapsed(), 1), onnx_bytes=os.path.getsize(args.out),
               **extra)
    with open(os.path.splitext(args.out)[0] + ".json", "w") as f:
        json.dump(res, f, indent=1)
        f.write("\n")
    res.pop("layers")
    log("result " + json.dumps(res))
    if args.report:
        with open(args.report, "a") as f:
            f.write(json.dumps(res) + "\n")


if __name__ == "__main__":
    main()
