"""An image dataset -> a sorted list of image files with their split and class.

Layouts: `root/[split/]class/file` (split folders named as read/splits.py knows them are
optional; files with no class folder have no label), or a CSV/Parquet/JSONL table
that lists image paths (`image_col`) and, optionally, a label and a split column
(`split_col`, else one named `split`).
Nothing is decoded here. Symlinks that leave the root are not followed; files that
are not images are listed (ignored), never errors; unreadable folders are reported.
"""
from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from preflight.errors import DataError
from preflight.read.splits import SPLIT_NAMES

if TYPE_CHECKING:
    from preflight.read.tabular import TabularSource

IMAGE_SUFFIXES = frozenset({".jpg", ".jpeg", ".png", ".bmp", ".gif", ".tif", ".tiff", ".webp"})
SPLITS = SPLIT_NAMES


@dataclass(frozen=True)
class ImageEntry:
    rel: str            # path relative to the root, forward slashes (as listed, for tables)
    path: str           # where to open it
    split: str          # "" when the file is in no split folder / has no split value
    label: str | None   # class folder name or table label value (None: no label)


@dataclass(frozen=True)
class ImageSource:
    root: Path
    entries: tuple[ImageEntry, ...]          # sorted by rel
    ignored: tuple[tuple[str, str], ...]     # (rel, why): not image files, links out of the root
    problems: tuple[tuple[str, str], ...]    # (rel, reason): folders that could not be listed
    label_name: str | None                   # "class" for folders, the label column for tables
    layout: str                              # "folders" | "table"


def open_images(path: Path, *, image_col: str = "", label: str | None = None, split_col: str = "") -> ImageSource:
    if not path.exists():
        raise DataError(f"{path}: no such file or folder.")
    if image_col:
        return _from_table(path, image_col, label, split_col)
    if not path.is_dir():
        raise DataError(f"{path}: an image dataset is a folder (or a table listing images with --image-col).")
    return _from_folder(path)


def _from_folder(root: Path) -> ImageSource:
    real_root = os.path.realpath(root)
    seen_dirs = {real_root}
    files: list[tuple[str, str]] = []
    ignored: list[tuple[str, str]] = []
    problems: list[tuple[str, str]] = []

    def on_error(exc: OSError) -> None:
        problems.append((_rel(root, exc.filename or str(root)), _os_reason(exc)))

    for folder, dirs, names in os.walk(root, onerror=on_error, followlinks=True):
        prefix = _rel(root, folder) + "/"  # one relpath per folder, not one per file
        prefix = "" if prefix == "./" else prefix
        keep = []
        for d in sorted(dirs):
            full = os.path.join(folder, d)
            if d.startswith("."):
                continue
            real = os.path.realpath(full)
            if not _inside(real, real_root):
                ignored.append((_rel(root, full) + "/", "symlink leaves the dataset root"))
            elif real not in seen_dirs:  # a link back inside the root: walk it once, never loop
                seen_dirs.add(real)
                keep.append(d)
        dirs[:] = keep
        for name in names:
            if name.startswith("."):
                continue
            full = os.path.join(folder, name)
            rel = prefix + name
            if os.path.islink(full) and not _inside(os.path.realpath(full), real_root):
                ignored.append((rel, "symlink leaves the dataset root"))
            elif os.path.splitext(name)[1].lower() in IMAGE_SUFFIXES:
                files.append((rel, full))
            else:
                ignored.append((rel, "not an image file"))
    entries = []
    for rel, full in sorted(files):
        parts = rel.split("/")
        split = parts[0] if len(parts) > 1 and parts[0].lower() in SPLITS else ""
        rest = parts[1:] if split else parts
        entries.append(ImageEntry(rel, full, split, rest[0] if len(rest) > 1 else None))
    return ImageSource(root, tuple(entries), tuple(sorted(ignored)), tuple(sorted(problems)), "class", "folders")


def _from_table(path: Path, image_col: str, label: str | None, split_name: str = "") -> ImageSource:
    from preflight.read.labels import resolve_label
    from preflight.read.tabular import ReadRestart, open_tabular

    source = open_tabular(path)
    where = str(source.files[0])
    if image_col not in source.columns:
        raise DataError(f"{where}: image column '{image_col}' not found (columns: {', '.join(source.columns)}).")
    if split_name and split_name not in source.columns:
        raise DataError(f"{where}: split column '{split_name}' not found (columns: {', '.join(source.columns)}).")
    others = tuple(c for c in source.columns if c not in (image_col, split_name))
    label_name = resolve_label(others, label, where)
    split_col = split_name or next((c for c in others if c.lower() == "split" and c != label_name), None)
    while True:
        try:
            entries = _table_entries(source, image_col, label_name, split_col)
            break
        except ReadRestart:  # a streamed column turned out to be text: read again
            continue
    entries.sort(key=lambda e: e.rel)
    root = path if path.is_dir() else path.parent
    return ImageSource(root, tuple(entries), (), (), label_name, "table")


def _table_entries(source: TabularSource, image_col: str, label_name: str | None, split_col: str | None) -> list:
    from preflight.read.tabular import iter_batches

    entries = []
    for index, batch in iter_batches(source):
        base = source.files[index].parent
        paths = batch.column(image_col).to_pylist()
        labels = batch.column(label_name).to_pylist() if label_name else [None] * len(paths)
        splits = batch.column(split_col).to_pylist() if split_col else [""] * len(paths)
        for p, y, s in zip(paths, labels, splits):
            rel = "" if p is None else str(p).strip().replace("\\", "/")
            full = str(base / rel) if rel else ""
            entries.append(ImageEntry(rel, full, "" if s is None else str(s).strip(),
                                      None if y is None else str(y)))
    return entries


def _rel(root: Path, full: str) -> str:
    return os.path.relpath(full, root).replace(os.sep, "/")


def _inside(real: str, real_root: str) -> bool:
    return real == real_root or real.startswith(real_root.rstrip(os.sep) + os.sep)


def _os_reason(exc: OSError) -> str:
    if isinstance(exc, PermissionError):
        return "permission denied"
    return exc.strerror or type(exc).__name__
