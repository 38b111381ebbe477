#!/usr/bin/env python3
"""The PyTorch side of the lab: `graft demo`'s four ways, the same recipe, the same table.

`graft demo` writes into each run folder the images it used (subset.json: the IDX files and the
indices of the training, validation and test images). This script reads that file and the IDX
files and trains the ImageNet-pretrained EfficientNet-Lite0 the demo's four ways in PyTorch:

  way                          freeze   weights   epochs  lr     BN momentum
  head only, cached features   head     ImageNet  30      3e-3   0.01 (the checkpoint's)
  last stages (last:4)         last:4   ImageNet  6       1e-3   0.01
  full fine-tune               none     ImageNet  6       1e-3   0.01
  from scratch                 none     random    18      3e-3   0.1

and, with --rerun-lr-scale S, each way a second time at lr × S (as `graft demo --rerun-lr-scale S`).
The recipe is Graft's, checked against its sources:
- Model: Tests/Fixtures/efficientnet_lite0_reference.py (TensorFlow "same" padding, BN eps 1e-3,
  ReLU6, dropout 0.2 before the head), loading the checkpoint strictly; the head `_fc` replaced by
  a new nn.Linear(1280, 10) with torch's default initialisation (Graft's head surgery, which
  `graft train` applies from scratch too). From scratch: convolutions Kaiming-normal (fan out),
  BN weight 1 and bias 0 (Graft's EfficientNetLite0 initialisation).
- Freezing: Graft's stages are `_conv_stem`, `_bn0`, `_blocks.0` … `_blocks.15`, `_conv_head`,
  `_bn1`, then the head; last:4 trains `_blocks.14`, `_blocks.15`, `_conv_head`, `_bn1` and `_fc`.
  A BatchNorm whose parameters are all frozen runs in eval mode (Graft's setTrainingMode).
- Head only: the trunk (everything before dropout and `_fc`, in eval mode) runs once over the
  evaluation transform of the training and validation images, and the head trains on those
  features (Graft's feature cache with one view: no augmentation, no dropout); the test images
  go through the trunk once for the best head.
- Data: Fashion-MNIST's 28×28 grey images at the subset's indices, grey → RGB. Training:
  RandomResizedCrop(64, scale=(0.6, 1), ratio=(3/4, 4/3), bilinear) and RandomHorizontalFlip on the
  PIL image, as Graft's `random-resized-crop(64, scale=0.6-1), hflip`. Evaluation: Resize(73,
  bilinear) and CenterCrop(64) (Graft: shorter side 64 × 256/224 rounded, then centre crop). Then
  (pixel − 127) / 128. Graft reimplements PIL's bilinear filter with its 8-bit rounding, so the
  evaluation tensors agree to float rounding (--check-images writes tensors for comparison); the
  random draws differ (another generator), their distributions do not.
- Training: AdamW (betas 0.9/0.999, eps 1e-8, weight decay 0.01 on every trained parameter),
  batch 32 reshuffled every epoch, a last batch of one image left out; the learning rate per
  batch on Graft's one-cycle curve (torch's OneCycleLR, cosine, pct_start 0.3, div 25, final
  div 1e4, momentum not cycled); cross-entropy. Validation every epoch; the best epoch is the
  first with the highest validation top-1, and its weights are tested on the subset's test images.
- Time: wall time of each way from its start (model, data, training, validation, test), as
  Graft's table reports; one difference: the IDX files are read once, before the first way
  (a fraction of a second), where each Graft run opens them again.
Speed settings: torch.set_num_threads(--threads, default 2, the machine's cores); the images
go through their transforms in a DataLoader with --workers worker processes (0, 1 or 2;
default 0); --channels-last runs the network in channels_last. Which of these is fastest
depends on the machine: time them on a quiet one and report the fastest.

  graft demo --out graft-demo                       # writes graft-demo/*/subset.json
  /tmp/torch-venv/bin/python bench/lab.py --subset graft-demo/head/subset.json \\
      --weights .cache/efficientnet-lite0-57934424.pth [--rerun-lr-scale 0.3] [--out lab.json]
Quick check: --ways head,last --epochs-scale 0.2 --test-limit 1000.
"""
import argparse, copy, gzip, json, math, os, sys, time

