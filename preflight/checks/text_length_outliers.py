"""free texts far longer than the rest: a 2 MB "review", a whole file pasted into one cell.

Why: one huge text costs as much memory and time as thousands of normal ones (padding a
batch to it, or a tokenizer choking on it), is truncated at training anyway, and is usually
an export accident (a field that swallowed the rest of the file, a log dump) rather than an
example of the task.

Judged on the log of the length in characters, against this column's own spread: a text is
flagged when its robust z-score (distance from the median log length in units of 1.4826 MAD)
exceeds max_robust_z and it is at least min_ratio times the median length.

Example: review on row 5 holds 2,000,000 characters; the median review holds 300.

Fix: look at the flagged rows; drop or cut the accidents (stats.json text_columns gives the
length distribution and the sequence lengths that cover 95% and 99% of rows)."""
from __future__ import annotations

import numpy as np

from preflight.checks.base import Check, Context, preview
from preflight.checks.texts import text_columns
from preflight.findings import Finding
from preflight.params import Interval


class TextLengthOutliers(Check):
    name = "text-length-outliers"
    code = "PF604"
    summary = "Free texts far longer than the rest of their column (robust z-score of the log length)."
    params = {"max_robust_z": Interval(float, 0.0, None, closed="neither"),
              "min_ratio": Interval(float, 1.0, None), "min_rows": Interval(int, 3, None)}

    def run(self, profile, ctx: Context) -> list[Finding]:
        p = ctx.params
        out = []
        for col in text_columns(profile):
            present = np.flatnonzero(~col.missing_mask)
            if present.size < p["min_rows"]:
                continue
            chars = col.text.chars[present].astype(np.float64)
            logged = np.log1p(chars)
            median = float(np.median(logged))
            mad = 1.4826 * float(np.median(np.abs(logged - median)))
            if mad == 0:
                continue
            z = (logged - median) / mad
            typical = float(np.median(chars))
            hit = (z > p["max_robust_z"]) & (chars >= p["min_ratio"] * max(typical, 1.0))
            if not hit.any():
                continue
            rows = present[hit]
            order = np.argsort(-chars[hit], kind="stable")
            shown = [f"{int(r)} ({int(c):,} chars)" for r, c in zip(rows[order], chars[hit][order])]
            out.append(ctx.finding(
                f"column '{col.name}': {rows.size} texts are far longer than the median of {typical:,.0f} characters "
                f"({preview(shown, 3)}; robust z of the log length > {p['max_robust_z']:g}); look at them: "
                "usually an export accident, and truncated at training anyway",
                rows=rows, columns=[col.name],
                details={"median_chars": typical, "chars": {str(int(r)): int(c) for r, c in zip(rows, chars[hit])}}))
        return out
