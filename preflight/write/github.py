"""GitHub Actions workflow commands: one ::error/::warning/::notice annotation per place.

GitHub shows them on the run summary and, for files in the repository, next to the
file in pull requests. Escaping follows the runner's rules (actions/toolkit
command.ts): data escapes % CR LF; properties also escape : and ,.
"""
from __future__ import annotations

from preflight.findings import Report
from preflight.printable import printable
from preflight.write.locate import locations

LEVELS = {"error": "error", "warning": "warning", "info": "notice"}
MAX_PLACES = 20  # GitHub shows at most 10 annotations per level and step; more is log noise


def escape_data(text: str) -> str:
    """Control characters from the data (ESC sequences would colour or rewrite the log) are shown
    escaped (preflight.printable), CR and LF in the runner's own escapes."""
    return printable(text, keep="\r\n").replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")


def escape_property(text: str) -> str:
    return escape_data(text).replace(":", "%3A").replace(",", "%2C")


def render(report: Report) -> str:
    lines = []
    for f in report.findings:
        places = locations(report.dataset, f, limit=MAX_PLACES)
        title = escape_property(f"{f.code} {f.rule}")
        for place in places:
            props = [f"file={escape_property(place.path)}"]
            if place.line is not None:
                props.append(f"line={place.line}")
            props.append(f"title={title}")
            lines.append(f"::{LEVELS[f.severity]} {','.join(props)}::{escape_data(f.message)}")
        if len(f.files) > MAX_PLACES:
            lines.append(f"::{LEVELS[f.severity]} title={title}::"
                         + escape_data(f"... and {len(f.files) - MAX_PLACES} more files: {f.message}"))
    return "".join(line + "\n" for line in lines)
