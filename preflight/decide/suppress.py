"""Suppressions from the config: `per_path_ignores` and `[[suppress]]` tables (decide stage).

Like ruff's per-file-ignores and noqa: the user accepts a known problem in writing. Globs
match paths relative to the config file's folder; a `[[suppress]]` entry names a rule, the
rows, files or row hashes it covers and a required reason. Pure functions: findings and the
profile in, fewer findings and a count out.
"""
from __future__ import annotations

import os
import re
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

from preflight.errors import ConfigError
from preflight.findings import Finding

SUPPRESS_KEYS = {"rule", "rows", "files", "row_hashes", "reason"}
_HEX16 = re.compile(r"[0-9a-f]{16}")


@dataclass(frozen=True)
class Suppression:
    rule: str                       # a rule name or code prefix, as `select` takes
    rows: tuple[int, ...] = ()
    files: tuple[str, ...] = ()
    row_hashes: tuple[str, ...] = ()
    reason: str = ""


@dataclass(frozen=True)
class PathIgnore:
    pattern: str
    rules: tuple[str, ...]
    regex: re.Pattern


def glob_regex(pattern: str) -> re.Pattern:
    """`**` crosses folders, `*` and `?` do not; a pattern without '/' matches a file name anywhere."""
    out, i = [], 0
    while i < len(pattern):
        if pattern.startswith("**/", i):
            out.append("(?:.*/)?")
            i += 3
        elif pattern.startswith("**", i):
            out.append(".*")
            i += 2
        else:
            ch = pattern[i]
            out.append("[^/]*" if ch == "*" else "[^/]" if ch == "?" else re.escape(ch))
            i += 1
    body = "".join(out)
    return re.compile(body if "/" in pattern else f"(?:.*/)?{body}")


def parse_per_path_ignores(value: Any, where: str, check_selector: Callable[[str], None]) -> tuple[PathIgnore, ...]:
    if not isinstance(value, dict):
        raise ConfigError(f"The 'per_path_ignores' parameter of {where} must be a table of glob = [rules]. "
                          f"Got {value!r}.")
    out = []
    for pattern, rules in sorted(value.items()):
        if not isinstance(rules, list) or not rules or not all(isinstance(r, str) for r in rules):
            raise ConfigError(f"The 'per_path_ignores.\"{pattern}\"' parameter of {where} must be a non-empty "
                              f"list of rule names or code prefixes. Got {rules!r}.")
        for r in rules:
            check_selector(r)
        out.append(PathIgnore(pattern, tuple(rules), glob_regex(pattern.strip("/"))))
    return tuple(out)


def parse_suppressions(value: Any, where: str, check_selector: Callable[[str], None]) -> tuple[Suppression, ...]:
    if not isinstance(value, list) or not all(isinstance(t, dict) for t in value):
        raise ConfigError(f"The 'suppress' parameter of {where} must be a list of [[suppress]] tables. Got {value!r}.")
    out = []
    for i, table in enumerate(value):
        owner = f"suppress[{i}] in {where}"
        unknown = sorted(set(table) - SUPPRESS_KEYS)
        if unknown:
            raise ConfigError(f"{where}: unknown key '{unknown[0]}' in [[suppress]] #{i + 1} "
                              f"(known: {', '.join(sorted(SUPPRESS_KEYS))}).")
        rule, reason = table.get("rule"), table.get("reason")
        if not isinstance(rule, str) or not rule:
            raise ConfigError(f"The 'rule' parameter of {owner} must be a rule name or code. Got {rule!r}.")
        check_selector(rule)
        if not isinstance(reason, str) or not reason.strip():
            raise ConfigError(f"The 'reason' parameter of {owner} must be a non-empty str (say why this is "
                              f"accepted). Got {reason!r}.")
        rows, files, hashes = table.get("rows", []), table.get("files", []), table.get("row_hashes", [])
        if not isinstance(rows, list) or not all(isinstance(r, int) and not isinstance(r, bool) and r >= 0
                                                 for r in rows):
            raise ConfigError(f"The 'rows' parameter of {owner} must be a list of int >= 0. Got {rows!r}.")
        if not isinstance(files, list) or not all(isinstance(f, str) and f for f in files):
            raise ConfigError(f"The 'files' parameter of {owner} must be a list of paths (str). Got {files!r}.")
        if not isinstance(hashes, list) or not all(isinstance(h, str) and _HEX16.fullmatch(h.lower())
                                                   for h in hashes):
            raise ConfigError(f"The 'row_hashes' parameter of {owner} must be a list of 16-hex-digit row "
                              f"hashes (as in a baseline file). Got {hashes!r}.")
        if not (rows or files or hashes):
            raise ConfigError(f"{where}: [[suppress]] #{i + 1} ({rule}) names no rows, files or row_hashes; "
                              f"to turn a rule off use 'ignore'.")
        out.append(Suppression(rule, tuple(rows), tuple(f.strip("/").replace("\\", "/") for f in files),
                               tuple(h.lower() for h in hashes), reason.strip()))
    return tuple(out)


