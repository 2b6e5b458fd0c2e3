"""a heavy tail or huge range (values over [0, 140000000]) leaves the bulk of the
data squeezed near one point after standardizing: squash with log1p or tanh(x/C) first.

Why: standardizing divides by the std, which the tail inflates: with incomes up to 1.4e8
and a median of 3.3e4, the std is 8.4e6 and 99% of the rows land within 0.05 of
each other, so the model cannot tell them apart, while the tail rows produce huge
activations and gradients. A column is flagged when its std exceeds squash_std_ratio
(setting, 5) times its robust sigma (IQR / 1.349): normal data scores 1, lognormal(sigma=2) 20.

Example: income in [2737, 1.4e+08], median 3.3e+04 -> log1p, then standardize.

Fix: apply the fitted squashing in stats.json (stats.transform does):
- log1p-standardize, for nonnegative data when the log removes the excess:
  y = (log1p(x) - mean) / std, with mean and std of log1p(x) fitted on the data;
- else tanh: y = tanh((x - center) / C), center = the median and C = the larger of
  p95 - p50 and p50 - p05, fitted on the data, so the central 90% of the values lands in
  tanh's responsive range (|y| < 0.76) and the tails are bounded in (-1, 1) instead of
  dominating."""
from __future__ import annotations

from preflight.checks.base import Check, Context
from preflight.findings import Finding
from preflight.profile import transforms


def _describe(c) -> str:
    t = c.transform
    if t["kind"] == "log1p-standardize":
        how = "log1p, then standardize"
    else:
        how = f"tanh((x - {t['center']:.4g}) / {t['scale']:.4g})"
    return f"{c.name} [{c.min:.4g}, {c.max:.4g}], median {c.quantiles['p50']:.4g} -> {how}"


class NeedsSquashing(Check):
    name = "needs-squashing"
    code = "PF403"
    summary = (
        "Numeric features are heavy-tailed or span a huge range: squash them with log1p or tanh(x/C).")
    report_section = "features"

    def run(self, profile, ctx: Context) -> list[Finding]:
        cols = [c for c in profile.columns if c.transform["kind"] in ("log1p-standardize", "tanh")]
        if not cols:
            return []
        return [ctx.finding(
            f"{len(cols)} heavy-tailed or huge-range features: {'; '.join(_describe(c) for c in cols[:5])}"
            f"{'; ...' if len(cols) > 5 else ''}; the fitted squashing is in stats.json (stats.transform applies it)",
            count=len(cols), columns=[c.name for c in cols],
            details={c.name: {"min": c.min, "max": c.max, "p50": c.quantiles["p50"],
                              "std_over_robust_sigma": round(transforms.squeeze(c.std, c.quantiles), 3),
                              "transform": c.transform} for c in cols})]
