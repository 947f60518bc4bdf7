"""Payload of importRecords."""

from __future__ import annotations

import strawberry

from resolvers.writes.imports import ImportOutcome


@strawberry.type(description="A row that was refused; nothing of it was written.")
class ImportRowError:
    row: int = strawberry.field(
        description="Row number as a spreadsheet shows it (the header is row 1); in JSONL the "
        "line number; 0 when the whole request was refused."
    )
    field: str | None = strawberry.field(description="The field at fault, e.g. email.")
    code: str = strawberry.field(description="Stable reason, e.g. INVALID_EMAIL, NOT_FOUND.")
    message: str = strawberry.field(description="What is wrong, in plain words.")
    column: str | None = strawberry.field(
        default=None, description="The file's column that fed `field`, when it is named otherwise."
    )


@strawberry.type(description="How importRecords read the data.")
class ImportDetected:
    delimiter: str | None = strawberry.field(
        default=None, description="CSV separator used: comma, semicolon, tab or pipe."
    )
    delimiter_detected: bool = strawberry.field(
        default=False, description="True when the separator was detected, not given."
    )
    preset: str | None = strawberry.field(
        default=None, description="Column preset used (given or detected), e.g. hubspot-contacts."
    )
    locale: str | None = strawberry.field(
        default=None, description="Locale dates and numbers were read in, when one was given."
    )
    unmapped_columns: list[str] = strawberry.field(
        default_factory=list, description="Columns of the header that feed no field."
    )


@strawberry.type(description="Result of importRecords: counts, and every refused row.")
class ImportPayload:
    created: int = strawberry.field(default=0, description="Records created.")
    updated: int = strawberry.field(default=0, description="Records changed.")
    unchanged: int = strawberry.field(
        default=0, description="Rows identical to what is stored (nothing written)."
    )
    linked: int = strawberry.field(
        default=0,
        description="Customers whose company, account manager or tags the import linked.",
    )
    failed: int = strawberry.field(default=0, description="Rows refused.")
    valid: int = strawberry.field(
        default=0, description="Rows that passed validation (in a dry run: would be written)."
    )
    detected: ImportDetected | None = strawberry.field(
        default=None, description="How the data was read (separator, preset, locale)."
    )
    errors: list[ImportRowError] = strawberry.field(
        default_factory=list,
        description="Every refused row's problems (valid rows were imported regardless). A "
        "refusal of the whole request (too many rows, not allowed) is one error with row 0.",
    )


def import_payload(outcome: ImportOutcome) -> ImportPayload:
    """The GraphQL form of an importRecords outcome."""
    detected = outcome.detected
    return ImportPayload(
        created=outcome.created,
        updated=outcome.updated,
        unchanged=outcome.unchanged,
        linked=outcome.linked,
        failed=outcome.failed,
        valid=outcome.valid,
        detected=ImportDetected(**detected) if detected is not None else None,
        errors=[ImportRowError(**vars(e)) for e in outcome.errors],
    )
