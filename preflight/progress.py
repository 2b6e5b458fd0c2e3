"""A progress line on stderr for long scans; silent when not a TTY or with --quiet."""
from __future__ import annotations

import sys
import time

from preflight.printable import printable


class Progress:
    def __init__(self, enabled: bool, every: float = 0.2) -> None:
        self.enabled = enabled and sys.stderr.isatty()
        self.rows = 0
        self.every = every
        self.last = 0.0
        self.shown = False

    def advance(self, rows: int, where: str) -> None:
        self.rows += rows
        if not self.enabled:
            return
        now = time.monotonic()
        if now - self.last >= self.every:
            self.last = now
            self.shown = True
            sys.stderr.write(f"\rpreflight: read {self.rows:,} rows ({printable(where)})\x1b[K")
            sys.stderr.flush()

    def restart(self) -> None:
        """Reading starts (again, after a ReadRestart): count from zero."""
        self.rows = 0

    def close(self) -> None:
        if self.shown:
            sys.stderr.write("\r\x1b[K")
            sys.stderr.flush()
