"""preflight: a data-quality gate that runs before any model is trained.

`scan(path)` returns a Report (findings, stats, exit code); `load_stats(path)` gives training
code the fitted transforms and output-layer initialisation as a Stats object. Importing
preflight stays cheap: numpy, pyarrow and scikit-learn load inside the functions that need them.
"""
from __future__ import annotations

from typing import TYPE_CHECKING, Any

from preflight.errors import CheckCrashed, ConfigError, DataError, PreflightError
from preflight.findings import Finding, Report
from preflight.pipeline import scan
from preflight.version import __version__

if TYPE_CHECKING:
    from pathlib import Path

    from preflight.stats.load import Stats, StatsMismatch, StatsWarning

__all__ = [
    "CheckCrashed",
    "ConfigError",
    "DataError",
    "Finding",
    "PreflightError",
    "Report",
    "Stats",
    "StatsMismatch",
    "StatsWarning",
    "__version__",
    "load_stats",
    "scan",
]


def load_stats(path: str | Path) -> Stats:
    """Load a stats.json written by `preflight scan -o DIR`: transforms, output bias, class weights."""
    from preflight.stats.load import load_stats as _load

    return _load(path)


def __getattr__(name: str) -> Any:
    """Stats, StatsMismatch and StatsWarning on first use (they import numpy)."""
    if name in ("Stats", "StatsMismatch", "StatsWarning"):
        from preflight.stats import load

        return getattr(load, name)
    raise AttributeError(f"module 'preflight' has no attribute {name!r}")
