"""Bulk data in and out: `rapport import` and `rapport export` (docs/import-export.md).

Import reads CSV, JSONL or XLSX, validates each row with the mutations' own validation
(rapport/io/rows.py), and upserts in batches (rapport/io/load.py). Export streams an entity type
in keyset pages with the caller's personal-data masking (rapport/io/export.py).
"""

from __future__ import annotations

import sys
from collections.abc import Iterable, Mapping
from pathlib import Path

from rich.console import Console
from rich.progress import Progress, SpinnerColumn, TextColumn, TimeElapsedColumn
from rich.text import Text

from graphdb.driver import Graph
from rapport.io.load import DEFAULT_BATCH_SIZE, Importer
from rapport.io.readers import FORMATS, BadRow, Format, RawRow, read_file, read_text
from rapport.io.report import ImportResult, RowError, default_report_path, error_line, write_report
from rapport.io.rows import TYPES
from resolvers.writes._audit import Actor

IMPORT_TYPES = tuple(TYPES)

__all__ = [
    "DEFAULT_BATCH_SIZE",
    "FORMATS",
    "IMPORT_TYPES",
    "ImportResult",
    "Importer",
    "RowError",
    "default_report_path",
    "import_rows",
    "read_file",
    "read_text",
    "write_report",
]


def progress_bar(console: Console, description: str, *, enabled: bool = True) -> Progress:
    """Rows done and rows per second, on stderr."""
    return Progress(
        SpinnerColumn(),
        TextColumn("{task.description}"),
        TextColumn("{task.completed:>12,.0f} rows"),
        TextColumn("[cyan]{task.fields[rate]:>9,.0f} rows/s"),
        TimeElapsedColumn(),
        console=console,
        disable=not enabled,
        refresh_per_second=4,
    )


async def import_rows(
    graph: Graph | None,
    type_name: str,
    rows: Iterable[tuple[int, RawRow | BadRow]],
    *,
    renames: Mapping[str, str] | None = None,
    dry_run: bool = False,
    batch_size: int = DEFAULT_BATCH_SIZE,
    default_phone_region: str = "SK",
    console: Console | None = None,
    progress: bool = True,
    audit: Actor | None = None,
) -> ImportResult:
    """Validate and load `rows`; each refused row is printed (to `console`) as it is found."""
    import time

    console = console or Console(stderr=True)
    importer = Importer(
        graph,
        type_name,
        renames=renames,
        dry_run=dry_run,
        batch_size=batch_size,
        default_phone_region=default_phone_region,
        audit=audit,
    )
    started = time.perf_counter()
    printed = 0
    verb = "Validating" if dry_run else "Importing"
    with progress_bar(console, f"{verb} {type_name}", enabled=progress) as bar:
        task = bar.add_task(f"{verb} {type_name}", total=None, rate=0.0)

        def on_progress(done: int) -> None:
            nonlocal printed
            errors = importer.result.errors
            for error in errors[printed:]:
                bar.console.print(Text(error_line(error), style="red"))
            printed = len(errors)
            elapsed = time.perf_counter() - started
            bar.update(task, completed=done, rate=done / elapsed if elapsed else 0.0)

        result = await importer.run(rows, on_progress=on_progress)
        on_progress(result.rows)
    return result


def read_source(path: Path, fmt: str | None = None) -> Iterable[tuple[int, RawRow | BadRow]]:
    """Rows of `path`, or of stdin when the path is "-" (CSV or JSONL only)."""
    chosen: Format | None = next((f for f in FORMATS if f == fmt), None)
    if str(path) == "-":
        return read_text(sys.stdin.read(), chosen or "csv")
    return read_file(path, chosen)
