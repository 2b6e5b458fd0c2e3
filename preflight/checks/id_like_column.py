"""an identifier among the features lets a model memorise rows.

Why: a column unique per row (customer id, row number, timestamp) predicts the training
labels perfectly and nothing else: the model overfits and leaks, and a sequential id can
even encode the collection order (and so the label drift).

Example: customer_id = C10001, C10002, ... (one distinct value per row); integers beyond 2**53
(tweet ids, snowflakes: float64 cannot even hold them exactly) unique per row count as ids.

Fix: drop it from the features (stats.transform drops text ids), keeping it only to join
or to split by entity. min_unique_fraction sets how unique a text column must be."""
from __future__ import annotations

import numpy as np

from preflight.checks.base import Check, Context
from preflight.findings import Finding
from preflight.params import Interval


def _is_id(col, min_unique: float) -> bool:
    present = col.rows - col.missing
    if present == 0:
        return False
    if col.kind in ("categorical", "mixed"):
        # Text ids stay ids when duplicated rows repeat a few of them.
        return col.distinct >= min_unique * present
    if not col.maybe_unique or col.distinct < present:
        return False
    if col.kind == "numeric" and col.integral:
        if col.hashes is not None:  # integers beyond 2**53, unique per row: ids (tweet, snowflake), not amounts
            return True
        # Integers unique per row are an id when they run consecutively or in order.
        values = col.values[~col.missing_mask]
        consecutive = col.max - col.min + 1 == present
        return bool(consecutive or np.all(np.diff(values) > 0))
    return False


class IdLikeColumn(Check):
    name = "id-like-column"
    code = "PF105"
    summary = "A feature is unique per row (an identifier): a model can memorise it instead of learning."
    params = {"min_rows": Interval(int, 2, None),
              "min_unique_fraction": Interval(float, 0.0, 1.0, closed="right")}

    def run(self, profile, ctx: Context) -> list[Finding]:
        if profile.rows < ctx.params["min_rows"]:
            return [ctx.skipped(f"{profile.rows} rows, fewer than min_rows={ctx.params['min_rows']}")]
        ids = [c.name for c in profile.columns if _is_id(c, ctx.params["min_unique_fraction"])]
        if not ids:
            return []
        return [ctx.finding(
            f"{len(ids)} column(s) (nearly) unique per row, like identifiers: {', '.join(ids)}; "
            "drop them from the features (the stats transform drops text ids)",
            count=len(ids), columns=ids,
            details={c.name: {"distinct": c.distinct, "present": c.rows - c.missing}
                     for c in profile.columns if c.name in ids})]
