#!/usr/bin/env python3
"""PyTorch side of the EfficientNet-Lite0 comparison: Graft's `efficientnet_lite0` in PyTorch.

torchvision has no EfficientNet-Lite0, so this module builds the same network as
Sources/GraftModels/EfficientNetLite0.swift, with the same layers, parameter names and shapes
(timm's `tf_efficientnet_lite0` architecture): a 3×3/2 stem of 32, 16 MBConv blocks without
squeeze-and-excitation, a 1×1 head conv of 1280, average pooling, dropout 0.2 and the head;
ReLU6 everywhere, BatchNorm eps 1e-3, no conv bias, and TensorFlow's "same" padding (the extra
pixel of a stride-2 convolution on an even input at the bottom/right). Weights are random
(timing does not depend on them). The head is `fc` (Graft: `_fc`), the name torch_bench.py
looks for.

Run as a script, it is torch_bench.py with `efficientnet_lite0` among torchvision's models
(and its last stage, `_blocks.15`, `_conv_head`, `_bn1`, for train-last); every option of
torch_bench.py works:
  /tmp/torch-venv/bin/python bench/torch_efficientnet_lite0.py --model efficientnet_lite0 --batch 32
"""
import importlib.util, os, sys

import torch, torch.nn as nn, torch.nn.functional as F

# (repeats, kernel, stride of the first block, expansion, in, out channels), as Graft's blockSettings.
BLOCKS = [(1, 3, 1, 1, 32, 16), (2, 3, 2, 6, 16, 24), (2, 5, 2, 6, 24, 40), (3, 3, 2, 6, 40, 80),
          (3, 5, 1, 6, 80, 112), (4, 5, 2, 6, 112, 192), (1, 3, 1, 6, 192, 320)]
TORCH_BENCH = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "shared", "bench", "torch_bench.py")


class SameConv2d(nn.Conv2d):
    """A bias-free convolution with TensorFlow's "same" padding: symmetric for stride 1 (odd
    kernels), otherwise padded by F.pad with the extra pixel at the bottom/right."""

    def __init__(self, cin, cout, kernel, stride=1, groups=1):
        super().__init__(cin, cout, kernel, stride, padding=kernel // 2 if stride == 1 else 0, groups=groups, bias=False)

    def forward(self, x):
        if self.stride[0] == 1:
            return super().forward(x)
        pads = []
        for size in (x.shape[-1], x.shape[-2]):  # F.pad takes the last dimension first
            total = max((-(-size // self.stride[0]) - 1) * self.stride[0] + self.kernel_size[0] - size, 0)
            pads += [total // 2, total - total // 2]
        return super().forward(F.pad(x, pads))


def batch_norm(channels):
    return nn.BatchNorm2d(channels, eps=1e-3, momentum=0.01)


class MBConvBlock(nn.Module):
    def __init__(self, cin, cout, kernel, stride, expand):
        super().__init__()
        mid = cin * expand
        if expand != 1:
            self._expand_conv, self._bn0 = SameConv2d(cin, mid, 1), batch_norm(mid)
        self._depthwise_conv, self._bn1 = SameConv2d(mid, mid, kernel, stride, groups=mid), batch_norm(mid)
        self._project_conv, self._bn2 = SameConv2d(mid, cout, 1), batch_norm(cout)
        self.skip = stride == 1 and cin == cout

    def forward(self, inputs):
        x = inputs
        if hasattr(self, "_expand_conv"):
            x = F.relu6(self._bn0(self._expand_conv(x)))
        x = F.relu6(self._bn1(self._depthwise_conv(x)))
        x = self._bn2(self._project_conv(x))
        return x + inputs if self.skip else x


class EfficientNetLite0(nn.Module):
    def __init__(self, num_classes=1000, dropout=0.2):
        super().__init__()
        self._conv_stem, self._bn0 = SameConv2d(3, 32, 3, 2), batch_norm(32)
        self._blocks = nn.Sequential(*[
            MBConvBlock(cin if i == 0 else cout, cout, kernel, stride if i == 0 else 1, expand)
            for repeats, kernel, stride, expand, cin, cout in BLOCKS for i in range(repeats)])
        self._conv_head, self._bn1 = SameConv2d(320, 1280, 1), batch_norm(1280)
        self._dropout = nn.Dropout(dropout)
        self.fc = nn.Linear(1280, num_classes)
        for m in self.modules():  # torchvision's EfficientNet initialisation, as Graft's
            if isinstance(m, nn.Conv2d):
                nn.init.kaiming_normal_(m.weight, mode="fan_out")
        bound = 1 / num_classes ** 0.5
        nn.init.uniform_(self.fc.weight, -bound, bound)
        nn.init.zeros_(self.fc.bias)

    def forward(self, x):
        x = F.relu6(self._bn0(self._conv_stem(x)))
        x = self._blocks(x)
        x = F.relu6(self._bn1(self._conv_head(x)))
        return self.fc(self._dropout(torch.flatten(F.adaptive_avg_pool2d(x, 1), 1)))


def efficientnet_lite0(weights=None, num_classes=1000):
    """torchvision's builder signature; only random weights."""
    if weights is not None:
        raise ValueError("efficientnet_lite0 here has random weights only")
    return EfficientNetLite0(num_classes)


def main():
    import torchvision.models
    spec = importlib.util.spec_from_file_location("torch_bench", TORCH_BENCH)
    torch_bench = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(torch_bench)
    torchvision.models.efficientnet_lite0 = efficientnet_lite0
    torch_bench.LAST_STAGE["efficientnet_lite0"] = ("_blocks.15.", "_conv_head.", "_bn1.")
    torch_bench.main()  # re-executes this script (sys.argv) for its malloc settings


if __name__ == "__main__":
    main()
