"""image files with identical decoded pixels: they over-weight what they show.

Why: copies count several times in the loss and, after a random split, sit on both sides
of it, inflating the test score. Pixels are compared after decoding, so a PNG and a JPEG
re-save of one picture differ, while two names for one file do not.

Example: cat/001.jpg and cat/001 (1).jpg, a downloaded file saved twice.

Fix: keep one of each group before splitting."""
from __future__ import annotations

from preflight.checks.base import Check, Context
from preflight.checks.groups import hash_groups
from preflight.checks.images import path_groups, shown_groups
from preflight.findings import Finding, plural


class DuplicateImages(Check):
    name = "duplicate-images"
    code = "PF204"
    summary = "Image files with identical decoded pixels: they over-weight examples."
    report_section = "duplicates"
    kinds = frozenset({"images"})

    def run(self, profile, ctx: Context) -> list[Finding]:
        groups = path_groups(profile, hash_groups(profile.signals.content, profile.readable))
        if not groups:
            return []
        files = sorted(f for g in groups for f in g)
        extra = len(files) - len(groups)
        return [ctx.finding(
            f"{len(files)} image files in {plural(len(groups), 'group')}"
            f" have identical pixels ({shown_groups(groups)}); "
            f"keep one of each ({extra} redundant) before splitting",
            files=files, groups=groups, count=len(files), details={"redundant": extra})]
