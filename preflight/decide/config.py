"""Rule pack + user config -> one validated Config, before any data is read.

Defaults live only in rules/default.toml. Users override in preflight.toml or in
[tool.preflight] of pyproject.toml, found by walking up from the scanned path.
Unknown keys are errors: a typo must not silently turn a check off.
"""
from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path
from typing import Any, cast

import tomllib

from preflight.errors import ConfigError
from preflight.files import open_regular
from preflight.findings import FailOn
from preflight.params import SEVERITY, Boolean, Constraint, Interval, Options, StrList, Text, validate

TASKS = ("auto", "classification", "regression")
FAIL_ON = ("error", "warning", "info", "never")
SETTINGS: dict[str, Constraint] = {
    "placeholders": StrList(),
    "max_classes": Interval(int, 2, None),
    "sample_rows": Interval(int, 100, None),
    "seed": Interval(int, 0, None),
    "fail_on": Options(FAIL_ON),
    "progress": Boolean(),
    "squash_std_ratio": Interval(float, 1.0, None),
    "onehot_max_categories": Interval(int, 1, None),
    "max_listed_rows": Interval(int, 1, None),
    "image_col": Text(),
    "allow_outside_paths": Boolean(),
    "split_col": Text(),
    "train_split": Text(),
    "max_image_pixels": Interval(int, 1, None),
    "image_hash_radius": Interval(int, 0, 10),
    "text_near_jaccard": Interval(float, 0.0, 1.0, closed="right"),
    "workers": Interval(int, 0, None),
    "cache": Boolean(),
    "cache_dir": Text(),
    "engine": Options(("local", "dask")),
    "scheduler": Text(),
}
USER_KEYS = {"label", "task", "select", "ignore", "rules", "per_path_ignores", "suppress", *SETTINGS}
RULE_META = {"severity"}


@dataclass(frozen=True)
class RuleConfig:
    name: str
    code: str
    severity: str
    doc: str
    params: Mapping[str, Any]


@dataclass(frozen=True)
class Config:
    label: str | None
    task: str
    select: tuple[str, ...]
    ignore: tuple[str, ...]
    settings: Mapping[str, Any]
    rules: Mapping[str, RuleConfig]
    sources: tuple[str, ...] = field(default=())
    per_path_ignores: tuple = field(default=())   # decide.suppress.PathIgnore, globs from base_dir
    suppress: tuple = field(default=())           # decide.suppress.Suppression ([[suppress]] tables)
    base_dir: str = ""                            # the config file's folder ("" = current directory)

    @property
    def fail_on(self) -> FailOn:
        return cast(FailOn, self.settings["fail_on"])

    def enabled(self) -> list[str]:
        """Rule names left on by select/ignore (names or code prefixes)."""
        on = []
        for name, rule in sorted(self.rules.items()):
            chosen = not self.select or any(_matches(s, rule) for s in self.select)
            if chosen and not any(_matches(s, rule) for s in self.ignore):
                on.append(name)
        return on


def _matches(selector: str, rule: RuleConfig) -> bool:
    return selector == rule.name or rule.code.startswith(selector.upper())


def rule_pack_path() -> Path:
    """The shipped rule pack: inside the wheel, or rules/ beside the package in a checkout."""
    packaged = resources.files("preflight") / "rules" / "default.toml"
    if packaged.is_file():
        return Path(str(packaged))
    return Path(__file__).resolve().parents[2] / "rules" / "default.toml"


def _read_toml(path: Path) -> dict[str, Any]:
    try:
        with open_regular(path) as fh:
            return tomllib.loads(fh.read().decode("utf-8"))
    except UnicodeDecodeError:
        raise ConfigError(f"{path}: cannot read config: not valid UTF-8 text (TOML files are UTF-8; "
                          "re-save it as UTF-8).") from None
    except (OSError, tomllib.TOMLDecodeError) as exc:
        raise ConfigError(f"{path}: cannot read config: {exc}") from None


def _pyproject_table(path: Path) -> dict[str, Any] | None:
    """[tool.preflight] of a pyproject.toml, None without one. A pyproject.toml that never
    mentions preflight is not ours to judge: it is skipped unparsed, even if broken or binary."""
    try:
        with open_regular(path) as fh:
            if b"preflight" not in fh.read():
                return None
    except OSError:
        return None
    return _tool_table(path, _read_toml(path))


def _tool_table(path: Path, doc: dict[str, Any]) -> dict[str, Any] | None:
    tool = doc.get("tool")
    table = tool.get("preflight") if isinstance(tool, dict) else None
    if table is not None and not isinstance(table, dict):
        raise ConfigError(f"{path}: [tool.preflight] must be a table. Got {table!r}.")
    return table


def load_rule_pack(path: Path | None = None) -> tuple[dict[str, Any], dict[str, RuleConfig]]:
    from preflight.checks import discover

    path = path or rule_pack_path()
    pack = _read_toml(path)
    checks = discover()
    settings = dict(pack.get("settings", {}))
    for key, value in settings.items():
        if key not in SETTINGS:
            raise ConfigError(f"{path}: unknown setting '{key}'.")
        settings[key] = _valid(str(path), "settings", key, value, SETTINGS[key])
    rules: dict[str, RuleConfig] = {}
    for name, table in pack.get("rules", {}).items():
        check = checks.get(name)
        if check is None:
            raise ConfigError(f"{path}: rule '{name}' has no check module.")
        params = {k: v for k, v in table.items() if k not in RULE_META}
        severity = _valid(str(path), name, "severity", table.get("severity"), SEVERITY)
        rules[name] = RuleConfig(name, check.code, severity, check.summary,
                                 _validated_params(check, name, params, str(path)))
    return settings, rules