import numpy as np
import torch
import torch.nn as nn
import torch.nn.functional as F
from PIL import Image
from torchvision import transforms

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "Tests", "Fixtures"))
from efficientnet_lite0_reference import EfficientNetLite0  # noqa: E402

# (key, way, freeze, pretrained, epochs option, learning rate), as Sources/GraftTrain/Demo.swift.
WAYS = [("head", "head only, cached features", "head", True, "head_epochs", 3e-3),
        ("last", "last stages (last:4)", "last:4", True, "epochs", 1e-3),
        ("full", "full fine-tune", "none", True, "epochs", 1e-3),
        ("scratch", "from scratch", "none", False, "scratch_epochs", 3e-3)]
MEAN, STD = 127 / 255, 128 / 255


class LabError(Exception):
    pass


# ---- data ---------------------------------------------------------------------------------

def read_idx(path):
    """The array of an IDX file (plain or gzipped), its dimensions checked against its size."""
    try:
        with (gzip.open if path.endswith(".gz") else open)(path, "rb") as f:
            raw = f.read()
    except OSError as e:
        raise LabError(f"{path}: cannot read: {e}")
    if len(raw) < 4 or raw[0] != 0 or raw[1] != 0 or raw[2] != 0x08:
        raise LabError(f"{path}: not an IDX file of unsigned bytes")
    ndim = raw[3]
    if len(raw) < 4 + 4 * ndim:
        raise LabError(f"{path}: truncated header")
    dims = [int.from_bytes(raw[4 + 4 * i:8 + 4 * i], "big") for i in range(ndim)]
    size = math.prod(dims)
    if len(raw) != 4 + 4 * ndim + size:
        raise LabError(f"{path}: {len(raw) - 4 - 4 * ndim} bytes of data for dimensions {dims}")
    return np.frombuffer(raw, dtype=np.uint8, offset=4 + 4 * ndim).reshape(dims)


def labels_path(images_path):
    if "images-idx3-ubyte" not in images_path:
        raise LabError(f"{images_path}: not an IDX images file (…-images-idx3-ubyte[.gz])")
    return images_path.replace("images-idx3-ubyte", "labels-idx1-ubyte")


def load_part(subset_path, subset, key, cache):
    """(images N×28×28 uint8, labels N int64) of the subset's part `key`, checked against the IDX files."""
    part = subset.get(key)
    if not isinstance(part, dict) or not isinstance(part.get("source"), str):
        raise LabError(f"{subset_path}: '{key}' has no IDX 'source' (the lab reads Fashion-MNIST IDX subsets)")
    indices, labels = part.get("indices"), part.get("labels")
    if not isinstance(indices, list) or not isinstance(labels, list) or len(indices) != len(labels) or not indices:
        raise LabError(f"{subset_path}: '{key}' needs as many 'indices' as 'labels', at least one")
    source = part["source"]
    if source not in cache:
        cache[source] = (read_idx(source), read_idx(labels_path(source)))
    images, all_labels = cache[source]
    if images.ndim != 3 or all_labels.ndim != 1 or len(all_labels) != len(images):
        raise LabError(f"{source}: {images.shape} images and {all_labels.shape} labels do not pair up")
    for i in indices:
        if not isinstance(i, int) or isinstance(i, bool) or not 0 <= i < len(images):
            raise LabError(f"{subset_path}: '{key}.indices' holds {i!r}, outside {source}'s {len(images)} images")
    idx = np.asarray(indices, dtype=np.int64)
    got = all_labels[idx].astype(np.int64)
    if not all(isinstance(v, int) and not isinstance(v, bool) for v in labels) or not np.array_equal(got, np.asarray(labels, dtype=np.int64)):
        raise LabError(f"{subset_path}: '{key}.labels' differ from {labels_path(source)} at the same indices")
    return images[idx], got


