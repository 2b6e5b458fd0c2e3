"""files Pillow cannot open or fully decode; each is reported and the scan goes on.

Why: a training loader would crash on them mid-epoch (or, with a lenient loader, train on
gray filler). Too-large files (possible decompression bombs) are reported, never decoded.

Example: cat/17.jpg is truncated (an interrupted download); dog/3.png is 0 bytes.

Fix: re-download or re-export the files, or remove them. max_image_pixels (setting) sets
the size above which a file is not decoded."""
from __future__ import annotations

from preflight.checks.base import Check, Context
from preflight.findings import Finding

FIXES = {
    "empty": "re-export or remove it",
    "truncated": "re-download or re-export it",
    "not-an-image": "remove it or give it its real extension",
    "too-large": "downscale it, or raise max_image_pixels if it is trusted",
    "permission-denied": "fix its permissions",
    "not-a-file": "list a regular image file instead",
    "missing": "fix the path in the table or restore the file",
    "corrupt": "re-export or remove it",
}


class UnreadableFile(Check):
    name = "unreadable-file"
    code = "PF501"
    summary = (
        "An image file Pillow cannot open or fully decode (truncated, empty, not an image, too large, no permission).")
    kinds = frozenset({"images"})

    def run(self, profile, ctx: Context) -> list[Finding]:
        s = profile.signals
        out = [ctx.finding(f"{rel or '(empty path)'}: cannot read: {s.error[i]}; "
                           f"{FIXES.get(s.reason[i], 'remove it')}",
                           files=[rel], count=1, details={"reason": s.reason[i], "error": s.error[i]})
               for i, rel in enumerate(profile.files) if s.reason[i]]
        out += [ctx.finding(f"{rel}/: folder cannot be listed: {why}; its images were not scanned",
                            files=[rel], count=1, details={"reason": "unlistable-folder", "error": why})
                for rel, why in profile.problems]
        return out
