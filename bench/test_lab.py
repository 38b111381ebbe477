#!/usr/bin/env python3
"""Tests of lab.py on tiny IDX files and subsets (Debian's python3 with torch is enough):
  /usr/bin/python3 bench/test_lab.py
"""
import argparse, gzip, json, math, os, sys, tempfile, unittest

import numpy as np
import torch

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import lab  # noqa: E402


def write_idx(path, array):
    header = bytes([0, 0, 8, array.ndim]) + b"".join(d.to_bytes(4, "big") for d in array.shape)
    with (gzip.open if path.endswith(".gz") else open)(path, "wb") as f:
        f.write(header + array.astype(np.uint8).tobytes())


class LabTests(unittest.TestCase):
    def setUp(self):
        self.dir = tempfile.TemporaryDirectory()
        d = self.dir.name
        rng = np.random.default_rng(0)
        self.images = rng.integers(0, 256, (40, 28, 28), dtype=np.uint8)
        self.labels = np.arange(40) % 4
        write_idx(os.path.join(d, "train-images-idx3-ubyte.gz"), self.images)
        write_idx(os.path.join(d, "train-labels-idx1-ubyte.gz"), self.labels)
        self.source = os.path.join(d, "train-images-idx3-ubyte.gz")

    def tearDown(self):
        self.dir.cleanup()

    def subset(self, **change):
        part = lambda idx: {"source": self.source, "indices": list(idx), "labels": [int(self.labels[i]) for i in idx]}
        s = {"data": self.dir.name, "classNames": ["a", "b", "c", "d"], "train": part([0, 1, 2, 3, 5, 6, 7, 8]),
             "validation": part(range(20, 28)), "test": part(range(30, 40))}
        s.update(change)
        path = os.path.join(self.dir.name, "subset.json")
        with open(path, "w") as f:
            json.dump(s, f)
        return argparse.Namespace(subset=path, per_class=None, test_limit=None)

    def test_reads_the_images_and_labels_at_the_indices(self):
        data = lab.load_subset(self.subset())
        images, labels = data["train"]
        np.testing.assert_array_equal(images, self.images[[0, 1, 2, 3, 5, 6, 7, 8]])
        np.testing.assert_array_equal(labels, self.labels[[0, 1, 2, 3, 5, 6, 7, 8]])
        self.assertEqual(data["classes"], 4)
        self.assertEqual(len(data["test"][0]), 10)

    def test_bad_subsets_are_named(self):
        cases = [({"train": {"source": self.source, "indices": [0, 40], "labels": [0, 0]}}, "outside"),
                 ({"train": {"source": self.source, "indices": [0, 1], "labels": [0, 0]}}, "labels' differ"),
                 ({"train": {"indices": [0], "labels": [0]}}, "no IDX 'source'"),
                 ({"test": {"source": self.source, "indices": [0, 1], "labels": [0]}}, "as many 'indices'"),
                 ({"classNames": None}, "not a Graft subset.json"),
                 ({"classNames": ["a", "b"]}, "beyond the 2 'classNames'")]
        for change, message in cases:
            with self.assertRaises(lab.LabError) as caught:
                lab.load_subset(self.subset(**change))
            self.assertIn(message, str(caught.exception))
            self.assertIn("subset.json", str(caught.exception))
        with open(self.source, "wb") as f:
            f.write(b"\0\0\x08\x03" + (9).to_bytes(4, "big"))
        with self.assertRaises(lab.LabError) as caught:
            lab.load_subset(self.subset())
        self.assertIn("train-images-idx3-ubyte.gz", str(caught.exception))

    def test_batches_leave_out_a_last_batch_of_one(self):
        g = torch.Generator().manual_seed(0)
        self.assertEqual([len(b) for b in lab.batches(65, 32, g)], [32, 32])
        self.assertEqual([len(b) for b in lab.batches(66, 32, g)], [32, 32, 2])
        self.assertEqual([len(b) for b in lab.batches(1, 32, g)], [1])
        self.assertEqual(sorted(torch.cat(lab.batches(66, 32, g)).tolist()), list(range(66)))

    def test_one_cycle_is_grafts_curve(self):
        f = lab.one_cycle(100)  # Graft's OneCycle: peak at step 29, 1/25 at step 0, 1/25e4 at step 99
        self.assertAlmostEqual(f(0), 1 / 25)
        self.assertAlmostEqual(f(29), 1.0)
        self.assertAlmostEqual(f(99), 1 / 25 / 1e4)
        self.assertAlmostEqual(f(64), 1 / 25 / 1e4 + (1 - 1 / 25 / 1e4) / 2 * (math.cos(math.pi * 35 / 70) + 1))
        self.assertEqual(lab.one_cycle(3)(0), 1.0)  # under 1/pct_start steps: no warm-up

    def test_last_four_trains_the_last_four_stages_and_freezes_their_batch_norm_elsewhere(self):
        model = lab.build_model(False, None, 4, 0.1)
        lab.freeze(model, "last:4")
        trained = {n.split(".")[0] + ("." + n.split(".")[1] if n.startswith("_blocks") else "")
                   for n, p in model.named_parameters() if p.requires_grad}
        self.assertEqual(trained, {"_blocks.14", "_blocks.15", "_conv_head", "_bn1", "_fc"})
        lab.set_training_mode(model)
        self.assertFalse(model._blocks[13]._bn2.training)
        self.assertTrue(model._blocks[14]._bn2.training)
        self.assertTrue(model._dropout.training)
        lab.freeze(model, "last:0")
        self.assertEqual([n for n, p in model.named_parameters() if p.requires_grad], ["_fc.weight", "_fc.bias"])
        self.assertEqual(model._bn0.momentum, 0.1)
        self.assertEqual(tuple(model._fc.weight.shape), (4, 1280))
        self.assertLessEqual(model._fc.bias.abs().max().item(), 1 / math.sqrt(1280))  # torch's default, as Graft's new head
        self.assertGreater(model._fc.bias.abs().max().item(), 0)

    def test_head_and_last_ways_run_and_print_grafts_table(self):
        weights = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", ".cache", "efficientnet-lite0-57934424.pth")
        self.assertTrue(os.path.isfile(weights), "make test places the checkpoint in .cache/")
        data = lab.load_subset(self.subset())
        a = argparse.Namespace(seed=0, channels_last=False, weights=weights, batch_size=4, workers=0, image_size=32)
        rows = [lab.run_way(way, policy, pretrained, 2, lr, data, a) for _, way, policy, pretrained, _, lr in lab.WAYS[:2]]
        for row in rows:
            self.assertEqual(len(row["valHistory"]), 2)
            self.assertEqual(row["valTop1"], max(row["valHistory"]))
            self.assertTrue(0 <= row["testTop1"] <= row["testTop5"] <= 1)
        text = lab.table(rows)
        self.assertIn("| head only, cached features | head | ImageNet | 2 | 0.003 |", text)
        self.assertIn("| last stages (last:4) | last:4 | ImageNet | 2 | 0.001 |", text)


if __name__ == "__main__":
    unittest.main()
