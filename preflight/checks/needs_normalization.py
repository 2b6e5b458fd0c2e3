"""inputs far from mean 0 / std 1 slow training or saturate units: standardize them.

Why: gradient descent takes one step size for all weights: a feature in the thousands
next to one in [0, 1] makes the loss surface a long narrow valley (slow, unstable steps),
and large inputs saturate sigmoid and tanh units at initialisation.

Example: tenure_months with mean 59.5 and std 34.9 (|mean| > max_abs_mean 3).

Fix: standardize with the fitted stats, (x - mean) / std, the same numbers for train,
validation and test: stats.transform(df) or stats.to_sklearn() does it."""
from __future__ import annotations

from preflight.checks.base import Check, Context
from preflight.findings import Finding
from preflight.params import Interval


class NeedsNormalization(Check):
    name = "needs-normalization"
    code = "PF402"
    summary = "Numeric features are far from mean 0 and std 1: standardize them with the fitted stats."
    report_section = "features"
    params = {"max_abs_mean": Interval(float, 0.0, None, closed="neither"),
              "min_std": Interval(float, 0.0, None, closed="neither"),
              "max_std": Interval(float, 0.0, None, closed="neither")}

    def run(self, profile, ctx: Context) -> list[Finding]:
        p = ctx.params
        far = [c for c in profile.columns if c.transform["kind"] == "standardize"
               and (abs(c.mean) > p["max_abs_mean"] or not p["min_std"] <= c.std <= p["max_std"])]
        if not far:
            return []
        shown = ", ".join(f"{c.name} (mean {c.mean:.3g}, std {c.std:.3g})" for c in far[:5])
        more = f", ... (+{len(far) - 5} more)" if len(far) > 5 else ""
        return [ctx.finding(
            f"{len(far)} numeric features are far from mean 0 / std 1: {shown}{more}; standardize them with "
            "stats.transform (the same fitted mean/std for train, val and test)",
            count=len(far), columns=[c.name for c in far],
            details={c.name: {"mean": c.mean, "std": c.std} for c in far})]
