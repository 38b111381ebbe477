#!/usr/bin/env python3
"""Tests of performance_table.py's pairing on canned torch_bench.py lines (no PyTorch needed):
  python3 bench/test_performance_table.py
"""
import os, sys, unittest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from performance_table import fastest, render


def torch_line(img_s, precision="fp32", layout="channels_last", compiled=False, workload="infer", **extra):
    return {"framework": "pytorch", "model": "resnet50", "workload": workload, "batch": 32, "layout": layout,
            "precision": precision, "compiled": compiled, "img_s": img_s, "peak_rss_mb": 900, **extra}


LINES = [torch_line(21.6, layout="nchw"), torch_line(22.3), torch_line(43.5, "bf16", "nchw"), torch_line(42.4, "bf16"),
         torch_line(23.9, layout="nchw", compiled=True), torch_line(24.8, compiled=True),
         torch_line(49.2, "bf16", compiled=True), torch_line(6.55, compiled=True, workload="train-full")]
GRAFT = [{"model": "resnet50", "workload": "infer", "batch": 32, "precision": p, "img_s": v, "peak_rss_mb": 400}
         for p, v in [("fp32", 24.0), ("bf16", 40.5)]]


class PairingTests(unittest.TestCase):
    def test_best_over_configurations_at_the_same_precision(self):
        best, eager = fastest(LINES, "resnet50", "infer", 32, "fp32")
        self.assertEqual((best["img_s"], best["compiled"], best["layout"]), (24.8, True, "channels_last"))
        self.assertEqual((eager["img_s"], eager["layout"]), (22.3, "channels_last"))
        best, eager = fastest(LINES, "resnet50", "infer", 32, "bf16")
        self.assertEqual((best["img_s"], best["precision"]), (49.2, "bf16"))
        self.assertEqual((eager["img_s"], eager["layout"]), (43.5, "nchw"))

    def test_no_figure_at_a_precision_is_none_never_the_other_precision(self):
        self.assertEqual(fastest(LINES, "resnet50", "train-full", 32, "bf16"), (None, None))
        best, eager = fastest(LINES, "resnet50", "train-full", 32, "fp32")
        self.assertEqual((best["img_s"], eager), (6.55, None))

    def test_older_lines_are_fp32_eager(self):
        old = [{"model": "m", "workload": "infer", "batch": 1, "layout": "nchw", "img_s": 5.0}]
        self.assertEqual(fastest(old, "m", "infer", 1, "fp32"), (old[0], old[0]))
        self.assertEqual(fastest(old, "m", "infer", 1, "bf16"), (None, None))

    def test_rows_pair_like_with_like(self):
        rows = render(LINES, GRAFT, ["resnet50"], [32]).splitlines()
        self.assertIn("| resnet50 | infer | 32 | fp32 | 24.00 | 24.80 (compiled CL) | 0.97× | 22.30 (CL) | 1.08× | 400 / 900 |", rows)
        self.assertIn("| resnet50 | infer | 32 | bf16 | 40.50 | 49.20 (compiled CL) | 0.82× | 43.50 (NCHW) | 0.93× | 400 / 900 |", rows)
        self.assertIn("| resnet50 | train-full | 32 | fp32 | – | 6.55 (compiled CL) | – | – | – | – / 900 |", rows)
        self.assertEqual(len(rows), 5)


if __name__ == "__main__":
    unittest.main()
