"""Import jobs over GraphQL: startImport, appendImportChunk, cancelImport, resumeImport and the
`importJob(id)` query (resolvers/io/jobs.py runs them; docs/import-export.md shows a client)."""

from __future__ import annotations

import base64
from enum import Enum
from typing import Annotated, Any

import orjson
import strawberry

from core.selection import Field
from graphdb.compiler.errors import QueryArgumentError
from resolvers.io import jobs
from schema.context import Info, call
from schema.inputs.imports import ImportFormat, ImportOptions, ImportType
from schema.payloads.imports import ImportDetected, ImportRowError
from schema.plain import plain
from schema.scalars import JSON, DateTime
from schema.types.base import PageInfo
from schema.types.errors import UserError, user_errors

#: refused rows per page of `ImportJob.errors`: default and most
ERRORS_PAGE = 50
MAX_ERRORS_PAGE = 1000


@strawberry.enum(description="Where an import job is.")
class ImportJobStatus(Enum):
    UPLOADING = strawberry.enum_value(
        "UPLOADING", description="Taking pieces (appendImportChunk) until one is marked last."
    )
    QUEUED = strawberry.enum_value(
        "QUEUED", description="Uploaded; waits for a free slot on the server (a few run at once)."
    )
    RUNNING = strawberry.enum_value("RUNNING", description="Importing; see the progress fields.")
    CANCELLING = strawberry.enum_value(
        "CANCELLING", description="Cancelled while running; stops after the batch in flight."
    )
    SUCCEEDED = strawberry.enum_value(
        "SUCCEEDED",
        description="Every row was read: valid rows are imported, refused ones are in `errors`.",
    )
    FAILED = strawberry.enum_value(
        "FAILED",
        description="Nothing was imported: the file cannot be read as asked (see `message`), "
        "e.g. no column feeds a required field.",
    )
    CANCELLED = strawberry.enum_value(
        "CANCELLED", description="Stopped by a user; rows written before the stop stay."
    )
    INTERRUPTED = strawberry.enum_value(
        "INTERRUPTED",
        description="Its server stopped or lost the database mid-way; resumeImport goes on after "
        "the last committed batch.",
    )


def _cursor(index: int) -> str:
    return base64.urlsafe_b64encode(f"importerror:{index}".encode()).decode()


def _index(cursor: str) -> int:
    try:
        kind, _, number = base64.urlsafe_b64decode(cursor.encode()).decode().partition(":")
        if kind != "importerror" or not number.isdigit():
            raise ValueError(cursor)
        return int(number) + 1
    except (ValueError, UnicodeError) as exc:
        raise QueryArgumentError(
            "`after` is not a cursor of ImportJob.errors.", code="INVALID_CURSOR", argument="after"
        ) from exc


def _window(first: int | None, after: str | None) -> tuple[int, int]:
    size = ERRORS_PAGE if first is None else first
    if not 0 <= size <= MAX_ERRORS_PAGE:
        raise QueryArgumentError(
            f"`first` must be between 0 and {MAX_ERRORS_PAGE}; it is {size}.",
            code="OUT_OF_RANGE",
            argument="first",
        )
    start = _index(after) if after is not None else 0
    return start, start + size


def errors_window(fields: list[Field]) -> tuple[int, int]:
    """The refused rows every `errors(first, after)` selection under `fields` asks for, as one
    range (plus one row, to tell whether a next page exists), so one statement reads them."""
    windows = [
        _window(f.args.get("first"), f.args.get("after")) for f in fields if f.name == "errors"
    ]
    if not windows:
        return 0, 0
    return min(w[0] for w in windows), max(w[1] for w in windows) + 1


@strawberry.type(description="An edge of ImportJob.errors.")
class ImportRowErrorEdge:
    cursor: str = strawberry.field(description="Where this refused row is, for `after`.")
    node: ImportRowError = strawberry.field(description="The refused row.")


