#!/usr/bin/env python3
"""Loads a safetensors file written by Graft into a torchvision model with
load_state_dict(strict=True), then saves the model's state dict with torch.save.

Usage: python3 torchvision_load.py MODEL CLASSES IN.safetensors OUT.pth
"""
import collections, json, os, struct, sys

import torch

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from torch_reference import build  # noqa: E402


def read_safetensors(path):
    with open(path, "rb") as f:
        raw = f.read()
    (n,) = struct.unpack("<Q", raw[:8])
    header = json.loads(raw[8:8 + n])
    header.pop("__metadata__", None)
    data = raw[8 + n:]
    dtypes = {"F32": torch.float32, "I64": torch.int64}
    state = collections.OrderedDict()
    for key, info in sorted(header.items(), key=lambda kv: kv[1]["data_offsets"][0]):
        b, e = info["data_offsets"]
        state[key] = torch.frombuffer(bytearray(data[b:e]), dtype=dtypes[info["dtype"]]).reshape(info["shape"]).clone()
    return state


def main():
    name, classes, src, dst = sys.argv[1], int(sys.argv[2]), sys.argv[3], sys.argv[4]
    model = build(name, classes)
    model.load_state_dict(read_safetensors(src), strict=True)
    torch.save(model.state_dict(), dst)


if __name__ == "__main__":
    main()
