"""The `rapport import` and `rapport export` commands (registered in rapport/cli.py).

Only light modules are imported at the top: the importer, the driver and the settings load when
a command runs, so `rapport --help` stays fast.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import time
from dataclasses import replace
from enum import Enum, StrEnum
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer
from rich.console import Console

from resolvers.io.names import (
    DEFAULT_BATCH_SIZE,
    DEFAULT_PAGE_SIZE,
    EXPORT_TYPES,
    IMPORT_TYPES,
    LOCALES,
    PRESET_NAMES,
)

if TYPE_CHECKING:
    from core.settings import Settings
    from graphdb.compiler.visibility import Visibility
    from graphdb.driver import Graph
    from graphdb.segments import SavedSegment

console = Console(stderr=True, soft_wrap=True)

ImportTypeOption = Enum("ImportTypeOption", {t: t for t in IMPORT_TYPES}, type=str)  # type: ignore[misc]
ExportTypeOption = Enum("ExportTypeOption", {t: t for t in EXPORT_TYPES}, type=str)  # type: ignore[misc]


class InputFormat(StrEnum):
    csv = "csv"
    jsonl = "jsonl"
    xlsx = "xlsx"


def _graph(settings: Settings) -> Graph:
    from graphdb.driver import Graph

    return Graph.connect(
        settings.effective_neo4j_uri,
        settings.neo4j_user,
        settings.neo4j_password.get_secret_value(),
        settings.neo4j_database,
        budgets=replace(settings.budgets, tx_timeout_s=max(settings.neo4j_tx_timeout_s, 300)),
    )


def _fail(message: str) -> typer.Exit:
    from rich.markup import escape

    console.print(f"[bold red]error:[/] {escape(message)}")
    return typer.Exit(code=1)


async def _connected(settings: Settings) -> Graph:
    from graphdb.driver import DatabaseUnavailable

    graph = _graph(settings)
    if not await graph.ping():
        await graph.close()
        raise DatabaseUnavailable(settings.retry_after_s)
    return graph


def import_command(
    file: Annotated[Path, typer.Argument(help="CSV, JSONL or XLSX file ('-' reads stdin).")],
    type_: Annotated[
        ImportTypeOption | None,
        typer.Option(
            "--type",
            help="What the rows are (may be left out when a preset is detected).",
            case_sensitive=False,
        ),
    ] = None,
    map_: Annotated[
        str | None,
        typer.Option("--map", help="Rename columns: 'Source header=field,Other=field2'."),
    ] = None,
    preset: Annotated[
        str | None,
        typer.Option(
            help=f"Another tool's export headers: {', '.join(PRESET_NAMES)} "
            "(detected from the header row by default)."
        ),
    ] = None,
    locale: Annotated[
        str | None,
        typer.Option(
            help=f"How dates and numbers are written, e.g. {', '.join(LOCALES)} "
            "(24/12/1980 vs 12/24/1980, 1.234,50 vs 1,234.50). Default: only unambiguous values."
        ),
    ] = None,
    encoding: Annotated[
        str | None,
        typer.Option(help="The file's encoding (utf-8, cp1250, cp1252, iso-8859-2…); detected."),
    ] = None,
    delimiter: Annotated[
        str | None,
        typer.Option(help="CSV separator: comma, semicolon, tab or pipe (or the character)."),
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
    resume: Annotated[
        bool,
        typer.Option(
            "--resume",
            help="Continue an interrupted import of FILE after its last committed batch "
            "(from the checkpoint the import keeps in the data directory), with its options.",
        ),
    ] = False,
) -> None:
    """Import rows: validated like the GraphQL mutations, upserted in batches, idempotent."""
    from core.settings import get_settings
    from resolvers.io import resume as checkpoints
    from resolvers.io.importing import import_rows, plan_columns, read_source
    from resolvers.io.mapping import MappingError, parse_map
    from resolvers.io.readers import ReadError
    from resolvers.io.report import ImportResult, default_report_path, write_report
    from resolvers.io.values import conventions
    from resolvers.writes._audit import Actor

    cli_actor = Actor("", "rapport import (command line)", "cli", "importRecords")

    settings = get_settings()
    checkpoint: checkpoints.Checkpoint | None = None
    try:
        if locale is not None:
            conventions(locale)
        renames = parse_map(map_)
        if resume and str(file) == "-":
            raise _fail("--resume needs a file: stdin cannot be read again from where it stopped.")
        if resume and dry_run:
            raise _fail("--resume continues an import that wrote rows; --dry-run writes none.")
        if str(file) != "-" and not file.is_file():
            raise _fail(f"{file} does not exist or is not a file.")
        options: dict[str, Any] = {
            "type": str(type_.value) if type_ else None,
            "preset": preset,
            "renames": renames,
            "locale": locale,
            "encoding": encoding,
            "delimiter": delimiter,
            "fmt": format_.value if format_ else None,
        }
        if resume:
            checkpoint = checkpoints.load(settings.data_dir, file)
            options = checkpoints.merged_options(checkpoint, options)
            locale, encoding, delimiter = (
                options["locale"],
                options["encoding"],
                options["delimiter"],
            )
        rows = read_source(file, options["fmt"], encoding=encoding, delimiter=delimiter)
        plan = plan_columns(options["type"], rows.header(), options["renames"], options["preset"])
        if checkpoint is None and not dry_run and str(file) != "-":
            options = {
                **options,
                "type": plan.type_name,
                "preset": plan.preset.name if plan.preset is not None else None,
                "fmt": rows.fmt,
            }
            checkpoint = checkpoints.start(settings.data_dir, file, options)
    except (MappingError, ReadError, ValueError, checkpoints.ResumeError) as exc:
        raise _fail(str(exc)) from exc
    except OSError as exc:
        raise _fail(f"cannot read {file}: {exc.strerror or exc}") from exc
    type_name = plan.type_name
    how = rows.detected.summary()
    if plan.preset is not None:
        how += f"; preset {plan.preset.name} ({'given' if preset else 'detected'})"
    if locale is not None:
        how += f"; locale {locale}"
    console.print(f"Reading {file} as {how}.")
    if checkpoint is not None and checkpoint.committed is not None:
        console.print(
            f"Resuming after row {checkpoint.committed.after_row:,} (the last committed batch of "
            f"the interrupted import; {checkpoint.committed.rows:,} rows read before it)."
        )
    for column in plan.unmapped:
        hint = f" ({column.suggestion})" if column.suggestion else ""
        console.print(f"[yellow]Column {column.column!r} feeds no field{hint}.[/]")
    report_path = report or default_report_path(settings.data_dir)

    async def run() -> None:
        graph = None if dry_run else await _connected(settings)
        try:
            result = await import_rows(
                graph,
                type_name,
                rows,
                renames=plan.renames,
                preset=plan.preset,
                dry_run=dry_run,
                batch_size=batch_size,
                default_phone_region=settings.default_phone_region,
                console=console,
                progress=progress,
                locale=locale,
                # audited like importRecords, so the change feed carries command-line imports
                audit=None if dry_run else cli_actor,
                tx_timeout_s=settings.batch_tx_timeout_s,
                patient=True,
                checkpoint=checkpoint,
            )
        except BaseException:
            if checkpoint is not None:
                with contextlib.suppress(OSError):  # the failure itself is what is reported
                    stopped(checkpoint)
            raise
        finally:
            if graph is not None:
                await graph.close()
        if plan.preset is not None:
            result.detected["preset"] = plan.preset.name
            result.detected["presetSource"] = "given" if preset else "detected"
        result.suggestions = {u.column: u.suggestion for u in plan.unmapped if u.suggestion}
        path = write_report(result, report_path, source=str(file))
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

    def stopped(checkpoint: checkpoints.Checkpoint) -> None:
        """The import stopped half-way: say where, and write the report of what it did."""
        committed = checkpoint.committed
        if committed is None:
            console.print(
                "[yellow]Stopped before the first batch was committed: nothing was written.[/]"
            )
            return
        partial = ImportResult(type=type_name)
        checkpoints.restore(partial, committed)
        partial.resumed_after = None
        partial.stopped_after = committed.after_row
        partial.detected.update(rows.detected.as_json())
        if plan.preset is not None:
            partial.detected["preset"] = plan.preset.name
        path = write_report(partial, report_path, source=str(file))
        console.print(
            f"[yellow]Stopped after row {committed.after_row:,}: the rows up to it are done "
            f"({committed.created:,} created, {committed.updated:,} updated, "
            f"{committed.unchanged:,} unchanged so far). Continue with: rapport import {file} "
            f"--resume[/]"
        )
        console.print(f"Report: {path}")

    try:
        asyncio.run(run())
    except KeyboardInterrupt:
        raise _fail("interrupted.") from None
    except (MappingError, ReadError) as exc:
        raise _fail(str(exc)) from exc
    except OSError as exc:
        where = exc.filename or report_path
        raise _fail(f"cannot write {where}: {exc.strerror or exc}") from exc


async def _visibility(graph: Graph, settings: Settings, token: str | None) -> Visibility:
    """The masking a token's holder gets over GraphQL (no token: the operator, full access).

    An empty token (`RAPPORT_TOKEN=` set but empty, or `--token ""`) is refused: Click reads an
    empty variable as unset, which would silently turn "export as this caller" into an
    unmasked export of everything.
    """
    from graphdb.compiler.visibility import FULL, Visibility

    if token is None and "RAPPORT_TOKEN" in os.environ:
        token = os.environ["RAPPORT_TOKEN"]
    if token is not None and not token.strip():
        raise _fail(
            "RAPPORT_TOKEN (or --token) is set but empty. Set it to an API key or JWT to export "
            "as that caller, or unset it for an operator export with full access."
        )
    if token is None:
        return FULL
    from rapport.auth import Authenticator, AuthError

    try:
        viewer = await Authenticator(settings, lambda: graph).authenticate(token)
    except AuthError as exc:
        raise _fail(exc.message) from exc
    return Visibility(viewer.role, viewer.user_id)


async def _segment(graph: Graph, id_or_name: str) -> SavedSegment:
    from core import global_id
    from resolvers.segments.cache import find as find_segment
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
    excel: Annotated[
        bool,
        typer.Option(
            "--excel",
            help="CSV for Excel: a BOM, and the locale's separator and decimal mark "
            "(semicolon and decimal comma unless --locale is an English one).",
        ),
    ] = False,
    locale: Annotated[
        str | None,
        typer.Option(help="With --excel: whose separator and decimal mark, e.g. de-DE, en-GB."),
    ] = None,
) -> None:
    """Export one entity type, streamed in keyset pages, masked for the token's role."""
    from core.settings import get_settings
    from resolvers.io.export import Writer, column_kinds, columns_of, export_rows
    from resolvers.io.importing import progress_bar
    from resolvers.io.values import conventions

    settings = get_settings()
    try:
        convention = conventions(locale) if locale else None
    except ValueError as exc:
        raise _fail(str(exc)) from exc
    type_name = str(type_.value)
    if segment is not None and type_name != "customers":
        raise _fail("A segment holds customers: use --type customers with --segment.")

    async def run() -> int:
        graph = await _connected(settings)
        try:
            visibility = await _visibility(graph, settings, token)
            saved = await _segment(graph, segment) if segment is not None else None
            try:
                writer = Writer(
                    format_.value,
                    columns_of(type_name),
                    out,
                    kinds=column_kinds(type_name),
                    excel=excel,
                    locale=convention,
                )
            except ValueError as exc:
                raise _fail(str(exc)) from exc
            except OSError as exc:
                raise _fail(f"cannot write {out}: {exc.strerror or exc}") from exc
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

    try:
        written = asyncio.run(run())
    except OSError as exc:
        raise _fail(f"cannot write {exc.filename or out}: {exc.strerror or exc}") from exc
    console.print(f"Exported {written:,} rows" + (f" to {out}." if out else "."))
