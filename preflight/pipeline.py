"""The library entry point: read -> profile -> check -> decide -> stats (and the report's views).

The CLI is a client of `scan`; it writes nothing but a baseline asked for and, with output_dir,
the -o set (through write/output.py, the one writer of that set).
"""
from __future__ import annotations

from collections.abc import Iterable, Mapping
from contextlib import ExitStack
from dataclasses import replace
from os import PathLike
from pathlib import Path
from typing import TYPE_CHECKING, Any

from preflight.decide.config import Config, load_config
from preflight.files import is_inside
from preflight.findings import FailOn, Report, TaskName
from preflight.progress import Progress

VIEWS = "report views"  # the report's pass-2 rounds, beside the rules' (no rule has a space in its name)

if TYPE_CHECKING:
    from pandas import DataFrame

    from preflight.profile.protocol import Profile


def scan(path: str | Path | DataFrame, *, label: str | None = None, task: TaskName | None = None,
         select: Iterable[str] | None = None, ignore: Iterable[str] | None = None,
         fail_on: FailOn | None = None, config_file: str | Path | None = None,
         progress: bool = False, pred_probs: str | Path | None = None,
         features: str | Path | None = None, views: bool | None = None,
         baseline: str | Path | None = None, write_baseline: str | Path | None = None,
         output_dir: str | Path | None = None, **settings: Any) -> Report:
    """Scan a dataset and return its Report (findings, stats, exit code). Raises PreflightError.

    path: a data file (.csv, .tsv, .parquet, .jsonl, optionally .gz), a folder of them, an fsspec
    URL of either (s3://, gs://, abfs://, hdfs://, file://: tables only), a folder of images in
    class folders, or a pandas DataFrame (or pyarrow Table) already in memory: read as pyarrow
    reads it, no file written (preflight/read/frames.py; its index is not a column), with the
    config nearest the current directory.
    label / task / select / ignore / fail_on override the config file (preflight.toml or
    [tool.preflight] in pyproject.toml, nearest the data, or config_file).
    **settings: any scan-wide setting of the rule pack (docs/config.md): image_col, workers,
    cache, cache_dir, engine, seed, sample_rows, placeholders, ... An unknown keyword is a
    TypeError naming the closest valid one.
    pred_probs: .npy of out-of-sample class probabilities (rows x classes, in stats.json's class
    order) from the user's own model; features: .npy of embeddings (rows x dims). Either replaces
    the built-in models of the label-issues and near-duplicates rules.
    baseline: a baseline file; only findings not in it are reported and gate the exit code.
    write_baseline: record the findings (after config suppressions) there.
    output_dir: write stats.json, findings.json and report.html there, as the CLI's -o does
    (and the image cache defaults to output_dir/cache; settings cache=False, cache_dir=...).
    views: compute what report.html shows (Report.views) while the profile is in memory;
    default: when output_dir is given (views=False there writes no report.html).

    Report.stats is the fitted stats.json as a `preflight.Stats` (a read-only dict with
    `transform`); Report.findings the findings; a notebook shows the Report as a table.
    """
    _reject_unknown(settings)
    frame, target = None, path
    if isinstance(path, PathLike):
        target = Path(path)  # a str stays one: it may be a URL, which Path would mangle
    elif not isinstance(path, str):
        from preflight.read.frames import FRAME, is_frame

        if not is_frame(path):
            raise TypeError(f"scan() takes a path or a pandas DataFrame (or pyarrow Table); got {type(path).__name__}")
        frame, target = path, FRAME
    if views is None:
        views = output_dir is not None
    report = _scan(target, frame, label=label, task=task, select=select, ignore=ignore, fail_on=fail_on,
                   config_file=config_file, progress=progress, pred_probs=pred_probs, features=features,
                   views=views, baseline=baseline, write_baseline=write_baseline, output_dir=output_dir,
                   options=settings)
    if output_dir is not None:
        from preflight.write.output import write_outputs

        report = replace(report, written=tuple(str(p) for p in write_outputs(Path(output_dir), report)))
    return report


def _reject_unknown(settings: Mapping[str, Any]) -> None:
    """A misspelt keyword (lable="churn") must not run a scan without it: TypeError, as Python
    raises for a misspelt parameter, naming the closest valid keyword."""
    from preflight.decide.config import SETTINGS

    unknown = sorted(set(settings) - set(SETTINGS))
    if not unknown:
        return
    import difflib
    import inspect

    valid = [p for p in inspect.signature(scan).parameters if p not in ("path", "settings")] + sorted(SETTINGS)
    close = difflib.get_close_matches(unknown[0], valid, n=1, cutoff=0.6)
    hint = f"; did you mean '{close[0]}'?" if close else f" (keywords: {', '.join(valid)})"
    raise TypeError(f"scan() got an unexpected keyword argument '{unknown[0]}'{hint}")


