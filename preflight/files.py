"""Files in and out: atomic writes that honour the umask, regular files only, writable targets.

A reader never sees a half-written file; a FIFO or a device is never opened (reading a FIFO
blocks forever); an output path that cannot be written is found before the scan, not after.
"""
from __future__ import annotations

import json
import os
import re
import secrets
import socket
import stat
import tempfile
import time
from pathlib import Path
from typing import IO, Any

from preflight.errors import PreflightError

STALE_SECONDS = 24 * 3600  # a temp file this old is stale even if its writer's pid lives on (reused)
_HOST = re.sub(r"[^A-Za-z0-9-]", "-", socket.gethostname())[:32] or "host"
_TEMP = re.compile(r"^\.(?P<name>.+)\.(?P<pid>\d+)@(?P<host>[A-Za-z0-9-]+)\.[0-9a-f]+\.tmp$")
# mkstemp's names, before the writer was named: outputs and cache files only
_LEGACY_TEMP = re.compile(r"^\.(stats\.json|findings\.json|report\.html|[^/]+\.npz)\.[A-Za-z0-9_]{8}\.tmp$")


class NotRegularFile(OSError):
    """A FIFO, socket, device or folder where a file was expected: refused before it is opened."""


def is_inside(child: Path, parent: Path) -> bool:
    """True when child is parent or lies below it: preflight never writes into the data it scans."""
    child, parent = Path(child).resolve(), Path(parent).resolve()
    return child == parent or parent in child.parents


def dumps(obj: Any) -> str:
    return json.dumps(obj, indent=2, ensure_ascii=False, allow_nan=False) + "\n"


def open_regular(path: str | Path) -> IO[bytes]:
    """Open a regular file for reading (binary). Anything else raises NotRegularFile without being
    opened; a file swapped for a FIFO between the check and the open is opened non-blocking and
    refused, never read."""
    _require_regular(os.stat(path).st_mode, path)
    fh = open(path, "rb", opener=_nonblocking)  # noqa: SIM115 (returned open)
    try:
        _require_regular(os.fstat(fh.fileno()).st_mode, path)
        os.set_blocking(fh.fileno(), True)
        return fh
    except BaseException:
        fh.close()
        raise


def _nonblocking(path: str, flags: int) -> int:
    return os.open(path, flags | getattr(os, "O_NONBLOCK", 0))


def read_text(path: str | Path) -> str:
    """A regular file's UTF-8 text (open_regular); UnicodeDecodeError when it is not UTF-8."""
    with open_regular(path) as fh:
        return fh.read().decode("utf-8")


def _require_regular(mode: int, path: str | Path) -> None:
    if stat.S_ISDIR(mode):
        raise NotRegularFile(f"{path} is a folder, not a file")
    if not stat.S_ISREG(mode):
        raise NotRegularFile("not a regular file (a FIFO, socket or device); not opened")


def write_atomic(path: Path, data: str | bytes, *, sync: bool = True) -> None:
    """Temp file in the same folder, then rename: readers see the old file or the new one.
    The temp file is created with mode 0666 less the umask, like any file the user's tools make
    (mkstemp's 0600 would hide reports from colleagues and CI uploaders), and named after its
    writer (pid and host) so a later run can tell a stale one (clean_stale_temps).
    sync=False skips the fsync (caches: losing one to a crash only costs a recomputation)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.parent / f".{path.name}.{os.getpid()}@{_HOST}.{secrets.token_hex(4)}.tmp"
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_CLOEXEC", 0), 0o666)
    try:
        with os.fdopen(fd, "wb") as fh:
            fh.write(data.encode("utf-8") if isinstance(data, str) else data)
            fh.flush()
            if sync:
                os.fsync(fh.fileno())
        os.replace(tmp, path)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise


def write_npz_atomic(path: Path, arrays: dict) -> None:
    """numpy arrays as one .npz (no pickle), written atomically without fsync (cache files)."""
    import io

    import numpy as np

    buf = io.BytesIO()
    np.savez(buf, **arrays)
    write_atomic(path, buf.getvalue(), sync=False)


def clean_stale_temps(folder: Path) -> int:
    """Delete the temp files that killed writers left in folder (write_atomic's); returns how many.
    A temp file of a live writer on this host is kept; one of another host only once it is old."""
    removed = 0
    now = time.time()
    try:
        names = [n for n in os.listdir(folder) if n.startswith(".") and n.endswith(".tmp")]
    except OSError:
        return 0
    for name in names:
        full = folder / name
        match = _TEMP.match(name)
        try:
            age = now - full.lstat().st_mtime
            if match:
                mine = match["host"] == _HOST
                stale = age > STALE_SECONDS or (mine and not _alive(int(match["pid"])))
            else:
                stale = bool(_LEGACY_TEMP.match(name)) and age > 3600
            if stale:
                full.unlink()
                removed += 1
        except OSError:
            continue
    return removed


def _alive(pid: int) -> bool:
    if pid == os.getpid():
        return True
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except OSError:  # exists, owned by someone else
        return True
    return True


def check_writable(path: Path, *, folder: bool, flag: str) -> None:
    """Raise PreflightError (exit 2, one line) unless `path` (a folder, or a file) can be written:
    checked before a scan, so a long scan never ends in a failed write."""
    path = Path(path)
    target = path if folder else path.parent
    if not folder and path.is_dir():
        raise PreflightError(f"{path}: {flag} names a folder; give a file path.")
    if target.exists() and not target.is_dir():
        raise PreflightError(f"{target}: {flag} needs a folder here, and this is a file (choose another path).")
    existing = target
    while not existing.exists():  # a folder that does not exist yet is created in its nearest existing parent
        existing = existing.parent
    if not existing.is_dir():
        raise PreflightError(f"{path}: {flag} cannot be created: {existing} is a file, not a folder.")
    try:
        with tempfile.TemporaryFile(dir=existing):
            pass
    except OSError as exc:
        reason = exc.strerror or type(exc).__name__
        raise PreflightError(f"{path}: {flag} is not writable ({reason} in {existing}); "
                             "choose another path.") from None
