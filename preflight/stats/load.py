"""`preflight.load_stats`: the fitted transforms and output-layer numbers, for training code.

The same `transform` runs on train, validation and test inputs, so they all see the
normalisation fitted on the scanned data.
"""
from __future__ import annotations

import json
from pathlib import Path
from typing import Any, Mapping

import numpy as np

from preflight.profile import transforms
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
        self._placeholders = {p.strip().lower() for p in data.get("placeholders", [])}

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
        """Raise StatsMismatch naming the columns that are missing, extra or of another kind."""
        cols = [c for c in df.columns if c != self.label]
        missing = [c for c in self.features if c not in df.columns]
        extra = [c for c in cols if c not in self.features]
        problems = []
        if missing:
            problems.append(f"missing columns {missing}")
        if extra:
            problems.append(f"unexpected columns {extra}")
        for name, spec in self.features.items():
            if name in df.columns and spec["kind"] == "numeric":
                values = self._numeric(df[name])
                bad = int(np.isnan(values).sum() - self._missing(df[name]).sum())
                if bad > 0:
                    problems.append(f"column '{name}' was numeric when fitted but has {bad} non-numeric values")
        if problems:
            raise StatsMismatch("data does not match the stats: " + "; ".join(problems))

    def transform(self, df: Any) -> np.ndarray:
        """float32 array (rows x len(feature_names_out)): plugs into torch.from_numpy or Keras."""
        blocks = []
        for name, spec in self.features.items():
            t = spec["transform"]
            if t["kind"] == "drop":
                continue
            if name not in df.columns:
                raise StatsMismatch(f"data does not match the stats: missing column '{name}'")
            if t["kind"] == "one-hot":
                index = {c: i for i, c in enumerate(t["categories"])}
                codes = np.array([index.get(v, -1) for v in self._text(df[name])], dtype=np.int64)
                blocks.append(transforms.apply_onehot(t, codes))
            else:
                values = self._numeric(df[name])
                values[np.isinf(values)] = np.nan
                blocks.append(transforms.apply_numeric(t, values)[:, None])
        if not blocks:
            return np.zeros((len(df), 0), dtype=np.float32)
        return np.hstack(blocks).astype(np.float32)

    def to_sklearn(self) -> Any:
        from preflight.stats.sklearn_adapter import StatsTransformer

        return StatsTransformer(self)

    def _missing(self, series: Any) -> np.ndarray:
        import pandas as pd

        text = series.astype("string").str.strip().str.lower()
        return (series.isna() | text.isin(self._placeholders)).to_numpy(dtype=bool) | \
            (text == "nan").fillna(False).to_numpy(dtype=bool)

    def _numeric(self, series: Any) -> np.ndarray:
        import pandas as pd

        if pd.api.types.is_numeric_dtype(series) or pd.api.types.is_bool_dtype(series):
            return series.astype("float64").to_numpy(copy=True, na_value=np.nan)
        text = series.astype("string").str.strip()
        text = text.mask(text.str.lower().isin(self._placeholders))
        return pd.to_numeric(text, errors="coerce").astype("float64").to_numpy(copy=True, na_value=np.nan)

    def _text(self, series: Any) -> list:
        out = []
        for v in series.tolist():
            if v is None or (isinstance(v, float) and np.isnan(v)):
                out.append(None)
            elif isinstance(v, (int, np.integer)) or (isinstance(v, float) and v.is_integer()):
                out.append(str(int(v)))
            elif isinstance(v, float):
                out.append(repr(v))
            else:
                s = str(v).strip()
                out.append(None if s.lower() in self._placeholders else s)
        return out


def load_stats(path: str | Path) -> Stats:
    from preflight.files import read_text

    return Stats(json.loads(read_text(path)))
