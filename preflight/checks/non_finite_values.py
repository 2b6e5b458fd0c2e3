"""PF102: inf / -inf in numeric columns: one such input makes the loss NaN."""
from __future__ import annotations

import numpy as np

from preflight.check import Check, Context, preview
from preflight.findings import Finding


class NonFiniteValues(Check):
    name = "non-finite-values"
    code = "PF102"

    def run(self, profile, ctx: Context) -> list[Finding]:
        out = []
        for col in profile.columns:
            if not col.nonfinite:
                continue
            rows = np.flatnonzero(col.nonfinite_mask)
            out.append(ctx.finding(
                f"column '{col.name}': {col.nonfinite} infinite values (rows {preview(rows.tolist())}); "
                "replace them (clip or treat as missing) before training",
                rows=rows, columns=[col.name]))
        return out
