#!/usr/bin/env python3
"""Writes torchvision reference data for Graft's parity tests (run with Debian's python3).

For MODEL it writes into OUT:
  MODEL.pth           torch.save(model.state_dict()) of torchvision's own initialisation,
                      with randomised BatchNorm running statistics so that eval mode is tested
  MODEL.json          {"keys": [[name, shape, dtype], ...], "input_shape": [...], "logits_shape": [...],
                       "loss": ..., "lr": ...}
  MODEL.weights.bin   every float tensor of the state dict, row-major float32, in key order
  MODEL.input.bin     the input batch, float32 NCHW
  MODEL.logits.bin    eval-mode logits, float32
  with --train-step, also (train mode, one SGD step, lr 0.01, momentum 0.9 on the first step,
  labels 0..N-1, loss = CE(main) + aux_weight · Σ CE(aux), every nn.Dropout's and
  StochasticDepth's p set to 0 so that the step is deterministic):
  MODEL.trained.bin   the float tensors after the step, in key order

With --random-layer-scale every `layer_scale` parameter (ConvNeXt) is drawn from U(0.1, 1)
instead of torchvision's 1e-6, so that the residual branches count in the logits.

Usage: python3 torch_reference.py --model resnet18 --out /tmp/ref [--batch 2] [--size 224] [--train-step]
       [--random-layer-scale]
"""
import argparse, json, os

import torch
import torch.nn.functional as F
import torchvision.models as tvm
from torchvision.ops import StochasticDepth

AUX_WEIGHT = {"googlenet": 0.3, "inception_v3": 0.4}


def build(name, classes):
    kwargs = {"num_classes": classes}
    if name == "googlenet":
        kwargs.update(aux_logits=True, init_weights=True, transform_input=False)
    if name == "inception_v3":
        kwargs.update(aux_logits=True, init_weights=True, transform_input=False)
    return getattr(tvm, name)(**kwargs)


def floats(state):
    return [v for v in state.values() if v.dtype.is_floating_point]


def write(path, tensors):
    with open(path, "wb") as f:
        for t in tensors:
            f.write(t.detach().contiguous().to(torch.float32).numpy().tobytes())


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--model", required=True)
    ap.add_argument("--out", required=True)
    ap.add_argument("--batch", type=int, default=2)
    ap.add_argument("--size", type=int, default=224)
    ap.add_argument("--classes", type=int, default=1000)
    ap.add_argument("--train-step", action="store_true")
    ap.add_argument("--random-layer-scale", action="store_true")
    a = ap.parse_args()
    torch.manual_seed(0)
    torch.set_num_threads(2)
    model = build(a.model, a.classes)
    for m in model.modules():
        if isinstance(m, torch.nn.BatchNorm2d):
            m.running_mean.copy_(torch.randn_like(m.running_mean) * 0.1)
            m.running_var.copy_(torch.rand_like(m.running_var) + 0.5)
    if a.random_layer_scale:
        with torch.no_grad():
            for name, p in model.named_parameters():
                if name.endswith("layer_scale"):
                    p.uniform_(0.1, 1.0)
    os.makedirs(a.out, exist_ok=True)
    base = os.path.join(a.out, a.model)
    state = model.state_dict()
    torch.save(state, base + ".pth")
    write(base + ".weights.bin", floats(state))
    x = torch.randn(a.batch, 3, a.size, a.size)
    write(base + ".input.bin", [x])
    model.eval()
    with torch.no_grad():
        logits = model(x)
    write(base + ".logits.bin", [logits])
    meta = {"keys": [[k, list(v.shape), str(v.dtype).replace("torch.", "")] for k, v in state.items()],
            "input_shape": list(x.shape), "logits_shape": list(logits.shape)}
    if a.train_step:
        model.train()
        for m in model.modules():
            if isinstance(m, (torch.nn.Dropout, StochasticDepth)):
                m.p = 0.0
        opt = torch.optim.SGD(model.parameters(), lr=0.01, momentum=0.9)
        labels = torch.arange(a.batch) % a.classes
        out = model(x)
        if isinstance(out, tuple):
            main_logits, aux = out[0], [t for t in out[1:] if t is not None]
        else:
            main_logits, aux = out, []
        loss = F.cross_entropy(main_logits, labels) + sum(AUX_WEIGHT.get(a.model, 0) * F.cross_entropy(t, labels) for t in aux)
        opt.zero_grad()
        loss.backward()
        opt.step()
        write(base + ".trained.bin", floats(model.state_dict()))
        meta.update(loss=loss.item(), lr=0.01, momentum=0.9)
    with open(base + ".json", "w") as f:
        json.dump(meta, f)


if __name__ == "__main__":
    main()