def _validated_params(check: Any, name: str, params: Mapping[str, Any], where: str) -> dict[str, Any]:
    out = {}
    for key, value in params.items():
        if key not in check.params:
            known = ", ".join(sorted(check.params)) or "none"
            raise ConfigError(f"{where}: unknown parameter '{key}' for rule {name} (known: {known}).")
        out[key] = _valid(where, name, key, value, check.params[key])
    return out


def _valid(where: str, owner: str, key: str, value: Any, constraint: Constraint) -> Any:
    """params.validate, its message prefixed with the file (or "command line") that set the key."""
    try:
        return validate(owner, key, value, constraint)
    except ConfigError as exc:
        raise ConfigError(f"{where}: {exc}") from None


def find_user_config(start: Path) -> tuple[Path, dict[str, Any]] | None:
    """preflight.toml, else pyproject.toml with [tool.preflight], nearest the scanned path."""
    here = start.resolve()
    here = here if here.is_dir() else here.parent
    for folder in (here, *here.parents):
        candidate = folder / "preflight.toml"
        if candidate.is_file():
            return candidate, _read_toml(candidate)
        pyproject = folder / "pyproject.toml"
        if pyproject.is_file():
            table = _pyproject_table(pyproject)
            if table is not None:
                return pyproject, table
    return None


def load_config(scan_path: Path, *, config_file: Path | None = None,
                overrides: Mapping[str, Any] | None = None) -> Config:
    """Merge rule pack < user config file < command-line overrides, validating all."""
    settings, rules = load_rule_pack()
    found = (config_file, _read_toml(config_file)) if config_file else find_user_config(scan_path)
    user: dict[str, Any] = {}
    sources: list[str] = []
    if found:
        where, user = str(found[0]), dict(found[1])
        if config_file and config_file.name == "pyproject.toml":
            user = dict(_tool_table(config_file, user) or {})
        sources.append(where)
        unknown = sorted(set(user) - USER_KEYS)
        if unknown:
            raise ConfigError(f"{where}: unknown key '{unknown[0]}' (known: {', '.join(sorted(USER_KEYS))}).")
    given = {key: value for key, value in (overrides or {}).items() if value is not None}
    user.update(given)
    where = sources[0] if sources else "command line"

    def source(key: str) -> str:  # who set the key: named in its error
        return "command line" if key in given else where

    for key in SETTINGS:
        if key in user:
            settings[key] = _valid(source(key), "preflight", key, user[key], SETTINGS[key])
    if not isinstance(user.get("rules", {}), dict):
        raise ConfigError(f"{where}: 'rules' must be a table ([rules.NAME] sections). Got {user['rules']!r}.")
    for name, table in dict(user.get("rules", {})).items():
        if name not in rules:
            raise ConfigError(f"{where}: unknown rule '{name}' in [rules] (see `preflight rules`).")
        if not isinstance(table, dict):
            raise ConfigError(f"{where}: [rules.{name}] must be a table.")
        base = rules[name]
        severity = _valid(where, name, "severity", table.get("severity", base.severity), SEVERITY)
        extra = {k: v for k, v in table.items() if k != "severity"}
        params = {**base.params, **_validated_params(_check(name), name, extra, where)}
        rules[name] = RuleConfig(name, base.code, severity, base.doc, params)
    label = user.get("label")
    if label is not None and not isinstance(label, str):
        raise ConfigError(f"{source('label')}: 'label' must be a column name (str). Got {label!r}.")
    task = _valid(source("task"), "preflight", "task", user.get("task", "auto"), Options(TASKS))
    select = _selectors(user.get("select", []), "select", rules, where)
    ignore = _selectors(user.get("ignore", []), "ignore", rules, where)
    from preflight.decide.suppress import parse_per_path_ignores, parse_suppressions

    def check(s: str) -> None:
        _selectors([s], "per_path_ignores/suppress", rules, where)

    ignores = parse_per_path_ignores(user["per_path_ignores"], where, check) if "per_path_ignores" in user else ()
    suppress = parse_suppressions(user["suppress"], where, check) if "suppress" in user else ()
    base_dir = str(Path(sources[0]).resolve().parent) if sources else ""
    return Config(label, task, select, ignore, settings, rules, tuple(sources), ignores, suppress, base_dir)


def _check(name: str) -> Any:
    from preflight.checks import discover

    return discover()[name]


def _selectors(value: Any, key: str, rules: Mapping[str, RuleConfig], where: str) -> tuple[str, ...]:
    items = [s.strip() for s in value.split(",")] if isinstance(value, str) else value
    if not isinstance(items, list) or not all(isinstance(s, str) for s in items):
        raise ConfigError(f"{where}: '{key}' must be a list of rule names or code prefixes. Got {value!r}.")
    for s in items:
        if not any(_matches(s, r) for r in rules.values()):
            raise ConfigError(f"{where}: '{key}' names '{s}', which is no rule name or code prefix.")
    return tuple(s for s in items if s)
