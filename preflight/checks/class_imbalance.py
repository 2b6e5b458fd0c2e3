"""PF301: imbalanced classes: set the output bias to the log priors, weigh the loss."""
from __future__ import annotations

import numpy as np

from preflight.check import Check, Context
from preflight.findings import Finding
from preflight.params import Interval


class ClassImbalance(Check):
    name = "class-imbalance"
    code = "PF301"
    kinds = frozenset({"tabular", "images"})
    needs = frozenset({"classification"})
    params = {"max_ratio": Interval(float, 1.0, None, closed="neither")}

    def run(self, profile, ctx: Context) -> list[Finding]:
        y = profile.y[profile.y >= 0]
        if len(profile.classes) < 2 or y.size == 0:
            return [ctx.skipped(f"{len(profile.classes)} class(es) with labels: nothing to balance")]
        counts = np.bincount(y, minlength=len(profile.classes))
        big, small = int(np.argmax(counts)), int(np.argmin(counts))
        ratio = counts[big] / max(counts[small], 1)
        if ratio <= ctx.params["max_ratio"]:
            return []
        unit = "files" if profile.kind == "images" else "rows"
        return [ctx.finding(
            f"class {profile.classes[big]!r} has {counts[big]} {unit}, class {profile.classes[small]!r} only "
            f"{counts[small]} (ratio {ratio:.1f} > {ctx.params['max_ratio']:g}); initialise the output bias "
            "from stats.json target.output_bias and weigh the loss with target.class_weights",
            count=len(profile.classes),
            details={"ratio": round(float(ratio), 4),
                     "counts": {str(c): int(n) for c, n in zip(profile.classes, counts)}})]
