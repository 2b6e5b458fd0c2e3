"""A thin CLI: parse, call the library, format, return a named exit code."""
from __future__ import annotations

import os
import sys
from pathlib import Path

import click

from preflight.errors import EXIT_FINDINGS, EXIT_INTERNAL, EXIT_OK, EXIT_USAGE, CheckCrashed, PreflightError
from preflight.printable import printable
from preflight.version import __version__
from preflight.write.formats import FORMATS

SELECTORS = "comma-separated rule names or code prefixes (e.g. PF2,class-imbalance)"


def _split(value: str | None) -> list[str] | None:
    return [s.strip() for s in value.split(",") if s.strip()] if value else None


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="preflight")
def cli() -> None:
    """preflight: find what is wrong with a dataset before training on it."""


@cli.command()
@click.argument("path")  # a local path or an fsspec URL: kept as given
@click.option("--label", help="Label column (default: config, else a single column named label/target/class/y).")
@click.option("--task", type=click.Choice(["auto", "classification", "regression"]), help="Override task inference.")
@click.option("-o", "--output", type=click.Path(path_type=Path),
              help="Write stats.json, findings.json and report.html here.")
@click.option("--format", "fmt", type=click.Choice(list(FORMATS)), default="text", show_default=True,
              help="text for people; json (findings JSON); github (Actions annotations); sarif; junit.")
@click.option("--select", help=f"Only these rules: {SELECTORS}.")
@click.option("--ignore", help=f"Skip these rules: {SELECTORS}.")
@click.option("--fail-on", type=click.Choice(["error", "warning", "info", "never"]),
              help="Exit 1 when a finding at or above this severity remains (default: error).")
@click.option("--config", "config_file", type=click.Path(path_type=Path, dir_okay=False),
              help="Config file (default: nearest preflight.toml or pyproject.toml [tool.preflight]).")
@click.option("--pred-probs", type=click.Path(path_type=Path),
              help="Your model's out-of-sample class probabilities (.npy, rows x classes in stats.json order).")
@click.option("--features", type=click.Path(path_type=Path),
              help="Your embeddings (.npy, one row per data row) for label-issues and near-duplicates.")
@click.option("--image-col", help="The CSV/Parquet lists image files: the column holding their paths.")
@click.option("--split-col", help="The column naming each row's split (train, test, ...); then not a feature.")
@click.option("--train-split", help="The training split's name, when it is not train/training.")
@click.option("--baseline", type=click.Path(path_type=Path, dir_okay=False),
              help="Only findings not recorded in this baseline file are reported and fail the gate.")
@click.option("--write-baseline", type=click.Path(path_type=Path, dir_okay=False),
              help="Record the current findings (after suppressions) in this baseline file.")
@click.option("--cache-dir", type=click.Path(path_type=Path, file_okay=False),
              help="Image cache folder (default: <-o DIR>/cache, else .preflight/cache).")
@click.option("--no-cache", is_flag=True, help="Decode every image again; neither read nor write the cache.")
@click.option("--color", type=click.Choice(["auto", "always", "never"]), default="auto", show_default=True,
              help="Colour the text output: auto = on a terminal unless NO_COLOR is set.")
@click.option("-q", "--quiet", is_flag=True, help="No progress line, and text output only when failing.")
@click.option("--no-report", is_flag=True, help="With -o: skip report.html (the visual report).")
@click.option("--engine", type=click.Choice(["local", "dask"]), help="Where a table's pass 1 runs (default: local).")
@click.option("--scheduler", help="Dask scheduler address for --engine dask (default: a local cluster).")
def scan(path: str, label: str | None, task: str | None, output: Path | None, fmt: str,
         select: str | None, ignore: str | None, fail_on: str | None, config_file: Path | None,
         pred_probs: Path | None, features: Path | None, image_col: str | None, quiet: bool,
         baseline: Path | None = None, write_baseline: Path | None = None, cache_dir: Path | None = None,
         no_cache: bool = False,
         no_report: bool = False, color: str = "auto", split_col: str | None = None,
         train_split: str | None = None, engine: str | None = None, scheduler: str | None = None) -> int:
    """Scan PATH (a data file or a folder of them) and report problems."""
    from preflight.pipeline import scan as run_scan
    report = run_scan(path, label=label, task=task, select=_split(select), ignore=_split(ignore),
                      fail_on=fail_on, config_file=config_file, progress=not quiet,
                      pred_probs=pred_probs, features=features, image_col=image_col,
                      split_col=split_col, train_split=train_split, engine=engine, scheduler=scheduler,
                      views=False if no_report else None,
                      baseline=baseline, write_baseline=write_baseline, output_dir=output,
                      cache_dir=str(cache_dir) if cache_dir else None, cache=False if no_cache else None)
    for note in () if quiet else report.notes:
        click.echo(printable(f"preflight: {note if note.startswith('warning: ') else 'info: ' + note}"), err=True)
    if fmt == "text" and (not quiet or report.exit_code):  # -q: text only when failing
        from preflight.write.text import render

        sys.stdout.write(render(report, color=_colour(color)))
    elif fmt != "text":
        sys.stdout.write(FORMATS[fmt](report))
    return report.exit_code


