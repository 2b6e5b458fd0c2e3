"""Baselines: record today's findings by stable identity, then gate only on new ones (decide stage).

Identity never uses a row index, so inserting or deleting unrelated rows changes nothing:
- row findings: each listed row's content hash (profile.row_hash, features + label), 16 hex digits;
- file findings (images): each file's relative path plus its content hash (decoded pixels, or raw
  bytes when it does not decode); files outside the profile (ignored files) by path alone;
- column-level findings: the rule and its sorted columns; dataset-level findings: the rule.
Row and file identities are multisets, so a third copy of a duplicated row is new.
"""
from __future__ import annotations

import json
from collections import Counter
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

from preflight.errors import ConfigError
from preflight.files import read_text
from preflight.findings import Finding

BASELINE_FORMAT = "preflight-baseline/1"
Key = tuple[str, tuple[str, ...]]


@dataclass(frozen=True)
class Entry:
    """One baselined finding: its rule, columns and item identities (sorted)."""

    rule: str
    code: str
    columns: tuple[str, ...]
    unit: str                       # rows | files | columns | dataset
    items: tuple[str, ...]

    @property
    def key(self) -> Key:
        return self.rule, self.columns


def identify(f: Finding, profile: Any) -> tuple[str, list[tuple[Any, str]]]:
    """(unit, [(row index or file, identity)]) in the finding's own order."""
    if f.files:
        index = {n: i for i, n in enumerate(profile.files)} if profile.kind == "images" else {}
        out = []
        for name in f.files:
            i = index.get(name)
            digest = f"{int(profile.feature_hash[i]):016x}" if i is not None else ""
            out.append((name, f"{name}@{digest}"))
        return "files", out
    if f.rows:
        return "rows", [(r, f"{int(profile.row_hash[r]):016x}") for r in f.rows]
    if f.columns:
        return "columns", [(None, ",".join(sorted(f.columns)))]
    return "dataset", [(None, f.rule)]


def entries(findings: Iterable[Finding], profile: Any) -> list[Entry]:
    out = []
    for f in findings:
        unit, pairs = identify(f, profile)
        out.append(Entry(f.rule, f.code, tuple(sorted(f.columns)), unit, tuple(sorted(i for _, i in pairs))))
    return sorted(out, key=lambda e: (e.code, e.rule, e.columns, e.items))


def build(findings: Iterable[Finding], profile: Any) -> dict[str, Any]:
    """The baseline document: deterministic, sorted, free of row indices and absolute paths."""
    rows = []
    for e in entries(findings, profile):
        item: dict[str, Any] = {"rule": e.rule, "code": e.code, "columns": list(e.columns)}
        if e.unit in ("rows", "files"):
            item[e.unit] = list(e.items)
        rows.append(item)
    return {"format": BASELINE_FORMAT, "kind": profile.kind, "findings": rows}


def load(path: Path) -> list[Entry]:
    """Parse a baseline file; a missing or malformed one is a usage error (exit 2)."""
    try:
        doc = json.loads(read_text(path))
    except FileNotFoundError:
        raise ConfigError(f"{path}: baseline file not found (write one with --write-baseline).") from None
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise ConfigError(f"{path}: cannot read baseline: {exc}") from None
    if not isinstance(doc, dict) or doc.get("format") != BASELINE_FORMAT:
        got = doc.get("format") if isinstance(doc, dict) else type(doc).__name__
        raise ConfigError(f"{path}: not a preflight baseline (format {got!r}, expected {BASELINE_FORMAT!r}).")
    out = []
    try:
        for item in doc["findings"]:
            columns = tuple(str(c) for c in item.get("columns", []))
            unit = "rows" if "rows" in item else "files" if "files" in item else "columns" if columns else "dataset"
            if unit in ("rows", "files"):
                items = tuple(str(x) for x in item[unit])
            else:
                items = (",".join(sorted(columns)),) if columns else (str(item["rule"]),)
            out.append(Entry(str(item["rule"]), str(item.get("code", "")), columns, unit, items))
    except (KeyError, TypeError, AttributeError) as exc:
        raise ConfigError(f"{path}: malformed baseline entry ({type(exc).__name__}: {exc}).") from None
    return out


def compare(findings: Iterable[Finding], profile: Any,
            baseline: list[Entry]) -> tuple[tuple[Finding, ...], dict[str, int]]:
    """Keep findings with new items, drop wholly known ones; count new, known and fixed.

    A partly known row or file finding is kept whole (its message and groups describe the full
    problem) with details `new_rows`/`known_rows` (or `new_files`/`known_files`); it counts as
    new because new_rows is non-empty. A baseline entry is fixed when none of its items remain.
    """
    known_items: dict[Key, Counter] = {}
    for e in baseline:
        known_items.setdefault(e.key, Counter()).update(e.items)
    current: dict[Key, Counter] = {}
    kept, known = [], 0
    for f in findings:
        key = (f.rule, tuple(sorted(f.columns)))
        unit, pairs = identify(f, profile)
        pool = known_items.get(key, Counter())
        seen = current.setdefault(key, Counter())
        new, old = [], []
        for where, ident in pairs:
            seen[ident] += 1
            if pool[ident] > 0:
                pool[ident] -= 1
                old.append(where)
            else:
                new.append(where)
        if not new:
            known += 1
        elif old and unit in ("rows", "files"):
            kept.append(replace(f, details={**f.details, f"new_{unit}": new, f"known_{unit}": old}))
        else:
            kept.append(f)
    fixed = sum(1 for e in baseline if not any(current.get(e.key, Counter())[i] for i in e.items))
    return tuple(kept), {"new": len(kept), "known": known, "fixed": fixed}


def summary(path: Path | str, counts: Mapping[str, int]) -> dict[str, Any]:
    return {"path": str(path), "known": counts["known"], "fixed": counts["fixed"], "new": counts["new"]}
