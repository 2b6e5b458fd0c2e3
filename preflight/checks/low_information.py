"""blank or near-blank images: far less gray-level entropy than the dataset's norm.

Why: blank frames, placeholders ("image not available") and solid fills carry nothing to
learn, yet they sit under a class label the model then tries to explain.

Example: a uniformly gray 224x224 placeholder in a folder of photos.

Fix: drop blank frames and placeholders; the options work as in dark."""
from __future__ import annotations

from preflight.checks.base import Check, Context
from preflight.checks.images import robust_outliers
from preflight.findings import Finding
from preflight.params import Interval


class LowInformation(Check):
    name = "low-information"
    code = "PF507"
    summary = (
        "Images with far less detail than the rest (robust z-score of the gray-level entropy): blank or near-blank.")
    kinds = frozenset({"images"})
    params = {"max_robust_z": Interval(float, 0.0, None, closed="neither"),
              "min_delta": Interval(float, 0.0, 8.0), "min_images": Interval(int, 3, None)}

    def run(self, profile, ctx: Context) -> list[Finding]:
        return robust_outliers(profile, ctx, profile.signals.entropy, -1, "carry far less detail (entropy, bits)",
                               "drop blank frames and placeholders")
