"""SARIF 2.1.0 for code-scanning tools (github/codeql-action/upload-sarif).

`tool.driver.rules` declares the rules that ran, the same set as the JUnit test cases
(write/junit.ran): the spec lets a log carry metadata for any rules the tool supports
(§3.19.23, Appendix E), and this choice makes the log say what was checked: a declared
rule without results ran and found nothing; a deselected or inapplicable rule is absent.
Each is declared from the rule pack (one-line doc, default level) and the check module's
docstring; results point at files (and CSV lines) through write/locate.py.
`partialFingerprints` lets GitHub follow one alert across runs as long as the same
rule flags the same rows or files of the same file, even when messages change.
"""
from __future__ import annotations

import hashlib
import json
from pathlib import PurePosixPath
from typing import Any
from urllib.parse import quote

from preflight.findings import Finding, Report
from preflight.version import __version__
from preflight.write.locate import Location, locations

SCHEMA = "https://docs.oasis-open.org/sarif/sarif/v2.1.0/errata01/os/schemas/sarif-schema-2.1.0.json"
LEVELS = {"error": "error", "warning": "warning", "info": "note"}
FINGERPRINT = "preflightFindingHash/v1"


def render(report: Report) -> str:
    from preflight.write.explain import long_doc
    from preflight.write.explain import render as explain
    from preflight.write.junit import ran

    declared = ran(report)
    rules = []
    for rule in declared:
        rules.append({
            "id": rule.code,
            "name": rule.name,
            "shortDescription": {"text": rule.doc},
            "fullDescription": {"text": long_doc(rule)},
            "help": {"text": explain(rule)},
            "defaultConfiguration": {"level": LEVELS[rule.severity]},
        })
    index = {rule.code: i for i, rule in enumerate(declared)}
    results = [_result(report, f, index[f.code]) for f in report.findings]
    doc = {
        "$schema": SCHEMA,
        "version": "2.1.0",
        "runs": [{
            "tool": {"driver": {"name": "preflight", "version": __version__, "rules": rules}},
            "results": results,
        }],
    }
    return json.dumps(doc, indent=2, ensure_ascii=False, allow_nan=False) + "\n"


def _result(report: Report, f: Finding, rule_index: int) -> dict[str, Any]:
    places = locations(report.dataset, f)
    return {
        "ruleId": f.code,
        "ruleIndex": rule_index,
        "level": LEVELS[f.severity],
        "message": {"text": f.message},
        "locations": [_location(p) for p in places],
        "partialFingerprints": {FINGERPRINT: fingerprint(f, places[0].path)},
        "properties": {"rule": f.rule, "count": f.count, "columns": list(f.columns)},
    }


def _location(place: Location) -> dict[str, Any]:
    physical: dict[str, Any] = {"artifactLocation": {"uri": uri(place.path)}}
    if place.line is not None:
        physical["region"] = {"startLine": place.line}
    return {"physicalLocation": physical}


def uri(path: str) -> str:
    """A relative URI reference for relative paths (what code scanning resolves against the
    checkout), a file:// URI for absolute ones."""
    p = PurePosixPath(path)
    return p.as_uri() if p.is_absolute() else quote(p.as_posix())


def fingerprint(f: Finding, path: str) -> str:
    """Stable across runs and message wording: rule, file, columns and the sorted rows/files."""
    key = json.dumps([f.code, path, sorted(f.columns), sorted(f.rows), sorted(f.files)])
    return hashlib.sha256(key.encode()).hexdigest()[:32]
