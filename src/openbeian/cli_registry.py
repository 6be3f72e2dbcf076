"""`openbeian registry generate | import | export`: the registry in bulk, as CSV or JSON Lines in the ministry's
public-query columns (see openbeian/bulk/formats.py for the columns)."""

from __future__ import annotations

import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

import click
from rich.console import Console
from rich.progress import (
    BarColumn,
    DownloadColumn,
    MofNCompleteColumn,
    Progress,
    TextColumn,
    TimeElapsedColumn,
    TimeRemainingColumn,
)

from openbeian.bulk.formats import FileFormat, open_output
from openbeian.clisupport import emit_json, fail, handles_errors, state


@contextmanager
def _progress(label: str, total: int, in_bytes: bool) -> Iterator[Callable[[int], None] | None]:
    """A progress bar on stderr when it is a terminal (none when it is not); yields `update(done)`."""
    if not sys.stderr.isatty():
        yield None
        return
    count = DownloadColumn() if in_bytes else MofNCompleteColumn()
    columns = (TextColumn(label), BarColumn(), count, TimeElapsedColumn(), TimeRemainingColumn())
    with Progress(*columns, console=Console(stderr=True), transient=False) as progress:
        task = progress.add_task(label, total=total)
        yield lambda done: progress.update(task, completed=done)


def _format(path: Path, given: str | None) -> FileFormat:
    return FileFormat.of(path, given)  # ValidationError: one line, exit 2


@click.command("generate")
@click.option("--sites", required=True, type=click.IntRange(1, 50_000_000), help="How many sites (rows).")
@click.option("--seed", default=1, show_default=True, type=int, help="The same seed gives the same file.")
@click.option("--format", "format_", metavar="csv|jsonl", help="Default: from the file's extension.")
@click.option("--out", required=True, type=click.Path(dir_okay=False, path_type=Path), help="The file to write.")
@handles_errors
def registry_generate(sites: int, seed: int, format_: str | None, out: Path) -> None:
    """Write a synthetic national registry: provinces, subject kinds, apps and mini programs, IDN and
    multi-domain sites, cancelled filings and access providers shaped like the real one; valid check digits."""
    from openbeian.bulk.generate import generate

    file_format = _format(out, format_)
    if not out.parent.is_dir():
        fail(f"--out: the directory {out.parent} does not exist")
    with open_output(out) as handle, _progress("generate", sites, in_bytes=False) as update:
        report = generate(handle, sites, seed, file_format, update)
    click.echo(f"{report.sites:,} sites of {report.subjects:,} subjects, {report.domains:,} domains -> {out}")


@click.command("import")
@click.argument("file", type=click.Path(path_type=Path))
@click.option("--skip-bad", is_flag=True, help="Import the good rows when some are bad (default: import nothing).")
@click.option("--format", "format_", metavar="csv|jsonl", help="Default: from the file's extension.")
@click.option("--json", "as_json", is_flag=True, help="Print the report as JSON.")
@handles_errors
def registry_import(file: Path, skip_bad: bool, format_: str | None, as_json: bool) -> None:
    """Import filings from a CSV or JSON Lines file. Already filed sites are left as they are (importing a file
    twice adds nothing); every bad row is reported with its line number, and then nothing is imported unless
    --skip-bad. Exits 1 when rows were bad."""
    from openbeian.bulk.load import import_registry

    if not file.is_file():
        fail(f"{file}: no such file")
    file_format = _format(file, format_)
    ctx = state().ctx
    with _progress("import", file.stat().st_size, in_bytes=True) as update:
        report = import_registry(
            ctx.db,
            file,
            file_format,
            ctx.clock.now(),
            skip_bad,
            (lambda done, _total: update(done)) if update else None,
        )
    if as_json:
        emit_json(
            {
                "rows": report.rows,
                "new_sites": report.new_sites,
                "already_filed": report.existing_sites,
                "new_subjects": report.new_subjects,
                "new_providers": report.new_providers,
                "bad": [{"line": b.line, "reasons": list(b.reasons)} for b in report.bad],
                "imported": report.committed,
            }
        )
    else:
        for bad in report.bad:
            click.echo(f"line {bad.line}: {'; '.join(bad.reasons)}", err=True)
        if report.committed:
            skipped = f"; {len(report.bad):,} bad rows skipped" if report.bad else ""
            click.echo(
                f"{report.new_sites:,} new sites ({report.existing_sites:,} already filed), {report.new_subjects:,}"
                f" new subjects, {report.new_providers:,} new providers{skipped}"
            )
        else:
            click.echo(f"nothing imported: {len(report.bad):,} bad rows (use --skip-bad to import the others)")
    sys.exit(1 if report.bad else 0)


@click.command("export")
@click.option("--out", required=True, type=click.Path(dir_okay=False, path_type=Path), help="The file to write.")
@click.option("--format", "format_", metavar="csv|jsonl", help="Default: from the file's extension.")
@handles_errors
def registry_export(out: Path, format_: str | None) -> None:
    """Write every filed site (cancelled ones included) in filing order, in the columns `import` reads."""
    from openbeian.bulk.export import count_sites, export_registry

    file_format = _format(out, format_)
    if not out.parent.is_dir():
        fail(f"--out: the directory {out.parent} does not exist")
    engine = state().ctx.db.engine
    with open_output(out) as handle, _progress("export", count_sites(engine), in_bytes=False) as update:
        count = export_registry(engine, handle, file_format, update)
    click.echo(f"{count:,} sites -> {out}")
