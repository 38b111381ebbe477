#!/usr/bin/env python3
"""Graft and PyTorch on an idle machine and beside a busy neighbour.

Users run Graft beside a browser or a build. This script times the same workloads with the
machine idle and with N busy processes beside them (each a one-thread busy loop: `--busy 1`
is "a browser tab spinning", `--busy 2` "a build on both cores"), for Graft under each
OpenMP waiting policy named by `--graft-env` and for PyTorch, and prints a Markdown table.

Workloads:
  resnet18-b1   ResNet-18 inference at batch 1, images/s (`graft bench`, torch_bench.py)
  lenet5        LeNet-5 on Fashion-MNIST, 2 epochs, whole-process wall seconds
                (`graft train`, bench/torch_lenet.py)

Run from the repository after `make build` (PyTorch 2.15 in a venv, as for torch_bench.py):
  python3 bench/contention.py --torch-python /tmp/torch-venv/bin/python
"""
import argparse, json, os, subprocess, sys, tempfile, time

HERE = os.path.dirname(os.path.abspath(__file__))
FASHION = "/usr/share/datasets/fashion-mnist"


def busy(n):
    """Starts n one-thread busy loops."""
    return [subprocess.Popen([sys.executable, "-c", "while True: pass"]) for _ in range(n)]


def last_json(text, key):
    for line in reversed(text.splitlines()):
        line = line.strip()
        if line.startswith("{"):
            obj = json.loads(line)
            if key in obj:
                return obj
    raise SystemExit(f"no JSON line with {key!r} in:\n{text[-2000:]}")


def run(cmd, env, timeout):
    """Wall seconds and stdout of cmd, or (None, '') past the timeout."""
    start = time.perf_counter()
    try:
        out = subprocess.run(cmd, env=env, capture_output=True, text=True, timeout=timeout, check=True).stdout
    except subprocess.TimeoutExpired:
        return None, ""
    return time.perf_counter() - start, out


def graft_figure(a, workload, extra_env):
    env = {k: v for k, v in os.environ.items() if k not in ("OMP_WAIT_POLICY", "GOMP_SPINCOUNT")}
    env.update(extra_env)
    if workload == "resnet18-b1":
        _, out = run([a.graft, "bench", "--model", "resnet18", "--workload", "infer", "--batch", "1",
                      "--seconds", str(a.seconds), "--json"], env, a.timeout)
        return last_json(out, "img_s")["img_s"] if out else None
    with tempfile.TemporaryDirectory() as d:
        wall, _ = run([a.graft, "train", "--model", "lenet5", "--data", FASHION, "--epochs", "2",
                       "--out", os.path.join(d, "run")], env, a.timeout)
        return wall


def torch_figure(a, workload):
    if workload == "resnet18-b1":
        _, out = run([a.torch_python, os.path.join(a.shared, "bench", "torch_bench.py"), "--model", "resnet18",
                      "--workload", "infer", "--batch", "1", "--layout", "channels_last",
                      "--seconds", str(a.seconds)], dict(os.environ), a.timeout)
        return last_json(out, "img_s")["img_s"] if out else None
    wall, _ = run([a.torch_python, os.path.join(HERE, "torch_lenet.py"), "--data", FASHION, "--epochs", "2"],
                  dict(os.environ), a.timeout)
    return wall


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--graft", default=os.path.join(HERE, "..", ".build", "release", "graft"))
    ap.add_argument("--torch-python", default="/tmp/torch-venv/bin/python")
    ap.add_argument("--shared", default=os.path.join(HERE, "..", "..", "shared"))
    ap.add_argument("--workload", nargs="+", default=["resnet18-b1", "lenet5"])
    ap.add_argument("--busy", type=int, nargs="+", default=[0, 1, 2], help="busy neighbours (0 = idle)")
    ap.add_argument("--graft-env", nargs="+", default=["default"],
                    help="OpenMP settings for Graft: 'default' (what graft chooses) or VAR=VALUE[,VAR=VALUE]")
    ap.add_argument("--seconds", type=float, default=6.0, help="timed seconds of a bench figure")
    ap.add_argument("--timeout", type=float, default=300.0, help="seconds before a run is given up")
    ap.add_argument("--skip-torch", action="store_true")
    a = ap.parse_args()

    settings = [(s, {} if s == "default" else dict(kv.split("=", 1) for kv in s.split(","))) for s in a.graft_env]
    rows = []
    for workload in a.workload:
        for n in a.busy:
            neighbours = busy(n)
            try:
                time.sleep(0.5)
                row = {"workload": workload, "busy": n}
                for name, env in settings:
                    row[f"graft {name}"] = graft_figure(a, workload, env)
                if not a.skip_torch:
                    row["pytorch"] = torch_figure(a, workload)
            finally:
                for p in neighbours:
                    p.kill()
                    p.wait()
            print(json.dumps(row), flush=True)
            rows.append(row)

    columns = [f"graft {name}" for name, _ in settings] + ([] if a.skip_torch else ["pytorch"])
    unit = {"resnet18-b1": "img/s", "lenet5": "s"}
    print("\n| workload | busy neighbours | " + " | ".join(columns) + " |")
    print("| --- | --- | " + " | ".join("---" for _ in columns) + " |")
    for r in rows:
        cells = [f"> {a.timeout:.0f}" if r[c] is None else f"{r[c]:.2f}" for c in columns]
        print(f"| {r['workload']} ({unit[r['workload']]}) | {r['busy']} | " + " | ".join(cells) + " |")


if __name__ == "__main__":
    main()
