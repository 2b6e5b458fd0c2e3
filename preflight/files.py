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


def write_atomic(path: Path, data: str | bytes, *, sync: bool = True) -> None:
    """Temp file in the same folder, then rename: readers see the old file or the new one.
    sync=False skips the fsync (caches: losing one to a crash only costs a recomputation)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(fd, "wb") as fh:
            fh.write(data.encode("utf-8") if isinstance(data, str) else data)
            fh.flush()
            if sync:
                os.fsync(fh.fileno())
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def write_npz_atomic(path: Path, arrays: dict) -> None:
    """numpy arrays as one .npz (no pickle), written atomically without fsync (cache files)."""
    import io

    import numpy as np

    buf = io.BytesIO()
    np.savez(buf, **arrays)
    write_atomic(path, buf.getvalue(), sync=False)
