#!/usr/bin/env python3
"""The README's model performance table: Graft against PyTorch, same machine, same workloads,
same precision.

Runs (or, with --no-run, only reads) two JSON-lines files:
  torch.jsonl  ../shared/bench/torch_bench.py over the models, workloads and batches, in fp32 and
               bf16 (torch.autocast), eager and compiled (--compile), NCHW and channels_last,
               tuned malloc; EfficientNet-Lite0, which torchvision lacks, through
               bench/torch_efficientnet_lite0.py (torch_bench.py with that model added)
  graft.jsonl  `graft bench --model M --workload W --batch B --json --precision fp32|bf16|int8`
               (int8 on the workloads that train nothing: infer and features)
and prints a Markdown table, one row per model, workload, batch and precision: Graft's images/s,
PyTorch's best at the same precision over every configuration (which one: eager or compiled,
layout), PyTorch eager's best (either layout), the ratios, and the peak resident memory of each.
Graft fp32 is only ever set beside PyTorch fp32, bf16 beside bf16; int8 beside PyTorch's bf16,
the fastest it offers on this CPU.

  python3 bench/performance_table.py --torch /tmp/torch-venv/bin/python --out /tmp/perf
"""
import argparse, json, os, subprocess, sys

MODELS = ["resnet18", "resnet50", "vgg16", "googlenet", "inception_v3", "mobilenet_v2", "efficientnet_lite0"]
WORKLOADS = ["infer", "features", "train-head", "train-last", "train-full"]
BATCHES = [1, 32]
PRECISIONS = ["fp32", "bf16", "int8"]
# Graft's int8 runs what trains nothing; PyTorch's figure beside it is its bf16.
INT8_WORKLOADS = {"infer", "features"}
TORCH_PRECISION = {"int8": "bf16"}


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
    ap.add_argument("--workloads", nargs="+", default=WORKLOADS, choices=WORKLOADS)
    ap.add_argument("--seconds", type=float, default=4)
    ap.add_argument("--skip", nargs="*", default=[], choices=["torch", "graft", "bf16", "int8", "compile", "eager"],
                    help="runs to leave out (compile: PyTorch eager only; eager: PyTorch compiled only)")
    ap.add_argument("--no-run", action="store_true", help="only print the table from the files in --out")
    a = ap.parse_args()
    os.makedirs(a.out, exist_ok=True)
    torch_file, graft_file = os.path.join(a.out, "torch.jsonl"), os.path.join(a.out, "graft.jsonl")
    here = os.path.dirname(os.path.abspath(__file__))
    precisions = [p for p in PRECISIONS if p == "fp32" or p not in a.skip]
    torch_precisions = sorted({TORCH_PRECISION.get(p, p) for p in precisions}, key=PRECISIONS.index)
    if not a.no_run:
        for batch in a.batches:
            for model in a.models:
                # One process per model and mode: torch_bench.py's peak_rss_mb is the process's peak so far.
                script = (os.path.join(here, "torch_efficientnet_lite0.py") if model == "efficientnet_lite0"
                          else os.path.join(here, "..", "..", "shared", "bench", "torch_bench.py"))
                modes = [m for m, name in [([], "eager"), (["--compile"], "compile")] if name not in a.skip]
                for mode in [] if "torch" in a.skip else modes:
                    run([a.torch, script, "--model", model, "--batch", str(batch), "--seconds", str(a.seconds),
                         "--workload", *a.workloads, "--precision", *torch_precisions, *mode], torch_file)
                for workload in [] if "graft" in a.skip else a.workloads:
                    for precision in [p for p in precisions if p != "int8" or workload in INT8_WORKLOADS]:
                        run([a.graft, "bench", "--model", model, "--workload", workload, "--batch", str(batch),
                             "--seconds", str(a.seconds), "--precision", precision, "--json"], graft_file)
    table = render(read(torch_file), read(graft_file), a.models, a.batches, a.workloads)
    open(os.path.join(a.out, "table.md"), "w").write(table)
    print(table)


def fastest(torch_lines, model, workload, batch, precision):
    """PyTorch's best line at `precision` over every configuration (eager or compiled, either
    layout) and its best eager line, for one model, workload and batch; None where there is none.
    A line without "precision" is fp32, one without "compiled" eager (older torch_bench.py)."""
    same = [t for t in torch_lines if (t["model"], t["workload"], t["batch"], t.get("precision", "fp32"))
            == (model, workload, batch, precision)]
    best = lambda lines: max(lines, key=lambda t: t["img_s"], default=None)
    return best(same), best([t for t in same if not t.get("compiled", False)])


def layout(t):
    return "CL" if t.get("layout") == "channels_last" else "NCHW"


def configuration(t):
    return ("compiled " if t.get("compiled", False) else "eager ") + layout(t)


def render(torch_lines, graft_lines, models, batches, workloads=WORKLOADS):
    graft = {}
    for g in graft_lines:  # the last line of a figure wins (re-runs)
        graft[(g["model"], g["workload"], g["batch"], g.get("precision", "fp32"))] = g
    rows = ["| model | workload | batch | precision | Graft img/s | PyTorch best img/s (configuration) | × best "
            "| PyTorch eager img/s (layout) | × eager | peak MB Graft / PyTorch best |",
            "| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |"]
    for model in models:
        for batch in batches:
            for workload in workloads:
                for precision in PRECISIONS:
                    g = graft.get((model, workload, batch, precision))
                    best, eager = fastest(torch_lines, model, workload, batch, TORCH_PRECISION.get(precision, precision))
                    if not (g or best) or (precision == "int8" and not g):
                        continue
                    cell = lambda t, label: f"{t['img_s']:.2f} ({label(t)})" if t else "–"
                    ratio = lambda t: f"{g['img_s'] / t['img_s']:.2f}×" if g and t else "–"
                    memory = f"{g['peak_rss_mb'] if g else '–'} / {best['peak_rss_mb'] if best else '–'}"
                    graft_cell = f"{g['img_s']:.2f}" if g else "–"
                    rows.append(f"| {model} | {workload} | {batch} | {precision} | {graft_cell} "
                                f"| {cell(best, configuration)} | {ratio(best)} | {cell(eager, layout)} | {ratio(eager)} "
                                f"| {memory} |")
    return "\n".join(rows) + "\n"


if __name__ == "__main__":
    main()
