"""Which split a data file belongs to, from its path: the one place that knows split names.

A folder anywhere below the scanned root, or a file's stem, named (any case) train/training,
val/valid/validation/dev or test/testing/holdout/eval is a split. Sharded stems count too
(`train-00000-of-00002.parquet`, `test_1.csv`: the name, a separator, then a digit), as hubs
and Spark write them. The outermost match wins (`train/test_ids.csv` is in `train`).
"""
from __future__ import annotations

import re
from pathlib import Path

TRAIN_NAMES = frozenset({"train", "training"})
SPLIT_NAMES = TRAIN_NAMES | {"val", "valid", "validation", "dev", "test", "testing", "holdout", "eval"}
_STEM = re.compile(r"(?P<name>[a-z]+)(?:[-_.]\d.*)?", re.IGNORECASE)


def is_train_name(name: str) -> bool:
    return name.lower() in TRAIN_NAMES


def split_of(rel: Path) -> str:
    """The split a file is in ("" for none): rel is its path relative to the scanned root
    (or just its name when the root is the file itself)."""
    for folder in rel.parts[:-1]:
        if folder.lower() in SPLIT_NAMES:
            return folder.lower()
    stem = rel.name.split(".", 1)[0]
    match = _STEM.fullmatch(stem)
    if match and match.group("name").lower() in SPLIT_NAMES:
        return match.group("name").lower()
    return ""


def file_splits(root: Path, files: tuple[Path, ...]) -> tuple[str, ...]:
    """Per file, its split from the layout ("" for none)."""
    return tuple(split_of(Path(f.name) if root.is_file() else f.relative_to(root)) for f in files)
