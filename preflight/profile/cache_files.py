"""How every cache file is read: a cache never fails a scan and never trusts the folder.

One policy for the image segments, the file-hash index and the memoised results: a missing
file is a miss; one that cannot be opened (permissions, a folder in its place) is reported and
left alone; one that opens but is damaged (torn write, wrong arrays, not a zip) is reported and
deleted. Either way the caller recomputes what it would have held (`then` says what).
"""
from __future__ import annotations

import contextlib
import os
import stat
from collections.abc import Callable
from pathlib import Path
from typing import TypeVar

from preflight.files import NotRegularFile

T = TypeVar("T")


def read_cache_file(path: Path, parse: Callable[[Path], T], notes: list[str], then: str) -> T | None:
    """parse(path), or None on a miss or a problem (noted in `notes`, ending with `then`).
    parse raises on damage; it may itself return None (a file of another version: left alone)."""
    try:
        mode = os.stat(path).st_mode
        if not (stat.S_ISREG(mode) or stat.S_ISDIR(mode)):  # a FIFO would hang np.load: never opened
            raise NotRegularFile("not a regular file (a FIFO, socket or device)")
        return parse(path)
    except FileNotFoundError:
        return None
    except OSError as exc:
        notes.append(f"warning: cache file {path} cannot be read ({type(exc).__name__}: {exc}); {then}")
        return None
    except Exception as exc:
        notes.append(f"warning: damaged cache file {path} ignored and deleted ({type(exc).__name__}: {exc}); "
                     f"{then}")
        with contextlib.suppress(OSError):
            path.unlink(missing_ok=True)
        return None
