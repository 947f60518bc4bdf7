"""The `rapport import` and `rapport export` commands (registered in rapport/cli.py)."""

from __future__ import annotations

import asyncio
import time
from dataclasses import replace
from enum import Enum, StrEnum
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console

from graphdb.driver import DatabaseUnavailable, Graph
from rapport.io import (
    DEFAULT_BATCH_SIZE,
    default_report_path,
    import_rows,
    progress_bar,
    read_source,
    write_report,
)
from rapport.io.export import DEFAULT_PAGE_SIZE, EXPORT_TYPES, Writer, columns_of, export_rows
from rapport.io.mapping import MappingError, parse_map
from rapport.io.readers import ReadError
from rapport.io.rows import TYPES
from rapport.settings import Settings, get_settings
from resolvers.compiler.visibility import FULL, Visibility
from resolvers.segments.cache import SavedSegment
from resolvers.segments.cache import find as find_segment

console = Console(stderr=True)

ImportTypeOption = Enum("ImportTypeOption", {t: t for t in TYPES}, type=str)  # type: ignore[misc]
ExportTypeOption = Enum("ExportTypeOption", {t: t for t in EXPORT_TYPES}, type=str)  # type: ignore[misc]


class InputFormat(StrEnum):
    csv = "csv"
    jsonl = "jsonl"
    xlsx = "xlsx"


def _graph(settings: Settings) -> Graph:
    return Graph.connect(
        settings.effective_neo4j_uri,
        settings.neo4j_user,
        settings.neo4j_password.get_secret_value(),
        settings.neo4j_database,
        budgets=replace(settings.budgets, tx_timeout_s=max(settings.neo4j_tx_timeout_s, 300)),
    )


def _fail(message: str) -> typer.Exit:
    console.print(f"[bold red]error:[/] {message}")
    return typer.Exit(code=1)


async def _connected(settings: Settings) -> Graph:
    graph = _graph(settings)
    if not await graph.ping():
        await graph.close()
        raise DatabaseUnavailable(settings.retry_after_s)
    return graph


def import_command(
    file: Annotated[Path, typer.Argument(help="CSV, JSONL or XLSX file ('-' reads stdin).")],
    type_: Annotated[
        ImportTypeOption, typer.Option("--type", help="What the rows are.", case_sensitive=False)
    ],
    map_: Annotated[
        str | None,
        typer.Option("--map", help="Rename columns: 'Source header=field,Other=field2'."),
    ] = None,
    dry_run: Annotated[
        bool, typer.Option("--dry-run", help="Validate every row; write nothing.")
    ] = False,
    report: Annotated[
        Path | None,
        typer.Option(help="JSON report path (default .rapport/import-report-<timestamp>.json)."),
    ] = None,
    batch_size: Annotated[
        int, typer.Option(min=1, help="Rows per UNWIND statement and transaction.")
    ] = DEFAULT_BATCH_SIZE,
    format_: Annotated[
        InputFormat | None,
        typer.Option("--format", help="Override the format the file name suggests."),
    ] = None,
    progress: Annotated[bool, typer.Option(help="Show the progress bar.")] = True,
) -> None:
    """Import rows: validated like the GraphQL mutations, upserted in batches, idempotent."""
    settings = get_settings()
    try:
        renames = parse_map(map_)
        rows = read_source(file, format_.value if format_ else None)
    except (MappingError, ReadError, OSError) as exc:
        raise _fail(str(exc)) from exc
    type_name = str(type_.value)

    async def run() -> None:
        graph = None if dry_run else await _connected(settings)
        try:
            result = await import_rows(
                graph,
                type_name,
                rows,
                renames=renames,
                dry_run=dry_run,
                batch_size=batch_size,
                default_phone_region=settings.default_phone_region,
                console=console,
                progress=progress,
            )
        finally:
            if graph is not None:
                await graph.close()
        path = write_report(
            result, report or default_report_path(settings.data_dir), source=str(file)
        )
        verb = "would write" if dry_run else "written"
        summary = (
            f"{result.rows:,} rows in {result.seconds:,.1f} s ({result.rows_per_second:,.0f} "
            f"rows/s): {result.valid:,} valid, {result.failed:,} failed"
        )
        if not dry_run:
            summary += (
                f"; {result.created:,} created, {result.updated:,} updated, "
                f"{result.unchanged:,} unchanged ({verb})"
            )
        console.print(summary)
        if result.ignored_columns:
            console.print(f"Ignored columns: {', '.join(result.ignored_columns)}")
        console.print(f"Report: {path}")
        if result.failed:
            raise typer.Exit(code=2)

    try:
        asyncio.run(run())
    except MappingError as exc:
        raise _fail(str(exc)) from exc


