"""say once that the label checks did not run, and how to turn them on.

Why: without a label, class balance, missing and conflicting labels, label errors and the
output-layer numbers in stats.json (priors, output bias, expected initial loss) are not
computed; a silent pass would hide that half the gate was off.

Example: a table with columns x1, x2, churn_flag and no --label: no column is named
label, target, class or y, so the label is unknown. The message suggests the likely label
columns: a name that says label (churn, outcome, survived, is_fraud, ...) and values that look
like classes (2 to max_classes values, few missing), or else a last column of class-like
values (details.candidates).

Fix: name the label with --label COL or `label = "COL"` in preflight.toml (image datasets:
file images as root/[split/]class/name.jpg). Ignore this rule for unlabelled data."""
from __future__ import annotations

import re

from preflight.checks.base import Check, Context
from preflight.findings import Finding
from preflight.read.labels import LABEL_NAMES

# Words that name what a table predicts (besides LABEL_NAMES), as a whole name or a token of one.
LABEL_WORDS = frozenset({*LABEL_NAMES, "outcome", "response", "churn", "churned", "survived", "survival",
                         "default", "diagnosis", "attrition", "fraud", "spam", "approved", "decision", "result",
                         "status", "species", "category", "grade", "rating", "sentiment", "labels", "targets",
                         "clicked", "converted", "purchased", "purchase", "deny", "default_payment"})
_TOKENS = re.compile(r"[A-Z]?[a-z]+|[A-Z]+(?![a-z])|\d+")


def _named_like_a_label(name: str) -> bool:
    tokens = [t.lower() for t in _TOKENS.findall(name)]
    return name.lower() in LABEL_WORDS or any(t in LABEL_WORDS for t in tokens) or tokens[:1] in (["is"], ["has"])


def candidates(profile, max_classes: int) -> list[tuple[str, str]]:
    """(column, why) for the likely label columns, best first, at most 3."""
    def classes(col) -> int | None:
        present = col.rows - col.missing
        n = col.distinct if present else 0
        return n if 2 <= n <= max_classes and col.missing <= 0.1 * col.rows else None

    out: list[tuple[str, str]] = []
    if len(profile.columns) < 2:  # a label must leave a feature
        return out
    for col in profile.columns:
        k = classes(col)
        if _named_like_a_label(col.name) and (k is not None or col.kind == "numeric"):
            out.append((col.name, "named like a label" + (f", {k} values" if k else "")))
    if not out:
        last = profile.columns[-1]
        k = classes(last)
        if k is not None:
            out.append((last.name, f"the last column, {k} values"))
    return out[:3]


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
        likely = candidates(profile, int(ctx.settings.get("max_classes", 20)))
        hint = ""
        if likely:
            shown = ", ".join(f"'{name}' ({why})" for name, why in likely)
            name = likely[0][0]
            hint = f"; likely label: {shown}: pass --label {name} or set label = \"{name}\" in preflight.toml"
        return [ctx.finding(
            "no label column found (none given with --label or in config, and no single column named "
            f"{', '.join(LABEL_NAMES)} beside other columns); label checks skipped{hint}",
            columns=[name for name, _ in likely],
            details={"looked_for": list(LABEL_NAMES), "candidates": [name for name, _ in likely]})]
