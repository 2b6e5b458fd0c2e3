"""A thin CLI: parse, call the library, format, return a named exit code."""
from __future__ import annotations

import os
import sys
from pathlib import Path

import click

from preflight import __version__
from preflight.errors import EXIT_INTERNAL, EXIT_OK, EXIT_USAGE, CheckCrashed, PreflightError

SELECTORS = "comma-separated rule names or code prefixes (e.g. PF2,class-imbalance)"


def _split(value: str | None) -> list[str] | None:
    return [s.strip() for s in value.split(",") if s.strip()] if value else None


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="preflight")
def cli() -> None:
    """preflight: find what is wrong with a dataset before training on it."""


@cli.command()
@click.argument("path", type=click.Path(path_type=Path))
@click.option("--label", help="Label column (default: config, else a single column named label/target/class/y).")
@click.option("--task", type=click.Choice(["auto", "classification", "regression"]), help="Override task inference.")
@click.option("-o", "--output", type=click.Path(path_type=Path), help="Write stats.json and findings.json here.")
@click.option("--format", "fmt", type=click.Choice(["text", "json"]), default="text", show_default=True)
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
@click.option("-q", "--quiet", is_flag=True, help="No progress line, and text output only when failing.")
def scan(path: Path, label: str | None, task: str | None, output: Path | None, fmt: str,
         select: str | None, ignore: str | None, fail_on: str | None, config_file: Path | None,
         pred_probs: Path | None, features: Path | None, image_col: str | None, quiet: bool) -> int:
    """Scan PATH (a data file or a folder of them) and report problems."""
    from preflight.pipeline import scan as run_scan
    from preflight.write.files import dumps, write_atomic
    from preflight.write.text import render

    if output is not None and path.is_dir() and _inside(output, path):
        raise PreflightError(f"{output}: output folder is inside the scanned dataset {path}; "
                             "preflight never writes into the data it scans (choose another -o).")
    report = run_scan(path, label=label, task=task, select=_split(select), ignore=_split(ignore),
                      fail_on=fail_on, config_file=config_file, progress=not quiet,
                      pred_probs=pred_probs, features=features, image_col=image_col)
    findings_json = dumps(report.to_dict())
    if output is not None:
        write_atomic(output / "stats.json", dumps(report.stats))
        write_atomic(output / "findings.json", findings_json)
    if fmt == "json":
        sys.stdout.write(findings_json)
    elif not quiet or report.exit_code:
        sys.stdout.write(render(report))
    return report.exit_code


@cli.command()
def rules() -> int:
    """List every rule: code, name, default severity and what it checks."""
    from preflight.config import load_rule_pack

    _, pack = load_rule_pack()
    for rule in sorted(pack.values(), key=lambda r: r.code):
        click.echo(f"{rule.code}  {rule.name:<22} {rule.severity:<8} {rule.doc}")
    return EXIT_OK


def _inside(child: Path, parent: Path) -> bool:
    child, parent = child.resolve(), parent.resolve()
    return child == parent or parent in child.parents


def main(argv: list[str] | None = None) -> int:
    try:
        code = cli.main(args=argv, prog_name="preflight", standalone_mode=False)
        return int(code or EXIT_OK)
    except click.exceptions.Exit as exc:
        return int(exc.exit_code)
    except click.ClickException as exc:  # usage errors: exit 2, never 1 (that means findings)
        exc.show()
        return EXIT_USAGE
    except click.Abort:
        click.echo("preflight: aborted", err=True)
        return EXIT_USAGE
    except PreflightError as exc:
        click.echo(f"preflight: error: {exc}", err=True)
        return exc.exit_code
    except CheckCrashed as exc:
        click.echo(f"preflight: internal error: {exc} (the run fails: a skipped check would let bad data "
                   "through; please report it)", err=True)
        if os.environ.get("PREFLIGHT_DEBUG"):
            raise
        return EXIT_INTERNAL
    except Exception as exc:  # noqa: BLE001 - last resort: a bug, not a user error
        click.echo(f"preflight: internal error: {type(exc).__name__}: {exc} (set PREFLIGHT_DEBUG=1 "
                   "for a traceback; please report it)", err=True)
        if os.environ.get("PREFLIGHT_DEBUG"):
            raise
        return EXIT_INTERNAL
