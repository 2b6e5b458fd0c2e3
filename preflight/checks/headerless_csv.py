"""a CSV without a header line: its first data row was read as the column names.

Why: the first row is lost from the data, and the "names" are values (5.1, 3.5, setosa),
so every message, every stats.json entry and every transform refers to columns by a
number; a label named by the user cannot be found.

Found from the header the read stage saw: most names (at least min_fraction of the
columns, and at least two unless there is one column) parse as values of the column below
them: a number inside the column's range for a numeric column, one of its values for a
text column. Names that count 0, 1, 2, ... (a writer's default index) do not count.

Example: a file starting `5.1,3.5,1.4,0.2,Iris-setosa` where sepal lengths run 4.3 to 7.9.

Fix: add a header line (or read the file with header=None and name the columns)."""
from __future__ import annotations

import math

from preflight.checks.base import Check, Context, preview
from preflight.findings import Finding
from preflight.params import Interval


def fits(name: str, col) -> bool:
    """The name reads as a value of the column below it."""
    text = name.strip()
    if col.kind in ("numeric", "mixed") and math.isfinite(col.min):
        try:
            x = float(text)
        except ValueError:
            return col.kind == "mixed" and text in col.categories
        pad = 0.1 * (col.max - col.min)
        return math.isfinite(x) and col.min - pad <= x <= col.max + pad
    if col.kind == "categorical":
        return text in (col.categories or col.text_examples)  # no categories kept: too many distinct values
    return False


class HeaderlessCsv(Check):
    name = "headerless-csv"
    code = "PF109"
    summary = "A CSV's header looks like a data row: its names parse as values of the columns below them."
    params = {"min_fraction": Interval(float, 0.0, 1.0, closed="right")}

    def run(self, profile, ctx: Context) -> list[Finding]:
        if not any(f in ("csv", "tsv") for f in getattr(profile, "formats", ())):
            return []
        cols = [*profile.columns, *([profile.label] if profile.label is not None else [])]
        names = [c.name for c in cols]
        if not cols or names == [str(i) for i in range(len(cols))] or \
                names == [str(i) for i in range(1, len(cols) + 1)]:
            return []
        hits = [c for c in cols if fits(c.name, c)]
        need = max(min(2, len(cols)), math.ceil(ctx.params["min_fraction"] * len(cols)))
        if len(hits) < need:
            return []
        shown = [f"'{c.name}' among its column's values" if c.kind == "categorical" else
                 f"'{c.name}' within {c.min:g} to {c.max:g}" for c in hits]
        return [ctx.finding(
            f"the header looks like a data row: {len(hits)} of {len(cols)} column names are values of their columns "
            f"({preview(shown, 3)}); the file probably has no header line, so its first row was read as names and "
            "is missing from the data: add a header line",
            columns=[c.name for c in hits], count=len(hits),
            details={"names_as_values": len(hits), "columns": len(cols)})]