@strawberry.type(description="A page of an import job's refused rows, in row order.")
class ImportRowErrorConnection:
    edges: list[ImportRowErrorEdge] = strawberry.field(description="The refused rows.")
    page_info: PageInfo = strawberry.field(description="Where this page is.")
    total_count: int = strawberry.field(
        description="Refused-row problems in all (a row can have several); the job keeps the "
        f"first {jobs.MAX_STORED_ERRORS:,} to page through."
    )


def _by_response_key(info: Info, name: str, values: dict[str, Any]) -> dict[str, Any]:
    """`values` (by field name) keyed as the client asked for them: PageInfo's fields read
    their row by response key (schema/types/base.py), aliases included."""
    out: dict[str, Any] = {}
    for selected in info.selected_fields:
        for child in selected.selections:
            if getattr(child, "name", None) != name:
                continue
            for leaf in getattr(child, "selections", []):
                field_name = getattr(leaf, "name", None)
                if field_name in values:
                    out[getattr(leaf, "alias", None) or field_name] = values[field_name]
    return out


def _int(raw: dict[str, Any], key: str) -> int:
    return int(raw.get(key) or 0)


@strawberry.type(
    description="A file imported in the background (startImport, appendImportChunk): what it "
    "was asked to do, how far it has got, and every refused row. Readable by its owner (and "
    "ADMINs) with importJob(id) while it runs and for 7 days after it ends."
)
class ImportJob:
    view: strawberry.Private[jobs.JobView]

    @strawberry.field(description="The job's id (for importJob and the job mutations).")
    def id(self) -> strawberry.ID:
        return strawberry.ID(self.view.id)

    @strawberry.field(description="What the rows are.")
    def type(self) -> ImportType:
        return ImportType(self.view.raw["type"])

    @strawberry.field(description="How the file is written: CSV or JSONL.")
    def format(self) -> ImportFormat:
        return ImportFormat(self.view.raw["format"])

    @strawberry.field(description="Where the job is.")
    def status(self) -> ImportJobStatus:
        return ImportJobStatus(self.view.raw["status"])

    @strawberry.field(description="True: validate and report only; nothing is written.")
    def dry_run(self) -> bool:
        return bool(self.view.raw["dryRun"])

    @strawberry.field(
        description="The options it was started with: renames (the map), delimiter, locale, preset."
    )
    def options(self) -> JSON:
        return JSON(orjson.loads(self.view.raw["options"]))

    @strawberry.field(description="Pieces uploaded so far.")
    def chunks(self) -> int:
        return _int(self.view.raw, "chunks")

    @strawberry.field(description="Bytes (UTF-8) uploaded so far.")
    def bytes(self) -> int:
        return _int(self.view.raw, "bytes")

    @strawberry.field(description="When the job was started.")
    def created_at(self) -> DateTime:
        return DateTime(self.view.raw["createdAt"])

    @strawberry.field(description="When anything about the job last changed.")
    def updated_at(self) -> DateTime:
        return DateTime(self.view.raw["updatedAt"])

    @strawberry.field(description="When it began importing (null while uploading or queued).")
    def started_at(self) -> DateTime | None:
        value = self.view.raw.get("startedAt")
        return DateTime(value) if value is not None else None

    @strawberry.field(description="When it ended (null until it has).")
    def finished_at(self) -> DateTime | None:
        value = self.view.raw.get("finishedAt")
        return DateTime(value) if value is not None else None

    @strawberry.field(
        description="Number of the file's last row as a spreadsheet shows it (the header is "
        "row 1; in JSONL the line number), known once the job is running; about, when quoted "
        "cells span lines."
    )
    def last_row(self) -> int | None:
        value = self.view.raw.get("rowsTotal")
        return int(value) if value is not None else None

    @strawberry.field(
        description="Every row up to this one is written or refused (the last committed batch)."
    )
    def row_reached(self) -> int:
        return _int(self.view.raw, "rowReached")

    @strawberry.field(description="Rows read so far (blank lines are not rows).")
    def rows_read(self) -> int:
        return _int(self.view.raw, "rowsRead")

    @strawberry.field(description="Share of the file done, 0-1 (null until lastRow is known).")
    def progress(self) -> float | None:
        total = self.view.raw.get("rowsTotal")
        if not total:
            return None
        if self.view.raw["status"] == "SUCCEEDED":
            return 1.0
        return min(1.0, _int(self.view.raw, "rowReached") / int(total))

    @strawberry.field(description="Rows imported per second in this run so far.")
    def rows_per_second(self) -> float | None:
        value = self.view.raw.get("rowsPerSecond")
        return round(float(value), 1) if value is not None else None

    @strawberry.field(
        description="Estimated seconds left at the current rate (null when not running)."
    )
    def eta_seconds(self) -> float | None:
        raw = self.view.raw
        rate, total = raw.get("rowsPerSecond"), raw.get("rowsTotal")
        if raw["status"] != "RUNNING" or not rate or not total:
            return None
        return round(max(0, int(total) - _int(raw, "rowReached")) / float(rate), 1)

    @strawberry.field(description="Records created.")
    def created(self) -> int:
        return _int(self.view.raw, "created")

    @strawberry.field(description="Records changed.")
    def updated(self) -> int:
        return _int(self.view.raw, "updated")

    @strawberry.field(description="Rows identical to what is stored (nothing written).")
    def unchanged(self) -> int:
        return _int(self.view.raw, "unchanged")

    @strawberry.field(
        description="Customers whose company, account manager or tags the import linked."
    )
    def linked(self) -> int:
        return _int(self.view.raw, "linked")

    @strawberry.field(description="Rows refused.")
    def failed(self) -> int:
        return _int(self.view.raw, "failed")

    @strawberry.field(description="Rows that passed validation (in a dry run: would be written).")
    def valid(self) -> int:
        return _int(self.view.raw, "valid")

    @strawberry.field(description="How the file was read (separator, preset, locale).")
    def detected(self) -> ImportDetected | None:
        raw = self.view.raw.get("detected")
        if raw is None:
            return None
        data = orjson.loads(raw)
        return ImportDetected(
            delimiter=data.get("delimiter"),
            delimiter_detected=data.get("delimiterSource") == "detected",
            preset=data.get("preset"),
            locale=data.get("locale"),
            unmapped_columns=list(data.get("unmappedColumns") or []),
        )

    @strawberry.field(
        description="Why it failed, was interrupted or cancelled, in plain words; null otherwise."
    )
    def message(self) -> str | None:
        value = self.view.raw.get("message")
        return str(value) if value is not None else None

    @strawberry.field(description="A resumed job: the row the interrupted run had committed up to.")
    def resumed_after_row(self) -> int | None:
        value = self.view.raw.get("resumedAfter")
        return int(value) if value is not None else None

    @strawberry.field(
        description="The refused rows, in row order; personal values in messages are redacted "
        "('[redacted]'), as in a report on disk."
    )
    def errors(
        self,
        info: Info,
        first: Annotated[
            int | None,
            strawberry.argument(
                description=f"Page size; default {ERRORS_PAGE}, at most {MAX_ERRORS_PAGE}."
            ),
        ] = None,
        after: Annotated[
            str | None,
            strawberry.argument(description="Cursor to start after (pageInfo.endCursor)."),
        ] = None,
    ) -> ImportRowErrorConnection:
        start, end = _window(first, after)
        fetched = self.view.errors()
        offset = self.view.errors_from
        page = fetched[start - offset : end - offset] if start >= offset else []
        stored = _int(self.view.raw, "storedErrors")
        edges = [
            ImportRowErrorEdge(
                cursor=_cursor(start + i),
                node=ImportRowError(
                    row=e.row, field=e.field, code=e.code, message=e.message, column=e.column
                ),
            )
            for i, e in enumerate(page)
        ]
        page_info = {
            "hasNextPage": end < stored,
            "hasPreviousPage": start > 0,
            "startCursor": edges[0].cursor if edges else None,
            "endCursor": edges[-1].cursor if edges else None,
        }
        return ImportRowErrorConnection(
            edges=edges,
            page_info=_by_response_key(info, "pageInfo", page_info),  # type: ignore[arg-type]
            total_count=_int(self.view.raw, "errorCount"),
        )


