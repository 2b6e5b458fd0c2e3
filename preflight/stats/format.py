"""The stats.json format name and its number rule: 12 significant digits, NaN as null (byte-stable)."""
from __future__ import annotations

import math
from typing import Any

STATS_FORMAT = "preflight-stats/1"

def num(x: Any) -> float | None:
    x = float(x)
    return float(f"{x:.12g}") if math.isfinite(x) else None

