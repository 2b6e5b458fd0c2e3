"""report.html: the views dict (preflight.report.views) through a Jinja2 template. Nothing is computed here.

Jinja2 with autoescaping on: every value, file name and message in the page is escaped, whatever
the dataset holds. The template ships inside the package (preflight/templates/).
"""
from __future__ import annotations

from functools import lru_cache
from importlib.resources import files
from typing import Any

from preflight.findings import Report
from preflight.version import __version__

TEMPLATE = "report.html.j2"


@lru_cache(maxsize=1)
def _template() -> Any:
    from jinja2 import Environment, StrictUndefined

    env = Environment(autoescape=True, undefined=StrictUndefined, trim_blocks=False, lstrip_blocks=False)
    return env.from_string(files("preflight").joinpath("templates", TEMPLATE).read_text(encoding="utf-8"))


def render_html(report: Report) -> str:
    """The report page; needs `scan(..., views=True)` (the CLI does that unless --no-report)."""
    if report.views is None:
        raise ValueError("this Report has no views: scan it with views=True to render report.html")
    return _template().render(v=report.views, version=__version__)
