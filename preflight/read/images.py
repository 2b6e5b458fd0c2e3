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


def open_images(path: Path, *, image_col: str = "", label: str | None = None, split_col: str = "",
                allow_outside: bool = False) -> ImageSource:
    """allow_outside: a table may list images outside the dataset folder (setting allow_outside_paths)."""
    if not path.exists():
        raise DataError(f"{path}: no such file or folder.")
    if image_col:
        return _from_table(path, image_col, label, allow_outside, split_col)
    if not path.is_dir():
        raise DataError(f"{path}: an image dataset is a folder (or a table listing images with --image-col).")
    return _from_folder(path)


def _from_folder(root: Path) -> ImageSource:
    from preflight.read.walk import walk

    listing = walk(root)
    files, ignored = [], list(listing.ignored)
    for rel, full in listing.files:
        if os.path.splitext(rel)[1].lower() in IMAGE_SUFFIXES:
            files.append((rel, full))
        else:
            ignored.append((rel, "not an image file"))
    entries = []
    for rel, full in sorted(files):
        parts = rel.split("/")
        split = parts[0] if len(parts) > 1 and parts[0].lower() in SPLITS else ""
        rest = parts[1:] if split else parts
        entries.append(ImageEntry(rel, full, split, rest[0] if len(rest) > 1 else None))
    return ImageSource(root, tuple(entries), tuple(sorted(ignored)), tuple(sorted(listing.problems)),
                       "class", "folders")


def _from_table(path: Path, image_col: str, label: str | None, allow_outside: bool,
                split_name: str = "") -> ImageSource:
    from preflight.read.labels import resolve_label
    from preflight.read.tabular import ReadRestart, open_tabular

    source = open_tabular(path)
    where = str(source.files[0])
    if image_col not in source.columns:
        raise DataError(f"{where}: image column '{image_col}' not found (columns: {', '.join(source.columns)}).")
    if split_name and split_name not in source.columns:
        raise DataError(f"{where}: split column '{split_name}' not found (columns: {', '.join(source.columns)}).")
    others = tuple(c for c in source.columns if c not in (image_col, split_name))
    label_name = resolve_label(others, label, where, leave_a_feature=False)
    split_col = split_name or next((c for c in others if c.lower() == "split" and c != label_name), None)
    root = path if path.is_dir() else path.parent
    while True:
        try:
            entries = _table_entries(source, image_col, label_name, split_col)
            break
        except ReadRestart:  # a streamed column turned out to be text: read again
            continue
    if not allow_outside:
        _refuse_outside(source, image_col, entries, root)
    entries.sort(key=lambda e: e.rel)
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


def _refuse_outside(source: TabularSource, image_col: str, entries: list[ImageEntry], root: Path) -> None:
    """A table is data, and data may be hostile: a listed path that leaves the dataset folder
    ('/etc/passwd', '../../x', or a link out of it) is refused unless allow_outside_paths is set."""
    from preflight.read.walk import inside

    real_root = os.path.realpath(root)
    folders: dict[str, str] = {}  # realpath per parent folder: one lstat per image, not one per part
    for row, entry in enumerate(entries):
        if not entry.path:
            continue
        parent, name = os.path.split(entry.path)  # not normalised first: "link/.." is resolved as the OS does
        if parent not in folders:
            folders[parent] = os.path.realpath(parent)
        real = os.path.join(folders[parent], name)
        if name in ("", ".", "..") or os.path.islink(real):
            real = os.path.realpath(real)
        if not inside(real, real_root):
            where = str(source.files[0] if len(source.files) == 1 else source.root)
            raise DataError(f"{where}: row {row} of column '{image_col}' lists '{entry.rel}', outside the dataset "
                            f"folder {root}; preflight opens only files inside it (set allow_outside_paths = true "
                            "in the config to allow it).")
