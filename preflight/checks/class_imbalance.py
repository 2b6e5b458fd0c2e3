"""imbalanced classes: set the output bias to the log priors, weigh the loss.

Why: with a zero output bias the first predictions are uniform (loss ln K), so the first
steps are spent learning the class frequencies (the "hockey stick" loss curve), and the
rare class's gradient is drowned by the common one: the model can score the majority
share in accuracy while never predicting the rare class.

Example: churn: 'no' 371 rows, 'yes' 35 (ratio 10.6 > max_ratio 5): always answering
'no' is 91.4% accurate.

Fix: initialise the output bias to stats.json target.output_bias, the log priors shifted
to mean 0 (softmax(bias) = priors; for one sigmoid output, target.sigmoid_bias = log(p / (1 - p))),
so the loss starts at the entropy of the priors (target.expected_initial_loss). Weigh the
loss with target.class_weights (n / (K * count), scikit-learn's "balanced"), or resample;
judge models with balanced accuracy or per-class recall, not accuracy."""
from __future__ import annotations

import numpy as np

from preflight.checks.base import Check, Context
from preflight.findings import Finding
from preflight.params import Interval


class ClassImbalance(Check):
    name = "class-imbalance"
    code = "PF301"
    summary = "The largest class outnumbers the smallest by more than max_ratio."
    report_section = "classes"
    kinds = frozenset({"tabular", "images"})
    needs = frozenset({"classification"})
    params = {"max_ratio": Interval(float, 1.0, None, closed="neither")}

    def run(self, profile, ctx: Context) -> list[Finding]:
        y = profile.y[profile.y >= 0]
        if len(profile.classes) < 2 or y.size == 0:
            return [ctx.skipped(f"{len(profile.classes)} class(es) with labels: nothing to balance")]
        counts = np.bincount(y, minlength=len(profile.classes))
        big, small = int(np.argmax(counts)), int(np.argmin(counts))
        ratio = counts[big] / max(counts[small], 1)
        if ratio <= ctx.params["max_ratio"]:
            return []
        unit = "files" if profile.kind == "images" else "rows"
        return [ctx.finding(
            f"class {profile.classes[big]!r} has {counts[big]} {unit}, class {profile.classes[small]!r} only "
            f"{counts[small]} (ratio {ratio:.1f} > {ctx.params['max_ratio']:g}); initialise the output bias "
            "from stats.json target.output_bias and weigh the loss with target.class_weights",
            count=len(profile.classes),
            details={"ratio": round(float(ratio), 4),
                     "counts": {str(c): int(n) for c, n in zip(profile.classes, counts)}})]
