"""a feature with one value everywhere carries no signal (and has std 0).

Why: it cannot help any model, and standardizing divides by its std of 0; it often means a
broken join or an export that lost a column.

Example: source = web in every row, or a column that is empty in every row.

Fix: drop the column (stats.transform drops it already), or fix the export that emptied it."""
from __future__ import annotations

from preflight.checks.base import Check, Context
from preflight.findings import Finding


class ConstantFeature(Check):
    name = "constant-feature"
    code = "PF103"
    summary = "A feature has a single value in every row: it carries no information."

    def run(self, profile, ctx: Context) -> list[Finding]:
        if profile.rows < 2:
            return [ctx.skipped(f"{profile.rows} row(s): too few to call a column constant")]
        constant = [c for c in profile.columns if not c.varies]
        if not constant:
            return []
        names = [c.name for c in constant]
        return [ctx.finding(
            f"{len(names)} constant feature(s): {', '.join(names)}; drop them",
            count=len(names), columns=names,
            details={c.name: ("all missing" if c.kind == "empty" else "single value") for c in constant})]
