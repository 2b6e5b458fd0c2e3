"""PF403: a heavy tail or huge range (values over [0, 140000000]) leaves the bulk of the
data squeezed near one point after standardizing: squash with log1p or tanh(x/C) first."""
from __future__ import annotations

from preflight import transforms
from preflight.check import Check, Context
from preflight.findings import Finding


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