def keep_per_class(images, labels, n):
    keep = np.concatenate([np.flatnonzero(labels == c)[:n] for c in np.unique(labels)])
    keep.sort()
    return images[keep], labels[keep]


class Images(torch.utils.data.Dataset):
    """Grey uint8 images through a PIL transform, then grey → RGB and (x − 127) / 128."""

    def __init__(self, images, labels, transform):
        self.images, self.labels, self.transform = images, torch.from_numpy(labels), transform

    def __len__(self):
        return len(self.images)

    def __getitem__(self, i):
        x = self.transform(Image.fromarray(self.images[i], "L"))
        x = transforms.functional.pil_to_tensor(x).float().div_(255).sub_(MEAN).div_(STD)
        return x.expand(3, -1, -1), self.labels[i]


def train_transform(size):
    return transforms.Compose([transforms.RandomResizedCrop(size, scale=(0.6, 1.0), ratio=(3 / 4, 4 / 3),
                                                            interpolation=transforms.InterpolationMode.BILINEAR),
                               transforms.RandomHorizontalFlip()])


def eval_transform(size):
    return transforms.Compose([transforms.Resize(round(size * 256 / 224), interpolation=transforms.InterpolationMode.BILINEAR),
                               transforms.CenterCrop(size)])


# ---- model --------------------------------------------------------------------------------

def stage_prefixes(model):
    """Graft's stages below the head, input first."""
    return ["_conv_stem", "_bn0"] + [f"_blocks.{i}" for i in range(len(model._blocks))] + ["_conv_head", "_bn1"]


def trunk(model, x):
    """The reference's forward up to (not including) dropout and the head."""
    x = F.relu6(model._bn0(model._conv_stem(x)))
    for block in model._blocks:
        x = block(x)
    x = F.relu6(model._bn1(model._conv_head(x)))
    return torch.flatten(F.adaptive_avg_pool2d(x, 1), 1)


def build_model(pretrained, weights, classes, bn_momentum):
    model = EfficientNetLite0("same")
    if pretrained:
        model.load_state_dict(torch.load(weights, map_location="cpu"), strict=True)
    else:
        for m in model.modules():
            if isinstance(m, nn.Conv2d):
                nn.init.kaiming_normal_(m.weight, mode="fan_out", nonlinearity="relu")
    model._fc = nn.Linear(1280, classes)
    if bn_momentum is not None:
        for m in model.modules():
            if isinstance(m, nn.BatchNorm2d):
                m.momentum = bn_momentum
    return model


def freeze(model, policy):
    """requires_grad as Graft's FreezePolicy sets it; returns the trained parameters."""
    trained = ["_fc"]
    if policy == "none":
        trained += stage_prefixes(model)
    elif policy.startswith("last:"):
        stages = stage_prefixes(model)
        trained += stages[len(stages) - int(policy[5:]):]
    for name, p in model.named_parameters():
        p.requires_grad_(any(name == t or name.startswith(t + ".") for t in trained))
    return [p for p in model.parameters() if p.requires_grad]


def set_training_mode(model):
    """Graft's setTrainingMode: train mode, except BatchNorm layers whose parameters are all frozen."""
    model.train()
    for m in model.modules():
        if isinstance(m, nn.BatchNorm2d) and not any(p.requires_grad for p in m.parameters()):
            m.eval()


def one_cycle(total_steps, pct_start=0.3, div=25.0, final_div=1e4):
    """Graft's OneCycle.factor (torch's OneCycleLR curve; no warm-up under 1/pct_start steps)."""
    initial = 1 / div
    minimum = initial / final_div
    last = total_steps - 1
    peak = max(0.0, pct_start * total_steps - 1)

    def anneal(start, end, pct):
        return end + (start - end) / 2 * (math.cos(math.pi * pct) + 1)

    def factor(step):
        s = min(max(step, 0), total_steps - 1)
        if s <= peak:
            return 1.0 if peak == 0 else anneal(initial, 1.0, s / peak)
        return anneal(1.0, minimum, (s - peak) / (last - peak))
    return factor


