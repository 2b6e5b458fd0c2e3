"""stats.json of a table: per feature its kind, counts, moments, quantiles and fitted transform.

Documented public contract "preflight-stats/1" (docs/stats-json.md). With a training split the
features and the target come from its rows alone (the profile's train_columns, fitted there),
`fitted_on` says so and `splits` gives each split's rows and label counts; without splits neither
key is written and everything is fitted on every row.
"""
from __future__ import annotations

import math
from collections.abc import Mapping
from typing import Any

from preflight.profile import transforms
from preflight.stats.format import STATS_FORMAT, num
from preflight.stats.splits import with_splits
from preflight.stats.target import target_section


def build_table_stats(profile: Any, settings: Mapping[str, Any]) -> dict[str, Any]:
    features = {}
    names_out: list[str] = []
    fitted = profile.train_columns if profile.train_columns is not None else profile.columns
    for col in fitted:
        features[col.name] = _column(col)
        names_out += transforms.output_names(col.name, col.transform)
    out = {
        "format": STATS_FORMAT,
        "fingerprint": {
            "rows": profile.rows,
            "columns": [{"name": c.name, "dtype": c.dtype} for c in profile.columns]
            + ([{"name": profile.label.name, "dtype": profile.label.dtype}] if profile.label else []),
            "label": profile.label_name,
            "content_hash": profile.content_hash,
        },
        "placeholders": list(settings["placeholders"]),
        "features": features,
        "feature_names_out": names_out,
        "target": target_section(profile),
    }
    texts = profile.text_columns
    if texts:  # additive: tables without free text keep their stats.json byte for byte
        from preflight.profile.text import text_stats

        table = profile.split_table
        rows = table.mask(table.train) if profile.train_columns is not None else None
        out["text_columns"] = {c.name: text_stats(c, rows) for c in texts}
    return with_splits(out, profile)


def _column(col: Any) -> dict[str, Any]:
    out: dict[str, Any] = {"dtype": col.dtype, "kind": col.kind, "count": col.rows - col.missing,
                           "missing": col.missing}
    if math.isfinite(col.mean):  # numeric, or mixed but mostly numbers
        out.update(mean=num(col.mean), std=num(col.std), min=num(col.min), max=num(col.max),
                   quantiles={k: num(v) for k, v in col.quantiles.items()})
    else:
        out["categories"] = len(col.categories) if col.codes is not None else col.distinct
    if col.units:  # numbers written with a unit (profile/cells.py): cells per unit
        out["units"] = dict(col.units)
    out["transform"] = {k: (num(v) if isinstance(v, float) else v) for k, v in col.transform.items()}
    return out
