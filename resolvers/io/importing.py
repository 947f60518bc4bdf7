"""Running an import: a source's rows through the `Importer`, with a progress bar on stderr."""

from __future__ import annotations

import sys
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, replace
from pathlib import Path

from rich.console import Console
from rich.progress import (
    BarColumn,
    Progress,
    SpinnerColumn,
    TextColumn,
    TimeElapsedColumn,
    TimeRemainingColumn,
)
from rich.text import Text

from graphdb.driver import Graph
from resolvers.io.load import Importer
from resolvers.io.mapping import ColumnMap, MappingError
from resolvers.io.names import DEFAULT_BATCH_SIZE
from resolvers.io.presets import (
    PRESETS,
    Preset,
    Unmapped,
    detect_preset,
    missing_required,
    preset,
    renames_for,
    suggest,
)
from resolvers.io.readers import (
    FORMATS,
    BadRow,
    Format,
    RawRow,
    ReadError,
    Source,
    read_file,
    read_text,
)
from resolvers.io.report import ImportResult, error_line
from resolvers.io.resume import Checkpoint
from resolvers.io.rows import TYPES
from resolvers.io.sniff import Detected, SniffError, codec_name, guess_encoding
from resolvers.writes._audit import Actor

__all__ = [
    "ColumnPlan",
    "MissingColumns",
    "import_rows",
    "plan_columns",
    "progress_bar",
    "read_source",
]

#: Called with each finished import's result (the metrics' import-row counters register here:
#: rapport/observability/metrics.py).
IMPORT_LISTENERS: list[Callable[[ImportResult], None]] = []


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


def import_bar(console: Console, *, enabled: bool = True) -> Progress:
    """An import's progress on stderr: a bar over the file's rows (when their number is
    known), the row reached, rows per second, time taken and the estimated time left."""
    return Progress(
        SpinnerColumn(),
        TextColumn("{task.description}"),
        BarColumn(),
        TextColumn("row {task.completed:,.0f}{task.fields[of]}"),
        TextColumn("[cyan]{task.fields[rate]:>9,.0f} rows/s"),
        TimeElapsedColumn(),
        TextColumn("ETA"),
        TimeRemainingColumn(),
        console=console,
        disable=not enabled,
        refresh_per_second=4,
    )


#: refused rows printed on the console as they are found; the rest only in the report (a bad
#: 20,000-row file would otherwise scroll 20,000 lines past the progress bar)
SHOWN_ERRORS = 20


async def import_rows(
    graph: Graph | None,
    type_name: str,
    rows: Iterable[tuple[int, RawRow | BadRow]],
    *,
    renames: Mapping[str, str] | None = None,
    preset: Preset | None = None,
    dry_run: bool = False,
    batch_size: int = DEFAULT_BATCH_SIZE,
    default_phone_region: str = "SK",
    console: Console | None = None,
    progress: bool = True,
    audit: Actor | None = None,
    detected: Detected | None = None,
    locale: str | None = None,
    tx_timeout_s: float | None = None,
    patient: bool = False,
    checkpoint: Checkpoint | None = None,
) -> ImportResult:
    """Validate and load `rows`; the first `SHOWN_ERRORS` refused rows are printed (to
    `console`) as they are found, then one line saying the rest are in the report.

    `detected` (how the file was read; a `Source`'s own by default) goes into the report.
    `checkpoint` (resolvers/io/resume.py) is saved after every committed batch and removed
    when the import has finished; one holding a committed state resumes after it."""
    import time

    if detected is None and isinstance(rows, Source):
        detected = rows.detected
    console = console or Console(stderr=True)
    importer = Importer(
        graph,
        type_name,
        renames=renames,
        prepare=preset.prepare if preset is not None else None,
        dry_run=dry_run,
        batch_size=batch_size,
        default_phone_region=default_phone_region,
        audit=audit,
        locale=locale,
        excel_serials=detected is not None and detected.format == "xlsx",
        tx_timeout_s=tx_timeout_s,
        patient=patient,
        on_committed=checkpoint.save if checkpoint is not None and not dry_run else None,
        resume=checkpoint.committed if checkpoint is not None else None,
    )
    total = rows.last_row() if isinstance(rows, Source) else None
    started = time.perf_counter()
    verb = "Validating" if dry_run else "Importing"
    seen = len(importer.result.errors)  # a resumed import's earlier errors were shown then
    with import_bar(console, enabled=progress) as bar:
        task = bar.add_task(
            f"{verb} {type_name}",
            total=total,
            completed=importer.position,
            rate=0.0,
            of=f" of ~{total:,}" if total else "",
        )

        def on_progress(done: int) -> None:
            nonlocal seen
            errors = importer.result.errors
            for error in errors[seen:]:
                if seen < SHOWN_ERRORS:
                    bar.console.print(Text(error_line(error), style="red"))
                elif seen == SHOWN_ERRORS:
                    bar.console.print(
                        Text(
                            f"More refused rows are not shown here: the report lists every "
                            f"one (the first {SHOWN_ERRORS} are above).",
                            style="red",
                        )
                    )
                seen += 1
            elapsed = time.perf_counter() - started
            done -= importer.result.resumed_rows
            rate = done / elapsed if elapsed else 0.0
            bar.update(task, completed=importer.position, rate=rate)

        result = await importer.run(rows, on_progress=on_progress)
        on_progress(result.rows)
        bar.update(task, total=importer.position or total, completed=importer.position)
    if checkpoint is not None:
        checkpoint.remove()
    if detected is not None:
        result.detected.update(detected.as_json())
    if locale is not None:
        result.detected["locale"] = locale
    for listener in IMPORT_LISTENERS:
        listener(result)
    return result


