"""`preflight.load_stats`: the fitted transforms and output-layer numbers, for training code.

The same `transform` runs on train, validation and test inputs, so they all see the
normalisation fitted on the scanned data. It reads cells with the scan's own parser
(profile/cells.py), so the numbers it hands a model are those the transforms were fitted on.
It never lies about what it could not read: categories the fit never saw, cells that are not
of the fitted kind and columns whose kind changed are counted per column, and `on_unknown`
decides (like scikit-learn's `handle_unknown`): "warn" (one StatsWarning), "error"
(StatsMismatch) or "ignore". Either way an unseen category gives all zeros and a cell that is
not a number is filled like a missing one.
"""
from __future__ import annotations

import json
import warnings
from collections.abc import Mapping
from pathlib import Path
from typing import Any, Literal

import numpy as np
import pyarrow as pa

from preflight.kernels.arrow import strings
from preflight.profile import cells, transforms
from preflight.stats.format import STATS_FORMAT

OnUnknown = Literal["error", "warn", "ignore"]
ON_UNKNOWN = ("error", "warn", "ignore")


class StatsMismatch(ValueError):
    """The data handed to the stats differs from what they were fitted on."""


class StatsWarning(UserWarning):
    """`Stats.transform(..., on_unknown="warn")` met cells the fit never saw (counted per column)."""


