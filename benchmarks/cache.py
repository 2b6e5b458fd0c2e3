"""Image cache: first scan vs rescan of an unchanged folder (target: rescan <= 30% of the first).

    python benchmarks/cache.py [--count 10000] [--runs 3]

Uses benchmarks/data/images-<count>/ (made by benchmarks/images.py, generated here if absent).
Each run starts from an empty cache folder: a first scan (decodes everything, writes the cache),
then a rescan (reads it). Every scan is a fresh `python -m preflight scan` process, timed from
spawn to exit; the figures are medians of --runs runs, with `--no-cache` alongside for reference.
The scans ignore label-issues: the cache holds per-image signals, while label-issues refits its
models on every scan (about 8.5 s of 10 s here), which no per-file cache can save.
"""
from __future__ import annotations

import argparse
import os
import shutil
import statistics
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from _common import DATA, REPO, child_env, run_once  # noqa: E402


def scan(root: Path, *args: str) -> float:
    cmd = [sys.executable, "-m", "preflight", "scan", str(root), "-q", "--fail-on", "never",
           "--ignore", "label-issues", *args]
    run = run_once(cmd, child_env(), REPO)
    if run.returncode != 0:
        raise RuntimeError(f"{' '.join(cmd)} exited {run.returncode}")
    return run.seconds


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--count", type=int, default=10_000)
    ap.add_argument("--runs", type=int, default=3)
    args = ap.parse_args()
    root = DATA / f"images-{args.count}"
    if not root.is_dir():
        from images import generate

        generate(root, args.count)
    first, again, plain = [], [], []
    for _ in range(args.runs):
        cache = Path(tempfile.mkdtemp(prefix="preflight-cache-bench-"))
        try:
            first.append(scan(root, "--cache-dir", str(cache)))
            again.append(scan(root, "--cache-dir", str(cache)))
        finally:
            shutil.rmtree(cache, ignore_errors=True)
        plain.append(scan(root, "--no-cache"))
    f, a, p = (statistics.median(x) for x in (first, again, plain))
    print(f"{args.count} images of 64x64 (JPEG), {os.cpu_count()} cores, median of {args.runs} runs, "
          "each a fresh process, --ignore label-issues (see the docstring)")
    print(f"{'--no-cache':>12} {'first scan':>12} {'rescan':>12} {'rescan/first':>14} {'target':>8}")
    print(f"{p:11.2f}s {f:11.2f}s {a:11.2f}s {a / f:13.0%} {'<= 30%':>8}")
    print("raw seconds: first " + ", ".join(f"{x:.2f}" for x in first) + "; rescan "
          + ", ".join(f"{x:.2f}" for x in again) + "; --no-cache " + ", ".join(f"{x:.2f}" for x in plain))


if __name__ == "__main__":
    main()
