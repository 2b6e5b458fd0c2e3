"""A fitted scikit-learn transformer equivalent to Stats.transform (for Pipelines)."""
from __future__ import annotations

from typing import Any

import numpy as np
from sklearn.base import BaseEstimator, TransformerMixin


class StatsTransformer(TransformerMixin, BaseEstimator):
    """Already fitted by preflight: `fit` is a no-op, `transform` applies the stats.
    on_unknown: as for Stats.transform ("warn", "error", "ignore"), like OneHotEncoder's handle_unknown."""

    def __init__(self, stats: Any = None, on_unknown: str = "warn") -> None:
        self.stats = stats
        self.on_unknown = on_unknown
        if stats is not None:
            self.feature_names_in_ = np.array(list(stats.features), dtype=object)
            self.n_features_in_ = len(stats.features)

    def fit(self, X: Any, y: Any = None) -> StatsTransformer:
        return self

    def transform(self, X: Any) -> np.ndarray:
        return self.stats.transform(X, on_unknown=self.on_unknown)

    def get_feature_names_out(self, input_features: Any = None) -> np.ndarray:
        return np.array(self.stats.feature_names_out, dtype=object)

    def __sklearn_is_fitted__(self) -> bool:
        return self.stats is not None
