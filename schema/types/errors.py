"""`UserError`: a problem with a mutation's input, returned in the payload (never thrown).

A refused mutation changes nothing and lists every problem found, each pointing at the input
field that caused it, so a form can show the message next to the right box.
"""

from __future__ import annotations

from collections.abc import Iterable

import strawberry

from core.validation import FieldError


@strawberry.type(
    description="Why a change was refused. Nothing was saved; fix the field and try again."
)
class UserError:
    field: list[str] | None = strawberry.field(
        description='Path to the input field at fault, e.g. ["input", "email"] or '
        '["input", "lines", "2", "quantity"]; empty when the problem is not one field\'s.'
    )
    code: str = strawberry.field(
        description="Stable machine-readable reason, e.g. DUPLICATE, NOT_FOUND, "
        "VERSION_CONFLICT, REQUIRED. See docs/mutations.md for the full list."
    )
    message: str = strawberry.field(description="What went wrong, in plain words, for people.")
    existing_id: strawberry.ID | None = strawberry.field(
        default=None,
        description="With DUPLICATE: the id of the record that already has this value (to "
        "link to it, or to find your own earlier write after COMMIT_UNKNOWN); null otherwise.",
    )


def user_errors(errors: Iterable[FieldError]) -> list[UserError]:
    """The GraphQL form of validator errors, in the order they were found."""
    return [
        UserError(
            field=list(e.field),
            code=e.code,
            message=e.message,
            existing_id=strawberry.ID(e.existing_id) if e.existing_id else None,
        )
        for e in errors
    ]