# ---- training -----------------------------------------------------------------------------

class Scores:
    def __init__(self):
        self.top1 = self.top5 = self.seen = 0

    def add(self, logits, labels):
        # a non-finite logit counts as wrong, as in Graft's ValidationAccumulator
        finite = torch.isfinite(logits).all(1)
        top = logits.topk(min(5, logits.shape[1]), 1).indices
        hit = (top == labels[:, None]) & finite[:, None]
        self.top1 += int(hit[:, 0].sum())
        self.top5 += int(hit.any(1).sum())
        self.seen += len(labels)

    def result(self):
        n = max(self.seen, 1)
        return self.top1 / n, self.top5 / n


def batches(n, batch_size, generator):
    """Graft's TrainingBatches: shuffled, a last batch of one image left out after a full one."""
    order = torch.randperm(n, generator=generator)
    stop = n - 1 if n > batch_size and n % batch_size == 1 else n
    return [order[i:min(i + batch_size, stop)] for i in range(0, stop, batch_size)]


class EpochBatches:
    """A DataLoader batch sampler drawing `batches` anew each epoch."""

    def __init__(self, n, batch_size, generator):
        self.n, self.batch_size, self.generator = n, batch_size, generator

    def __iter__(self):
        return iter([b.tolist() for b in batches(self.n, self.batch_size, self.generator)])

    def __len__(self):
        return len(batches(self.n, self.batch_size, torch.Generator()))


def evaluate(forward, loader, memory_format):
    scores = Scores()
    with torch.no_grad():
        for x, y in loader:
            scores.add(forward(x.contiguous(memory_format=memory_format)), y)
    return scores.result()


def run_way(way, policy, pretrained, epochs, lr, data, a):
    start = time.perf_counter()
    torch.manual_seed(a.seed)
    generator = torch.Generator().manual_seed(a.seed)
    memory_format = torch.channels_last if a.channels_last else torch.contiguous_format
    model = build_model(pretrained, a.weights, data["classes"], None if pretrained else 0.1)
    model = model.to(memory_format=memory_format)
    params = freeze(model, policy)
    optimizer = torch.optim.AdamW(params, lr=lr, betas=(0.9, 0.999), eps=1e-8, weight_decay=0.01)
    eval_kw = dict(batch_size=max(a.batch_size, 64), shuffle=False, num_workers=a.workers,
                   persistent_workers=a.workers > 0)
    evaluation = eval_transform(a.image_size)
    val_loader = torch.utils.data.DataLoader(Images(*data["validation"], evaluation), **eval_kw)
    test_loader = torch.utils.data.DataLoader(Images(*data["test"], evaluation), **eval_kw)
    n = len(data["train"][1])
    sampler = EpochBatches(n, a.batch_size, generator)
    steps = len(sampler) * epochs
    scheduler = torch.optim.lr_scheduler.LambdaLR(optimizer, one_cycle(steps))
    best, best_state, history = None, None, []

    if policy == "head":
        model.eval()
        with torch.no_grad():
            def features(images, labels):
                loader = torch.utils.data.DataLoader(Images(images, labels, evaluation), **eval_kw)
                return torch.cat([trunk(model, x.contiguous(memory_format=memory_format)) for x, _ in loader])
            train_x, train_y = features(*data["train"]), torch.from_numpy(data["train"][1])
            val_x, val_y = features(*data["validation"]), torch.from_numpy(data["validation"][1])
        for epoch in range(1, epochs + 1):
            for b in sampler:
                loss = F.cross_entropy(model._fc(train_x[b]), train_y[b])
                optimizer.zero_grad(set_to_none=True)
                loss.backward()
                optimizer.step()
                scheduler.step()
            scores = Scores()
            with torch.no_grad():
                scores.add(model._fc(val_x), val_y)
            history.append(scores.result()[0])
            if best is None or history[-1] > best:
                best, best_state = history[-1], copy.deepcopy(model._fc.state_dict())
        model._fc.load_state_dict(best_state)
        test = evaluate(lambda x: model._fc(trunk(model, x)), test_loader, memory_format)
    else:
        loader = torch.utils.data.DataLoader(Images(*data["train"], train_transform(a.image_size)), batch_sampler=sampler,
                                             num_workers=a.workers, persistent_workers=a.workers > 0)
        for epoch in range(1, epochs + 1):
            set_training_mode(model)
            for x, y in loader:
                loss = F.cross_entropy(model(x.contiguous(memory_format=memory_format)), y)
                optimizer.zero_grad(set_to_none=True)
                loss.backward()
                optimizer.step()
                scheduler.step()
            model.eval()
            history.append(evaluate(model, val_loader, memory_format)[0])
            if best is None or history[-1] > best:
                best, best_state = history[-1], copy.deepcopy(model.state_dict())
        model.load_state_dict(best_state)
        model.eval()
        test = evaluate(model, test_loader, memory_format)
    seconds = time.perf_counter() - start
    row = {"way": way, "freeze": policy, "pretrained": pretrained, "epochs": epochs, "learningRate": lr,
           "valTop1": best, "testTop1": test[0], "testTop5": test[1], "seconds": seconds, "valHistory": history}
    print(f"{way}, lr {lr:g}: validation top-1 by epoch {[round(v * 100, 2) for v in history]}, "
          f"test top-1 {test[0] * 100:.2f}%, {seconds:.0f} s", file=sys.stderr, flush=True)
    return row


