"""User-supplied arrays (--pred-probs, --features): .npy files, loaded without pickles."""
from __future__ import annotations

from pathlib import Path

import numpy as np

from preflight.errors import DataError
from preflight.files import NotRegularFile, open_regular


def load_npy(path: Path) -> np.ndarray:
    if not path.exists():
        raise DataError(f"{path}: no such file.")
    try:
        with open_regular(path) as fh:
            return np.load(fh, allow_pickle=False)
    except NotRegularFile as exc:
        raise DataError(f"{path}: {exc}.") from None
    except (ValueError, OSError, EOFError) as exc:
        reason = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
        raise DataError(f"{path}: cannot read as a .npy array: {reason}") from None
