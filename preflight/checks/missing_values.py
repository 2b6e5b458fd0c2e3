"""missing cells per column, with the placeholder tokens that were read as missing.

Why: most models cannot take NaN (one NaN input makes the loss NaN), and the ones that can
treat it as a value the test data may not share. Placeholders such as '?' or 'NA' also turn
a numeric column into text when the training code reads it naively.

Example: age = 34, ?, 51, NA -> 2 missing values (placeholders '?' x1, 'NA' x1).

Fix: impute (stats.json holds the fill value, the median; stats.transform applies it),
drop the rows or the column, or fix the source. max_fraction tolerates a small share."""
from __future__ import annotations

from preflight.checks.base import Check, Context, Scoring, pct
from preflight.findings import Finding
from preflight.params import Interval
from preflight.profile.row_states import RowsWhere


class MissingValues(Check):
    name = "missing-values"
    code = "PF101"
    summary = (
        "A column has missing values (empty cells, nulls or placeholder tokens such as '?' or 'NA').")
    params = {"max_fraction": Interval(float, 0.0, 1.0, closed="left")}

    def score(self, profile, ctx: Context) -> Scoring:
        """The rows of each column that will be reported: a count and the first max_listed_rows."""
        return (yield {c.name: RowsWhere(c.name, "missing", ctx.max_rows) for c in self._reported(profile, ctx)})

    @staticmethod
    def _reported(profile, ctx: Context) -> list:
        return [c for c in profile.columns if c.missing and c.missing / c.rows > ctx.params["max_fraction"]]

    def run(self, profile, ctx: Context) -> list[Finding]:
        out = []
        for col in self._reported(profile, ctx):
            listed = ctx.scored[col.name]
            tokens = ", ".join(f"{t!r} x{n}" for t, n in col.placeholders.items())
            seen = f"; placeholders read as missing: {tokens}" if tokens else ""
            out.append(ctx.finding(
                f"column '{col.name}': {col.missing} missing values ({pct(col.missing, col.rows)}){seen}; "
                "impute (the stats fill value is the median) or drop the column",
                rows=listed.rows, count=listed.count, truncated=listed.truncated, columns=[col.name],
                details={"fraction": round(col.missing / col.rows, 6), "placeholders": col.placeholders}))
        return out
