"""Payload of importRecords."""

from __future__ import annotations

import strawberry


@strawberry.type(description="A row that was refused; nothing of it was written.")
class ImportRowError:
    row: int = strawberry.field(
        description="Row number as a spreadsheet shows it (the header is row 1); in JSONL the "
        "line number; 0 when the whole request was refused."
    )
    field: str | None = strawberry.field(description="The field at fault, e.g. email.")
    code: str = strawberry.field(description="Stable reason, e.g. INVALID_EMAIL, NOT_FOUND.")
    message: str = strawberry.field(description="What is wrong, in plain words.")


@strawberry.type(description="Result of importRecords: counts, and every refused row.")
class ImportPayload:
    created: int = strawberry.field(default=0, description="Records created.")
    updated: int = strawberry.field(default=0, description="Records changed.")
    unchanged: int = strawberry.field(
        default=0, description="Rows identical to what is stored (nothing written)."
    )
    failed: int = strawberry.field(default=0, description="Rows refused.")
    valid: int = strawberry.field(
        default=0, description="Rows that passed validation (in a dry run: would be written)."
    )
    errors: list[ImportRowError] = strawberry.field(
        default_factory=list,
        description="Every refused row's problems (valid rows were imported regardless). A "
        "refusal of the whole request (too many rows, not allowed) is one error with row 0.",
    )
