"""`preflight stats-check`: is a stats.json still the one for this data?

Training code that loads stale stats normalises with the wrong numbers and says
nothing; comparing fingerprints (rows, columns and dtypes, label, content hash)
catches an edited dataset before training starts.
"""
from __future__ import annotations

import json
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from preflight.errors import DataError
from preflight.files import read_text

FRESHNESS_RULES = ["empty-dataset"]  # the cheapest rule: the profile carries the fingerprint


def read_fingerprint(stats_path: Path) -> dict[str, Any]:
    from preflight.stats.format import STATS_FORMAT

    try:
        data = json.loads(read_text(stats_path))
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise DataError(f"{stats_path}: cannot read stats: {exc}") from None
    if not isinstance(data, dict) or data.get("format") != STATS_FORMAT:
        found = data.get("format") if isinstance(data, dict) else type(data).__name__
        raise DataError(f"{stats_path}: not a {STATS_FORMAT} file (format: {found!r}); "
                        "pass the stats.json that `preflight scan -o DIR` wrote.")
    fp = data.get("fingerprint")
    if not isinstance(fp, dict) or not {"rows", "columns", "label", "content_hash"} <= set(fp):
        raise DataError(f"{stats_path}: the stats have no complete fingerprint (rows, columns, label, content_hash).")
    return fp



def split_options(stats_path: Path) -> dict[str, str]:
    """How the scan that wrote the stats found its splits (fitted_on: the split column, the
    training split), so that stats-check reads the data the same way."""
    fitted = json.loads(stats_path.read_text(encoding="utf-8")).get("fitted_on") or {}
    out = {}
    if fitted.get("column"):
        out["split_col"] = str(fitted["column"])
    if fitted.get("split"):
        out["train_split"] = str(fitted["split"])
    return out


def default_label(path: Path, recorded: str | None) -> str | None:
    """The label the stats were fitted with, when the table still has that column; else None
    (config or auto-detection decides, and a changed label shows as a difference)."""
    if recorded is None:
        return None
    try:
        from preflight.read.tabular import open_tabular

        return recorded if recorded in open_tabular(path).columns else None
    except Exception:
        return None


def differences(old: Mapping[str, Any], new: Mapping[str, Any]) -> list[str]:
    """What changed, in words: 'rows: 408 -> 410', 'column added: x (double)', ..."""
    out = []
    if old["rows"] != new["rows"]:
        out.append(f"rows: {old['rows']} -> {new['rows']}")
    if old["label"] != new["label"]:
        out.append(f"label: {old['label']!r} -> {new['label']!r}")
    before = {c["name"]: c["dtype"] for c in old["columns"]}
    after = {c["name"]: c["dtype"] for c in new["columns"]}
    out += [f"column added: {n} ({d})" for n, d in after.items() if n not in before]
    out += [f"column removed: {n} ({d})" for n, d in before.items() if n not in after]
    out += [f"column {n}: dtype {before[n]} -> {d}" for n, d in after.items() if n in before and before[n] != d]
    if not out and list(before) != list(after):
        out.append(f"column order: {list(before)} -> {list(after)}")
    if old["content_hash"] != new["content_hash"]:
        out.append(f"content changed (content_hash {old['content_hash']} -> {new['content_hash']})")
    return out
