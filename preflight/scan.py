"""The library entry point: read -> profile -> check -> decide. Writers and the CLI are clients."""
from __future__ import annotations

from pathlib import Path
from typing import Iterable

from preflight.artifact import build_stats
from preflight.config import load_config
from preflight.decide import exit_code, run_checks
from preflight.findings import Report
from preflight.profile.tabular import build_profile, resolve_label
from preflight.progress import Progress
from preflight.read.tabular import open_tabular


def scan(path: str | Path, *, label: str | None = None, task: str | None = None,
         select: Iterable[str] | None = None, ignore: Iterable[str] | None = None,
         fail_on: str | None = None, config_file: str | Path | None = None,
         progress: bool = False) -> Report:
    """Scan a dataset and return its Report (findings, stats, exit code). Raises PreflightError."""
    path = Path(path)
    overrides = {"label": label, "task": task, "fail_on": fail_on,
                 "select": list(select) if select is not None else None,
                 "ignore": list(ignore) if ignore is not None else None}
    config = load_config(path, config_file=Path(config_file) if config_file else None, overrides=overrides)
    source = open_tabular(path)
    label_name = resolve_label(source.columns, config.label, str(source.files[0]))
    profile = build_profile(source, label=label_name, task=config.task, settings=config.settings,
                            progress=Progress(progress and bool(config.settings["progress"])))
    findings = run_checks(profile, config)
    dataset = {
        "path": str(path), "kind": "tabular", "rows": profile.rows,
        "columns": len(source.columns), "label": profile.label_name, "task": profile.task,
        "files": [{"path": f, "rows": r} for f, r in profile.files],
    }
    return Report(dataset, findings, build_stats(profile, config.settings),
                  exit_code(findings, config.fail_on), config.fail_on)
