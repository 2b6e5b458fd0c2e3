"""exact duplicate rows over features and label; they over-weight examples and leak.

Why: repeated rows count several times in the loss, and after a random split copies land
in both train and test, so the test score measures memory, not generalisation.
Rows are compared by value (1 equals 1.0) through 64-bit row hashes.

Example: rows 10, 400 and 403 are identical in every column, label included.

Fix: keep one of each group (drop_duplicates) before splitting; max_fraction tolerates a
small share when repeats are genuine (identical measurements)."""
from __future__ import annotations

import numpy as np

from preflight.checks.base import Check, Context, pct, preview
from preflight.checks.groups import hash_groups
from preflight.findings import Finding
from preflight.params import Interval


class DuplicateRows(Check):
    name = "duplicate-rows"
    code = "PF201"
    summary = (
        "Rows repeat exactly (features and label): they over-weight examples and leak across splits.")
    report_section = "duplicates"
    params = {"max_fraction": Interval(float, 0.0, 1.0, closed="left")}

    def run(self, profile, ctx: Context) -> list[Finding]:
        groups = hash_groups(profile.row_hash)
        rows = np.sort(np.concatenate(groups)) if groups else np.empty(0, int)
        if not groups or rows.size / profile.rows <= ctx.params["max_fraction"]:
            return []
        extra = rows.size - len(groups)
        shown = preview(["[" + ", ".join(map(str, g[:4])) + (", ...]" if g.size > 4 else "]") for g in groups], 3)
        return [ctx.finding(
            f"{rows.size} rows in {len(groups)} groups ({pct(rows.size, profile.rows)}) are exact duplicates "
            f"({shown}); keep one of each ({extra} redundant) and dedupe before splitting",
            rows=rows, groups=groups, details={"redundant": extra})]
