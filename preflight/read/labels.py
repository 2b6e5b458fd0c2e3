"""Which column is the label: the one asked for, else the one column with a conventional name."""
from __future__ import annotations

from preflight.errors import DataError

LABEL_NAMES = ("label", "target", "class", "y")

def resolve_label(columns: tuple[str, ...], requested: str | None, where: str) -> str | None:
    if requested is not None:
        if requested not in columns:
            raise DataError(f"{where}: label column '{requested}' not found (columns: {', '.join(columns)}).")
        return requested
    found = [c for c in columns if c.lower() in LABEL_NAMES]
    return found[0] if len(found) == 1 else None

