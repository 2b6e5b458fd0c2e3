"""images far darker than the dataset's own norm (underexposed, black frames).

Scored on log(brightness + 0.01): darkness is relative (0.02 vs 0.3 is as stark as
0.05 vs 0.75), and a dataset dark by nature (MNIST) sets its own median.

Why: near-black images carry little signal, are often capture failures, and teach the
model that darkness predicts whatever class they are filed under.

Example: a frame of mean brightness 0.02 in a dataset whose median is 0.45.

Fix: drop the capture failures, or fix the exposure. max_robust_z sets how far out is far;
min_delta (log units) is the least difference that counts; min_images the least dataset size."""
from __future__ import annotations

import numpy as np

from preflight.checks.base import Check, Context
from preflight.checks.images import robust_outliers
from preflight.findings import Finding
from preflight.params import Interval

EPS = 0.01  # keeps a pure black frame finite


class Dark(Check):
    name = "dark"
    code = "PF504"
    summary = (
        "Images much darker than the rest of the dataset (robust z-score of log mean brightness; "
        "min_delta in log units).")
    kinds = frozenset({"images"})
    params = {"max_robust_z": Interval(float, 0.0, None, closed="neither"),
              "min_delta": Interval(float, 0.0, None), "min_images": Interval(int, 3, None)}

    def run(self, profile, ctx: Context) -> list[Finding]:
        b = profile.signals.brightness
        return robust_outliers(profile, ctx, np.log(b + EPS), -1, "are far darker (mean brightness)",
                               "check the exposure, or drop black frames", shown=b)
