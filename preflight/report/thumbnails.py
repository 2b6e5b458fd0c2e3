"""The pictures report.html shows: collected while the views are built, then decoded small.

The profile keeps only 16x16 gray thumbnails (features, not pictures), so the at most
MAX_THUMBS files shown are decoded again here, small (JPEG draft mode) and in path order.
"""
from __future__ import annotations

import base64
import io
from pathlib import Path
from typing import Any

MAX_THUMBS = 60       # images decoded for the report
THUMB_SIDE = 96       # thumbnail size, pixels


class Thumbs:
    """Collects the files the report shows (first come, up to MAX_THUMBS), then decodes them small."""

    def __init__(self, profile: Any) -> None:
        self.profile = profile
        self.index = {f: i for i, f in enumerate(profile.files)}
        self.wanted: dict[str, None] = {}

    def want(self, rel: str) -> str | None:
        i = self.index.get(rel)
        if i is None or not self.profile.readable[i]:
            return None
        if rel not in self.wanted and len(self.wanted) >= MAX_THUMBS:
            return None
        self.wanted[rel] = None
        return rel

    def decode(self) -> dict[str, str]:
        root = Path(self.profile.path)
        base = root if root.is_dir() else root.parent
        out = {}
        for rel in sorted(self.wanted):
            uri = _thumbnail(base / rel)
            if uri:
                out[rel] = uri
        return out


def _thumbnail(path: Path) -> str | None:
    import warnings

    from PIL import Image, ImageOps

    from preflight.files import open_regular

    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            with open_regular(path) as fh, Image.open(fh) as img:
                img.draft("RGB", (THUMB_SIDE, THUMB_SIDE))  # JPEG: decode at 1/2..1/8 scale
                img.thumbnail((THUMB_SIDE, THUMB_SIDE))
                small = img.convert("RGBA" if "A" in img.getbands() or "transparency" in img.info else "RGB")
                small = ImageOps.exif_transpose(small)  # as displayed, like the scan's signals
        buf = io.BytesIO()
        small.save(buf, "PNG")
    except Exception:
        return None
    return "data:image/png;base64," + base64.b64encode(buf.getvalue()).decode("ascii")
