"""Label issues among the rows outside the content-keyed row sample, scored in pass 2.

Above sample_rows rows a table keeps its features' per-row arrays for the row sample only
(profile/keep.py). label-issues cross-validates its models there, fits them once on the rows
they were last trained on (learn/label_issues.py, `final`), and `Flags` scores every other
labelled row with them as pass 2 reads it (profile/pass_two.py): its model-matrix row
(matrix_block), or on a pixel-like table its cells through the sample's PixelMap (one range,
the principal components: learn/pixels.py), its given class from the label column, as
profile/target.py encodes it.

The rule is the sample's, judged one row at a time: the prediction is not the given label
(cleanlab's predicted_neq_given), the normalized margin is under the ceiling the sample used, and
the given label's probability under its chance ceiling where the sample applied one. Where the
sample's rule consults the confident joint (cleanlab's "both", learn/label_issues.decision_rule)
a row must also sit off the joint's diagonal: with per-class thresholds t_j, the mean probability
of class j over the sample's rows labelled j (cleanlab's confident thresholds, from the sample's
out-of-sample probabilities), a row labelled i needs p_i < t_i while some other class reaches
p_j >= t_j. The joint's pruning itself (how many rows a class gives up) counts rows over the
whole table and is not decided a row at a time. The thresholds are not applied under
predicted_neq_given: the sample's rows are not held to them either, and a clearly flipped row
near its true class's edge falls short of that class's mean (2 of 30 planted flips missed in
tests/test_label_scoring.py's table). With the default max_rows (20,000) below sample_rows the
sample's own rows outside the max_rows sample are judged by this same rule and models
(learn/label_issues._sampled), so a row is judged alike wherever it sits.

The state is bounded: the exact count and the `keep` worst rows (lowest score, ties by row
number), which is the same whatever the partitioning and the merge order.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np

from preflight.learn.crossval import FittedMix, mix_pred_probs
from preflight.learn.pixels import PixelMap
from preflight.learn.pixels import cells as pixel_cells
from preflight.profile.pass_two import Cells, RowBatch
from preflight.profile.row_states import matrix_block


def confident_thresholds(pred_probs: np.ndarray, y: np.ndarray, n_classes: int) -> np.ndarray:
    """Per class j the mean probability of j over the rows labelled j (cleanlab's
    get_confident_thresholds); 2, out of reach, for a class no row is labelled."""
    from cleanlab.count import get_confident_thresholds

    if len(y) == 0:
        return np.full(n_classes, 2.0)
    return np.asarray(get_confident_thresholds(np.asarray(y, np.int64), pred_probs), dtype=np.float64)


def flag(pred_probs: np.ndarray, given: np.ndarray, thresholds: np.ndarray | None, max_quality: float,
         max_given: float | None) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(issue mask, normalized-margin score, suggested class) of rows with probabilities
    `pred_probs` and labels `given` (the module docstring's rule; thresholds None: no confident
    joint condition)."""
    from cleanlab.rank import get_label_quality_scores

    from preflight.learn.label_issues import SCORE_METHOD

    n = len(given)
    own = pred_probs[np.arange(n), given]
    suggested = pred_probs.argmax(axis=1).astype(np.int64)
    quality = np.asarray(get_label_quality_scores(given, pred_probs, method=SCORE_METHOD), dtype=np.float64)
    mask = (suggested != given) & (quality < max_quality)
    if thresholds is not None:
        confident = pred_probs >= thresholds[None, :]
        confident[np.arange(n), given] = False
        mask &= (own < thresholds[given]) & confident.any(axis=1)
    if max_given is not None:
        mask &= own < max_given
    return mask, quality, suggested


@dataclass
class FlaggedLabels:
    """Rows flagged in pass 2: how many, and the worst `keep` (score ascending, ties by row)."""

    count: int = 0
    rows: np.ndarray = field(default_factory=lambda: np.empty(0, np.int64))
    scores: np.ndarray = field(default_factory=lambda: np.empty(0))
    given: np.ndarray = field(default_factory=lambda: np.empty(0, np.int64))
    suggested: np.ndarray = field(default_factory=lambda: np.empty(0, np.int64))


@dataclass(frozen=True)
class Flags:
    """Pass-2 scorer: the label issues among labelled rows outside `skip` (the sample's rows,
    already judged by cross-validation), by the models `mix` on the model matrix's rows."""

    specs: tuple[tuple[str, Any], ...]  # tabular.matrix_columns: the matrix's (column, transform)
    width: int
    label: str
    classes: tuple                      # profile.classes
    numeric: bool                       # the label column holds numbers: classes are its sorted values
    skip: np.ndarray                    # sorted global row numbers not scored here
    judged: np.ndarray                  # per class: enough sample rows to judge its rows
    mix: FittedMix
    thresholds: np.ndarray | None       # the confident joint's, where the sample's rule consults it
    max_quality: float
    max_given: float | None
    keep: int
    threads: int = 1                    # predict calls at once (the result does not depend on it)
    pixels: PixelMap | None = None      # a pixel-like table: the models see its cells through this map

    @property
    def columns(self) -> tuple[str, ...]:
        pixels = self.pixels.names if self.pixels is not None else ()
        return (self.label, *dict.fromkeys([*(name for name, _ in self.specs), *pixels]))

    def start(self) -> FlaggedLabels:
        return FlaggedLabels()

    def codes(self, cells: Cells) -> np.ndarray:
        """Per cell its class code (profile/target.py's y), -1 where unlabelled."""
        if not self.numeric:
            return cells.category_ids({str(c): i for i, c in enumerate(self.classes)})
        values = np.asarray(self.classes, dtype=np.float64)
        v = cells.values
        at = np.minimum(np.searchsorted(values, v), len(values) - 1)
        ok = ~cells.missing & ~cells.nonfinite & np.isfinite(v) & (values[at] == v)
        return np.where(ok, at, -1).astype(np.int64)

    def add(self, state: FlaggedLabels, batch: RowBatch) -> FlaggedLabels:
        y = self.codes(batch.columns[self.label])
        lo, hi = np.searchsorted(self.skip, [batch.start, batch.start + batch.rows])
        scored = y >= 0
        scored[self.skip[lo:hi] - batch.start] = False
        scored[scored] = self.judged[y[scored]]
        local = np.flatnonzero(scored)
        if local.size == 0:
            return state
        given = y[local]
        if self.pixels is None:
            x = matrix_block(self.specs, self.width, batch, local)
        else:
            x = self.pixels.features(*pixel_cells([(batch.columns[n].values, batch.columns[n].nonfinite)
                                                   for n in self.pixels.names], local))
        probs = mix_pred_probs(self.mix, x, threads=self.threads)
        mask, quality, suggested = flag(probs, given, self.thresholds, self.max_quality, self.max_given)
        hit = np.flatnonzero(mask)
        if hit.size == 0:
            return state
        here = FlaggedLabels(int(hit.size), local[hit].astype(np.int64) + batch.start, quality[hit],
                             given[hit].astype(np.int64), suggested[hit])
        return self.merge(state, here)

    def merge(self, a: FlaggedLabels, b: FlaggedLabels) -> FlaggedLabels:
        rows = np.concatenate([a.rows, b.rows])
        scores = np.concatenate([a.scores, b.scores])
        order = np.lexsort((rows, scores))[:self.keep]
        return FlaggedLabels(a.count + b.count, rows[order], scores[order],
                             np.concatenate([a.given, b.given])[order],
                             np.concatenate([a.suggested, b.suggested])[order])
