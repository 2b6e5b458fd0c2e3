"""One walk of a dataset folder, for images and tables alike.

Hidden names (a leading dot) are skipped. Symlinks that leave the root are never followed:
they are listed as ignored, as are FIFOs, sockets and devices (only regular files are ever
opened: reading a FIFO would hang the scan). Links back inside the root are followed once
(no loops). Folders that cannot be listed are returned as problems, never skipped in silence.
"""
from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

LEAVES_ROOT = "symlink leaves the dataset root"
NOT_REGULAR = "not a regular file (a FIFO, socket or device)"


@dataclass(frozen=True)
class Listing:
    files: list[tuple[str, str]]     # (rel with forward slashes, path to open): regular files, dangling links
    ignored: list[tuple[str, str]]   # (rel, why); folders end in "/"
    problems: list[tuple[str, str]]  # (rel of a folder that cannot be listed, reason)


def walk(root: Path) -> Listing:
    real_root = os.path.realpath(root)
    seen = {real_root}
    files: list[tuple[str, str]] = []
    ignored: list[tuple[str, str]] = []
    problems: list[tuple[str, str]] = []
    todo = [(str(root), "")]
    while todo:
        folder, prefix = todo.pop()
        try:
            with os.scandir(folder) as it:
                entries = list(it)
        except OSError as exc:
            problems.append((prefix.rstrip("/") or ".", os_reason(exc)))
            continue
        for entry in entries:
            if entry.name.startswith("."):
                continue
            rel = prefix + entry.name
            link = entry.is_symlink()
            real = os.path.realpath(entry.path) if link else None
            if real is not None and not inside(real, real_root):
                ignored.append((rel + ("/" if _is_dir(entry) else ""), LEAVES_ROOT))
            elif _is_dir(entry):
                real = real or os.path.realpath(entry.path)
                if real not in seen:  # a link back inside the root: walked once, never a loop
                    seen.add(real)
                    todo.append((entry.path, rel + "/"))
            elif _is_file(entry) or (link and not os.path.exists(entry.path)):
                files.append((rel, entry.path))  # a dangling link: its reader says it is missing
            else:
                ignored.append((rel, NOT_REGULAR))
    return Listing(files, ignored, problems)


def _is_dir(entry: os.DirEntry) -> bool:
    try:
        return entry.is_dir()
    except OSError:
        return False


def _is_file(entry: os.DirEntry) -> bool:
    try:
        return entry.is_file()
    except OSError:
        return False


def inside(real: str, real_root: str) -> bool:
    return real == real_root or real.startswith(real_root.rstrip(os.sep) + os.sep)


def os_reason(exc: OSError) -> str:
    if isinstance(exc, PermissionError):
        return "permission denied"
    return exc.strerror or type(exc).__name__
