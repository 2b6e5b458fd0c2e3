"""Where pass 1 runs: `engine = "local"` (this machine) or `"dask"` (a Dask cluster).

Both run one plan (read/partitions.py) through one pure per-partition function
(profile/partition.py) and one exact merge (profile/merge.py), so they give the same bytes.
The engine is above the stages (beside pipeline.py): it chooses processes and clusters, which
no stage should know about.
"""
from __future__ import annotations

import contextlib
from collections.abc import Iterator, Mapping
from typing import Any

from preflight.errors import ConfigError
from preflight.profile.executor import Executor

ENGINES = ("local", "dask")
DASK_MISSING = "--engine dask needs dask and distributed: pip install 'preflight[dask]'"


def require(settings: Mapping[str, Any]) -> None:
    """Before any data is read: the chosen engine's packages are installed."""
    if settings.get("engine") == "dask":
        import importlib.util

        if importlib.util.find_spec("dask") is None or importlib.util.find_spec("distributed") is None:
            raise ConfigError(DASK_MISSING)


@contextlib.contextmanager
def open_engine(settings: Mapping[str, Any], kind: str = "tabular") -> Iterator[Executor]:
    """The executor for a scan; a Dask cluster started here is closed when the scan's pass 1 ends."""
    from preflight.workers import worker_count

    if settings.get("engine") == "dask" and kind == "tabular":
        from preflight.engine.cluster import DaskEngine

        with DaskEngine(str(settings.get("scheduler") or ""), worker_count(settings)) as engine:
            yield engine
        return
    from preflight.engine.local import LocalEngine

    yield LocalEngine(worker_count(settings))
