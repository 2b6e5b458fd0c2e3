"""classes with too few examples to learn, or to measure on a held-out split.

Why: a class with a handful of examples is learned by memorising them, and a test split
may hold none or one of them, so its score is noise (or undefined).

Example: species 'virginica' with 4 rows while min_count is 10.

Fix: collect more examples, merge the class into a related one, or drop it; stratify splits."""
from __future__ import annotations

import numpy as np

from preflight.checks.base import Check, Context
from preflight.findings import Finding
from preflight.params import Interval


class RareClass(Check):
    name = "rare-class"
    code = "PF302"
    summary = "A class has fewer than min_count examples: too few to learn or to evaluate."
    report_section = "classes"
    kinds = frozenset({"tabular", "images"})
    needs = frozenset({"classification"})
    params = {"min_count": Interval(int, 1, None)}

    def run(self, profile, ctx: Context) -> list[Finding]:
        counts = np.bincount(profile.y[profile.y >= 0], minlength=len(profile.classes))
        rare = [k for k, n in enumerate(counts) if n < ctx.params["min_count"]]
        if not rare:
            return []
        rows = np.flatnonzero(np.isin(profile.y, rare))
        named = ", ".join(f"{profile.classes[k]!r} ({counts[k]})" for k in rare)
        images = profile.kind == "images"
        where = {"files": [profile.files[r] for r in rows], "count": rows.size} if images else {"rows": rows}
        return [ctx.finding(
            f"{len(rare)} class(es) with fewer than {ctx.params['min_count']} {'files' if images else 'rows'}: "
            f"{named}; collect more examples, merge them, or drop them",
            details={"classes": {str(profile.classes[k]): int(counts[k]) for k in rare}}, **where)]
