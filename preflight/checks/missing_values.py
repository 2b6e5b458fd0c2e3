"""missing cells per column, with the placeholder tokens that were read as missing.

Why: most models cannot take NaN (one NaN input makes the loss NaN), and the ones that can
treat it as a value the test data may not share. Placeholders such as '?' or 'NA' also turn
a numeric column into text when the training code reads it naively.

Example: age = 34, ?, 51, NA -> 2 missing values (placeholders '?' x1, 'NA' x1).

Fix: impute (stats.json holds the fill value, the median; stats.transform applies it),
drop the rows or the column, or fix the source. max_fraction tolerates a small share."""
from __future__ import annotations

import numpy as np

from preflight.checks.base import Check, Context, pct
from preflight.findings import Finding
from preflight.params import Interval


class MissingValues(Check):
    name = "missing-values"
    code = "PF101"
    summary = (
        "A column has missing values (empty cells, nulls or placeholder tokens such as '?' or 'NA').")
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
