"""an identifier among the features lets a model memorise rows.

Why: a column unique per row (customer id, row number, timestamp) predicts the training
labels perfectly and nothing else: the model overfits and leaks, and a sequential id can
even encode the collection order (and so the label drift).

Example: customer_id = C10001, C10002, ... (one distinct value per row); integers beyond 2**53
(tweet ids, snowflakes: float64 cannot even hold them exactly) unique per row count as ids.

Numbers count as ids when unique per row and consecutive, in order, or named like an id
(id, key, no, *_id, ...); text when at least min_unique_fraction of its values differ.
Not ids: free text (values of several words: the text of a corpus is its data), dates,
years and time axes by name (time, month, day_of_year: a series' time column orders the
rows; split by it, do not drop it), and
measurements that merely happen not to repeat.

Fix: drop it from the features (stats.transform drops text ids), keeping it only to join
or to split by entity. min_unique_fraction sets how unique a text column must be."""
from __future__ import annotations

import re

import numpy as np

from preflight.checks.base import Check, Context
from preflight.findings import Finding
from preflight.params import Interval

ID_NAME = re.compile(r"(^|[_. \-])(?i:id|ids|key|uuid|guid|no|nr|num|number|code)$|[a-z0-9]ID$|[a-z]Id$")
DATE = re.compile(r"^\d{4}[-/.]\d{1,2}[-/.]\d{1,2}([ T]\d{1,2}:\d{2}(:\d{2}(\.\d+)?)?)?"
                  r"|^\d{1,2}[-/.]\d{1,2}[-/.]\d{2,4}$")
FIRST_YEAR, LAST_YEAR = 1000, 2200
# A time axis by its name (a series' t = 1, 2, 3, ... orders the rows; it is not an identifier).
TIME_NAME = re.compile(r"(?i)^(t|time|date|day|month|week|year|yr|period|quarter|hour|minute|second)s?$"
                       r"|[_.](time|date|day|month|week|year)s?$|^(day|week|month)_of_|^(months|days|years)since")


def _texts(col) -> list[str]:
    """The column's distinct texts when kept (up to 10,000), else its examples."""
    return list(col.categories) if col.codes is not None else list(col.text_examples)


def is_free_text(col) -> bool:
    """Most values are several words: sentences, titles, messages."""
    texts = _texts(col)
    return bool(texts) and float(np.median([len(t.split()) for t in texts])) >= 3


def is_time(col) -> bool:
    """Dates or timestamps written as text, whole numbers that are all plausible years, or a
    column named as a time axis."""
    if TIME_NAME.search(col.name):
        return True
    if col.kind == "numeric":
        return bool(col.integral and col.min >= FIRST_YEAR and col.max <= LAST_YEAR)
    texts = _texts(col)
    return bool(texts) and sum(bool(DATE.match(t)) for t in texts) >= 0.9 * len(texts)


def _is_id(col, min_unique: float) -> bool:
    present = col.rows - col.missing
    if present == 0:
        return False
    if col.kind in ("categorical", "mixed"):
        # Text ids stay ids when duplicated rows repeat a few of them.
        return col.distinct >= min_unique * present and not is_free_text(col) and not is_time(col)
    if not col.maybe_unique or col.distinct < present:
        return False
    if col.kind == "numeric" and col.integral and not is_time(col):
        if col.hashes is not None:  # integers beyond 2**53, unique per row: ids (tweet, snowflake), not amounts
            return True
        # Integers unique per row are an id when they run consecutively, in order, or are
        # named like one (random account numbers).
        values = col.values[~col.missing_mask]
        consecutive = col.max - col.min + 1 == present
        return bool(consecutive or np.all(np.diff(values) > 0) or ID_NAME.search(col.name))
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
