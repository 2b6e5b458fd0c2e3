"""Atomic JSON output: a reader never sees a half-written stats.json."""
from __future__ import annotations

import json
import os
import tempfile
from pathlib import Path
from typing import Any


def is_inside(child: Path, parent: Path) -> bool:
    """True when child is parent or lies below it: preflight never writes into the data it scans."""
    child, parent = Path(child).resolve(), Path(parent).resolve()
    return child == parent or parent in child.parents


def dumps(obj: Any) -> str:
    return json.dumps(obj, indent=2, ensure_ascii=False, allow_nan=False) + "\n"


def write_atomic(path: Path, text: str) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as fh:
            fh.write(text)
            fh.flush()
            os.fsync(fh.fileno())
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
