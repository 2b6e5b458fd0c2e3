"""The checks. Each module holds one `Check` subclass; `discover` finds them all."""
from __future__ import annotations

import importlib
import pkgutil
from functools import lru_cache

from preflight.check import Check


@lru_cache(maxsize=1)
def discover() -> dict[str, Check]:
    """name -> check instance, from every module in this package (no hand-kept list)."""
    found: dict[str, Check] = {}
    for info in sorted(pkgutil.iter_modules(__path__), key=lambda m: m.name):
        if info.name.startswith("_"):
            continue
        module = importlib.import_module(f"{__name__}.{info.name}")
        classes = [
            obj for obj in vars(module).values()
            if isinstance(obj, type) and issubclass(obj, Check) and obj is not Check
            and obj.__module__ == module.__name__
        ]
        if len(classes) != 1:
            raise RuntimeError(f"{module.__name__} must define exactly one Check, found {len(classes)}")
        check = classes[0]()
        if check.name in found:
            raise RuntimeError(f"duplicate check name {check.name!r}")
        found[check.name] = check
    return found
