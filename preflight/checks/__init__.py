"""The checks: one rule per module, found by `discover` (no hand-kept list).

A module defining exactly one `Check` subclass with a `code` is a rule; modules defining none
(base, run, shared helpers such as groups and images) are not, whatever their names.
"""
from __future__ import annotations

import importlib
import pkgutil
from functools import lru_cache

from preflight.checks.base import Check


@lru_cache(maxsize=1)
def discover() -> dict[str, Check]:
    """name -> check instance, from every module in this package."""
    found: dict[str, Check] = {}
    for info in sorted(pkgutil.iter_modules(__path__), key=lambda m: m.name):
        module = importlib.import_module(f"{__name__}.{info.name}")
        classes = [
            obj for obj in vars(module).values()
            if isinstance(obj, type) and issubclass(obj, Check) and obj is not Check
            and obj.__module__ == module.__name__ and "code" in vars(obj)
        ]
        if not classes:
            continue
        if len(classes) > 1:
            raise RuntimeError(f"{module.__name__} must define one Check, found {len(classes)}")
        check = classes[0]()
        if check.name in found:
            raise RuntimeError(f"duplicate check name {check.name!r}")
        found[check.name] = check
    return found