class Stats(dict):
    """A stats.json, loaded: its fitted transforms and output-layer numbers as attributes and
    methods, and the JSON itself as a read-only dict (`stats["target"]`, `json.dumps(stats)`;
    `to_dict()` gives a copy to edit). `Report.stats` is one."""

    def __init__(self, data: Mapping[str, Any]) -> None:
        if data.get("format") != STATS_FORMAT:
            raise ValueError(f"not a {STATS_FORMAT} file (format: {data.get('format')!r})")
        super().__init__(data)
        self.features: dict[str, dict] = dict(data["features"])
        self.target: dict[str, Any] | None = data.get("target")
        self.feature_names_out: list[str] = list(data["feature_names_out"])
        self._placeholders = cells.placeholder_set(data.get("placeholders", []))

    @property
    def data(self) -> dict[str, Any]:
        """The stats.json document (this dict itself; kept for code written against `.data`)."""
        return self

    def to_dict(self) -> dict[str, Any]:
        """A deep copy of the stats.json document, as a plain dict."""
        return json.loads(json.dumps(self))

    def _read_only(self, *args: Any, **kwargs: Any) -> Any:
        raise TypeError("Stats is read-only (the stats.json a scan fitted); edit a copy: stats.to_dict()")

    __setitem__ = __delitem__ = update = pop = popitem = clear = setdefault = __ior__ = _read_only

    def __repr__(self) -> str:
        target = self.get("target") or {}
        return (f"Stats({len(self.features)} features -> {len(self.feature_names_out)} outputs, "
                f"label={self.label!r}, task={target.get('task')!r})")

    def __reduce__(self) -> tuple:
        return (Stats, (dict(self),))

    @property
    def text_columns(self) -> dict[str, dict]:
        """Free-text columns: their length statistics and recommended maximum sequence length.
        `transform` leaves them out (their transform is `drop`): your tokenizer takes them."""
        return dict(self.get("text_columns", {}))

    @property
    def label(self) -> str | None:
        return self["fingerprint"]["label"]

    @property
    def classes(self) -> list:
        return list((self.target or {}).get("classes", []))

    @property
    def output_bias(self) -> np.ndarray:
        return np.asarray((self.target or {}).get("output_bias", []), dtype=np.float32)

    @property
    def class_weights(self) -> np.ndarray:
        return np.asarray((self.target or {}).get("class_weights", []), dtype=np.float32)

    @property
    def expected_initial_loss(self) -> dict[str, float]:
        return dict((self.target or {}).get("expected_initial_loss", {}))

    @property
    def channel_mean(self) -> np.ndarray:
        """Per-channel pixel mean on the [0, 1] scale (image datasets), for Normalize(mean, std)."""
        return np.asarray(self.get("images", {}).get("channel_mean", []), dtype=np.float32)

    @property
    def channel_std(self) -> np.ndarray:
        return np.asarray(self.get("images", {}).get("channel_std", []), dtype=np.float32)

    def normalize(self, array: Any) -> np.ndarray:
        """(x / 255 if uint8, else x) - mean) / std over the last axis (HWC, or NHWC), float32."""
        if self.channel_mean.size == 0:
            raise StatsMismatch("these stats hold no image channel statistics (not an image dataset)")
        x = np.asarray(array)
        x = x.astype(np.float32) / 255.0 if x.dtype == np.uint8 else x.astype(np.float32)
        if x.ndim == 2 and self.channel_mean.size == 1:
            x = x[..., None]
        if x.shape[-1] != self.channel_mean.size:
            raise StatsMismatch(f"array has {x.shape[-1]} channels on its last axis; the stats have "
                                f"{self.channel_mean.size} (pass HWC arrays, converted like the scanned images)")
        return (x - self.channel_mean) / self.channel_std

    def check(self, df: Any) -> None:
        """Raise StatsMismatch naming the columns that are missing, extra or of another kind.
        df: a pandas DataFrame or a pyarrow Table."""
        table = _Columns(df)
        cols = [c for c in table.names if c != self.label]
        missing = [c for c in self.features if c not in table.names]
        extra = [c for c in cols if c not in self.features]
        problems = []
        if missing:
            problems.append(f"missing columns {missing}")
        if extra:
            problems.append(f"unexpected columns {extra}")
        for name, spec in self.features.items():
            if name in table.names and spec["kind"] == "numeric":
                bad = int(self._parse(table[name], spec).text.sum())
                if bad > 0:
                    problems.append(f"column '{name}' was numeric when fitted but has {bad} non-numeric values")
        if problems:
            raise StatsMismatch("data does not match the stats: " + "; ".join(problems))

    def transform(self, df: Any, *, on_unknown: OnUnknown = "warn") -> np.ndarray:
        """float32 array (rows x len(feature_names_out)): plugs into torch.from_numpy or Keras.

        df: a pandas DataFrame, a pyarrow Table, or a 2-D array whose columns are the fitted
        features in order (`list(stats.features)`). Free-text columns are left out (see
        `text_columns`): feed them to your tokenizer. Unseen categories (all zeros), cells that
        are not numbers in a numeric column (filled like missing ones) and columns whose kind
        changed are counted per column; on_unknown: "warn" (one StatsWarning with the counts),
        "error" (StatsMismatch, for CI) or "ignore"."""
        if on_unknown not in ON_UNKNOWN:
            raise ValueError(f"The 'on_unknown' parameter of Stats.transform must be a str among "
                             f"{{'error', 'warn', 'ignore'}}. Got {on_unknown!r} instead.")
        table = _Columns(df, list(self.features))
        blocks = []
        unknown: dict[str, str] = {}
        for name, spec in self.features.items():
            t = spec["transform"]
            if t["kind"] == "drop":
                continue
            if name not in table.names:
                raise StatsMismatch(f"data does not match the stats: missing column '{name}'")
            column = table[name]
            if t["kind"] == "one-hot":
                codes = cells.category_codes(column, t["categories"], self._placeholders)
                blocks.append(transforms.apply_onehot(t, codes))
                if (codes == -2).any():
                    unknown[name] = _unseen(column, codes, spec)
            else:
                parsed = self._parse(column, spec)
                values = parsed.values
                values[np.isinf(values)] = np.nan  # the scan's non-finite cells: filled like missing ones
                blocks.append(transforms.apply_numeric(t, values)[:, None])
                if parsed.text.any():
                    unknown[name] = _not_numbers(column, parsed, t)
        if unknown and on_unknown != "ignore":
            message = (f"{len(unknown)} column(s) hold values the stats were not fitted on: "
                       + "; ".join(f"'{n}': {why}" for n, why in unknown.items()))
            if on_unknown == "error":
                raise StatsMismatch(message)
            warnings.warn(message + " (on_unknown='error' raises, 'ignore' is silent)", StatsWarning, stacklevel=2)
        if not blocks:
            return np.zeros((table.rows, 0), dtype=np.float32)
        return np.hstack(blocks).astype(np.float32)

    def to_sklearn(self, on_unknown: OnUnknown = "warn") -> Any:
        from preflight.stats.sklearn_adapter import StatsTransformer

        return StatsTransformer(self, on_unknown=on_unknown)

    def _parse(self, column: pa.Array, spec: Mapping[str, Any]) -> cells.Cells:
        # A column the scan read as booleans reads its text cells "True" / "false" as 1 / 0.
        return cells.parse(column, self._placeholders, booleans=spec.get("dtype") == "bool",
                           unit=spec["transform"].get("unit"))