@strawberry.type(description="Result of a job mutation: the job as it is now, and any errors.")
class ImportJobPayload:
    job: ImportJob | None = strawberry.field(
        description="The job (null when refused before one existed)."
    )
    errors: list[UserError] = strawberry.field(description="Why the request was refused.")


def _job_window(info: Info) -> tuple[int, int]:
    """The refused rows a mutation's `job { errors(…) }` selections ask for."""
    top = call(info).selection.top
    return errors_window([f for job in top.children if job.name == "job" for f in job.children])


def _payload(outcome: jobs.JobOutcome) -> ImportJobPayload:
    job = ImportJob(view=outcome.job) if outcome.job is not None else None
    return ImportJobPayload(job=job, errors=user_errors(outcome.errors))


@strawberry.input(description="What a new import job will import, and how to read its file.")
class StartImportInput(ImportOptions):
    """The importRecords options without `data`: the file comes in pieces (appendImportChunk)."""


@strawberry.input(description="One piece of an import job's file.")
class AppendImportChunkInput:
    job_id: strawberry.ID = strawberry.field(description="The job, from startImport.")
    index: int = strawberry.field(
        description="The piece's number: 0, 1, 2… in order. Sending a piece again under its "
        "index with the same data is accepted (a retry); different data is CHUNK_CONFLICT."
    )
    data: str = strawberry.field(
        description="The next part of the file's text (at most 512 KiB of UTF-8); pieces are "
        "joined as they are, so a piece may end anywhere, even mid-line."
    )
    last: bool = strawberry.field(
        default=False,
        description="True on the last piece: the upload is complete and the import starts.",
    )


