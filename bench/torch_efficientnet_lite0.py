#!/usr/bin/env python3
"""PyTorch side of the EfficientNet-Lite0 comparison: torch_bench.py with `efficientnet_lite0`.

torchvision has no EfficientNet-Lite0. This script adds one to torchvision's models and runs
../shared/bench/torch_bench.py with every option it takes: the network of Graft's parity test
(Tests/Fixtures/efficientnet_lite0_reference.py, which loads the ImageNet checkpoint strictly
and matches Graft's model: ReLU6, BatchNorm eps 1e-3, no conv bias, TensorFlow "same" padding on
the stride-2 convolutions), with random weights and its head `_fc` registered as `fc`, the name
torch_bench.py replaces; train-last trains `_blocks.15`, `_conv_head` and `_bn1`, as Graft's
bench does.

  /tmp/torch-venv/bin/python bench/torch_efficientnet_lite0.py --model efficientnet_lite0 --batch 32 --precision fp32 bf16 [--compile]
"""
import importlib.util, os, sys

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "Tests", "Fixtures"))
from efficientnet_lite0_reference import EfficientNetLite0 as Reference  # noqa: E402


class EfficientNetLite0(Reference):
    """The reference network, its head under the name `fc`."""

    _fc = property(lambda self: self.fc)  # what the reference's forward reads

    def __init__(self, classes=1000):
        super().__init__("same", classes)
        self.fc = self._modules.pop("_fc")


def efficientnet_lite0(weights=None):
    """torchvision's builder signature; random weights only."""
    if weights is not None:
        raise ValueError("efficientnet_lite0 has random weights only here")
    return EfficientNetLite0()


def main():
    import torchvision.models
    spec = importlib.util.spec_from_file_location(
        "torch_bench", os.path.join(HERE, "..", "..", "shared", "bench", "torch_bench.py"))
    torch_bench = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(torch_bench)
    torchvision.models.efficientnet_lite0 = efficientnet_lite0
    torch_bench.LAST_STAGE["efficientnet_lite0"] = ("_blocks.15.", "_conv_head.", "_bn1.")
    torch_bench.main()  # re-executes this script (sys.argv) with its malloc settings first


if __name__ == "__main__":
    main()
