"""The -o set (stats.json, findings.json, report.html) and its manifest, written last.

Each file is replaced atomically, but a run killed between two of them would leave a new
stats.json beside the previous run's findings.json. So the set has a manifest naming the
run and every file's SHA-256: it is deleted before the first file is replaced and written
after the last, and a reader that finds it, with matching digests, holds one whole set
(`read_set`). No manifest means a run was interrupted or is in progress. Temp files that
killed runs left behind are deleted first (files.clean_stale_temps).

The folder itself may hold other things (the image cache, the user's files): they are
left alone, so the set is not swapped in as a folder.
"""
from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping
from pathlib import Path

from preflight.errors import PreflightError
from preflight.files import clean_stale_temps, dumps, open_regular, write_atomic
from preflight.findings import Report

MANIFEST = "manifest.json"
FORMAT = "preflight-output/1"
NAMES = frozenset({"stats.json", "findings.json", "report.html"})  # what a manifest may name


def write_outputs(folder: Path, report: Report) -> list[Path]:
    """The -o set of a report: stats.json, findings.json and, when it has views, report.html.
    One writer for the CLI's -o and `scan(output_dir=...)`. Returns the paths written."""
    from preflight.write.formats import findings_json

    files: dict[str, str | bytes] = {"stats.json": dumps(report.stats), "findings.json": findings_json(report)}
    if report.views is not None:
        from preflight.write.html import render_html

        files["report.html"] = render_html(report)
    write_set(folder, files)
    return [Path(folder) / name for name in files]


def write_set(folder: Path, files: Mapping[str, str | bytes]) -> None:
    """Write the set into folder (created if needed); a file of the previous set that this one
    lacks (report.html before --no-report) is removed with it. OSError -> PreflightError."""
    folder = Path(folder)
    assert set(files) <= NAMES, sorted(files)
    blobs = {name: data.encode("utf-8") if isinstance(data, str) else data for name, data in files.items()}
    try:
        folder.mkdir(parents=True, exist_ok=True)
        clean_stale_temps(folder)
        manifest = folder / MANIFEST
        previous = _listed(manifest)
        manifest.unlink(missing_ok=True)  # from here until the new manifest, no whole set is claimed
        for name, data in blobs.items():
            write_atomic(folder / name, data)
        for name in sorted(previous - blobs.keys()):
            (folder / name).unlink(missing_ok=True)
        digests = {name: hashlib.sha256(data).hexdigest() for name, data in sorted(blobs.items())}
        run = hashlib.sha256("".join(f"{n}\0{d}\n" for n, d in digests.items()).encode()).hexdigest()[:16]
        write_atomic(manifest, dumps({"format": FORMAT, "run": run,
                                      "files": {n: {"sha256": d, "bytes": len(blobs[n])} for n, d in digests.items()}}))
    except OSError as exc:
        where = exc.filename or folder
        raise PreflightError(f"{where}: cannot write the output set ({exc.strerror or type(exc).__name__}).") from None


def read_set(folder: Path) -> dict[str, bytes] | None:
    """The files of the last whole set written to folder, or None when there is none (no manifest,
    or a file that does not match it: a run is writing or was killed)."""
    folder = Path(folder)
    listed = _manifest(folder / MANIFEST)
    if listed is None:
        return None
    out = {}
    for name, meta in listed.items():
        try:
            with open_regular(folder / name) as fh:
                data = fh.read()
        except OSError:
            return None
        if hashlib.sha256(data).hexdigest() != meta.get("sha256"):
            return None
        out[name] = data
    return out


def _manifest(path: Path) -> dict[str, dict] | None:
    try:
        with open_regular(path) as fh:
            doc = json.loads(fh.read().decode("utf-8"))
    except (OSError, ValueError):
        return None
    files = doc.get("files") if isinstance(doc, dict) and doc.get("format") == FORMAT else None
    if not isinstance(files, dict) or not all(isinstance(v, dict) and n in NAMES for n, v in files.items()):
        return None
    return files


def _listed(path: Path) -> set[str]:
    return set(_manifest(path) or {})