@strawberry.input(description="The import job to cancel.")
class CancelImportInput:
    job_id: strawberry.ID = strawberry.field(description="The job, from startImport.")


@strawberry.input(description="The INTERRUPTED import job to run again.")
class ResumeImportInput:
    job_id: strawberry.ID = strawberry.field(description="The job, from startImport.")


def _input(description: str) -> Any:
    return strawberry.argument(description=description)


@strawberry.type
class ImportJobMutations:
    @strawberry.mutation(
        description="Start a background import of a file too big for importRecords: send its "
        "pieces with appendImportChunk, then follow it with importJob(id). The options are "
        "checked now. ADMIN and MANAGER only; at most 5 open jobs per user."
    )
    async def start_import(
        self, info: Info, input: Annotated[StartImportInput, _input("The job's options.")]
    ) -> ImportJobPayload:
        return _payload(await jobs.start_import(call(info), plain(input), _job_window(info)))

    @strawberry.mutation(
        description="Upload the next piece of an import job's file; the piece marked `last` "
        "starts the import."
    )
    async def append_import_chunk(
        self, info: Info, input: Annotated[AppendImportChunkInput, _input("The piece.")]
    ) -> ImportJobPayload:
        return _payload(await jobs.append_chunk(call(info), plain(input), _job_window(info)))

    @strawberry.mutation(
        description="Cancel an import job: at once while uploading or queued; a running one "
        "stops after its current batch (rows written until then stay)."
    )
    async def cancel_import(
        self, info: Info, input: Annotated[CancelImportInput, _input("The job.")]
    ) -> ImportJobPayload:
        return _payload(await jobs.cancel_import(call(info), plain(input), _job_window(info)))

    @strawberry.mutation(
        description="Run an INTERRUPTED import job again from after its last committed batch."
    )
    async def resume_import(
        self, info: Info, input: Annotated[ResumeImportInput, _input("The job.")]
    ) -> ImportJobPayload:
        return _payload(await jobs.resume_import(call(info), plain(input), _job_window(info)))


@strawberry.type
class ImportJobQueries:
    @strawberry.field(
        description="One of your import jobs (an ADMIN: anyone's) with its progress, counts and "
        "refused rows; null when there is no such job of yours."
    )
    async def import_job(
        self,
        info: Info,
        id: Annotated[strawberry.ID, strawberry.argument(description="The job's id.")],
    ) -> ImportJob | None:
        c = call(info)
        window = errors_window(c.selection.top.children)
        view = await jobs.import_job(c, str(id), window)
        return ImportJob(view=view) if view is not None else None