def read_source(
    path: Path,
    fmt: str | None = None,
    *,
    encoding: str | None = None,
    delimiter: str | None = None,
) -> Source:
    """Rows of `path`, or of stdin when the path is "-" (CSV or JSONL only)."""
    chosen: Format | None = next((f for f in FORMATS if f == fmt), None)
    if str(path) == "-":
        data = sys.stdin.buffer.read()
        try:
            codec = codec_name(encoding) if encoding else guess_encoding(data, True)
            text = data.decode(codec)
        except (SniffError, UnicodeDecodeError) as exc:
            raise ReadError(f"stdin: {exc}") from exc
        source = read_text(text, chosen or "csv", delimiter=delimiter)
        source.detected = replace(source.detected, encoding=codec, encoding_given=bool(encoding))
        return source
    return read_file(path, chosen, encoding=encoding, delimiter=delimiter)


class MissingColumns(MappingError):
    """No column feeds a required field: the file cannot import a single row."""


@dataclass(frozen=True)
class ColumnPlan:
    """What the header row says before any row is read: the type, the preset, the renames,
    and the columns that feed nothing (each with a suggestion)."""

    type_name: str
    preset: Preset | None
    renames: dict[str, str]
    unmapped: list[Unmapped]


def plan_columns(
    type_name: str | None,
    header: list[str] | None,
    renames: Mapping[str, str],
    preset_name: str | None = None,
) -> ColumnPlan:
    """Choose the preset (given, or detected from `header`), and check that every required
    field is fed by a column; raises MappingError (nothing is imported) when one is not."""
    chosen = preset(preset_name) if preset_name else detect_preset(header or [])
    if chosen is not None and type_name is not None and chosen.type != type_name:
        if preset_name:
            raise MappingError(
                f"--preset {chosen.name} imports {chosen.type}, not {type_name}; drop --type "
                f"or use --type {chosen.type}."
            )
        chosen = None  # the header looks like another type's export; the user said otherwise
    if type_name is None:
        if chosen is None:
            raise MappingError(
                "Say what the rows are with --type (e.g. --type customers); the header row "
                f"matches no preset ({', '.join(PRESETS)})."
            )
        type_name = chosen.type
    all_renames = renames_for(chosen, header or [], renames)
    if header is None:
        return ColumnPlan(type_name, chosen, all_renames, [])
    row_type = TYPES[type_name]
    columns = ColumnMap(row_type.columns, all_renames)
    if chosen is not None:  # a joined column's values go into the first column of its join
        joined = {c for _, *rest in chosen.joins for c in rest}
        header = [h for h in header if h.strip() not in joined]
    fed = {target for h in header if (target := columns.target(h)) is not None}
    if chosen is not None:
        fed.update(chosen.defaults)
    notes = chosen.notes if chosen is not None else {}
    unmapped = [Unmapped(h, suggest(h, row_type.columns, notes)) for h in columns.ignored]
    missing = missing_required(type_name, fed)
    if missing:
        needed = "; ".join(" or ".join(group) for group in missing)
        hints = [f"{u.column!r}: {u.suggestion}" for u in unmapped if u.suggestion]
        raise MissingColumns(
            f"No column feeds the required field(s) {needed} of {type_name}, so nothing was "
            f"imported. The file's columns: {', '.join(header) or '(none)'}."
            + (f" Did you mean: {'; '.join(hints)}?" if hints else "")
            + " Rename with --map 'Column=field'."
        )
    return ColumnPlan(type_name, chosen, all_renames, unmapped)
