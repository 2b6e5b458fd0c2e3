"""inf / -inf in numeric columns: one such input makes the loss NaN.

Why: inf * 0 and inf - inf are NaN; a single inf in a batch turns the activations, the loss
and then every weight into NaN, and standardizing with an infinite std zeroes the column.

Example: ratio = 0.5, 1.2, inf (a division by zero upstream).

Only columns read as numbers count: in a column of text (movie titles), "Infinity" is a
title, not a number.

Fix: replace them at the source, clip them to a finite bound, or treat them as missing
(stats.transform fills inf with the median)."""
from __future__ import annotations

import numpy as np

from preflight.checks.base import Check, Context, preview
from preflight.findings import Finding


class NonFiniteValues(Check):
    name = "non-finite-values"
    code = "PF102"
    summary = "A numeric column holds inf or -inf, which turns losses and gradients into NaN."

    def run(self, profile, ctx: Context) -> list[Finding]:
        out = []
        for col in profile.columns:
            if not col.nonfinite or col.text_count >= col.numeric_count:
                continue
            rows = np.flatnonzero(col.nonfinite_mask)
            out.append(ctx.finding(
                f"column '{col.name}': {col.nonfinite} infinite values (rows {preview(rows.tolist())}); "
                "replace them (clip or treat as missing) before training",
                rows=rows, columns=[col.name]))
        return out