async def _visibility(graph: Graph, settings: Settings, token: str | None) -> Visibility:
    """The masking a token's holder gets over GraphQL (no token: the operator, full access)."""
    if token is None:
        return FULL
    from rapport.auth import Authenticator, AuthError

    try:
        viewer = await Authenticator(settings, lambda: graph).authenticate(token)
    except AuthError as exc:
        raise _fail(exc.message) from exc
    return Visibility(viewer.role, viewer.user_id)


async def _segment(graph: Graph, id_or_name: str) -> SavedSegment:
    from schema import global_id
    from schema.root import schema

    key = id_or_name
    try:
        type_name, raw = global_id.decode(id_or_name)
        if type_name == "Segment":
            key = raw
    except global_id.InvalidGlobalId:
        pass
    found = await find_segment(graph, schema._schema, key)
    if found is None:
        raise _fail(f"No segment has the id or name {id_or_name!r}; see `segments` in GraphQL.")
    return found


def export_command(
    type_: Annotated[
        ExportTypeOption, typer.Option("--type", help="What to export.", case_sensitive=False)
    ],
    format_: Annotated[InputFormat, typer.Option("--format", help="Output format.")] = (
        InputFormat.csv
    ),
    out: Annotated[Path | None, typer.Option(help="Output file (default: stdout).")] = None,
    token: Annotated[
        str | None,
        typer.Option(
            envvar="RAPPORT_TOKEN",
            help="API key or JWT: personal fields are masked as for that caller over GraphQL.",
        ),
    ] = None,
    page_size: Annotated[int, typer.Option(min=1, help="Rows per keyset page.")] = (
        DEFAULT_PAGE_SIZE
    ),
    progress: Annotated[bool, typer.Option(help="Show the progress bar.")] = True,
    segment: Annotated[
        str | None,
        typer.Option(
            help="Export only this saved segment's current members (its id or exact name); "
            "needs --type customers."
        ),
    ] = None,
) -> None:
    """Export one entity type, streamed in keyset pages, masked for the token's role."""
    settings = get_settings()
    type_name = str(type_.value)
    if segment is not None and type_name != "customers":
        raise _fail("A segment holds customers: use --type customers with --segment.")

    async def run() -> int:
        graph = await _connected(settings)
        try:
            visibility = await _visibility(graph, settings, token)
            saved = await _segment(graph, segment) if segment is not None else None
            try:
                writer = Writer(format_.value, columns_of(type_name), out)
            except ValueError as exc:
                raise _fail(str(exc)) from exc
            written = 0
            started = time.perf_counter()
            with progress_bar(console, f"Exporting {type_name}", enabled=progress) as bar:
                task = bar.add_task(f"Exporting {type_name}", total=None, rate=0.0)
                try:
                    rows = export_rows(
                        graph, type_name, visibility, page_size=page_size, segment=saved
                    )
                    try:
                        async for row in rows:
                            writer.write(row)
                            written += 1
                            if written % 1000 == 0:
                                elapsed = time.perf_counter() - started
                                bar.update(task, completed=written, rate=written / elapsed)
                    except ValueError as exc:  # a segment this role may not read
                        raise _fail(f"Cannot export: {exc}.") from exc
                finally:
                    writer.close()
                elapsed = time.perf_counter() - started
                bar.update(task, completed=written, rate=written / elapsed if elapsed else 0)
            return written
        finally:
            await graph.close()

    written = asyncio.run(run())
    console.print(f"Exported {written:,} rows" + (f" to {out}." if out else "."))
