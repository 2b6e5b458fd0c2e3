"""a regression target far from 0/1: the output layer starts far from the answer.

Why: a freshly initialised network predicts about 0; with targets around 1e5 the first
losses are enormous, the gradients explode or the learning rate must be tiny, and most
of training is spent moving the bias. A heavy-tailed target also lets a few rows
dominate a squared loss.

Example: price with mean 2.4e5 and std 1.1e5.

Fix: set the output bias to the target mean (stats.json target.output_bias), or
standardize the target and invert the scaling at prediction time; predict log1p(target)
when it is heavy-tailed."""
from __future__ import annotations

import math

from preflight.checks.base import Check, Context
from preflight.findings import Finding
from preflight.params import Interval
from preflight.profile import transforms


class TargetScale(Check):
    name = "target-scale"
    code = "PF404"
    summary = (
        "A regression target is far from mean 0 and std 1: set the output bias to its mean or standardize it.")
    needs = frozenset({"regression"})
    params = {"max_abs_mean": Interval(float, 0.0, None, closed="neither"),
              "max_std": Interval(float, 0.0, None, closed="neither")}

    def run(self, profile, ctx: Context) -> list[Finding]:
        t, p = profile.label, ctx.params
        if t.kind != "numeric" or t.rows - t.missing == 0:
            return [ctx.skipped("the target has no numeric values")]
        if not math.isfinite(t.mean):  # every value infinite or beyond float32 (non-finite-values' rows)
            return [ctx.skipped("the target has no finite values")]
        heavy = t.transform["kind"] in ("log1p-standardize", "tanh")
        if abs(t.mean) <= p["max_abs_mean"] and t.std <= p["max_std"] and not heavy:
            return []
        advice = "predict log1p(target) (it is heavy-tailed)" if heavy else "standardize the target"
        return [ctx.finding(
            f"target '{t.name}' has mean {t.mean:.4g} and std {t.std:.4g} (range [{t.min:.4g}, {t.max:.4g}]); "
            f"set the output bias to the mean (stats.json target.output_bias) or {advice}",
            columns=[t.name],
            details={"mean": t.mean, "std": t.std, "heavy_tailed": heavy,
                     "std_over_robust_sigma": round(transforms.squeeze(t.std, t.quantiles), 3)})]