def table(rows):
    """graft demo's table (Sources/GraftTrain/Demo.swift demoTable)."""
    def pct(v):
        return "–" if v is None else f"{v * 100:.2f}%"
    lines = ["| way | freeze | weights | epochs | lr | test top-1 | test top-5 | time |",
             "|---|---|---|---|---|---|---|---|"]
    for r in rows:
        lines.append(f"| {r['way']} | {r['freeze']} | {'ImageNet' if r['pretrained'] else 'random'} | {r['epochs']} | "
                     f"{r['learningRate']:g} | {pct(r['testTop1'])} | {pct(r['testTop5'])} | {r['seconds']:.0f} s |")
    pretrained = [r["testTop1"] for r in rows if r["pretrained"]]
    scratch = [r["testTop1"] for r in rows if not r["pretrained"]]
    if pretrained and scratch:
        lines += ["", f"Transfer beats training from scratch by {(max(pretrained) - max(scratch)) * 100:.1f} points of test top-1."]
    return "\n".join(lines)


def write_check_images(folder, test, size, seed):
    """The first test image through both transforms, and the random crop box and flip the
    training transform drew (drawn again from the same seed), for comparison with Graft."""
    os.makedirs(folder, exist_ok=True)
    x, _ = Images(*test, eval_transform(size))[0]
    x.contiguous().numpy().astype("<f4").tofile(os.path.join(folder, "eval.f32"))
    train = train_transform(size)
    crop = train.transforms[0]
    torch.manual_seed(seed)
    box = crop.get_params(Image.fromarray(test[0][0], "L"), crop.scale, crop.ratio)
    flipped = bool(torch.rand(1) < train.transforms[1].p)
    torch.manual_seed(seed)
    x, _ = Images(*test, train)[0]
    x.contiguous().numpy().astype("<f4").tofile(os.path.join(folder, "train.f32"))
    with open(os.path.join(folder, "train.json"), "w") as f:
        json.dump({"box": [int(v) for v in box], "flipped": flipped}, f)


def load_subset(a):
    try:
        with open(a.subset) as f:
            subset = json.load(f)
    except (OSError, ValueError) as e:
        raise LabError(f"{a.subset}: cannot read the subset: {e}")
    if not isinstance(subset, dict) or not isinstance(subset.get("classNames"), list):
        raise LabError(f"{a.subset}: not a Graft subset.json (no 'classNames')")
    cache = {}
    data = {key: load_part(a.subset, subset, key, cache) for key in ("train", "validation", "test")}
    data["classes"] = len(subset["classNames"])
    for key in ("train", "validation", "test"):
        if data[key][1].max() >= data["classes"]:
            raise LabError(f"{a.subset}: '{key}.labels' reach {data[key][1].max()}, beyond the {data['classes']} 'classNames'")
    if a.per_class is not None:
        data["train"] = keep_per_class(*data["train"], a.per_class)
    if a.test_limit is not None:
        data["test"] = tuple(v[:a.test_limit] for v in data["test"])
    return data


