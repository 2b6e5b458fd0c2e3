"""The stats artifact (stats.json) computed from a profile: a pure function of it.

Documented public contract "preflight-stats/1" (docs/stats-json.md). Floats are rounded to
12 significant digits and NaN becomes null, so the file is byte-stable.
"""
from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from preflight.stats.format import STATS_FORMAT
from preflight.stats.images import build_image_stats
from preflight.stats.tables import build_table_stats

if TYPE_CHECKING:
    from preflight.profile.protocol import Profile

__all__ = ["STATS_FORMAT", "build_stats"]


def build_stats(profile: Profile, settings: Mapping[str, Any]) -> dict[str, Any]:
    if profile.kind == "images":
        return build_image_stats(profile, settings)
    return build_table_stats(profile, settings)