def _scan(path: str | Path, frame: Any, *, label: str | None, task: TaskName | None, select: Iterable[str] | None,
          ignore: Iterable[str] | None, fail_on: FailOn | None, config_file: str | Path | None,
          progress: bool, pred_probs: str | Path | None, features: str | Path | None, views: bool,
          baseline: str | Path | None, write_baseline: str | Path | None, output_dir: str | Path | None,
          options: Mapping[str, Any]) -> Report:
    from preflight.checks.run import run_checks
    from preflight.decide.gate import apply_policies, exit_code
    from preflight.decide.select import plan, ran_rules
    from preflight.engine import require
    from preflight.read.kind import detect_kind
    from preflight.read.remote import is_url

    url = str(path) if frame is None and is_url(path) else None  # a URL: tables only, the config looked up from here
    path = Path(path) if url is None else Path.cwd()
    _check_outputs(path if url is None and frame is None else None, output_dir, write_baseline)
    overrides = {"label": label, "task": task, "fail_on": fail_on,
                 "select": list(select) if select is not None else None,
                 "ignore": list(ignore) if ignore is not None else None, **options}
    config = load_config(Path.cwd() if frame is not None else path,
                         config_file=Path(config_file) if config_file else None, overrides=overrides)
    images = (url is None and frame is None
              and detect_kind(path, str(config.settings.get("image_col") or "")) == "images")
    if url is not None and config.settings.get("image_col"):
        from preflight.errors import DataError

        raise DataError(f"{url}: images are read from local folders only; copy the dataset here to scan it.")
    if not images:
        require(config.settings)  # dask installed for engine = "dask", before any data is read
    bar = Progress(progress and bool(config.settings["progress"]))
    known = _load_baseline(baseline)
    notes: list[str] = []
    profile: Profile
    executor: Any = None
    with ExitStack() as stack:  # the engine stays open until the report's rows are read
        engine = "local"
        shown = url or str(path)
        if images:
            from preflight.profile.image_cache import resolve_cache_dir
            from preflight.profile.images import build_image_profile

            cache_dir = resolve_cache_dir(path, config.settings, output_dir, notes)
            profile = build_image_profile(path, settings=config.settings, label=config.label, task=config.task,
                                          progress=bar, cache_dir=cache_dir, notes=notes)
            if config.settings.get("engine") == "dask":
                notes.append("engine dask: images are scanned locally (the Dask engine reads tables only)")
            _attach_user_arrays(profile, pred_probs, features)
            chosen, scored = plan(profile, config), {}
        else:
            from preflight.engine import open_engine
            executor = stack.enter_context(open_engine(config.settings))  # open for both passes and the views'
            profile = _tabular_profile(url or path, config, bar, executor, frame)
            engine = str(config.settings.get("engine") or "local")
            _attach_user_arrays(profile, pred_probs, features)
            chosen = plan(profile, config)
            scored = _pass_two(profile, chosen, executor, views)
        decided = apply_policies(run_checks(profile, chosen, scored), profile, config, known)
        findings = decided.findings
        if write_baseline is not None:
            from preflight.decide.baseline import build
            from preflight.files import dumps, write_atomic

            try:
                write_atomic(Path(write_baseline), dumps(build(decided.accepted, profile)))
            except OSError as exc:
                from preflight.errors import PreflightError

                raise PreflightError(f"{write_baseline}: cannot write the baseline ({exc.strerror or exc}).") from None
        from preflight.stats.build import build_stats
        from preflight.stats.load import Stats

        stats, code = build_stats(profile, config.settings), exit_code(findings, config.fail_on)
        views_of = None
        if views:
            from preflight.profile.memory import release
            from preflight.report.views import build_views

            release()  # what the checks freed, back before the report reads its rows again
            rescan = getattr(profile, "rescan", None)
            views_of = build_views(profile, findings, stats, path=shown, exit_code=code, fail_on=config.fail_on,
                                   scored=scored.get(VIEWS),
                                   run_pass=None if executor is None else lambda s: executor.pass_two(rescan, s))
        return Report(profile.dataset_summary(shown), findings, Stats(stats), code, config.fail_on, views=views_of,
                      baseline=decided.baseline, suppressed=decided.suppressed, notes=tuple(notes),
                      rules=ran_rules(profile, config), engine=engine)


