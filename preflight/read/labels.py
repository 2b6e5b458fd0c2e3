"""Which column is the label: the one asked for, else the one column with a conventional name."""
from __future__ import annotations

from preflight.errors import DataError

LABEL_NAMES = ("label", "target", "class", "y")

def resolve_label(columns: tuple[str, ...], requested: str | None, where: str, *,
                  leave_a_feature: bool = True) -> str | None:
    """The label column; leave_a_feature=False where the features are elsewhere (a table of images)."""
    if requested is not None:
        if requested not in columns:
            raise DataError(f"{where}: label column '{requested}' not found (columns: {', '.join(columns)}).")
        return requested
    found = [c for c in columns if c.lower() in LABEL_NAMES]
    # A guess that would leave no feature (a one-column table named y) is no label: its column is
    # the data (boot's darwin, tuna), and a label without features fails as an empty dataset.
    return found[0] if len(found) == 1 and (len(columns) > 1 or not leave_a_feature) else None

