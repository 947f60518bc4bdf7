"""importRecords: `rapport import` for small batches over GraphQL (the same code path).

At most MAX_ROWS rows per request: a bigger file would hold one HTTP request (and a worker) for
a long time; the CLI streams files of any size. Bulk import is for ADMIN and MANAGER: it writes
any account, which SALES may not. Like every mutation it is audited: each record it creates or
changes gets one AuditEvent (action `importRecords`) in the same transaction as the write. The
command-line import, run by an operator with the database credentials, is not audited.
"""

from __future__ import annotations

import io
from dataclasses import dataclass, field
from typing import Any

from rich.console import Console

from core.codes import WriteCode
from core.validation import Code
from resolvers.call import Call, Input
from resolvers.io.importing import MissingColumns, import_rows, plan_columns
from resolvers.io.mapping import MappingError, parse_map
from resolvers.io.readers import BadRow, Format, RawRow, ReadError, read_text
from resolvers.io.values import conventions
from resolvers.writes import policy
from resolvers.writes._audit import Actor

MAX_ROWS = 1000


@dataclass(frozen=True)
class RowProblem:
    """Why one row was refused; row 0 is the request itself (a bad map, delimiter, …)."""

    row: int
    field: str | None
    code: str
    message: str


@dataclass
class ImportOutcome:
    """What an importRecords request did: counts, what was detected, every refused row."""

    created: int = 0
    updated: int = 0
    unchanged: int = 0
    linked: int = 0
    failed: int = 0
    valid: int = 0
    #: delimiter, delimiter_detected, preset, locale, unmapped_columns; None when refused early
    detected: dict[str, Any] | None = None
    errors: list[RowProblem] = field(default_factory=list)


def _refused(code: str, message: str, field: str | None = None) -> ImportOutcome:
    return ImportOutcome(errors=[RowProblem(row=0, field=field, code=code, message=message)])


async def import_records(call: Call, data: Input) -> ImportOutcome:
    viewer = call.viewer
    if viewer.role not in policy.STAFF:
        return _refused(WriteCode.FORBIDDEN, policy.role_refusal(viewer, "importRecords").message)
    try:
        renames = parse_map(data.map if isinstance(data.map, dict) else None)
        if data.map is not None and not isinstance(data.map, dict):
            raise MappingError('map must be an object: {"source header": "field"}.')
    except MappingError as exc:
        return _refused(Code.INVALID_VALUE, str(exc), "map")
    fmt: Format = "jsonl" if data.format.name == "JSONL" else "csv"
    try:
        if data.locale is not None:
            conventions(data.locale)
    except ValueError as exc:
        return _refused(Code.INVALID_VALUE, str(exc), "locale")
    try:
        source = read_text(data.data, fmt, delimiter=data.delimiter)
    except ReadError as exc:
        return _refused(Code.INVALID_VALUE, str(exc), "delimiter")
    try:
        plan = plan_columns(str(data.type.value), source.header(), renames, data.preset)
    except MissingColumns as exc:
        return _refused(Code.REQUIRED, str(exc), "data")
    except MappingError as exc:
        return _refused(Code.INVALID_VALUE, str(exc), "preset" if data.preset else "map")
    rows: list[tuple[int, RawRow | BadRow]] = []
    for row in source:
        rows.append(row)
        if len(rows) > MAX_ROWS:
            return _refused(
                Code.OUT_OF_RANGE,
                f"At most {MAX_ROWS:,} rows per importRecords request; split the file or use "
                "`rapport import` for large files.",
                "data",
            )
    try:
        result = await import_rows(
            call.graph,
            str(data.type.value),
            rows,
            renames=plan.renames,
            preset=plan.preset,
            dry_run=data.dry_run,
            locale=data.locale,
            detected=source.detected,
            default_phone_region=call.settings.default_phone_region,
            console=Console(file=io.StringIO()),
            progress=False,
            audit=Actor(viewer.user_id, viewer.email, viewer.credential_id, "importRecords"),
        )
    except MappingError as exc:
        return _refused(Code.INVALID_VALUE, str(exc), "map")
    return ImportOutcome(
        **result.tally(),
        failed=result.failed,
        detected=dict(
            delimiter=source.detected.as_json().get("delimiter"),
            delimiter_detected=source.delimiter is not None and not source.detected.delimiter_given,
            preset=plan.preset.name if plan.preset is not None else None,
            locale=data.locale,
            unmapped_columns=[u.column for u in plan.unmapped],
        ),
        errors=[_row_error(e) for e in sorted(result.errors, key=lambda e: e.row)],
    )


def _row_error(error: Any) -> RowProblem:
    return RowProblem(row=error.row, field=error.field, code=error.code, message=error.message)
