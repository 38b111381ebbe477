#!/usr/bin/env python3
"""Loads a PyTorch checkpoint that Graft wrote, as a PyTorch user would (run with Debian's
python3, torch 1.13).

Usage: python3 torch_load_check.py IN.pth DUMP [MODEL CLASSES]

torch.load(IN, weights_only=True) must give an OrderedDict of contiguous CPU tensors. With
MODEL (a torchvision model name, or lenet5), the state dict is loaded into a fresh model with
load_state_dict(strict=True), and the model's own state dict must then equal it exactly.
Writes every tensor's bytes (contiguous, native dtype) one after another into DUMP and
prints JSON: {"keys", "dtypes", "shapes", "strides", "entries", "data_offsets"}, the last
two being the zip entries in file order and where their data starts (zipfile checks every
CRC-32 first).
"""
import collections, json, os, struct, sys, zipfile

import torch
from torch import nn

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from torch_reference import build  # noqa: E402


class LeNet5(nn.Module):
    """Graft's LeNet5 (GraftModels/LeNet5.swift): same layers, same state-dict names."""

    def __init__(self, classes):
        super().__init__()
        self.conv1 = nn.Conv2d(1, 6, 5)
        self.conv2 = nn.Conv2d(6, 16, 5)
        self.fc1 = nn.Linear(16 * 5 * 5, 120)
        self.fc2 = nn.Linear(120, 84)
        self.fc3 = nn.Linear(84, classes)


def zip_layout(path):
    with zipfile.ZipFile(path) as z:
        bad = z.testzip()
        if bad is not None:
            raise SystemExit(f"{path}: CRC-32 of {bad} is wrong")
        infos = z.infolist()
    offsets = []
    with open(path, "rb") as f:
        for info in infos:
            f.seek(info.header_offset)
            header = f.read(30)
            if header[:4] != b"PK\x03\x04":
                raise SystemExit(f"{path}: no local header for {info.filename}")
            name_length, extra_length = struct.unpack("<HH", header[26:30])
            offsets.append(info.header_offset + 30 + name_length + extra_length)
    return [i.filename for i in infos], offsets


def main():
    path, dump = sys.argv[1], sys.argv[2]
    entries, offsets = zip_layout(path)
    state = torch.load(path, weights_only=True)
    if type(state) is not collections.OrderedDict:
        raise SystemExit(f"{path}: torch.load gave a {type(state).__name__}, not an OrderedDict")
    for key, t in state.items():
        if type(t) is not torch.Tensor or t.device.type != "cpu" or not t.is_contiguous():
            raise SystemExit(f"{path}: {key!r} is not a contiguous CPU tensor")
    if len(sys.argv) > 3:
        name, classes = sys.argv[3], int(sys.argv[4])
        model = LeNet5(classes) if name == "lenet5" else build(name, classes)
        model.load_state_dict(state, strict=True)
        own = model.state_dict()
        if list(own) != list(state):
            raise SystemExit(f"{name}: state-dict order differs")
        for key, t in own.items():
            if t.dtype != state[key].dtype or not torch.equal(t, state[key]):
                raise SystemExit(f"{name}: {key} differs after load_state_dict")
    with open(dump, "wb") as f:
        for t in state.values():
            f.write(t.numpy().tobytes())
    print(json.dumps({
        "keys": list(state),
        "dtypes": [str(t.dtype) for t in state.values()],
        "shapes": [list(t.shape) for t in state.values()],
        "strides": [list(t.stride()) for t in state.values()],
        "entries": entries,
        "data_offsets": offsets,
    }))


if __name__ == "__main__":
    main()
