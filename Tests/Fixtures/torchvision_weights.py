"""Prints, as JSON, the ImageNet weight sets the installed torchvision publishes for the models
named on the command line: for each model its DEFAULT set's name and, per set, the URL, the
reported ImageNet-1K accuracy and the evaluation transform's sizes and interpolation."""
import json
import math
import sys

import torchvision.models as models


def number(value):
    return value if isinstance(value, (int, float)) and math.isfinite(value) else None


def describe(weights):
    transform = weights.transforms()
    metrics = weights.meta.get("_metrics", {}).get("ImageNet-1K", {})
    return {
        "name": weights.name,
        "url": weights.url,
        "top1": number(metrics.get("acc@1")),
        "top5": number(metrics.get("acc@5")),
        "crop": transform.crop_size[0],
        "resize": transform.resize_size[0],
        "interpolation": transform.interpolation.value,
        "mean": list(transform.mean),
        "std": list(transform.std),
        "categories": weights.meta["categories"],
    }


out = {}
for name in sys.argv[1:]:
    enum = models.get_model_weights(name)
    out[name] = {"default": enum.DEFAULT.name, "sets": [describe(w) for w in enum]}
print(json.dumps(out))
