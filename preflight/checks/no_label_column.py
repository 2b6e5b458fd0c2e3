"""say once that the label checks did not run, and how to turn them on.

Why: without a label, class balance, missing and conflicting labels, label errors and the
output-layer numbers in stats.json (priors, output bias, expected initial loss) are not
computed; a silent pass would hide that half the gate was off.

Example: a table with columns x1, x2, churn_flag and no --label: no column is named
label, target, class or y, so the label is unknown.

Fix: name the label with --label COL or `label = "COL"` in preflight.toml (image datasets:
file images as root/[split/]class/name.jpg). Ignore this rule for unlabelled data."""
from __future__ import annotations

from preflight.checks.base import Check, Context
from preflight.findings import Finding
from preflight.read.labels import LABEL_NAMES


class NoLabelColumn(Check):
    name = "no-label-column"
    code = "PF100"
    summary = "No label column was found, so the label checks did not run."
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
