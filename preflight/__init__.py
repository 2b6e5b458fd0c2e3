"""preflight: a data-quality gate that runs before any model is trained.

`scan(path)` returns a Report; `load_stats(path)` gives training code the fitted
transforms and output-layer initialisation. Importing preflight stays cheap: the
heavy libraries load inside the functions that need them.
"""
from __future__ import annotations

from typing import Any

__version__ = "0.1.0"
__all__ = ["scan", "load_stats", "__version__"]


def scan(*args: Any, **kwargs: Any) -> Any:
    from preflight.pipeline import scan as _scan

    return _scan(*args, **kwargs)


def load_stats(path: Any) -> Any:
    from preflight.stats import load_stats as _load

    return _load(path)
