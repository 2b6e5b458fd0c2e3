"""What the report reads from the rows, in pass 2 (profile/pass_two.py): each feature's histogram
before and after its transform, and the cells of the few rows it lists.

A histogram takes two rounds: the exact range first (`Span`), then the counts on bins fixed from
it (`Binned`), computed per batch as np.histogram computes them for the whole column on the same
range, so the bars are the same. The listed rows (outliers, duplicates, label issues) are
gathered by row number (`ListedCells`), as the table shows them.
"""
from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import numpy as np

from preflight.profile.cells import number_keys
from preflight.profile.pass_two import Cells, RowBatch

BINS = 30
SCALE = 2.0 ** 1000  # a range beyond float64 (values near +-1e308) is binned in these units
MISSING = "∅"


def finite_values(cells: Cells) -> np.ndarray:
    """The cells a feature's histogram draws: numbers, neither missing nor infinite."""
    return cells.values[~cells.missing & ~cells.nonfinite & np.isfinite(cells.values)]


@dataclass(frozen=True)
class Bins:
    """How a histogram of values in [lo, hi] is binned: np.histogram's `bins` and `range`, the
    values divided by `scale` first; None when no floats lie between its edges (one bar)."""

    bins: int
    range: tuple[float, float]
    scale: float

    @staticmethod
    def of(lo: float, hi: float) -> Bins | None:
        if math.isfinite(hi - lo):
            out = Bins(BINS if hi > lo else 1, (lo, hi), 1.0)
        else:
            out = Bins(BINS, (lo / SCALE, hi / SCALE), SCALE)
        try:
            np.histogram_bin_edges(np.empty(0), bins=out.bins, range=out.range)
        except ValueError:  # a range of NaN or inf, or one value of 1e16 or more widened by +-0.5
            return None
        return out

    def counts(self, values: np.ndarray) -> np.ndarray:
        return np.histogram(values / self.scale if self.scale != 1.0 else values, bins=self.bins,
                            range=self.range)[0].astype(np.int64)

    def edges(self) -> np.ndarray:
        return np.histogram_bin_edges(np.empty(0), bins=self.bins, range=self.range) * self.scale


@dataclass(frozen=True)
class Span:
    """A feature's drawn values before and after its transform: (count, lo, hi, lo after, hi
    after), NaN propagating as np.min and np.max propagate it."""

    column: str
    spec: Mapping[str, Any]

    @property
    def columns(self) -> tuple[str, ...]:
        return (self.column,)

    def start(self) -> tuple[int, float, float, float, float]:
        return 0, math.inf, -math.inf, math.inf, -math.inf

    @staticmethod
    def known(col: Any, spec: Mapping[str, Any]) -> tuple[int, float, float, float, float]:
        """The state every row would give, from pass 1's count and range of the column's finite
        values: each numeric transform is non-decreasing, so its range is that of the ends."""
        from preflight.profile import transforms

        ends = transforms.apply_numeric(spec, np.array([col.min, col.max]))
        return col.numeric_count - col.nonfinite, float(col.min), float(col.max), float(ends[0]), float(ends[1])

    def add(self, state: tuple, batch: RowBatch) -> tuple:
        from preflight.profile import transforms

        raw = finite_values(batch.columns[self.column])
        if not raw.size:
            return state
        after = transforms.apply_numeric(self.spec, raw)
        return self.merge(state, (raw.size, float(raw.min()), float(raw.max()), float(after.min()),
                                  float(after.max())))

    def merge(self, a: tuple, b: tuple) -> tuple:
        return (a[0] + b[0], float(np.minimum(a[1], b[1])), float(np.maximum(a[2], b[2])),
                float(np.minimum(a[3], b[3])), float(np.maximum(a[4], b[4])))


@dataclass(frozen=True)
class Binned:
    """A feature's histogram counts before and after its transform, on bins fixed from its Span
    (None: one bar, the count alone)."""

    column: str
    spec: Mapping[str, Any]
    before: Bins | None
    after: Bins | None

    @property
    def columns(self) -> tuple[str, ...]:
        return (self.column,)

    def start(self) -> tuple[np.ndarray, np.ndarray]:
        return (np.zeros(self.before.bins if self.before else 1, np.int64),
                np.zeros(self.after.bins if self.after else 1, np.int64))

    def add(self, state: tuple[np.ndarray, np.ndarray], batch: RowBatch) -> tuple[np.ndarray, np.ndarray]:
        from preflight.profile import transforms

        raw = finite_values(batch.columns[self.column])
        if not raw.size:
            return state
        after = transforms.apply_numeric(self.spec, raw)
        return self.merge(state, (self.before.counts(raw) if self.before else np.array([raw.size]),
                                  self.after.counts(after) if self.after else np.array([raw.size])))

    def merge(self, a: tuple[np.ndarray, np.ndarray], b: tuple[np.ndarray, np.ndarray]
              ) -> tuple[np.ndarray, np.ndarray]:
        return a[0] + b[0], a[1] + b[1]


@dataclass(frozen=True)
class ListedCells:
    """The cells of given rows (sorted global row numbers) as the report's tables show them, per
    column (name, kind, coded: whether the profile keeps its categories); a free-text column's
    cells also as written. State: {row: {column: shown}} and {row: {column: text or None}}."""

    specs: tuple[tuple[str, str, bool], ...]
    rows: np.ndarray

    @property
    def columns(self) -> tuple[str, ...]:
        return tuple(name for name, _, _ in self.specs)

    @property
    def only_rows(self) -> np.ndarray:
        return self.rows

    def start(self) -> tuple[dict, dict]:
        return {}, {}

    def add(self, state: tuple[dict, dict], batch: RowBatch) -> tuple[dict, dict]:
        here, at = batch.given(self.rows)
        if not here.size:
            return state
        rows, local = here.tolist(), at.tolist()
        shown: dict[int, dict[str, str]] = {r: {} for r in rows}
        texts: dict[int, dict[str, str | None]] = {r: {} for r in rows}
        for name, kind, coded in self.specs:
            cells = batch.columns[name]
            if kind == "text":
                taken = cells.texts.take(local).to_pylist()
                for r, i, t in zip(rows, local, taken):
                    texts[r][name] = t
                    shown[r][name] = MISSING if cells.missing[i] else _snippet(t)
                continue
            names = {v: k for k, v in cells.vocab.items()} if coded and cells.codes is not None else {}
            for r, i in zip(rows, local):
                shown[r][name] = _shown(cells, i, coded, names)
        return self.merge(state, (shown, texts))

    def merge(self, a: tuple[dict, dict], b: tuple[dict, dict]) -> tuple[dict, dict]:
        return {**a[0], **b[0]}, {**a[1], **b[1]}


def _snippet(text: str | None) -> str:
    from preflight.report.text_views import snippet

    return snippet(text)  # type: ignore[arg-type]  # a missing text is shown as MISSING before


def _shown(cells: Cells, i: int, coded: bool, names: Mapping[int, str]) -> str:
    """One cell as ColumnProfile's codes and categories show it: the category's text (a native
    number in a column of categories: its key), else the number, "(text)" for an uncoded text."""
    if cells.missing[i]:
        return MISSING
    if coded:
        code = int(cells.codes[i]) if cells.codes is not None else -2
        if code >= 0:
            return names[code]
        if code == -2:
            return number_keys(cells.values[i:i + 1])[0]
    v = float(cells.values[i])
    if math.isnan(v):
        return "(text)"
    return str(int(v)) if v.is_integer() and abs(v) < 1e15 else f"{v:.6g}"
