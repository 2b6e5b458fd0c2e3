"""What kind of dataset a path holds: a folder of images, or tables."""
from __future__ import annotations

import os
from pathlib import Path

from preflight.read.images import IMAGE_SUFFIXES
from preflight.read.tabular import file_format


def detect_kind(path: Path, image_col: str = "") -> str:
    """'images' for a folder holding images and no data files (or a table with an image column), else 'tabular'."""
    if image_col:
        return "images"
    if not path.is_dir():
        return "tabular"
    has_images = False
    for folder, _, names in os.walk(path):  # os.walk: no Path object and no stat per file
        for name in names:
            image = os.path.splitext(name)[1].lower() in IMAGE_SUFFIXES
            if not image and file_format(Path(name)) and os.path.isfile(os.path.join(folder, name)):
                return "tabular"
            has_images = has_images or (image and os.path.isfile(os.path.join(folder, name)))
    return "images" if has_images else "tabular"
