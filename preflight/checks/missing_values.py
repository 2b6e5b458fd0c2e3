"""PF101: missing cells per column, with the placeholder tokens that were read as missing."""
from __future__ import annotations

import numpy as np

from preflight.check import Check, Context, pct
from preflight.findings import Finding
from preflight.params import Interval


class MissingValues(Check):
    name = "missing-values"
    code = "PF101"
    params = {"max_fraction": Interval(float, 0.0, 1.0, closed="left")}

    def run(self, profile, ctx: Context) -> list[Finding]:
        out = []
        for col in profile.columns:
            if not col.missing or col.missing / col.rows <= ctx.params["max_fraction"]:
                continue
            tokens = ", ".join(f"{t!r} x{n}" for t, n in col.placeholders.items())
            seen = f"; placeholders read as missing: {tokens}" if tokens else ""
            out.append(ctx.finding(
                f"column '{col.name}': {col.missing} missing values ({pct(col.missing, col.rows)}){seen}; "
                "impute (the stats fill value is the median) or drop the column",
                rows=np.flatnonzero(col.missing_mask), columns=[col.name],
                details={"fraction": round(col.missing / col.rows, 6), "placeholders": col.placeholders}))
        return out
