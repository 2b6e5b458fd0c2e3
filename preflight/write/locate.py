"""Where a finding points in the scanned files, for the CI formats (github, sarif).

Only reads the Report: a table row r is mapped to its file through `dataset.files`
(rows run across the files in order) and, in an uncompressed CSV/TSV, to line
r_in_file + 2 (line 1 is the header; one record per line is assumed). Other formats
(Parquet, JSON lines, compressed files) get no line: a wrong line is worse than none.
"""
from __future__ import annotations

from bisect import bisect_right
from collections.abc import Mapping
from pathlib import PurePath
from typing import Any, NamedTuple

from preflight.findings import Finding

LINE_SUFFIXES = (".csv", ".tsv")


class Location(NamedTuple):
    path: str
    line: int | None = None


def _join(root: str, rel: str) -> str:
    return (PurePath(root) / rel).as_posix()


def table_files(dataset: Mapping[str, Any]) -> list[tuple[str, int]]:
    """(path as the user can open it, rows) per file; folder scans list paths relative to the root."""
    root = str(dataset["path"])
    files = [(str(f["path"]), int(f["rows"])) for f in dataset.get("files") or []]
    if len(files) == 1 and files[0][0] == root:
        return [(PurePath(root).as_posix(), files[0][1])]
    return [(_join(root, p), n) for p, n in files] or [(PurePath(root).as_posix(), 0)]


def locations(dataset: Mapping[str, Any], finding: Finding, limit: int = 100) -> list[Location]:
    """The finding's places, primary first: one per image file, or per table file its rows touch
    (at the first row the finding lists in it). Findings without rows or files point at the
    first table file, or at the scanned folder of an image dataset."""
    root = PurePath(str(dataset["path"])).as_posix()
    if dataset.get("kind") == "images":
        return [Location(_join(root, f)) for f in finding.files[:limit]] or [Location(root)]
    if finding.groups and "splits" in finding.details:
        return split_places(dataset, finding, limit)
    files = table_files(dataset)
    if not finding.rows:
        return [Location(files[0][0])]
    starts, total = [], 0
    for _, n in files:
        starts.append(total)
        total += n
    seen: dict[int, Location] = {}
    for row in finding.rows:
        i = max(bisect_right(starts, row) - 1, 0)
        if i not in seen:
            path = files[i][0]
            line = row - starts[i] + 2 if path.lower().endswith(LINE_SUFFIXES) else None
            seen[i] = Location(path, line)
            if len(seen) >= limit:
                break
    return list(seen.values())


def row_location(dataset: Mapping[str, Any], row: int) -> tuple[Location, int]:
    """Where one table row is: its file (and CSV line), and its 0-based index within that file."""
    files = table_files(dataset)
    start = 0
    for path, n in files:
        if row < start + n or (path, n) == files[-1]:
            line = row - start + 2 if path.lower().endswith(LINE_SUFFIXES) else None
            return Location(path, line), row - start
        start += n
    return Location(files[0][0]), row  # pragma: no cover (files is never empty)


def split_places(dataset: Mapping[str, Any], finding: Finding, limit: int = 100) -> list[Location]:
    """A split-pair finding's places: each member of each group, both sides (copies across splits)."""
    seen: dict[Location, None] = {}
    for group in finding.groups:
        for row in group:
            seen.setdefault(row_location(dataset, int(row))[0], None)
            if len(seen) >= limit:
                return list(seen)
    return list(seen)


def shown_place(dataset: Mapping[str, Any], row: int) -> str:
    """`file:line` in an uncompressed CSV or TSV (line 1 the header), `file row N` (0-based within
    that file) where lines are unknown (Parquet, JSON lines, compressed)."""
    place, in_file = row_location(dataset, row)
    return f"{place.path}:{place.line}" if place.line is not None else f"{place.path} row {in_file}"


def row_places(dataset: Mapping[str, Any], rows: list[int]) -> list[str]:
    """Each table row where a person opens it (shown_place)."""
    return [shown_place(dataset, row) for row in rows]
