"""Image throughput: preflight scan vs cleanvision vs a bare Pillow decode loop (the limit).

    python benchmarks/images.py [--count 10000] [--runs 3] [--cleanvision-python /tmp/cvenv/bin/python]

Generates `count` 64x64 JPEGs in 10 class folders under benchmarks/data/images-<count>/
(gitignored; reused when present) and prints images/second, median of --runs runs.
cleanvision (0.3.7) runs in its own interpreter, since its pins may clash with ours;
pass the python of a venv that has it installed, or it is reported as not run.
The targets compare cleanvision's own checks (preflight without label-issues and outliers,
which cleanvision's Imagelab does not run); `--ignore label-issues` shows what outliers adds.
"""
from __future__ import annotations

import argparse
import importlib.util
import os
import statistics
import subprocess
import sys
import time
from pathlib import Path

import numpy as np

HERE = Path(__file__).resolve().parent
CLEANVISION = """
import sys, time, warnings
warnings.filterwarnings("ignore")
from cleanvision import Imagelab
t = time.perf_counter()
Imagelab(data_path=sys.argv[1]).find_issues()
print(time.perf_counter() - t)
"""


def generate(root: Path, count: int) -> None:
    if root.is_dir() and sum(1 for _ in root.rglob("*.jpg")) == count:
        return
    spec = importlib.util.spec_from_file_location("make_images", HERE.parent / "fixtures" / "make_images.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    rng = np.random.default_rng(0)
    for i in range(count):
        folder = root / f"class_{i % 10}"
        folder.mkdir(parents=True, exist_ok=True)
        module.synthetic(rng, i % 10, 64).save(folder / f"{i:06d}.jpg", quality=90)


def _decode(paths: list[str]) -> int:
    from PIL import Image

    for p in paths:
        with Image.open(p) as img:
            img.load()
    return len(paths)


def bare_decode(root: Path, workers: int) -> float:
    paths = sorted(str(p) for p in root.rglob("*.jpg"))
    t = time.perf_counter()
    if workers == 1:
        _decode(paths)
    else:
        from concurrent.futures import ProcessPoolExecutor

        chunks = [paths[i:i + 256] for i in range(0, len(paths), 256)]
        with ProcessPoolExecutor(workers) as pool:
            list(pool.map(_decode, chunks))
    return time.perf_counter() - t


def preflight_scan(root: Path, *args: str) -> float:
    t = time.perf_counter()
    # --no-cache: every run decodes (a cached rescan is benchmarks/cache.py's business)
    subprocess.run([sys.executable, "-m", "preflight", "scan", str(root), "-q", "--fail-on", "never", "--no-cache",
                    *args],
                   check=True, stdout=subprocess.DEVNULL, cwd=HERE.parent)
    return time.perf_counter() - t


def cleanvision(root: Path, python: str) -> float | None:
    if not python or not Path(python).exists():
        return None
    done = subprocess.run([python, "-c", CLEANVISION, str(root)], capture_output=True, text=True)
    if done.returncode != 0:
        print(f"cleanvision failed: {done.stderr.strip().splitlines()[-1:]}", file=sys.stderr)
        return None
    return float(done.stdout.strip().splitlines()[-1])


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--count", type=int, default=10_000)
    ap.add_argument("--runs", type=int, default=3)
    ap.add_argument("--cleanvision-python", default="/tmp/cvenv/bin/python")
    args = ap.parse_args()
    root = HERE / "data" / f"images-{args.count}"
    generate(root, args.count)
    cores = os.cpu_count() or 1
    cases = [
        ("bare Pillow open+load, 1 process", lambda: bare_decode(root, 1)),
        (f"bare Pillow open+load, {cores} processes", lambda: bare_decode(root, cores)),
        # cleanvision runs neither label-issues nor an outlier check: the like-for-like case
        ("preflight scan, cleanvision's checks", lambda: preflight_scan(root, "--ignore", "label-issues,outliers")),
        ("preflight scan --ignore label-issues", lambda: preflight_scan(root, "--ignore", "label-issues")),
        ("preflight scan, every rule", lambda: preflight_scan(root)),
        ("cleanvision Imagelab.find_issues()", lambda: cleanvision(root, args.cleanvision_python)),
    ]
    print(f"{args.count} images of 64x64 (JPEG), {cores} cores, median of {args.runs} runs (cleanvision: 1 run)")
    print(f"{'case':<48} {'seconds':>8} {'images/s':>10}")
    rate: dict[str, float] = {}
    for name, run in cases:
        times = [run() for _ in range(args.runs if "cleanvision" not in name else 1)]
        if any(t is None for t in times):
            print(f"{name:<48} {'not run':>8}")
            continue
        t = statistics.median(times)
        rate[name] = args.count / t
        print(f"{name:<48} {t:8.2f} {rate[name]:10.0f}")
    cv, bare = rate.get(cases[-1][0]), rate.get(cases[0][0])
    checks, more, full = rate.get(cases[2][0]), rate.get(cases[3][0]), rate.get(cases[4][0])
    print("\ntarget                                                 measured   target")
    if cv:
        print(f"{'cleanvision-like checks vs cleanvision':<54} {checks / cv:7.1f}x   >= 8x")
        print(f"{'  (outliers too, label-issues off) vs cleanvision':<54} {more / cv:7.1f}x")
        print(f"{'every rule (label-issues included) vs cleanvision':<54} {full / cv:7.1f}x   >= 5x")
    print(f"{'cleanvision-like checks vs bare 1-process decode':<54} {checks / bare:7.0%}   >= 40%")


if __name__ == "__main__":
    main()
