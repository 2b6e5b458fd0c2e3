"""What every profile offers the later stages, tables and images alike.

Checks, decide, stats and the report read a profile only through these attributes (or, for
kind-specific rules, the concrete TabularProfile / ImageProfile), so a new kind of dataset
is a new class satisfying this protocol, not a fallback at every reader.
"""
from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, Literal, Protocol

if TYPE_CHECKING:
    import numpy as np

    from preflight.profile.column_profile import ColumnProfile
    from preflight.profile.splits import SplitTable

Kind = Literal["tabular", "images"]
Task = Literal["classification", "regression"]


class Profile(Protocol):
    path: str                           # the scanned path, as given
    label: ColumnProfile | None         # the label column's profile (images: the class names)
    task: Task | None                   # None without a label
    classes: tuple[Any, ...]            # sorted class values (classification)
    y: np.ndarray | None                # class code per row, -1 where the label is missing
    feature_hash: np.ndarray            # uint64 per row (images: per file) over the features
    row_hash: np.ndarray                # uint64 per row over features and label
    settings: Mapping[str, Any]         # the validated scan settings
    pred_probs: np.ndarray | None       # the user's out-of-sample probabilities (--pred-probs)
    user_features: np.ndarray | None    # the user's embeddings (--features)
    split_table: SplitTable | None      # which row is in which split; None without splits

    @property
    def kind(self) -> Kind: ...

    @property
    def rows(self) -> int: ...

    @property
    def label_name(self) -> str | None: ...

    @property
    def content_hash(self) -> str: ...

    @property
    def matrix(self) -> tuple[np.ndarray, list[str]]: ...

    def dataset_summary(self, path: str) -> dict[str, Any]: ...
