"""PF100: say once that the label checks did not run, and how to turn them on."""
from __future__ import annotations

from preflight.check import Check, Context
from preflight.findings import Finding
from preflight.profile.tabular import LABEL_NAMES


class NoLabelColumn(Check):
    name = "no-label-column"
    code = "PF100"
    kinds = frozenset({"tabular", "images"})

    def run(self, profile, ctx: Context) -> list[Finding]:
        if profile.label is not None:
            return []
        if profile.kind == "images":
            return [ctx.finding(
                "no class subfolders found (images sit directly in the root or split folders) and no label "
                "column given; label checks skipped: file images as root/[split/]class/name.jpg",
                details={"looked_for": ["class folders"]})]
        return [ctx.finding(
            "no label column found (none given with --label or in config, and no single column named "
            f"{', '.join(LABEL_NAMES)}); label checks skipped",
            details={"looked_for": list(LABEL_NAMES)})]
