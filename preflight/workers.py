"""How many workers a scan uses: one setting for image decoding processes, column and scoring threads."""
from __future__ import annotations

import os
from collections.abc import Mapping
from typing import Any


def worker_count(settings: Mapping[str, Any]) -> int:
    """The `workers` setting: image decoding processes, column and scoring threads (0 = cores)."""
    wanted = int(settings.get("workers", 0))
    return wanted if wanted > 0 else (os.cpu_count() or 1)