def _colour(choice: str) -> bool:
    """--color: always / never; auto = stdout is a terminal, NO_COLOR unset or empty (no-color.org),
    and TERM is not dumb."""
    if choice != "auto":
        return choice == "always"
    return sys.stdout.isatty() and not os.environ.get("NO_COLOR") and os.environ.get("TERM") != "dumb"


@cli.command()
def rules() -> int:
    """List every rule: code, name, default severity and what it checks."""
    from preflight.decide.config import load_rule_pack

    _, pack = load_rule_pack()
    for rule in sorted(pack.values(), key=lambda r: r.code):
        click.echo(f"{rule.code}  {rule.name:<22} {rule.severity:<8} {rule.doc}")
    return EXIT_OK


@cli.command()
@click.argument("rule")
def explain(rule: str) -> int:
    """Explain RULE (a name or a code): what it checks, why, an example, the fix, its options."""
    from preflight.decide.rules import find_rule
    from preflight.write.explain import render as render_rule

    sys.stdout.write(render_rule(find_rule(rule)))
    return EXIT_OK


@cli.command("stats-check")
@click.argument("stats", type=click.Path(path_type=Path, dir_okay=False))
@click.argument("path", type=click.Path(path_type=Path))
@click.option("--label", help="Label column (default: the one the stats were fitted with).")
@click.option("--config", "config_file", type=click.Path(path_type=Path, dir_okay=False),
              help="Config file (default: nearest preflight.toml or pyproject.toml [tool.preflight]).")
def stats_check(stats: Path, path: Path, label: str | None, config_file: Path | None) -> int:
    """Exit 0 if STATS (a stats.json) still fingerprints PATH, 1 if stale (saying what changed)."""
    from preflight.pipeline import scan as run_scan
    from preflight.stats import freshness

    old = freshness.read_fingerprint(stats)
    label = label or freshness.default_label(path, old["label"])
    current = run_scan(path, label=label, select=freshness.FRESHNESS_RULES, config_file=config_file,
                       **freshness.split_options(stats))
    changed = freshness.differences(old, current.stats["fingerprint"])
    if not changed:
        click.echo(printable(f"preflight: stats fresh: {stats} matches {path} ({old['rows']} rows)"))
        return EXIT_OK
    click.echo(printable(f"preflight: stats stale: {stats} no longer matches {path}:"))
    for line in changed:
        click.echo(printable(f"  {line}"))
    click.echo(printable(f"re-run `preflight scan {path} -o {stats.parent}` to refresh them"))
    return EXIT_FINDINGS

def main(argv: list[str] | None = None) -> int:
    try:
        code = cli.main(args=argv, prog_name="preflight", standalone_mode=False)
        return int(code or EXIT_OK)
    except click.exceptions.Exit as exc:
        return int(exc.exit_code)
    except click.ClickException as exc:  # usage errors: exit 2, never 1 (that means findings); one line
        ctx = getattr(exc, "ctx", None)
        hint = f" (see '{ctx.command_path} -h')" if ctx is not None else ""
        click.echo(printable(f"preflight: error: {exc.format_message()}{hint}"), err=True)
        return EXIT_USAGE
    except click.Abort:
        click.echo("preflight: aborted", err=True)
        return EXIT_USAGE
    except PreflightError as exc:
        click.echo(printable(f"preflight: error: {exc}"), err=True)
        return exc.exit_code
    except CheckCrashed as exc:
        click.echo(printable(f"preflight: internal error: {exc} (the run fails: a skipped check would let bad "
                             "data through; please report it)"), err=True)
        if os.environ.get("PREFLIGHT_DEBUG"):
            raise
        return EXIT_INTERNAL
    except Exception as exc:
        click.echo(printable(f"preflight: internal error: {type(exc).__name__}: {exc} (set PREFLIGHT_DEBUG=1 "
                             "for a traceback; please report it)"), err=True)
        if os.environ.get("PREFLIGHT_DEBUG"):
            raise
        return EXIT_INTERNAL
