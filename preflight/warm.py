"""Heavy imports in a background thread, while the data is read and profiled.

Importing scikit-learn costs about a second of CPU (most of it scipy.stats and pandas, which
sklearn.utils pulls in), as much as profiling a million rows. With a spare core the import
hides behind reading and profiling the data; benchmarks/startup.py measures what that saves on a
small scan. The pipeline waits for the thread before any check runs, so no check races an
import. A module that fails to import here is imported again by its check, which then
fails the run with the real error (exit 3), as it would without the warm-up.
scikit-learn imports pandas too (sklearn.utils.fixes); the profile itself never does
(preflight.kernels.arrow).
Used on the tabular path only: the image path forks decoding workers, and a fork while
another thread holds an import lock can hang the child.
"""
from __future__ import annotations

import importlib
import threading
from collections.abc import Iterable


class Warmup:
    def __init__(self, modules: Iterable[str]) -> None:
        self.modules = tuple(dict.fromkeys(modules))
        self._thread = threading.Thread(target=self._run, name="preflight-warmup", daemon=True)
        if self.modules:
            self._thread.start()

    def _run(self) -> None:
        for name in self.modules:
            try:
                importlib.import_module(name)
            except Exception:
                return

    def wait(self) -> None:
        if self._thread.is_alive():
            self._thread.join()
