"""Parameter constraints, validated before any data is read (sklearn style)."""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from preflight.errors import ConfigError


@dataclass(frozen=True)
class Interval:
    """A number in a range; `closed` says which ends are allowed."""

    kind: type
    low: float | None = None
    high: float | None = None
    closed: str = "both"  # both | left | right | neither

    def accepts(self, value: Any) -> bool:
        if isinstance(value, bool):
            return False
        if self.kind is float and not isinstance(value, (int, float)):
            return False
        if self.kind is int and not isinstance(value, int):
            return False
        too_low = self.low is not None and (
            value < self.low or (value == self.low and self.closed in ("right", "neither")))
        too_high = self.high is not None and (
            value > self.high or (value == self.high and self.closed in ("left", "neither")))
        return not (too_low or too_high)

    def describe(self) -> str:
        name = "an int" if self.kind is int else "a float"
        lo_b = "[" if self.closed in ("both", "left") else "("
        hi_b = "]" if self.closed in ("both", "right") else ")"
        if self.low is None and self.high is None:
            return name
        if self.high is None:
            return f"{name} {'>=' if lo_b == '[' else '>'} {self.low:g}"
        if self.low is None:
            return f"{name} {'<=' if hi_b == ']' else '<'} {self.high:g}"
        return f"{name} in the range {lo_b}{self.low:g}, {self.high:g}{hi_b}"


@dataclass(frozen=True)
class Options:
    """One of a fixed set of strings."""

    values: tuple[str, ...]

    def accepts(self, value: Any) -> bool:
        return isinstance(value, str) and value in self.values

    def describe(self) -> str:
        return "a str among {" + ", ".join(repr(v) for v in self.values) + "}"


@dataclass(frozen=True)
class Boolean:
    def accepts(self, value: Any) -> bool:
        return isinstance(value, bool)

    def describe(self) -> str:
        return "a bool"


@dataclass(frozen=True)
class StrList:
    def accepts(self, value: Any) -> bool:
        return isinstance(value, list) and all(isinstance(v, str) for v in value)

    def describe(self) -> str:
        return "a list of str"


@dataclass(frozen=True)
class Text:
    def accepts(self, value: Any) -> bool:
        return isinstance(value, str)

    def describe(self) -> str:
        return "a str"


Constraint = Interval | Options | Boolean | StrList | Text
SEVERITIES = ("error", "warning", "info")
SEVERITY = Options(SEVERITIES)


def validate(owner: str, name: str, value: Any, constraint: Constraint) -> Any:
    """Return value, or raise ConfigError in the shape users know from sklearn."""
    if not constraint.accepts(value):
        raise ConfigError(
            f"The '{name}' parameter of {owner} must be {constraint.describe()}. Got {value!r}."
        )
    return float(value) if isinstance(constraint, Interval) and constraint.kind is float else value
