"""`preflight.load_stats`: the fitted transforms and output-layer numbers, for training code.

The same `transform` runs on train, validation and test inputs, so they all see the
normalisation fitted on the scanned data. It reads cells with the scan's own parser
(profile/cells.py), so the numbers it hands a model are those the transforms were fitted on.
"""
from __future__ import annotations

import json
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import numpy as np
import pyarrow as pa

from preflight.kernels.arrow import strings
from preflight.profile import cells, transforms
from preflight.stats.format import STATS_FORMAT


class StatsMismatch(ValueError):
    """The data handed to the stats differs from what they were fitted on."""


class Stats:
    def __init__(self, data: Mapping[str, Any]) -> None:
        if data.get("format") != STATS_FORMAT:
            raise ValueError(f"not a {STATS_FORMAT} file (format: {data.get('format')!r})")
        self.data = data
        self.features: dict[str, dict] = dict(data["features"])
        self.target: dict[str, Any] | None = data.get("target")
        self.feature_names_out: list[str] = list(data["feature_names_out"])
        self._placeholders = cells.placeholder_set(data.get("placeholders", []))

    @property
    def label(self) -> str | None:
        return self.data["fingerprint"]["label"]

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
        return np.asarray(self.data.get("images", {}).get("channel_mean", []), dtype=np.float32)

    @property
    def channel_std(self) -> np.ndarray:
        return np.asarray(self.data.get("images", {}).get("channel_std", []), dtype=np.float32)

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

    def transform(self, df: Any) -> np.ndarray:
        """float32 array (rows x len(feature_names_out)): plugs into torch.from_numpy or Keras.
        df: a pandas DataFrame or a pyarrow Table (the same result)."""
        table = _Columns(df)
        blocks = []
        for name, spec in self.features.items():
            t = spec["transform"]
            if t["kind"] == "drop":
                continue
            if name not in table.names:
                raise StatsMismatch(f"data does not match the stats: missing column '{name}'")
            if t["kind"] == "one-hot":
                codes = cells.category_codes(table[name], t["categories"], self._placeholders)
                blocks.append(transforms.apply_onehot(t, codes))
            else:
                values = self._parse(table[name], spec).values
                values[np.isinf(values)] = np.nan  # the scan's non-finite cells: filled like missing ones
                blocks.append(transforms.apply_numeric(t, values)[:, None])
        if not blocks:
            return np.zeros((table.rows, 0), dtype=np.float32)
        return np.hstack(blocks).astype(np.float32)

    def to_sklearn(self) -> Any:
        from preflight.stats.sklearn_adapter import StatsTransformer

        return StatsTransformer(self)

    def _parse(self, column: pa.Array, spec: Mapping[str, Any]) -> cells.Cells:
        # A column the scan read as booleans reads its text cells "True" / "false" as 1 / 0.
        return cells.parse(column, self._placeholders, booleans=spec.get("dtype") == "bool",
                           unit=spec["transform"].get("unit"))


class _Columns:
    """A pandas DataFrame or a pyarrow Table as named pyarrow arrays, for the scan's parser."""

    def __init__(self, data: Any) -> None:
        self.data = data
        self.arrow = isinstance(data, (pa.Table, pa.RecordBatch))
        self.names: list[str] = list(data.column_names if self.arrow else data.columns)
        self.rows: int = data.num_rows if self.arrow else len(data)

    def __getitem__(self, name: str) -> pa.Array:
        column = self.data.column(name) if self.arrow else self.data[name]
        if not isinstance(column, (pa.Array, pa.ChunkedArray)):
            try:
                column = pa.array(column, from_pandas=True)  # NaN and None: null
            except (pa.ArrowInvalid, pa.ArrowTypeError, pa.ArrowNotImplementedError):
                # Python objects of mixed types: their str(), as the scan reads a type pyarrow cannot cast.
                nulls = column.isna().tolist()
                return strings(None if null else str(v) for v, null in zip(column.tolist(), nulls))
        return column.combine_chunks() if isinstance(column, pa.ChunkedArray) else column


def load_stats(path: str | Path) -> Stats:
    from preflight.files import read_text

    return Stats(json.loads(read_text(path)))
