"""PF100: say once that the label checks did not run, and how to turn them on."""
from __future__ import annotations

from preflight.check import Check, Context
from preflight.findings import Finding
from preflight.profile.tabular import LABEL_NAMES


class NoLabelColumn(Check):
    name = "no-label-column"
    code = "PF100"

    def run(self, profile, ctx: Context) -> list[Finding]:
        if profile.label is not None:
            return []
        return [ctx.finding(
            "no label column found (none given with --label or in config, and no single column named "
            f"{', '.join(LABEL_NAMES)}); label checks skipped",
            details={"looked_for": list(LABEL_NAMES)})]