def positive(kind):
    def parse(text):
        try:
            v = kind(text)
        except ValueError:
            raise argparse.ArgumentTypeError(f"{text!r} is not a number")
        if not (v > 0 and math.isfinite(v)):
            raise argparse.ArgumentTypeError(f"must be positive, not {text}")
        return v
    return parse


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--subset", default="graft-demo/head/subset.json", help="a subset.json written by graft demo or graft train")
    ap.add_argument("--weights", default=os.path.join(HERE, "..", ".cache", "efficientnet-lite0-57934424.pth"),
                    help="EfficientNet-Lite0's ImageNet checkpoint")
    ap.add_argument("--ways", default="head,last,full,scratch", help="comma-separated: head, last, full, scratch")
    ap.add_argument("--epochs", type=positive(int), default=6, help="epochs of the last-stages and full fine-tunes")
    ap.add_argument("--head-epochs", type=positive(int), default=30)
    ap.add_argument("--scratch-epochs", type=positive(int), default=18)
    ap.add_argument("--epochs-scale", type=positive(float), default=1.0, help="multiply every way's epochs (at least 1; quick checks)")
    ap.add_argument("--per-class", type=positive(int), help="keep the first N training images of each class of the subset (quick checks)")
    ap.add_argument("--test-limit", type=positive(int), help="test on the first N test images only (quick checks)")
    ap.add_argument("--rerun-lr-scale", type=positive(float), help="run each way again at its learning rate × SCALE")
    ap.add_argument("--image-size", type=positive(int), default=64)
    ap.add_argument("--batch-size", type=positive(int), default=32)
    ap.add_argument("--threads", type=positive(int), default=2)
    ap.add_argument("--workers", type=int, choices=[0, 1, 2], default=0, help="DataLoader worker processes")
    ap.add_argument("--channels-last", action="store_true")
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--check-images", metavar="DIR", help="write into DIR the first test image's tensors (float32, CHW) through the "
                    "evaluation transform (eval.f32) and the training transform (train.f32, its crop box and flip in train.json), and stop")
    ap.add_argument("--out", help="write the rows as JSON to this file")
    a = ap.parse_args()
    ways = a.ways.split(",")
    unknown = [w for w in ways if w not in [k for k, *_ in WAYS]]
    if unknown:
        ap.error(f"--ways: unknown way {', '.join(unknown)} (head, last, full, scratch)")
    torch.set_num_threads(a.threads)
    try:
        data = load_subset(a)
        if a.check_images:
            write_check_images(a.check_images, data["test"], a.image_size, a.seed)
            return
        if not os.path.isfile(a.weights):
            raise LabError(f"{a.weights}: no such checkpoint (--weights)")
        rows = []
        for key, way, policy, pretrained, epochs_option, lr in WAYS:
            if key not in ways:
                continue
            epochs = max(1, round(getattr(a, epochs_option) * a.epochs_scale))
            for scale in [1.0] + ([a.rerun_lr_scale] if a.rerun_lr_scale else []):
                rows.append(run_way(way, policy, pretrained, epochs, lr * scale, data, a))
    except LabError as e:
        sys.exit(f"lab.py: {e}")
    print(table(rows))
    if a.out:
        tmp = a.out + ".tmp"
        with open(tmp, "w") as f:
            json.dump({"rows": rows, "threads": a.threads, "workers": a.workers, "channelsLast": a.channels_last,
                       "torch": torch.__version__}, f, indent=1)
            f.flush()
            os.fsync(f.fileno())
        os.replace(tmp, a.out)


if __name__ == "__main__":
    main()
