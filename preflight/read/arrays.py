"""User-supplied arrays (--pred-probs, --features): .npy files, loaded without pickles."""
from __future__ import annotations

from pathlib import Path

import numpy as np

from preflight.errors import DataError


def load_npy(path: Path) -> np.ndarray:
    if not path.is_file():
        raise DataError(f"{path}: no such file.")
    try:
        return np.load(path, allow_pickle=False)
    except (ValueError, OSError, EOFError) as exc:
        reason = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
        raise DataError(f"{path}: cannot read as a .npy array: {reason}") from None
