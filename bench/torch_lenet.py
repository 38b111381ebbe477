#!/usr/bin/env python3
"""PyTorch side of the LeNet-5 comparison: the recipe `graft train --model lenet5` runs.

Same network (conv 6 → pool → conv 16 → pool → 120 → 84 → 10, ReLU, max pooling), same
data handling (28×28 padded to 32×32, Fashion-MNIST mean/std), batch 64, Adam with a
one-cycle schedule peaking at 2e-3, 2 threads. Prints one JSON line per epoch and a summary
line shaped like `graft train --json`'s.

Run (Debian's python3-torch is enough):
  python3 bench/torch_lenet.py --data /usr/share/datasets/fashion-mnist --epochs 10
"""
import argparse, gzip, json, os, time

import numpy as np
import torch, torch.nn as nn, torch.nn.functional as F


def idx(path):
    with gzip.open(path) as f:
        data = f.read()
    rank = data[3]
    dims = [int.from_bytes(data[4 + 4 * i:8 + 4 * i], "big") for i in range(rank)]
    return np.frombuffer(data, np.uint8, offset=4 + 4 * rank).reshape(dims)


def load(directory, split):
    x = idx(os.path.join(directory, f"{split}-images-idx3-ubyte.gz")).astype(np.float32) / 255
    y = idx(os.path.join(directory, f"{split}-labels-idx1-ubyte.gz")).astype(np.int64)
    x = np.pad((x - 0.2860) / 0.3530, ((0, 0), (2, 2), (2, 2)), constant_values=-0.2860 / 0.3530)
    return torch.from_numpy(x[:, None].copy()), torch.from_numpy(y)


class LeNet5(nn.Module):
    def __init__(self, classes=10):
        super().__init__()
        self.conv1, self.conv2 = nn.Conv2d(1, 6, 5), nn.Conv2d(6, 16, 5)
        self.fc1, self.fc2, self.fc3 = nn.Linear(400, 120), nn.Linear(120, 84), nn.Linear(84, classes)

    def forward(self, x):
        x = F.max_pool2d(F.relu(self.conv1(x)), 2)
        x = F.max_pool2d(F.relu(self.conv2(x)), 2)
        x = F.relu(self.fc1(x.flatten(1)))
        return self.fc3(F.relu(self.fc2(x)))


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--data", default="/usr/share/datasets/fashion-mnist")
    ap.add_argument("--epochs", type=int, default=10)
    ap.add_argument("--threads", type=int, default=2)
    a = ap.parse_args()
    torch.set_num_threads(a.threads)
    torch.manual_seed(0)
    xtr, ytr = load(a.data, "train")
    xte, yte = load(a.data, "t10k")
    model = LeNet5()
    opt = torch.optim.Adam(model.parameters(), lr=2e-3)
    steps = (len(ytr) + 63) // 64
    sched = torch.optim.lr_scheduler.OneCycleLR(opt, max_lr=2e-3, total_steps=steps * a.epochs, cycle_momentum=False)
    start = time.time()
    for epoch in range(1, a.epochs + 1):
        t0 = time.time()
        model.train()
        for idxs in torch.randperm(len(ytr)).split(64):
            loss = F.cross_entropy(model(xtr[idxs]), ytr[idxs])
            opt.zero_grad()
            loss.backward()
            opt.step()
            sched.step()
        seconds = time.time() - t0
        model.eval()
        with torch.inference_mode():
            top1 = sum((model(xte[i:i + 256]).argmax(1) == yte[i:i + 256]).sum().item() for i in range(0, len(yte), 256)) / len(yte)
        print(json.dumps({"event": "epoch", "epoch": epoch, "seconds": seconds, "img_s": len(ytr) / seconds, "test_top1": top1}), flush=True)
    print(json.dumps({"framework": "pytorch", "version": torch.__version__, "event": "summary", "test_top1": top1,
                      "epochs": a.epochs, "seconds": time.time() - start}))


if __name__ == "__main__":
    main()