def _check_outputs(path: Path | None, output_dir: str | Path | None, write_baseline: str | Path | None) -> None:
    """Before any data is read: outputs never go into the scanned data (for a file, the folder
    holding it), and they can be written (a long scan must not end in a failed write). path:
    None for a URL (not on this machine's disks)."""
    from preflight.errors import ConfigError
    from preflight.files import check_writable

    data = path if path is None or path.is_dir() or not path.exists() else path.resolve().parent
    if output_dir is not None:
        if path is not None and data is not None and path.exists() and is_inside(Path(output_dir), data):
            raise ConfigError(f"{output_dir}: output folder is inside the scanned dataset {data}; "
                              "preflight never writes into the data it scans (choose another -o).")
        check_writable(Path(output_dir), folder=True, flag="-o")
    if write_baseline is not None:
        if path is not None and path.is_dir() and is_inside(Path(write_baseline), path):
            raise ConfigError(f"{write_baseline}: baseline file is inside the scanned dataset {path}; "
                              "preflight never writes into the data it scans (choose another path).")
        check_writable(Path(write_baseline), folder=False, flag="--write-baseline")


def _load_baseline(baseline: str | Path | None) -> tuple[list, Path] | None:
    """Read --baseline before any data."""
    if baseline is None:
        return None
    from preflight.decide.baseline import load

    return load(Path(baseline)), Path(baseline)


def _pass_two(profile: Any, chosen: list, executor: Any, views: bool) -> dict[str, Any]:
    """The checks' scoring rounds, each one re-read of the plan on the scan's executor; with
    views, the report's histograms in the same reads."""
    from preflight.checks.run import score_rows

    also = None
    if views:
        from preflight.report.views import score_views

        also = {VIEWS: score_views(profile)}
    rescan = profile.rescan
    return score_rows(profile, chosen, lambda scorers: executor.pass_two(rescan, scorers), also)


def _tabular_profile(path: Path | str, config: Config, bar: Progress, executor: Any = None,
                     frame: Any = None) -> Profile:
    """path: a local path, or a URL (str); frame: a DataFrame or pyarrow Table in memory instead.
    Pass 1 runs on `executor` (by default the `engine` setting's, opened and closed here)."""
    from preflight.engine import open_engine
    from preflight.profile.tabular import build_profile
    from preflight.read.labels import resolve_label
    from preflight.read.remote import open_url
    from preflight.read.tabular import open_tabular

    source: Any
    if frame is not None:
        from preflight.read.frames import open_frame

        source = open_frame(frame)
    else:
        source = open_url(path) if isinstance(path, str) else open_tabular(path)
    columns = _without_split_column(source.columns, str(config.settings.get("split_col") or ""), str(source.files[0]))
    label_name = resolve_label(columns, config.label, str(source.files[0]))
    if executor is not None:
        return build_profile(source, label=label_name, task=config.task, settings=config.settings, progress=bar,
                             executor=executor)
    with open_engine(config.settings) as own:
        return build_profile(source, label=label_name, task=config.task, settings=config.settings, progress=bar,
                             executor=own)


def _without_split_column(columns: tuple[str, ...], split_col: str, where: str) -> tuple[str, ...]:
    """The columns that may be the label: all but the split column, which must exist."""
    from preflight.errors import DataError

    if split_col and split_col not in columns:
        raise DataError(f"{where}: split column '{split_col}' not found (columns: {', '.join(columns)}).")
    return tuple(c for c in columns if c != split_col)


def _attach_user_arrays(profile: Profile, pred_probs: str | Path | None, features: str | Path | None) -> None:
    """Validate user arrays against the profile (rows, classes) before any check runs."""
    from preflight.errors import DataError
    from preflight.read.arrays import load_npy

    if pred_probs is not None:
        from preflight.learn.label_issues import validate_pred_probs

        if profile.task != "classification":
            raise DataError(f"{pred_probs}: --pred-probs needs a classification label "
                            f"(task here: {profile.task or 'no label'}).")
        try:
            profile.pred_probs = validate_pred_probs(load_npy(Path(pred_probs)), profile.rows,
                                                     len(profile.classes), str(pred_probs))
        except ValueError as exc:
            raise DataError(str(exc)) from None
    if features is not None:
        from preflight.learn.label_issues import validate_features

        try:
            profile.user_features = validate_features(load_npy(Path(features)), profile.rows, str(features))
        except ValueError as exc:
            raise DataError(str(exc)) from None
