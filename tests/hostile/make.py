"""Hostile inputs that cannot be committed: made at test time by tests/test_hostile.py.

FIFOs, symlinks and permissions only exist on a real filesystem, and some inputs are big
(a 17 MB cell) or binary (Parquet): each maker writes into a folder it is given and returns
the path to scan. The committed, small cases sit beside this file.
"""
from __future__ import annotations

import os
import shutil
from pathlib import Path

HERE = Path(__file__).resolve().parent


def copy(name: str, into: Path) -> Path:
    """A committed case (file or folder) copied into `into`: scanned away from the repository's own config."""
    src, dst = HERE / name, into / name
    dst.parent.mkdir(parents=True, exist_ok=True)
    if src.is_dir():
        shutil.copytree(src, dst)
    else:
        shutil.copyfile(src, dst)
    return dst


def table(folder: Path, name: str = "d.csv", text: str = "a,label\n1,x\n2,y\n3,x\n") -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    (folder / name).write_text(text)
    return folder / name


def binary_pyproject(folder: Path) -> Path:
    """A binary pyproject.toml beside a table (made here: a committed one breaks ruff's config discovery)."""
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "pyproject.toml").write_bytes(bytes(range(256)) * 2)  # never spells "preflight"
    return table(folder, "data.csv")


def fifo(path: Path) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    os.mkfifo(path)
    return path


def images(folder: Path, classes: tuple[str, ...] = ("cat", "dog"), per_class: int = 3) -> Path:
    """A tiny image folder: per_class distinct 8x8 PNGs in each class folder."""
    import numpy as np
    from PIL import Image

    rng = np.random.default_rng(0)
    for c in classes:
        (folder / c).mkdir(parents=True, exist_ok=True)
        for i in range(per_class):
            Image.fromarray(rng.integers(0, 255, (8, 8, 3), dtype=np.uint8)).save(folder / c / f"{i}.png")
    return folder


def huge_columns(path: Path, rows: int = 200) -> Path:
    """Every feature near float64's limit, a class label: conflicting-labels met NaN here."""
    path.parent.mkdir(parents=True, exist_ok=True)
    import numpy as np

    rng = np.random.default_rng(0)
    a, b = rng.uniform(-1, 1, rows) * 1.7e308, rng.uniform(-1, 1, rows) * 1e308
    labels = rng.integers(0, 3, rows)
    path.write_text("a,b,label\n" + "".join(f"{x:.17g},{y:.17g},{k}\n" for x, y, k in zip(a, b, labels)))
    return path


def huge_target(path: Path, rows: int = 200) -> Path:
    """A regression target near float64's limit (its MSE overflowed)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    import numpy as np

    rng = np.random.default_rng(1)
    t = rng.uniform(-1, 1, rows) * 1.7e308
    path.write_text("a,target\n" + "".join(f"{rng.normal():.17g},{v:.17g}\n" for v in t))
    return path


def uint64_parquet(path: Path, rows: int = 50) -> Path:
    """A uint64 id column up to 2**64-1 (pyarrow's safe cast to float64 refused it)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    import numpy as np
    import pyarrow as pa
    import pyarrow.parquet as pq

    ids = np.uint64(2**64 - 1) - np.arange(rows, dtype=np.uint64)
    pq.write_table(pa.table({"h": pa.array(ids, pa.uint64()), "x": np.arange(rows) % 7,
                             "label": np.arange(rows) % 2}), path)
    return path


def big_cell(path: Path, size: int = 33 << 20) -> Path:
    """A valid CSV with one cell over two of pyarrow's 16 MB blocks (a row that straddles two block
    boundaries is refused: a 17 MB cell only when it starts just before one, 33 MB always)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("w") as fh:
        fh.write("a,b\n1,")
        fh.write("x" * size)
        fh.write("\n2,y\n")
    return path


def many_classes(path: Path, classes: int, rows_per_class: int = 3) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    rows = [f"{(i * 37) % 101 / 10},{(i * 53) % 97 / 10},c{i % classes}" for i in range(classes * rows_per_class)]
    path.write_text("a,b,label\n" + "\n".join(rows) + "\n")
    return path