def _examples(column: pa.Array, where: np.ndarray) -> str:
    """Up to 3 distinct values of the cells at `where`, as written."""
    seen = list(dict.fromkeys(str(v) for v in column.filter(pa.array(where)).to_pylist()))
    shown = ", ".join(repr(v) for v in seen[:3])
    return shown + (f", ... (+{len(seen) - 3} more)" if len(seen) > 3 else "")


def _unseen(column: pa.Array, codes: np.ndarray, spec: Mapping[str, Any]) -> str:
    """One-hot: cells of categories the fit never saw (code -2); the kind changed when no cell is
    a fitted category and every unseen one is a number where the fit saw text."""
    unseen = codes == -2
    n = int(unseen.sum())
    why = f"{n} cell(s) of categories never seen when fitting ({_examples(column, unseen)}): all zeros"
    if (spec.get("kind") == "categorical" and not (codes >= 0).any()
            and not cells.parse(column, cells.placeholder_set([])).text[unseen].any()):
        why = "kind changed (fitted on text, now numbers); " + why
    return why


def _not_numbers(column: pa.Array, parsed: cells.Cells, t: Mapping[str, Any]) -> str:
    """Numeric: cells that are not numbers (filled); the kind changed when none is a number."""
    n = int(parsed.text.sum())
    present = int((~parsed.missing).sum())
    unit = f" in {t['unit']}" if t.get("unit") else ""
    why = (f"{n} cell(s) that are not numbers{unit} ({_examples(column, parsed.text)}): filled with "
           f"{t.get('fill', 0.0):g} like missing ones")
    if n == present:
        why = "kind changed (fitted on numbers, now text); " + why
    return why


class _Columns:
    """A pandas DataFrame, a pyarrow Table or a 2-D array (columns: `names` in order) as named
    pyarrow arrays, for the scan's parser."""

    def __init__(self, data: Any, names: list[str] | None = None) -> None:
        self.data = data
        self.arrow = isinstance(data, (pa.Table, pa.RecordBatch))
        self.array = isinstance(data, np.ndarray) or (
            not self.arrow and not hasattr(data, "columns") and hasattr(data, "__array__"))
        if self.array:
            self.data = np.asarray(data)
            if self.data.ndim != 2 or names is None or self.data.shape[1] != len(names):
                shape = "x".join(map(str, self.data.shape))
                raise StatsMismatch(f"data does not match the stats: a {shape} array; a 2-D array needs one column "
                                    f"per fitted feature, in order ({len(names or [])}: {', '.join(names or [])})")
            self.names: list[str] = list(names)
            self.rows: int = self.data.shape[0]
            return
        self.names = list(data.column_names if self.arrow else data.columns)
        self.rows = data.num_rows if self.arrow else len(data)

    def __getitem__(self, name: str) -> pa.Array:
        if self.array:
            return _from_numpy(self.data[:, self.names.index(name)])
        column = self.data.column(name) if self.arrow else self.data[name]
        if not isinstance(column, (pa.Array, pa.ChunkedArray)):
            try:
                column = pa.array(column, from_pandas=True)  # NaN and None: null
            except (pa.ArrowInvalid, pa.ArrowTypeError, pa.ArrowNotImplementedError):
                # Python objects of mixed types: their str(), as the scan reads a type pyarrow cannot cast.
                nulls = column.isna().tolist()
                return strings(None if null else str(v) for v, null in zip(column.tolist(), nulls))
        return column.combine_chunks() if isinstance(column, pa.ChunkedArray) else column


def _from_numpy(column: np.ndarray) -> pa.Array:
    """One column of a 2-D array: numbers as numbers (NaN: null); objects as pandas' columns are
    read (None and NaN null, mixed Python types as their str())."""
    try:
        return pa.array(column, from_pandas=True)
    except (pa.ArrowInvalid, pa.ArrowTypeError, pa.ArrowNotImplementedError):
        return strings(None if v is None or (isinstance(v, float) and v != v) else str(v) for v in column.tolist())


def load_stats(path: str | Path) -> Stats:
    from preflight.files import read_text

    return Stats(json.loads(read_text(path)))
