#!/usr/bin/env python3
"""The README's model performance table: Graft against PyTorch, same machine, same workloads.

Runs (or, with --no-run, only reads) two JSON-lines files:
  torch.jsonl  ../shared/bench/torch_bench.py over the models, workloads and batches
               (PyTorch's best configuration: NCHW and channels_last timed, tuned malloc)
  graft.jsonl  `graft bench --model M --workload W --batch B --json [--precision bf16]`
and prints a Markdown table: Graft fp32 and bf16 images/s, PyTorch's best images/s (and the
layout), the ratios, and the peak resident memory of each.

  python3 bench/performance_table.py --torch /tmp/torch-venv/bin/python --out /tmp/perf
"""
import argparse, json, os, subprocess, sys

MODELS = ["resnet18", "resnet50", "vgg16", "googlenet", "inception_v3", "mobilenet_v2", "efficientnet_lite0"]
WORKLOADS = ["infer", "features", "train-head", "train-last", "train-full"]
BATCHES = [1, 32]
TORCH_MODELS = [m for m in MODELS if m != "efficientnet_lite0"]  # not in torchvision


def run(cmd, out):
    print("$", " ".join(cmd), file=sys.stderr, flush=True)
    with open(out, "a") as f:
        subprocess.run(cmd, stdout=f, check=True)


def read(path):
    if not os.path.exists(path):
        return []
    return [json.loads(line) for line in open(path) if line.startswith("{")]


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--out", default="/tmp/graft-perf", help="folder for torch.jsonl, graft.jsonl and table.md")
    ap.add_argument("--torch", default="/tmp/torch-venv/bin/python", help="Python with torch and torchvision")
    ap.add_argument("--graft", default=".build/release/graft")
    ap.add_argument("--models", nargs="+", default=MODELS)
    ap.add_argument("--batches", type=int, nargs="+", default=BATCHES)
    ap.add_argument("--seconds", type=float, default=4)
    ap.add_argument("--skip", nargs="*", default=[], choices=["torch", "graft", "bf16"], help="runs to leave out")
    ap.add_argument("--no-run", action="store_true", help="only print the table from the files in --out")
    a = ap.parse_args()
    os.makedirs(a.out, exist_ok=True)
    torch_file, graft_file = os.path.join(a.out, "torch.jsonl"), os.path.join(a.out, "graft.jsonl")
    bench = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "shared", "bench", "torch_bench.py")
    if not a.no_run:
        for batch in a.batches:
            for model in a.models:
                # One process per model: torch_bench.py's peak_rss_mb is the process's peak so far.
                if "torch" not in a.skip and model in TORCH_MODELS:
                    run([a.torch, bench, "--model", model, "--batch", str(batch), "--seconds", str(a.seconds)], torch_file)
                for workload in WORKLOADS:
                    for precision in ["fp32", "bf16"]:
                        if "graft" in a.skip and precision == "fp32" or "bf16" in a.skip and precision == "bf16":
                            continue
                        run([a.graft, "bench", "--model", model, "--workload", workload, "--batch", str(batch),
                             "--seconds", str(a.seconds), "--precision", precision, "--json"], graft_file)
    table = render(read(torch_file), read(graft_file), a.models, a.batches)
    open(os.path.join(a.out, "table.md"), "w").write(table)
    print(table)


def render(torch_lines, graft_lines, models, batches):
    best, graft = {}, {}
    for t in torch_lines:
        key = (t["model"], t["workload"], t["batch"])
        if key not in best or t["img_s"] > best[key]["img_s"]:
            best[key] = t
    for g in graft_lines:  # the last line of a figure wins (re-runs)
        graft[(g["model"], g["workload"], g["batch"], g.get("precision", "fp32"))] = g
    rows = ["| model | workload | batch | Graft fp32 img/s | Graft bf16 img/s | PyTorch img/s (layout) "
            "| fp32 ratio | bf16 ratio | peak MB Graft fp32 / PyTorch |",
            "| --- | --- | --- | --- | --- | --- | --- | --- | --- |"]
    for model in models:
        for batch in batches:
            for workload in WORKLOADS:
                f32, b16 = graft.get((model, workload, batch, "fp32")), graft.get((model, workload, batch, "bf16"))
                t = best.get((model, workload, batch))
                if not (f32 or b16 or t):
                    continue
                cell = lambda g: f"{g['img_s']:.2f}" if g else "–"
                ratio = lambda g: f"{g['img_s'] / t['img_s']:.2f}×" if g and t else "–"
                torch_cell = f"{t['img_s']:.2f} ({'CL' if t['layout'] == 'channels_last' else 'NCHW'})" if t else "–"
                memory = f"{f32['peak_rss_mb'] if f32 else '–'} / {t['peak_rss_mb'] if t else '–'}"
                rows.append(f"| {model} | {workload} | {batch} | {cell(f32)} | {cell(b16)} | {torch_cell} "
                            f"| {ratio(f32)} | {ratio(b16)} | {memory} |")
    return "\n".join(rows) + "\n"


if __name__ == "__main__":
    main()
