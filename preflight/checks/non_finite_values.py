"""inf / -inf in numeric columns, and numbers too large to train on: one such input makes the loss NaN.

Why: inf * 0 and inf - inf are NaN; a single inf in a batch turns the activations, the loss
and then every weight into NaN, and standardizing with an infinite std zeroes the column.
A finite number beyond float32's range (|x| > 3.4e38, e.g. 1e308) is inf as soon as a model
casts it to float32, and its square overflows even float64: it counts as non-finite too
(left out of the column's statistics, filled like inf in the model inputs).

Example: ratio = 0.5, 1.2, inf (a division by zero upstream); amount = 12.5, 1e308 (a sentinel).

Only columns read as numbers count: in a column of text (movie titles), "Infinity" is a
title, not a number.

Fix: replace them at the source, clip them to a finite bound, or treat them as missing
(stats.transform fills inf with the median)."""
from __future__ import annotations

from preflight.checks.base import Check, Context, Scoring, preview
from preflight.findings import Finding
from preflight.profile.row_states import RowsWhere


class NonFiniteValues(Check):
    name = "non-finite-values"
    code = "PF102"
    summary = "A numeric column holds inf or -inf, which turns losses and gradients into NaN."

    def score(self, profile, ctx: Context) -> Scoring:
        """Per reported column its non-finite rows (the first max_listed_rows) and how many of
        them are finite numbers beyond float32 (preflight.profile.overflow)."""
        asks = {}
        for c in self._reported(profile):
            asks[c.name] = RowsWhere(c.name, "nonfinite", max(ctx.max_rows, 5))  # the message shows 5
            asks[(c.name, "huge")] = RowsWhere(c.name, "huge", 0)
        return (yield asks)

    @staticmethod
    def _reported(profile) -> list:
        return [c for c in profile.columns if c.nonfinite and c.text_count < c.numeric_count]

    def run(self, profile, ctx: Context) -> list[Finding]:
        out = []
        for col in self._reported(profile):
            listed = ctx.scored[col.name]
            rows = listed.rows
            huge = ctx.scored[(col.name, "huge")].count
            what = [f"{col.nonfinite - huge} infinite values"] if col.nonfinite > huge else []
            if huge:
                what.append(f"{huge} values beyond float32's range (|x| > 3.4e+38: inf in float32, "
                            "their squares overflow float64)")
            out.append(ctx.finding(
                f"column '{col.name}': {' and '.join(what)} (rows {preview(rows.tolist(), total=listed.count)}); "
                "replace them (clip or treat as missing) before training",
                rows=rows, count=listed.count, truncated=listed.truncated, columns=[col.name]))
        return out