def apply(findings: Iterable[Finding], profile: Any, config: Any) -> tuple[tuple[Finding, ...], int]:
    """Drop suppressed rows/files from findings; return the rest and how many items were suppressed.

    Only the matching rows/files go: a finding left with none disappears; groups lose their
    suppressed members (a group may be left with one member: its copies were suppressed).
    """
    ignores: tuple[PathIgnore, ...] = config.per_path_ignores
    entries: tuple[Suppression, ...] = config.suppress
    findings = tuple(findings)
    if not ignores and not entries:
        return findings, 0
    files = _Files(profile, Path(config.base_dir or os.getcwd()))
    kept, suppressed = [], 0
    for f in findings:
        pats = [p for p in ignores if any(_matches(s, f) for s in p.rules)]
        mine = [e for e in entries if _matches(e.rule, f)]
        if not pats and not mine:
            kept.append(f)
            continue
        new, n = _filter(f, pats, mine, files, profile)
        suppressed += n
        if new is not None:
            kept.append(new)
    return tuple(kept), suppressed


def _matches(selector: str, f: Finding) -> bool:
    return selector == f.rule or f.code.startswith(selector.upper())


class _Files:
    """Row -> source file (tables), file -> row (images), and paths relative to the config folder."""

    def __init__(self, profile: Any, base: Path) -> None:
        root = Path(profile.path)
        self.base = base.resolve()
        self.images = profile.kind == "images"
        folder = root if root.is_dir() else root.parent
        if self.images:
            self.names = list(profile.files)
            self.abs = [folder / n for n in self.names]
            self.index = {n: i for i, n in enumerate(self.names)}
        else:
            self.names = [name for name, _ in profile.files]
            self.abs = [root / n if root.is_dir() else root for n in self.names]
            self.starts = [0]
            for _, rows in profile.files:
                self.starts.append(self.starts[-1] + rows)
        self._rel: dict[int, str] = {}

    def rel(self, i: int) -> str:
        if i not in self._rel:
            p = self.abs[i].resolve()
            try:
                self._rel[i] = p.relative_to(self.base).as_posix()
            except ValueError:
                self._rel[i] = p.as_posix()
        return self._rel[i]

    def file_of_row(self, row: int) -> int:
        import bisect

        return bisect.bisect_right(self.starts, row) - 1


def _filter(f: Finding, pats: list[PathIgnore], mine: list[Suppression], files: _Files,
            profile: Any) -> tuple[Finding | None, int]:
    def path_hit(i: int) -> bool:
        return any(p.regex.fullmatch(files.rel(i)) for p in pats)

    rows_set = {r for e in mine for r in e.rows}
    names_set = {n for e in mine for n in e.files}
    hashes_set = {h for e in mine for h in e.row_hashes}

    def row_hit(r: int) -> bool:
        return r in rows_set or (bool(hashes_set) and f"{int(profile.row_hash[r]):016x}" in hashes_set)

    if f.files:
        def gone(name: Any) -> bool:
            i = files.index.get(name) if files.images else None
            if name in names_set:
                return True
            if i is None:  # not a scanned image (ignored files, unlistable folders): match its path
                return any(p.regex.fullmatch(str(name)) for p in pats)
            return path_hit(i) or row_hit(i)
        return _rebuild(f, gone, "files")
    if f.rows:
        def gone(r: Any) -> bool:
            if files.images:
                return row_hit(r) or path_hit(r) or files.names[r] in names_set
            i = files.file_of_row(r)
            return row_hit(r) or path_hit(i) or files.names[i] in names_set
        return _rebuild(f, gone, "rows")
    # column- or dataset-level: dropped only when every file of the dataset matches a pattern
    if pats and files.abs and all(path_hit(i) for i in range(len(files.abs))):
        return None, 1
    return f, 0


def _rebuild(f: Finding, gone: Callable[[Any], bool], unit: str) -> tuple[Finding | None, int]:
    items = getattr(f, unit)
    removed = {x for x in items if gone(x)}
    if not removed:
        return f, 0
    groups = [g for g in (tuple(x for x in g if x not in removed and not gone(x)) for g in f.groups) if g]
    if unit == "rows":
        groups.sort(key=lambda g: g[0])  # groups stay ordered by first row
    left = tuple(x for x in items if x not in removed)
    n = len(items) - len(left)
    if not left:
        return None, n
    details: Mapping[str, Any] = {**f.details, "suppressed": n}
    return replace(f, **{unit: left}, groups=tuple(groups), count=max(f.count - n, len(left)),
                   message=f"{f.message} [{n} {unit} suppressed by config]", details=details), n
