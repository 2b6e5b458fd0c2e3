"""The output formats of `preflight scan --format`: name -> Report -> text. Formatters never compute."""
from __future__ import annotations

from collections.abc import Callable

from preflight.files import dumps
from preflight.findings import Report
from preflight.write import github, junit, sarif, text


def findings_json(report: Report) -> str:
    """The findings JSON (preflight-findings/1), byte for byte what -o writes to findings.json."""
    return dumps(report.to_dict())


FORMATS: dict[str, Callable[[Report], str]] = {
    "text": text.render,
    "json": findings_json,
    "github": github.render,
    "sarif": sarif.render,
    "junit": junit.render,
}
