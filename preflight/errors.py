"""Exit codes and the exceptions that map onto them.

A gate is read by its exit code, so every failure mode has exactly one code: a
config or data problem must never look like "findings" (1) or like a bug (3).
"""
from __future__ import annotations

EXIT_OK = 0
EXIT_FINDINGS = 1
EXIT_USAGE = 2
EXIT_INTERNAL = 3


class PreflightError(Exception):
    """A problem the user can fix: bad flag, bad config, unreadable data (exit 2)."""

    exit_code = EXIT_USAGE


class ConfigError(PreflightError):
    """Invalid configuration or parameters, raised before any data is read."""


class DataError(PreflightError):
    """Unreadable or unusable input; the message names the file and the reason."""


class CheckCrashed(Exception):
    """A check raised: the run fails (exit 3) instead of silently skipping it."""

    exit_code = EXIT_INTERNAL

    def __init__(self, check: str, cause: BaseException) -> None:
        self.check = check
        self.cause = cause
        super().__init__(f"check '{check}' crashed: {type(cause).__name__}: {cause}")
