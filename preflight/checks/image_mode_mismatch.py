"""images whose colour mode differs from the dataset's usual one.

Why: RGBA, CMYK, palette or grayscale files among RGB ones (or the reverse) break batch
shapes or get converted inconsistently (alpha dropped, CMYK colours inverted).

Example: 3 files in mode L (grayscale) among 400 RGB ones.

Fix: convert every image to one mode when loading (Pillow: img.convert("RGB")), or fix
the files."""
from __future__ import annotations

from collections import Counter

from preflight.checks.base import Check, Context, preview
from preflight.findings import Finding


class ImageModeMismatch(Check):
    name = "image-mode-mismatch"
    code = "PF503"
    summary = (
        "Images whose colour mode (RGB, L, RGBA, P, CMYK, ...) differs from the dataset's usual mode.")
    kinds = frozenset({"images"})

    def run(self, profile, ctx: Context) -> list[Finding]:
        modes = {f: m for f, m, ok in zip(profile.files, profile.signals.mode, profile.readable) if ok}
        counts = Counter(modes.values())
        if len(counts) < 2:
            return []
        usual = sorted(counts.items(), key=lambda kv: (-kv[1], kv[0]))[0][0]
        odd = {f: m for f, m in modes.items() if m != usual}
        others = ", ".join(f"{m} x{n}" for m, n in sorted(counts.items()) if m != usual)
        return [ctx.finding(
            f"{len(odd)} image(s) are not {usual} like the other {counts[usual]} ({others}: "
            f"{preview(list(odd))}); convert them all to one mode (e.g. Image.convert('{usual}')) when loading",
            files=sorted(odd), count=len(odd), details={"usual": usual, "modes": odd, "counts": dict(counts)})]
